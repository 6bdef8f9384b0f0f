"""The rule arithmetic: which rule holds in an area, and which interval a resident's tags give."""

from linli.care.rules import RuleRow, deciding_rule, rules_in_force

DEFAULTS = [
    RuleRow(1, "", "elderly_living_alone", 0, 7, True),
    RuleRow(2, "", "left_behind_child", 0, 30, True),
    RuleRow(3, "", "disability", 2, 14, True),
    RuleRow(4, "", "empty_nest", 0, 30, True),
]
GRID = "110109001001001"


def interval(rules, area_code, *tags):
    rule = deciding_rule(rules_in_force(rules, area_code), tags)
    return rule.interval_days if rule else None


def test_each_tag_gives_its_interval():
    assert interval(DEFAULTS, GRID, ("elderly_living_alone", None)) == 7
    assert interval(DEFAULTS, GRID, ("left_behind_child", None)) == 30
    assert interval(DEFAULTS, GRID, ("veteran", None)) is None


def test_a_grade_bound_rule_applies_to_severe_grades_only():
    assert interval(DEFAULTS, GRID, ("disability", 1)) == 14
    assert interval(DEFAULTS, GRID, ("disability", 2)) == 14
    assert interval(DEFAULTS, GRID, ("disability", 3)) is None
    assert interval(DEFAULTS, GRID, ("disability", None)) is None


def test_the_shortest_interval_of_several_tags_wins():
    assert interval(DEFAULTS, GRID, ("empty_nest", None), ("disability", 1)) == 14
    assert interval(DEFAULTS, GRID, ("elderly_living_alone", None), ("disability", 1)) == 7


def test_an_area_rule_overrides_the_rules_above_it_only_there():
    rules = [
        *DEFAULTS,
        RuleRow(10, "110109001", "elderly_living_alone", 0, 10, True),  # the street relaxes it
        RuleRow(11, "110109001001", "elderly_living_alone", 0, 3, True),  # one community tightens it
    ]
    assert interval(rules, GRID, ("elderly_living_alone", None)) == 3
    assert interval(rules, "110109001002001", ("elderly_living_alone", None)) == 10
    assert interval(rules, "110109002001001", ("elderly_living_alone", None)) == 7


def test_an_inactive_override_switches_the_rule_off_below_it():
    rules = [*DEFAULTS, RuleRow(12, "110109001001", "left_behind_child", 0, 30, False)]
    assert interval(rules, GRID, ("left_behind_child", None)) is None
    assert interval(rules, "110109001002001", ("left_behind_child", None)) == 30
