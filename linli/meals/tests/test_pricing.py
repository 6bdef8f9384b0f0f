"""Prices by rule: each kind of rule, the best rule when several apply, no rule, delivery by rule."""

import datetime as dt
from dataclasses import dataclass

import pytest

from linli.meals.pricing import (
    ResidentFacts,
    age_on,
    applies,
    may_have_delivery,
    parse_yuan,
    price_meal,
    subsidy_of,
    yuan,
)

DAY = dt.date(2026, 3, 4)
GRID = "110109001001001"


@dataclass
class R:
    pk: int
    kind: str
    area_code: str = "110109"
    min_age: int | None = None
    max_age: int | None = None
    tag: str = ""
    max_grade: int | None = None
    amount_fen: int = 0
    percent: int = 0
    grants_delivery: bool = False
    valid_from: dt.date = dt.date(2025, 1, 1)
    valid_to: dt.date | None = None
    is_active: bool = True
    name: str = ""


AGE_60_79 = R(1, "age", min_age=60, max_age=79, amount_fen=200, name="60-79")
AGE_80 = R(2, "age", min_age=80, amount_fen=500, name="80+")
DIBAO = R(3, "tag", tag="minimum_allowance", percent=50, name="低保")
TEKUN = R(4, "tag", tag="extreme_poverty", percent=100, name="特困")
ALONE = R(5, "tag", tag="elderly_living_alone", grants_delivery=True, name="独居")
GRADE_2 = R(6, "ability", max_grade=2, amount_fen=600, grants_delivery=True, name="一二级")
ALL = [AGE_60_79, AGE_80, DIBAO, TEKUN, ALONE, GRADE_2]


def facts(age=None, tags=(), grade=None, area=GRID):
    return ResidentFacts(area_code=area, age=age, tags=frozenset(tags), ability_grade=grade)


def test_an_age_band_covers_its_ages_and_no_others():
    assert applies(AGE_60_79, facts(age=60), DAY)
    assert applies(AGE_60_79, facts(age=79), DAY)
    assert not applies(AGE_60_79, facts(age=80), DAY)
    assert not applies(AGE_60_79, facts(age=59), DAY)
    assert not applies(AGE_60_79, facts(age=None), DAY)
    assert applies(AGE_80, facts(age=101), DAY)  # no upper end


def test_a_tag_rule_needs_the_tag():
    assert applies(DIBAO, facts(tags={"minimum_allowance"}), DAY)
    assert not applies(DIBAO, facts(tags={"low_income"}), DAY)


def test_an_ability_rule_covers_its_grade_and_the_more_severe_ones():
    assert applies(GRADE_2, facts(grade=1), DAY)
    assert applies(GRADE_2, facts(grade=2), DAY)
    assert not applies(GRADE_2, facts(grade=3), DAY)
    assert not applies(GRADE_2, facts(grade=None), DAY)


def test_a_rule_applies_only_in_its_area_and_while_in_force():
    community_rule = R(9, "age", area_code="110109001002", min_age=60, amount_fen=100)
    assert not applies(community_rule, facts(age=70), DAY)
    assert applies(community_rule, facts(age=70, area="110109001002003"), DAY)
    assert not applies(
        R(10, "age", min_age=60, amount_fen=1, valid_from=DAY + dt.timedelta(1)), facts(age=70), DAY
    )
    assert not applies(
        R(11, "age", min_age=60, amount_fen=1, valid_to=DAY - dt.timedelta(1)), facts(age=70), DAY
    )
    assert applies(R(12, "age", min_age=60, amount_fen=1, valid_to=DAY), facts(age=70), DAY)
    assert not applies(R(13, "age", min_age=60, amount_fen=1, is_active=False), facts(age=70), DAY)


def test_subsidy_is_amount_plus_percent_and_never_more_than_the_price():
    assert subsidy_of(R(1, "age", min_age=1, amount_fen=100, percent=10), 1500) == 250
    assert subsidy_of(R(1, "age", min_age=1, amount_fen=2000), 1500) == 1500
    assert subsidy_of(TEKUN, 1234) == 1234
    assert subsidy_of(DIBAO, 1235) == 617  # rounded down to the fen


def test_each_kind_prices_a_meal():
    assert price_meal(rules=ALL, facts=facts(age=70), day=DAY, base_fen=1500).subsidy_fen == 200
    assert price_meal(rules=ALL, facts=facts(age=85), day=DAY, base_fen=1500).subsidy_fen == 500
    assert (
        price_meal(
            rules=ALL, facts=facts(age=40, tags={"minimum_allowance"}), day=DAY, base_fen=1500
        ).subsidy_fen
        == 750
    )
    graded = price_meal(rules=ALL, facts=facts(age=40, grade=1), day=DAY, base_fen=1500)
    assert (graded.subsidy_fen, graded.pays_fen, graded.rule) == (600, 900, GRADE_2)


def test_the_best_rule_wins_and_subsidies_do_not_add_up():
    # 85 years old (500) with 低保 (50% = 750) and grade 2 (600): 低保 gives most on a 15-yuan meal ...
    person = facts(age=85, tags={"minimum_allowance"}, grade=2)
    price = price_meal(rules=ALL, facts=person, day=DAY, base_fen=1500)
    assert (price.rule, price.subsidy_fen, price.pays_fen) == (DIBAO, 750, 750)
    # ... but on an 8-yuan meal grade 2's fixed 6 yuan beats half of 8.
    cheap = price_meal(rules=ALL, facts=person, day=DAY, base_fen=800)
    assert (cheap.rule, cheap.subsidy_fen) == (GRADE_2, 600)
    # 特困 pays nothing for the meal; the delivery fee is still paid.
    free = price_meal(
        rules=ALL, facts=facts(tags={"extreme_poverty"}), day=DAY, base_fen=1500, delivery_fee_fen=300
    )
    assert (free.rule, free.subsidy_fen, free.pays_fen) == (TEKUN, 1500, 300)


def test_a_tie_goes_to_the_rule_made_first():
    first = R(1, "age", min_age=60, amount_fen=300)
    second = R(2, "tag", tag="empty_nest", amount_fen=300)
    assert (
        price_meal(
            rules=[second, first], facts=facts(age=70, tags={"empty_nest"}), day=DAY, base_fen=1500
        ).rule
        is first
    )


def test_no_rule_means_the_full_price():
    price = price_meal(rules=ALL, facts=facts(age=45), day=DAY, base_fen=1500, delivery_fee_fen=0)
    assert (price.rule, price.subsidy_fen, price.pays_fen) == (None, 0, 1500)
    assert price_meal(rules=[], facts=facts(age=90), day=DAY, base_fen=1500).pays_fen == 1500


def test_delivery_is_granted_by_a_rule_that_applies():
    assert may_have_delivery(ALL, facts(tags={"elderly_living_alone"}), DAY)
    assert may_have_delivery(ALL, facts(grade=2), DAY)
    assert not may_have_delivery(ALL, facts(grade=3, age=90), DAY)
    assert not may_have_delivery(ALL, facts(tags={"minimum_allowance"}), DAY)


def test_age_is_counted_in_completed_years():
    assert age_on(dt.date(1946, 3, 5), DAY) == 79
    assert age_on(dt.date(1946, 3, 4), DAY) == 80
    assert age_on(None, DAY) is None


@pytest.mark.parametrize(
    ("text", "fen"), [("12", 1200), ("12.5", 1250), ("12.50", 1250), ("0.05", 5), ("¥3", 300)]
)
def test_yuan_amounts_parse_to_fen(text, fen):
    assert parse_yuan(text) == fen
    assert parse_yuan(yuan(fen)) == fen


@pytest.mark.parametrize("text", ["", "abc", "1.234", "-1", "1.2.3"])
def test_bad_yuan_amounts_are_refused(text):
    with pytest.raises(ValueError):  # noqa: PT011 - the message is the input
        parse_yuan(text)
