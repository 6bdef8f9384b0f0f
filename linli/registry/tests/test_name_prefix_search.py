"""Name-prefix search: all and only the names that start with the text, by name then id, in scope only."""

import pytest

from linli.registry.selectors import _prefix_upper_bound, search_residents
from linli.registry.tests.factories import HouseholdFactory, ResidentFactory

NAMES = [
    "王",
    "王一",
    "王建国",
    "王建华",
    "王建",
    "玊",
    "玌",
    "汪建国",
    "王%",
    "王_一",
    "王\\",
    "李梅",
    "Wang Li",
    "wang li",
    "Wang",
    "Wanh",
    "WANG",
]


@pytest.fixture
def everyone(grid_a, grid_b):
    here = HouseholdFactory(building__area=grid_a, area=grid_a)
    elsewhere = HouseholdFactory(building__area=grid_b, area=grid_b)
    residents = [ResidentFactory(household=here, area=grid_a, name=name) for name in NAMES]
    # The same names twice, so the order by id among equal names shows.
    residents += [ResidentFactory(household=here, area=grid_a, name=name) for name in ("王建", "王")]
    ResidentFactory(household=elsewhere, area=grid_b, name="王建国")
    return residents


def expected(residents, prefix):
    found = [r for r in residents if r.name.startswith(prefix)]
    return [r.pk for r in sorted(found, key=lambda r: (r.name, r.pk))]


@pytest.mark.parametrize(
    "prefix", ["王", "王建", "王建国", "玊", "汪", "王%", "王_", "王\\", "Wang", "wang", "W", "李", "张"]
)
def test_prefix_finds_all_and_only_names_starting_with_it_ordered_by_name_then_id(worker_a, everyone, prefix):
    found = search_residents(user=worker_a, query=prefix, limit=100)

    assert [r.pk for r in found] == expected(everyone, prefix)


def test_the_page_is_the_first_names_in_order(worker_a, everyone):
    found = search_residents(user=worker_a, query="王", limit=3)

    assert [r.pk for r in found] == expected(everyone, "王")[:3]


def test_upper_bound_is_the_least_string_above_the_prefix():
    assert _prefix_upper_bound("王") == "玌"
    assert _prefix_upper_bound("王建") == "王廻"
    assert _prefix_upper_bound("a\U0010ffff") == "b"
    assert _prefix_upper_bound("\U0010ffff") is None
    assert _prefix_upper_bound("a\ud7ff") == "a\ue000"
