"""A plan run and a visit at the same moment, on their own connections: the visit is never lost."""

import datetime as dt
import threading

import pytest
from django.db import connection

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.care import services
from linli.care.models import CarePlan, Visit
from linli.care.tests.factories import NOON, TODAY, resident_in

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent writers need PostgreSQL"
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_visit_recorded_during_a_rule_change_keeps_its_next_due_date(grid_a, community_a, monkeypatch):
    worker = staff_with_role(Role.GRID_WORKER, grid_a)
    director = staff_with_role(Role.COMMUNITY_DIRECTOR, community_a)
    resident = resident_in(grid_a, "elderly_living_alone")
    services.generate_care_plans(today=TODAY - dt.timedelta(days=10))
    plan_id = CarePlan.objects.get(resident=resident).pk
    errors: list[str] = []

    def visit() -> None:
        try:
            plan = CarePlan.objects.get(pk=plan_id)
            services.record_visit(actor=worker, plan=plan, method="phone", outcome="well", now=NOON)
        except Exception as exc:  # surfaced below
            errors.append(repr(exc))
        finally:
            connection.close()

    visitor = threading.Thread(target=visit)
    real_still_valid = services._Visitors.still_valid

    def still_valid(self, plan):  # the run has read the plan: the visit comes in now
        if not visitor.is_alive() and visitor.ident is None:
            visitor.start()
            visitor.join(timeout=2)  # it waits for the run's lock, or commits at once without one
        return real_still_valid(self, plan)

    monkeypatch.setattr(services._Visitors, "still_valid", still_valid)
    services.set_care_rule(
        actor=director,
        area=community_a,
        tag="elderly_living_alone",
        max_level=0,
        interval_days=3,
        today=TODAY,
    )
    visitor.join(timeout=30)

    assert errors == []
    assert Visit.objects.count() == 1
    plan = CarePlan.objects.get(pk=plan_id)
    assert plan.interval_days == 3
    assert plan.last_visit_on == TODAY
    assert plan.next_due == TODAY + dt.timedelta(days=3)
