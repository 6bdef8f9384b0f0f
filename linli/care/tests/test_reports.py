"""Overdue visits per grid and community at a fixed day, and monthly coverage on a small constructed world."""

import datetime as dt

import pytest

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.care import selectors
from linli.care.models import CarePlan
from linli.care.services import generate_care_plans, record_visit
from linli.care.tests.factories import resident_in
from linli.registry.models import TagAssignment
from linli.registry.services import end_tag

pytestmark = pytest.mark.django_db


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 4, 0, tzinfo=dt.UTC)


def visit(worker, resident, day, outcome="well", method="in_person"):
    plan = CarePlan.objects.get(resident=resident)
    return record_visit(actor=worker, plan=plan, method=method, outcome=outcome, now=noon(day))


@pytest.fixture
def officer(grid_a):
    return staff_with_role(Role.DISTRICT_OFFICER, grid_a.parent.parent.parent)


def counts(rows):
    return {row.code: row.count for row in rows}


def test_overdue_visits_are_counted_per_grid_and_community(grid_a, grid_a2, grid_b, officer):
    today = dt.date(2026, 3, 20)
    reader = staff_with_role(Role.STREET_OFFICER, grid_a.parent.parent)  # reads reports, does not visit
    visitor = staff_with_role(Role.ADMINISTRATOR, grid_a.parent.parent.parent)
    a = [resident_in(grid_a, "elderly_living_alone") for _ in range(4)]
    a2 = [resident_in(grid_a2, "elderly_living_alone") for _ in range(2)]
    b = [resident_in(grid_b, "elderly_living_alone")]
    generate_care_plans(today=today - dt.timedelta(days=20))
    visit(visitor, a[0], today - dt.timedelta(days=3))  # due in four days
    visit(visitor, a[1], today - dt.timedelta(days=7))  # due today: not overdue yet
    visit(visitor, a[2], today - dt.timedelta(days=1), outcome="not_reached")  # still overdue
    visit(visitor, a2[0], today - dt.timedelta(days=10))  # due three days ago

    by_grid, by_community = selectors.overdue_counts(user=officer, today=today)

    assert counts(by_grid) == {grid_a.code: 2, grid_a2.code: 2, grid_b.code: 1}
    assert counts(by_community) == {grid_a.parent.code: 4, grid_b.parent.code: 1}
    listed = list(selectors.overdue_plans(user=reader, today=today, area_code=grid_a.code))
    assert {p.resident_id for p in listed} == {a[2].pk, a[3].pk}
    assert {p.resident_id for p in selectors.overdue_plans(user=officer, today=today)} == {
        a[2].pk,
        a[3].pk,
        a2[0].pk,
        a2[1].pk,
        b[0].pk,
    }


def test_overdue_counts_stay_within_the_user_s_area(grid_a, grid_b):
    today = dt.date(2026, 3, 20)
    resident_in(grid_a, "elderly_living_alone")
    resident_in(grid_b, "elderly_living_alone")
    generate_care_plans(today=today - dt.timedelta(days=9))
    grid_worker = staff_with_role(Role.GRID_WORKER, grid_a)

    by_grid, by_community = selectors.overdue_counts(user=grid_worker, today=today)

    assert counts(by_grid) == {grid_a.code: 1}
    assert counts(by_community) == {grid_a.parent.code: 1}


@pytest.fixture
def small_world(grid_a, grid_a2, grid_b, officer):
    """Seven residents with plans from 1 February; their visits up to 19 March 2026."""
    visitor = staff_with_role(Role.ADMINISTRATOR, grid_a.parent.parent.parent)
    r1, r2 = (resident_in(grid_a, "elderly_living_alone") for _ in range(2))
    r3 = resident_in(grid_a, "empty_nest")
    r4 = resident_in(grid_a2, "elderly_living_alone")
    r5 = resident_in(grid_a2, ("disability", 1))
    r6, r7 = (resident_in(grid_b, "elderly_living_alone") for _ in range(2))
    generate_care_plans(today=dt.date(2026, 2, 1))
    visit(visitor, r3, dt.date(2026, 2, 25))
    end_tag(actor=None, assignment=TagAssignment.objects.get(resident=r6), reason="迁出")
    generate_care_plans(today=dt.date(2026, 3, 5))
    visit(visitor, r5, dt.date(2026, 3, 8), method="phone")
    visit(visitor, r2, dt.date(2026, 3, 10))
    visit(visitor, r1, dt.date(2026, 3, 18))
    visit(visitor, r4, dt.date(2026, 3, 19), outcome="not_reached")
    return r7


def rows_by_code(rows):
    return {row.code: (row.planned, row.covered, row.visits) for row in rows}


def test_coverage_counts_residents_reached_within_their_interval(
    small_world, grid_a, grid_a2, grid_b, officer
):
    grids, communities = selectors.coverage(
        user=officer, month=dt.date(2026, 3, 1), today=dt.date(2026, 3, 20)
    )

    # Grid A: r1 reached 2 days ago (7-day plan), r3 25 days ago (30-day plan); r2 10 days ago is late.
    # Grid A2: r5 by phone 12 days ago (14-day plan); r4 was not reached.
    # Grid B: r6's plan ended, r7 was never visited.
    assert rows_by_code(grids) == {
        grid_a.code: (3, 2, 2),
        grid_a2.code: (2, 1, 2),
        grid_b.code: (1, 0, 0),
    }
    assert rows_by_code(communities) == {grid_a.parent.code: (5, 3, 4), grid_b.parent.code: (1, 0, 0)}
    assert next(r for r in communities if r.code == grid_a.parent.code).percent == 60


def test_a_past_month_is_measured_on_its_last_day(small_world, grid_a, grid_a2, grid_b, officer):
    grids, _communities = selectors.coverage(
        user=officer, month=dt.date(2026, 2, 1), today=dt.date(2026, 3, 20)
    )

    assert rows_by_code(grids) == {
        grid_a.code: (3, 1, 1),
        grid_a2.code: (2, 0, 0),
        grid_b.code: (2, 0, 0),  # r6's plan was still open on 28 February
    }


def test_coverage_shows_only_the_user_s_area(small_world, grid_a, community_a):
    director = staff_with_role(Role.COMMUNITY_DIRECTOR, community_a)
    grids, communities = selectors.coverage(
        user=director, month=dt.date(2026, 3, 1), today=dt.date(2026, 3, 20)
    )
    assert {row.code for row in grids} == {grid_a.code, "110109001001002"}
    assert [row.code for row in communities] == [community_a.code]


def test_a_resident_due_on_the_measuring_day_counts_as_covered_as_on_the_overdue_list(grid_a, officer):
    today = dt.date(2026, 3, 20)
    visitor = staff_with_role(Role.ADMINISTRATOR, grid_a.parent.parent.parent)
    due_today, one_day_late = (resident_in(grid_a, "elderly_living_alone") for _ in range(2))
    generate_care_plans(today=dt.date(2026, 3, 1))
    visit(visitor, due_today, today - dt.timedelta(days=7))  # due today: not overdue
    visit(visitor, one_day_late, today - dt.timedelta(days=8))  # due yesterday: overdue

    overdue = {p.resident_id for p in selectors.overdue_plans(user=officer, today=today)}
    grids, _communities = selectors.coverage(user=officer, month=dt.date(2026, 3, 1), today=today)

    assert overdue == {one_day_late.pk}
    assert rows_by_code(grids) == {grid_a.code: (2, 1, 2)}


@pytest.mark.parametrize(
    ("planned", "covered", "percent"), [(8, 5, 63), (8, 1, 13), (3, 2, 67), (0, 0, None)]
)
def test_coverage_percent_rounds_halves_up(planned, covered, percent):
    assert selectors.CoverageRow("x", "x", planned, covered, 0).percent == percent
