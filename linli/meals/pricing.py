"""Meal prices by rule. Pure functions: no ORM, so each rule kind and the choice between them is testable.

Combination policy: subsidies do not add up. Of the rules that apply to the resident on the meal's day,
the one that takes the most off this meal's price gives the subsidy (ties: the rule made first); a rule that
takes nothing off (one that only grants delivery) is never the order's subsidy rule. A rule's
subsidy is its fixed amount plus its percentage of the base price, never more than the price itself: the
resident never pays less than nothing for the meal; a delivery fee is paid on top and is not subsidised.
Delivery is allowed when any applicable rule grants it, whatever rule gives the subsidy.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class ResidentFacts:
    """What the rules read about a resident on the meal's day, from the golden record."""

    area_code: str
    age: int | None = None
    tags: frozenset[str] = field(default_factory=frozenset)
    # The disability grade: the disability certificate's level, 1 (most severe) to 4; None when not graded.
    ability_grade: int | None = None


class Rule(Protocol):
    """The fields of a subsidy rule that pricing reads (the model, or any object with them)."""

    @property
    def pk(self) -> int | None: ...

    @property
    def kind(self) -> str: ...

    @property
    def min_age(self) -> int | None: ...

    @property
    def max_age(self) -> int | None: ...

    @property
    def tag(self) -> str: ...

    @property
    def max_grade(self) -> int | None: ...

    @property
    def amount_fen(self) -> int: ...

    @property
    def percent(self) -> int: ...

    @property
    def grants_delivery(self) -> bool: ...

    @property
    def valid_from(self) -> dt.date: ...

    @property
    def valid_to(self) -> dt.date | None: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def area_code(self) -> str: ...


@dataclass(frozen=True)
class Price:
    base_fen: int
    subsidy_fen: int
    delivery_fee_fen: int
    rule: Rule | None

    @property
    def pays_fen(self) -> int:
        return self.base_fen - self.subsidy_fen + self.delivery_fee_fen


def age_on(birth_date: dt.date | None, day: dt.date) -> int | None:
    """Completed years on ``day``."""
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def applies(rule: Rule, facts: ResidentFacts, day: dt.date) -> bool:
    """Whether the rule covers this resident on ``day``: in force, in its area, and its kind's condition."""
    if not rule.is_active or day < rule.valid_from or (rule.valid_to is not None and day > rule.valid_to):
        return False
    if not facts.area_code.startswith(rule.area_code):
        return False
    if rule.kind == "age":
        if facts.age is None or rule.min_age is None or facts.age < rule.min_age:
            return False
        return rule.max_age is None or facts.age <= rule.max_age
    if rule.kind == "tag":
        return bool(rule.tag) and rule.tag in facts.tags
    if rule.kind == "ability":
        return (
            facts.ability_grade is not None
            and rule.max_grade is not None
            and facts.ability_grade <= rule.max_grade
        )
    return False


def subsidy_of(rule: Rule, base_fen: int) -> int:
    """The rule's fixed amount plus its percentage of the price (rounded down), at most the price."""
    return min(base_fen, rule.amount_fen + base_fen * rule.percent // 100)


def best_rule(rules: Iterable[Rule], facts: ResidentFacts, day: dt.date, base_fen: int) -> Rule | None:
    """The applicable rule with the largest subsidy on this price; the earliest made wins a tie. None when no
    applicable rule takes anything off."""
    best: Rule | None = None
    best_amount = 0
    for rule in sorted(rules, key=lambda r: r.pk or 0):
        if not applies(rule, facts, day):
            continue
        amount = subsidy_of(rule, base_fen)
        if amount > best_amount:
            best, best_amount = rule, amount
    return best


def may_have_delivery(rules: Iterable[Rule], facts: ResidentFacts, day: dt.date) -> bool:
    """Delivery by rule: some applicable rule grants it (e.g. a disability grade, or elderly living alone)."""
    return any(rule.grants_delivery and applies(rule, facts, day) for rule in rules)


def price_meal(
    *, rules: Iterable[Rule], facts: ResidentFacts, day: dt.date, base_fen: int, delivery_fee_fen: int = 0
) -> Price:
    """The price of one meal for this resident: the best rule's subsidy, then the delivery fee on top."""
    rules = list(rules)
    rule = best_rule(rules, facts, day, base_fen)
    subsidy = subsidy_of(rule, base_fen) if rule is not None else 0
    return Price(base_fen=base_fen, subsidy_fen=subsidy, delivery_fee_fen=delivery_fee_fen, rule=rule)


def yuan(fen: int) -> str:
    """12.50 for 1250 fen."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def parse_yuan(text: str) -> int:
    """Fen from a yuan amount as typed ("12", "12.5", "12.50"); ValueError for anything else."""
    raw = text.strip().replace("¥", "").replace("元", "")
    if not raw or raw.count(".") > 1 or not raw.replace(".", "").isdigit():
        raise ValueError(text)
    whole, _sep, cents = raw.partition(".")
    if len(cents) > 2:
        raise ValueError(text)
    return int(whole or "0") * 100 + int((cents + "00")[:2])
