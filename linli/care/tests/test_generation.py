"""Generating the care plans from the rules: intervals, overrides, visitors, idempotence."""

import datetime as dt

import pytest

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.care.models import CarePlan, CareRule
from linli.care.services import assign_care_plan, generate_care_plans, set_care_rule
from linli.care.tests.factories import TODAY, resident_in
from linli.registry.models import TagAssignment
from linli.registry.services import end_tag

pytestmark = pytest.mark.django_db


def plan_of(resident):
    return CarePlan.objects.get(resident=resident)


def test_the_default_rules_give_each_group_its_interval(grid_a):
    alone = resident_in(grid_a, "elderly_living_alone")
    child = resident_in(grid_a, "left_behind_child", birth_year=2015)
    severe = resident_in(grid_a, ("disability", 1))
    mild = resident_in(grid_a, ("disability", 4))
    both = resident_in(grid_a, "empty_nest", ("disability", 2))
    untagged = resident_in(grid_a)

    result = generate_care_plans(today=TODAY)

    assert result.created == 4
    assert plan_of(alone).interval_days == 7
    assert plan_of(child).interval_days == 30
    assert plan_of(severe).interval_days == 14
    assert plan_of(both).interval_days == 14
    assert not CarePlan.objects.filter(resident__in=[mild, untagged]).exists()
    assert plan_of(alone).next_due == TODAY  # a new plan is due at once
    assert plan_of(alone).area_code == grid_a.code


def test_an_area_rule_wins_over_the_default(grid_a, grid_b, community_a):
    director = staff_with_role(Role.COMMUNITY_DIRECTOR, community_a)
    inside = resident_in(grid_a, "elderly_living_alone")
    elsewhere = resident_in(grid_b, "elderly_living_alone")
    generate_care_plans(today=TODAY)

    set_care_rule(
        actor=director,
        area=community_a,
        tag="elderly_living_alone",
        max_level=0,
        interval_days=3,
        today=TODAY,
    )

    assert plan_of(inside).interval_days == 3
    assert plan_of(inside).rule.area_code == community_a.code
    assert plan_of(elsewhere).interval_days == 7


def test_an_area_may_switch_a_default_off_and_the_plans_end(grid_a, community_a):
    director = staff_with_role(Role.COMMUNITY_DIRECTOR, community_a)
    child = resident_in(grid_a, "left_behind_child", birth_year=2015)
    generate_care_plans(today=TODAY)

    set_care_rule(
        actor=director,
        area=community_a,
        tag="left_behind_child",
        max_level=0,
        interval_days=30,
        is_active=False,
        today=TODAY,
    )

    assert plan_of(child).ended_on == TODAY


def test_a_director_cannot_set_rules_outside_their_area(grid_b, community_a, community_b):
    from linli.core.errors import DomainError

    director = staff_with_role(Role.COMMUNITY_DIRECTOR, community_a)
    with pytest.raises(DomainError):
        set_care_rule(actor=director, area=community_b, tag="empty_nest", max_level=0, interval_days=5)
    assert not CareRule.objects.filter(area_code=community_b.code).exists()


def test_generation_is_idempotent(grid_a, grid_a2):
    staff_with_role(Role.GRID_WORKER, grid_a)
    for grid in (grid_a, grid_a2):
        resident_in(grid, "elderly_living_alone")
        resident_in(grid, ("disability", 1))
    first = generate_care_plans(today=TODAY)
    rows = list(CarePlan.objects.order_by("pk").values())

    second = generate_care_plans(today=TODAY)
    later = generate_care_plans(today=TODAY + dt.timedelta(days=3))

    assert first.created == 4
    assert second.changed == 0 and later.changed == 0
    assert list(CarePlan.objects.order_by("pk").values()) == rows


def test_plans_go_to_the_grid_worker_or_else_the_community_s(grid_a, grid_a2, community_a):
    on_grid = staff_with_role(Role.GRID_WORKER, grid_a)
    for_community = staff_with_role(Role.GRID_WORKER, community_a)
    a = resident_in(grid_a, "elderly_living_alone")
    a2 = resident_in(grid_a2, "elderly_living_alone")

    generate_care_plans(today=TODAY)

    assert plan_of(a).assignee == on_grid
    assert plan_of(a2).assignee == for_community


def test_a_director_s_reassignment_survives_the_next_run(grid_a, community_a):
    staff_with_role(Role.GRID_WORKER, grid_a)
    director = staff_with_role(Role.COMMUNITY_DIRECTOR, community_a)
    worker = staff_with_role(Role.COMMUNITY_WORKER, community_a)
    resident = resident_in(grid_a, "elderly_living_alone")
    generate_care_plans(today=TODAY)

    assign_care_plan(actor=director, plan=plan_of(resident), assignee=worker)
    generate_care_plans(today=TODAY)

    assert plan_of(resident).assignee == worker


def test_an_ended_tag_ends_the_plan_and_a_new_tag_reopens_it(grid_a):
    resident = resident_in(grid_a, "elderly_living_alone")
    generate_care_plans(today=TODAY)
    tag = TagAssignment.objects.get(resident=resident)

    end_tag(actor=None, assignment=tag, reason="搬去子女家")
    ended = generate_care_plans(today=TODAY)
    assert ended.ended == 1 and plan_of(resident).ended_on == TODAY

    from linli.registry.services import add_tag

    add_tag(actor=None, resident=resident, tag="empty_nest", source="test", valid_from=dt.date(2026, 1, 1))
    generate_care_plans(today=TODAY)
    plan = plan_of(resident)
    assert plan.ended_on is None and plan.interval_days == 30


def test_a_resident_who_moved_grid_gets_the_new_grid_s_worker(grid_a, grid_a2):
    staff_with_role(Role.GRID_WORKER, grid_a)
    new_worker = staff_with_role(Role.GRID_WORKER, grid_a2)
    resident = resident_in(grid_a, "elderly_living_alone")
    generate_care_plans(today=TODAY)

    type(resident).objects.filter(pk=resident.pk).update(area=grid_a2)
    generate_care_plans(today=TODAY)

    plan = plan_of(resident)
    assert plan.area_code == grid_a2.code and plan.assignee == new_worker


def test_the_command_and_the_daily_job_generate_the_plans(grid_a):
    from io import StringIO

    from django.core.management import call_command

    from linli.care.jobs import generate_care_plans_job

    resident_in(grid_a, "elderly_living_alone")
    out = StringIO()
    call_command("care_plan", "--today", TODAY.isoformat(), stdout=out)
    assert CarePlan.objects.get().next_due == TODAY
    from django.utils.translation import gettext

    said = gettext("Care plans: %(created)d created, %(updated)d updated, %(ended)d ended.")
    assert out.getvalue().strip() == said % {"created": 1, "updated": 0, "ended": 0}
    resident_in(grid_a, "left_behind_elderly")
    assert generate_care_plans_job(dt.datetime(2026, 3, 3, 1, 0, tzinfo=dt.UTC)) == 1
    assert CarePlan.objects.count() == 2


def test_the_periodic_tick_runs_the_daily_plan_job_once_a_day(grid_a):
    from linli.servicedesk.jobs import run_due_jobs

    alone = resident_in(grid_a, "elderly_living_alone")
    morning = dt.datetime(2026, 3, 4, 0, 30, tzinfo=dt.UTC)  # 08:30 in Shanghai, after the 01:00 start
    assert run_due_jobs(now=morning, only="care_plans") == {"care_plans": 1}
    assert plan_of(alone).interval_days == 7
    later = resident_in(grid_a, "elderly_living_alone")
    assert run_due_jobs(now=morning + dt.timedelta(hours=2), only="care_plans") == {}
    assert not CarePlan.objects.filter(resident=later).exists()
    assert run_due_jobs(now=morning + dt.timedelta(days=1), only="care_plans") == {"care_plans": 1}
    assert CarePlan.objects.filter(resident=later).exists()


def test_a_grade_limit_is_refused_for_a_tag_without_grades(community_a):
    from linli.core.errors import DomainError

    director = staff_with_role(Role.COMMUNITY_DIRECTOR, community_a)
    with pytest.raises(DomainError) as raised:  # would never apply: living alone has no grade
        set_care_rule(
            actor=director, area=community_a, tag="elderly_living_alone", max_level=1, interval_days=3
        )
    assert raised.value.code == "rule_grade_not_allowed" and raised.value.field == "max_level"
    assert not CareRule.objects.filter(area_code=community_a.code).exists()
    with pytest.raises(DomainError) as raised:
        set_care_rule(actor=director, area=community_a, tag="no_such_tag", max_level=0, interval_days=3)
    assert raised.value.code == "rule_tag"
    rule = set_care_rule(actor=director, area=community_a, tag="disability", max_level=3, interval_days=10)
    assert rule.max_level == 3


def test_the_command_refuses_a_bad_date():
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("care_plan", "--today", "yesterday")
    assert not CarePlan.objects.exists()
