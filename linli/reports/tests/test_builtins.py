import datetime as dt
from typing import Any

from linli.reports.builtins import BUILTIN_TEMPLATES
from linli.reports.definitions import parse_definition
from linli.reports.engine import Heading, LedgerQuery
from linli.reports.models import LedgerTemplate
from linli.reports.services import install_builtin_ledgers
from linli.reports.tests.factories import TODAY, household_in, person, tag

EXPECTED = {
    "80岁以上高龄老人台账",
    "独居老人台账",
    "留守儿童台账",
    "残疾人台账",
    "低保户台账",
    "就业困难人员台账",
    "家庭户花名册",
    "户籍人口花名册",
}


def test_the_migration_installs_every_builtin_ledger(db):
    installed = LedgerTemplate.objects.filter(is_builtin=True, active=True)
    assert {t.name for t in installed} == EXPECTED
    for template in installed:
        assert template.parsed.columns, template.code


def test_every_builtin_definition_is_valid():
    for spec in BUILTIN_TEMPLATES:
        parse_definition(spec["definition"])


def test_installing_again_adds_only_what_is_missing_and_keeps_edits(db):
    LedgerTemplate.objects.filter(code="household-roster").delete()
    LedgerTemplate.objects.filter(code="elderly-80-plus").update(name="高龄台账（改）")
    assert install_builtin_ledgers() == 1
    assert install_builtin_ledgers() == 0
    assert LedgerTemplate.objects.get(code="elderly-80-plus").name == "高龄台账（改）"
    assert LedgerTemplate.objects.filter(code="household-roster").exists()


def rows(code: str, area_code: str) -> list[Any]:
    query = LedgerQuery(LedgerTemplate.objects.get(code=code).parsed, area_code=area_code, today=TODAY)
    return [item for item in query.rows() if not isinstance(item, Heading)]


def test_builtin_ledgers_pick_the_right_people(grid_a):
    home = household_in(grid_a)
    old = person(home, "高龄", birth=dt.date(1940, 1, 1), head=True)
    alone = person(home, "独居", birth=dt.date(1950, 1, 1), relation_to_head="spouse")
    child = person(home, "留守", birth=dt.date(2015, 1, 1))
    teen = person(home, "十六岁", birth=dt.date(2009, 1, 1))
    jobless = person(home, "困难", birth=dt.date(1985, 1, 1))
    tag(alone, "elderly_living_alone")
    tag(child, "left_behind_child")
    tag(teen, "left_behind_child")
    tag(jobless, "employment_difficulty")
    tag(old, "disability", level=1)
    tag(jobless, "minimum_allowance")

    def names(code: str, at: int = 1) -> list[str]:
        return [row[at] for row in rows(code, grid_a.code)]

    assert names("elderly-80-plus") == ["高龄"]
    assert names("elderly-living-alone") == ["独居"]
    # Under 16 (国发〔2016〕13号): the 16-year-old with an old tag is not listed.
    assert names("left-behind-children") == ["留守"]
    assert names("people-with-disabilities") == ["高龄"]
    assert rows("people-with-disabilities", grid_a.code)[0][7] == 1  # the disability grade
    assert names("employment-difficulty") == ["困难"]
    # One row per household, the head's, for a household with an allowance member.
    [household] = rows("minimum-allowance-households", grid_a.code)
    assert household[1:3] == (home.pk, "高龄") and household[5:7] == (5, 1)
    assert names("household-roster", 2)[0] == "高龄"  # the head first
    assert len(rows("household-roster", grid_a.code)) == 5
