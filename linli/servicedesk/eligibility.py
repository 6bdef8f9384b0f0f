"""Eligibility rules: a small, safe expression language over resident facts (docs/adr/0008).

A rule is one expression in Python's expression syntax, parsed with ``ast`` and evaluated by walking an
allow-list of nodes; nothing is ever passed to ``eval``. What a rule may use:

- facts (names): ``age`` (whole years, or None), ``sex`` ("male"/"female"), ``hukou`` ("registered" /
  "non_registered"), ``residence`` ("living_here", …), ``tags`` (set of active tag codes),
  ``disability_level`` (1 most severe … 4, or None), ``household_size``, ``household_elderly``
  (members aged 60+), ``area`` (the resident's area code), ``is_head`` (head of household);
- constants: numbers, strings, True/False/None, and lists or tuples of them;
- ``and``, ``or``, ``not``; comparisons ``== != < <= > >= in not in`` (chains too);
- ``+ - * //`` on numbers, and one call: ``startswith(area, "110109001")``.

Examples: ``age >= 80 and hukou == "registered"``; ``"disability" in tags and disability_level <= 2``;
``"minimum_allowance" in tags or "extreme_poverty" in tags``.
"""

import ast
import datetime as dt
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext_lazy as _

from linli.core.errors import DomainError

FACTS = (
    "age",
    "sex",
    "hukou",
    "residence",
    "tags",
    "disability_level",
    "household_size",
    "household_elderly",
    "area",
    "is_head",
)
MAX_RULE_LENGTH = 500
MAX_DEPTH = 12

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
}
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "startswith": lambda text, prefix: isinstance(text, str) and text.startswith(str(prefix)),
}


class RuleError(DomainError):
    def __init__(self, message: Any) -> None:
        super().__init__("invalid_eligibility_rule", message, field="eligibility_rule")


@dataclass(frozen=True)
class Rule:
    source: str
    tree: ast.Expression | None

    def evaluate(self, facts: Mapping[str, Any]) -> bool:
        """Whether a resident with these facts is eligible; an empty rule admits everyone.

        A comparison with an unknown fact (None) is false rather than an error: an unknown age is not 80+.
        """
        if self.tree is None:
            return True
        return bool(_eval(self.tree.body, facts))


@lru_cache(maxsize=256)
def parse_rule(source: str) -> Rule:
    """Parse and check a rule once; raises RuleError (a DomainError) with the reason."""
    text = source.strip()
    if not text:
        return Rule(source, None)
    if len(text) > MAX_RULE_LENGTH:
        raise RuleError(_("The rule is too long."))
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise RuleError(_("The rule cannot be read: %(error)s") % {"error": exc.msg}) from exc
    _check(tree.body, 0)
    return Rule(source, tree)


def _check(node: ast.AST, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise RuleError(_("The rule is nested too deeply."))
    match node:
        case ast.BoolOp(values=values):
            for value in values:
                _check(value, depth + 1)
        case ast.UnaryOp(op=ast.Not() | ast.USub(), operand=operand):
            _check(operand, depth + 1)
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            if not all(type(op) in _COMPARE for op in ops):
                raise RuleError(_("This comparison is not allowed."))
            for part in (left, *comparators):
                _check(part, depth + 1)
        case ast.BinOp(left=left, op=op, right=right):
            if type(op) not in _ARITHMETIC:
                raise RuleError(_("Only + - * // are allowed."))
            _check(left, depth + 1)
            _check(right, depth + 1)
        case ast.Name(id=name):
            if name not in FACTS:
                raise RuleError(_("Unknown fact: %(name)s") % {"name": name})
        case ast.Constant(value=value):
            if not (value is None or isinstance(value, (bool, int, float, str))):
                raise RuleError(_("Only numbers, text, True, False and None are allowed."))
        case ast.List(elts=elements) | ast.Tuple(elts=elements):
            for element in elements:
                if not isinstance(element, ast.Constant):
                    raise RuleError(_("A list holds constants only."))
                _check(element, depth + 1)
        case ast.Call(func=ast.Name(id=name), args=args, keywords=[]) if name in _FUNCTIONS:
            for arg in args:
                _check(arg, depth + 1)
        case _:
            raise RuleError(
                _("This part of the rule is not allowed: %(part)s") % {"part": type(node).__name__}
            )


def _eval(node: ast.AST, facts: Mapping[str, Any]) -> Any:
    match node:
        case ast.BoolOp(op=ast.And(), values=values):
            return all(_eval(v, facts) for v in values)
        case ast.BoolOp(op=ast.Or(), values=values):
            return any(_eval(v, facts) for v in values)
        case ast.UnaryOp(op=ast.Not(), operand=operand):
            return not _eval(operand, facts)
        case ast.UnaryOp(op=ast.USub(), operand=operand):
            value = _eval(operand, facts)
            return None if value is None else -value
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            current = _eval(left, facts)
            for op, comparator in zip(ops, comparators, strict=True):
                right = _eval(comparator, facts)
                try:
                    if not _COMPARE[type(op)](current, right):
                        return False
                except TypeError:  # None or mismatched types: the fact is unknown, the test fails
                    return False
                current = right
            return True
        case ast.BinOp(left=left, op=op, right=right):
            a, b = _eval(left, facts), _eval(right, facts)
            try:
                return _ARITHMETIC[type(op)](a, b)
            except (TypeError, ZeroDivisionError):
                return None
        case ast.Name(id=name):
            return facts.get(name)
        case ast.Constant(value=value):
            return value
        case ast.List(elts=elements) | ast.Tuple(elts=elements):
            return tuple(_eval(e, facts) for e in elements)
        case ast.Call(func=ast.Name(id=name), args=args):
            return _FUNCTIONS[name](*(_eval(a, facts) for a in args))
    raise RuleError(_("This part of the rule is not allowed: %(part)s") % {"part": type(node).__name__})


def age_on(birth_date: dt.date | None, today: dt.date) -> int | None:
    if birth_date is None:
        return None
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def resident_facts(
    resident: Any,
    *,
    today: dt.date,
    active_tags: list[Any] | None = None,
    household_members: list[Any] | None = None,
) -> dict[str, Any]:
    """The facts a rule sees about a golden-record resident (tags and household passed in, prefetched)."""
    tags = active_tags if active_tags is not None else getattr(resident, "active_tags", [])
    members = household_members or []
    disability = [t.level for t in tags if t.tag == "disability" and t.level]
    ages = [age_on(m.birth_date, today) for m in members]
    household = resident.household if resident.household_id else None
    return {
        "age": age_on(resident.birth_date, today),
        "sex": resident.sex or None,
        "hukou": resident.hukou_status,
        "residence": resident.residence_status,
        "tags": frozenset(t.tag for t in tags),
        "disability_level": min(disability) if disability else None,
        "household_size": len(members) if members else (1 if household is None else None),
        "household_elderly": sum(1 for a in ages if a is not None and a >= 60),
        "area": resident.area.code if resident.area_id else "",
        "is_head": household is not None and household.head_id == resident.pk,
    }
