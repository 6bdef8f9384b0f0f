"""The eligibility language: what rules say, and what they may not do."""

import datetime as dt

import pytest

from linli.core.errors import DomainError
from linli.registry.services import add_tag
from linli.registry.tests.factories import ResidentFactory, make_id_number
from linli.servicedesk.eligibility import age_on, parse_rule
from linli.servicedesk.models import ServiceItem
from linli.servicedesk.selectors import facts_for, is_eligible

FACTS = {
    "age": 82,
    "sex": "female",
    "hukou": "registered",
    "residence": "living_here",
    "tags": frozenset({"disability"}),
    "disability_level": 2,
    "household_size": 2,
    "household_elderly": 2,
    "area": "110109001001001",
    "is_head": True,
}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("", True),
        ('age >= 80 and hukou == "registered"', True),
        ("age >= 90", False),
        ('"disability" in tags and disability_level <= 2', True),
        ('"minimum_allowance" in tags or "extreme_poverty" in tags', False),
        ('not ("veteran" in tags)', True),
        ("60 <= age < 90", True),
        ('sex in ["male"]', False),
        ('startswith(area, "110109001")', True),
        ("household_size - household_elderly == 0", True),
        ("-1 < household_size // 2", True),
    ],
)
def test_rules_read_the_facts(rule, expected):
    assert parse_rule(rule).evaluate(FACTS) is expected


def test_an_unknown_fact_makes_a_comparison_false_not_an_error():
    assert parse_rule("age >= 80").evaluate({**FACTS, "age": None}) is False
    assert parse_rule("age < 80").evaluate({**FACTS, "age": None}) is False


@pytest.mark.parametrize(
    "rule",
    [
        "__import__('os').system('true')",
        "age.__class__",
        "open('/etc/passwd')",
        "[x for x in tags]",
        "lambda: 1",
        "salary > 1",
        "age ** 99999",
        "tags[0]",
        "age if age else 1",
        "f'{age}'",
        "(" * 40 + "age" + ")" * 40 + " > 1 and " * 20 + "True",
        "age >",
    ],
)
def test_anything_outside_the_allow_list_is_refused(rule):
    with pytest.raises(DomainError) as error:
        parse_rule(rule)
    assert error.value.code == "invalid_eligibility_rule"


def test_age_counts_whole_years_to_the_birthday():
    assert age_on(dt.date(1946, 3, 5), dt.date(2026, 3, 4)) == 79
    assert age_on(dt.date(1946, 3, 4), dt.date(2026, 3, 4)) == 80
    assert age_on(None, dt.date(2026, 3, 4)) is None


def test_every_seeded_rule_parses(db):
    for item in ServiceItem.objects.all():
        parse_rule(item.eligibility_rule)


def test_facts_come_from_the_golden_record(db):
    old = ResidentFactory(id_number=make_id_number(1, birth=dt.date(1940, 5, 1)))
    add_tag(
        actor=None, resident=old, tag="disability", level=1, source="残联", valid_from=dt.date(2020, 1, 1)
    )
    facts = facts_for(old, today=dt.date(2026, 3, 4))
    assert facts["age"] == 85
    assert facts["tags"] == frozenset({"disability"})
    assert facts["disability_level"] == 1
    assert facts["household_size"] == 1
    item = ServiceItem.objects.get(code="elderly_allowance")
    assert is_eligible(item=item, resident=old, today=dt.date(2026, 3, 4))
    young = ResidentFactory(id_number=make_id_number(2, birth=dt.date(1990, 5, 1)))
    assert not is_eligible(item=item, resident=young, today=dt.date(2026, 3, 4))
