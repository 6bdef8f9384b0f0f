import base64
import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag

from linli.core import crypto
from linli.core.keys import new_key
from linli.registry.models import Resident
from linli.reports.definitions import parse_definition
from linli.reports.engine import (
    Heading,
    LedgerQuery,
    age_band,
    age_on,
    born_on_or_before_for_age,
)
from linli.reports.tests.factories import TODAY, household_in, person, tag


def ledger(definition: dict[str, Any], area_code: str, *, today: dt.date = TODAY, **kwargs):
    return LedgerQuery(parse_definition(definition), area_code=area_code, today=today, **kwargs)


def rows_of(query: LedgerQuery, **kwargs) -> list[Any]:
    return [item for item in query.rows(**kwargs) if not isinstance(item, Heading)]


def names(query: LedgerQuery) -> list[str]:
    return [row[0] for row in rows_of(query)]


NAMES = {"columns": [{"key": "name"}], "order_by": ["name"]}


def test_age_is_counted_in_whole_years_on_the_day():
    assert age_on(dt.date(1945, 6, 30), TODAY) == 80
    assert age_on(dt.date(1945, 7, 1), TODAY) == 79
    # Born on 29 February: a year older on 1 March in years without one.
    assert age_on(dt.date(1944, 2, 29), dt.date(2025, 2, 28)) == 80
    assert age_on(dt.date(1944, 2, 29), dt.date(2025, 3, 1)) == 81


def test_the_birth_date_limit_for_an_age_exists_on_29_february():
    assert born_on_or_before_for_age(dt.date(2024, 2, 29), 80) == dt.date(1944, 2, 29)
    assert born_on_or_before_for_age(dt.date(2024, 2, 29), 81) == dt.date(1943, 2, 28)


def test_age_bands_are_ten_years_wide_up_to_100():
    assert [age_band(a) for a in (0, 9, 10, 79, 80, 99, 100, 104)] == [
        "0–9",
        "0–9",
        "10–19",
        "70–79",
        "80–89",
        "90–99",
        "100+",
        "100+",
    ]


def test_min_age_takes_people_who_have_reached_it_on_the_export_date(grid_a):
    home = household_in(grid_a)
    person(home, "满八十", birth=dt.date(1945, 6, 30), head=True)
    person(home, "明天八十", birth=dt.date(1945, 7, 1))
    person(home, "没有生日", birth=dt.date(1950, 1, 1), id_number="", birth_date=None)
    query = ledger({**NAMES, "filters": {"min_age": 80}}, grid_a.code)
    assert names(query) == ["满八十"]
    assert names(ledger({**NAMES, "filters": {"max_age": 79}}, grid_a.code)) == ["明天八十"]


def test_merged_records_are_in_no_ledger(grid_a):
    home = household_in(grid_a)
    kept = person(home, "保留", birth=dt.date(1940, 1, 1), head=True)
    gone = person(home, "已合并", birth=dt.date(1940, 1, 2))
    Resident.objects.filter(pk=gone.pk).update(merged_into=kept)
    assert names(ledger(NAMES, grid_a.code)) == ["保留"]


def test_moved_out_and_deceased_people_are_left_out_unless_the_template_asks(grid_a):
    home = household_in(grid_a)
    person(home, "在家", birth=dt.date(1940, 1, 1), head=True)
    person(home, "外出", birth=dt.date(1940, 1, 1), residence_status="away")
    person(home, "迁出", birth=dt.date(1940, 1, 1), residence_status="moved_out")
    person(home, "去世", birth=dt.date(1940, 1, 1), residence_status="deceased")
    assert sorted(names(ledger(NAMES, grid_a.code))) == sorted(["在家", "外出"])
    everyone = {**NAMES, "filters": {"residence_status": ["moved_out", "deceased"]}}
    assert sorted(names(ledger(everyone, grid_a.code))) == sorted(["迁出", "去世"])


def test_personal_numbers_are_masked(grid_a):
    home = household_in(grid_a)
    resident = person(home, "张三", birth=dt.date(1940, 1, 1), head=True, phone="13812345678")
    query = ledger({"columns": [{"key": "id_number"}, {"key": "phone"}]}, grid_a.code)
    [row] = rows_of(query)
    assert row == ("11" + "*" * 15 + resident.id_number[-1], "138****5678")


def test_address_is_the_household_address_else_the_reported_one(grid_a):
    home = household_in(grid_a, room="3-302", address="和平路1号楼")
    person(home, "有户", birth=dt.date(1940, 1, 1), head=True, address="旧地址")
    person(None, "无户", birth=dt.date(1941, 1, 1), area=grid_a, address="新华街9号")
    query = ledger(
        {"columns": [{"key": "name"}, {"key": "address"}], "order_by": ["oldest_first"]}, grid_a.code
    )
    assert rows_of(query) == [("有户", "和平路1号楼 3-302"), ("无户", "新华街9号")]


def test_area_columns_name_street_community_and_grid(grid_a):
    home = household_in(grid_a)
    person(home, "张三", birth=dt.date(1940, 1, 1), head=True)
    query = ledger({"columns": [{"key": "street"}, {"key": "community"}, {"key": "grid"}]}, "110109")
    assert rows_of(query) == [(grid_a.parent.parent.name, grid_a.parent.name, grid_a.name)]


def test_tag_columns_read_only_tags_in_force(grid_a):
    home = household_in(grid_a)
    now = person(home, "在册", birth=dt.date(1960, 1, 1), head=True)
    ended = person(home, "已结束", birth=dt.date(1961, 1, 1))
    expired = person(home, "已过期", birth=dt.date(1962, 1, 1))
    future = person(home, "未开始", birth=dt.date(1963, 1, 1))
    tag(now, "disability", level=2, source="残联", valid_from=dt.date(2020, 5, 1))
    tag(ended, "disability", level=1, ended_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    tag(expired, "disability", level=1, valid_to=dt.date(2025, 6, 29))
    tag(future, "disability", level=1, valid_from=dt.date(2025, 7, 1))
    definition = {
        "columns": [
            {"key": "name"},
            {"key": "tag:disability"},
            {"key": "disability_grade"},
            {"key": "tag_source:disability"},
            {"key": "tag_since:disability"},
        ],
        "order_by": ["oldest_first"],
    }
    rows = rows_of(ledger(definition, grid_a.code))
    assert rows[0][1:] == (rows[0][1], 2, "残联", dt.date(2020, 5, 1)) and rows[0][1]
    assert [row[1:] for row in rows[1:]] == [("", None, None, None)] * 3
    only_tagged = {**definition, "filters": {"tags_all": ["disability"]}}
    assert names(ledger(only_tagged, grid_a.code)) == ["在册"]


def test_filters_by_sex_hukou_grades_and_excluded_tags(grid_a):
    home = household_in(grid_a)
    a = person(home, "甲", birth=dt.date(1960, 1, 1), head=True, hukou_status="non_registered")
    b = person(home, "乙", birth=dt.date(1961, 1, 1), male=False)
    c = person(home, "丙", birth=dt.date(1962, 1, 1))
    tag(a, "disability", level=1)
    tag(b, "disability", level=3)
    tag(c, "veteran")
    assert names(ledger({**NAMES, "filters": {"sex": "female"}}, grid_a.code)) == ["乙"]
    assert sorted(names(ledger({**NAMES, "filters": {"hukou_status": "registered"}}, grid_a.code))) == sorted(
        ["乙", "丙"]
    )
    assert names(ledger({**NAMES, "filters": {"disability_grades": [3, 4]}}, grid_a.code)) == ["乙"]
    assert names(ledger({**NAMES, "filters": {"tags_none": ["disability"]}}, grid_a.code)) == ["丙"]
    assert sorted(
        names(ledger({**NAMES, "filters": {"tags_any": ["veteran", "disability"]}}, grid_a.code))
    ) == (sorted(["甲", "乙", "丙"]))


def test_household_facts_count_members_living_there_or_away(grid_a):
    home = household_in(grid_a)
    head = person(home, "户主", birth=dt.date(1950, 1, 1), head=True)
    person(home, "妻子", birth=dt.date(1952, 1, 1), male=False, relation_to_head="spouse")
    person(home, "儿子", birth=dt.date(1980, 1, 1), residence_status="away")
    person(home, "已故", birth=dt.date(1920, 1, 1), residence_status="deceased")
    query = ledger(
        {"columns": [{"key": "name"}, {"key": "head_name"}, {"key": "household_size"}]},
        grid_a.code,
    )
    assert {row[0]: row[1:] for row in rows_of(query)} == {
        "户主": ("户主", 3),
        "妻子": ("户主", 3),
        "儿子": ("户主", 3),
    }
    assert head.household_id == home.pk


def test_minimum_allowance_ledger_has_one_row_per_household(grid_a):
    poor = household_in(grid_a, room="1-101")
    head = person(poor, "户主甲", birth=dt.date(1960, 1, 1), head=True)
    wife = person(poor, "妻子甲", birth=dt.date(1962, 1, 1), male=False, relation_to_head="spouse")
    person(poor, "儿子甲", birth=dt.date(1990, 1, 1))
    tag(wife, "minimum_allowance")
    tag(head, "minimum_allowance")
    other = household_in(grid_a, room="1-102")
    person(other, "户主乙", birth=dt.date(1960, 1, 1), head=True)
    definition = {
        "columns": [
            {"key": "head_name"},
            {"key": "household_size"},
            {"key": "household_tag_members:minimum_allowance"},
        ],
        "filters": {"heads_only": True, "household_tags_any": ["minimum_allowance"]},
    }
    assert rows_of(ledger(definition, grid_a.code)) == [("户主甲", 3, 2)]


def test_household_grouping_puts_a_heading_then_the_head_first(grid_a):
    first = household_in(grid_a, room="1-101", address="和平路1号楼")
    person(first, "儿子一", birth=dt.date(1990, 1, 1))
    person(first, "户主一", birth=dt.date(1960, 1, 1), head=True)
    second = household_in(grid_a, room="2-201", address="和平路2号楼")
    person(second, "户主二", birth=dt.date(1961, 1, 1), head=True)
    definition = {
        "columns": [{"key": "row_number"}, {"key": "name"}, {"key": "relation_to_head"}],
        "group_by": "household",
        "order_by": ["household"],
    }
    items = list(ledger(definition, grid_a.code).rows())
    assert [type(item).__name__ for item in items] == ["Heading", "tuple", "tuple", "Heading", "tuple"]
    assert "户主一" in items[0].text and "和平路1号楼 1-101" in items[0].text
    assert [item[:2] for item in items if not isinstance(item, Heading)] == [
        (1, "户主一"),
        (2, "儿子一"),
        (3, "户主二"),
    ]


def test_a_street_ledger_aggregates_its_grids_under_a_heading_each(grid_a, grid_a2, grid_b):
    for grid, name in ((grid_a, "一网格"), (grid_a2, "二网格"), (grid_b, "别的街道")):
        person(household_in(grid), name, birth=dt.date(1940, 1, 1), head=True)
    street, community = grid_a.parent.parent, grid_a.parent
    items = list(ledger({**NAMES, "group_by": "grid"}, street.code).rows())
    assert [item.text if isinstance(item, Heading) else item[0] for item in items] == [
        f"{street.name} · {community.name} · {grid_a.name}",
        "一网格",
        f"{street.name} · {community.name} · {grid_a2.name}",
        "二网格",
    ]
    by_community = list(ledger({**NAMES, "group_by": "community"}, street.code).rows())
    assert by_community == [Heading(f"{street.name} · {community.name}"), ("一网格",), ("二网格",)]


def test_rows_are_read_in_batches_with_a_fixed_number_of_queries_per_batch(
    grid_a, django_assert_max_num_queries
):
    home = household_in(grid_a)
    residents = [person(home, f"成员{i}", birth=dt.date(1950, 1, 1 + i), head=i == 0) for i in range(9)]
    for resident in residents[::2]:
        tag(resident, "disability", level=2)
    definition = {
        "columns": [
            {"key": "name"},
            {"key": "household_size"},
            {"key": "disability_grade"},
            {"key": "household_tag_members:disability"},
            {"key": "community"},
        ]
    }
    query = ledger(definition, grid_a.code, batch_size=4)
    # The area names, the rows, and per batch of 4: tags, household sizes, tag holders (3 batches).
    with django_assert_max_num_queries(2 + 3 * 3):
        rows = rows_of(query)
    assert len(rows) == 9 and {row[1] for row in rows} == {9} and {row[3] for row in rows} == {5}


def test_paging_numbers_rows_from_the_offset(grid_a):
    home = household_in(grid_a)
    for i in range(5):
        person(home, f"成员{i}", birth=dt.date(1950, 1, 1 + i), head=i == 0)
    query = ledger(
        {"columns": [{"key": "row_number"}, {"key": "name"}], "order_by": ["oldest_first"]}, grid_a.code
    )
    assert rows_of(query, offset=2, limit=2) == [(3, "成员2"), (4, "成员3")]
    assert query.count() == 5


@pytest.mark.parametrize("area_code", ["110109002", "110105"])
def test_a_ledger_for_another_area_is_empty(grid_a, area_code):
    person(household_in(grid_a), "张三", birth=dt.date(1940, 1, 1), head=True)
    assert names(ledger(NAMES, area_code)) == []


def test_the_batch_decryptor_reads_values_of_every_key_like_the_field_does(settings):
    old = crypto.encrypt("11010519491231002X", context="resident.id_number")
    keys = {**settings.KEYRING.encryption_keys, "k2": base64.urlsafe_b64decode(new_key())}
    settings.KEYRING = replace(settings.KEYRING, encryption_keys=keys, active_key_id="k2")
    new = crypto.encrypt("360426199101010071", context="resident.id_number")
    assert crypto.key_id_of(new) == "k2" != crypto.key_id_of(old)
    decrypt = crypto.decrypter(context="resident.id_number")
    assert [decrypt(old), decrypt(new)] == [
        crypto.decrypt(old, context="resident.id_number"),
        "360426199101010071",
    ]
    with pytest.raises(InvalidTag):
        crypto.decrypter(context="resident.phone")(
            new
        )  # the context is bound: a value of another field does not decrypt
