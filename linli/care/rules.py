"""Which care rules hold in an area and what interval they give a resident: pure functions, no ORM."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# A rule is known by its tag and grade bound; the same key in a deeper area overrides it.
RuleKey = tuple[str, int]


@dataclass(frozen=True)
class RuleRow:
    id: int
    area_code: str
    tag: str
    max_level: int
    interval_days: int
    is_active: bool

    @property
    def key(self) -> RuleKey:
        return (self.tag, self.max_level)

    def applies_to(self, level: int | None) -> bool:
        """A grade-bounded rule needs a level at most its bound (grade 1 is the most severe)."""
        return self.max_level == 0 or (level is not None and level <= self.max_level)


def rules_in_force(rules: Iterable[RuleRow], area_code: str) -> dict[RuleKey, RuleRow]:
    """The active rules in ``area_code``: for each key, the rule of the deepest area above or at it."""
    chosen: dict[RuleKey, RuleRow] = {}
    for rule in rules:
        if not area_code.startswith(rule.area_code):
            continue
        held = chosen.get(rule.key)
        if held is None or len(rule.area_code) > len(held.area_code):
            chosen[rule.key] = rule
    return {key: rule for key, rule in chosen.items() if rule.is_active}


def deciding_rule(
    in_force: Mapping[RuleKey, RuleRow], tags: Iterable[tuple[str, int | None]]
) -> RuleRow | None:
    """Of the rules that apply to a resident's tags (tag, level), the one with the shortest interval;
    ties go to the lower rule id, so the choice is stable from run to run."""
    best: RuleRow | None = None
    for tag, level in tags:
        for rule in in_force.values():
            if rule.tag != tag or not rule.applies_to(level):
                continue
            if best is None or (rule.interval_days, rule.id) < (best.interval_days, best.id):
                best = rule
    return best
