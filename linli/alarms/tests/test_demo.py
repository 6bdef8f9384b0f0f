import datetime as dt

from django.utils import timezone

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.alarms.demo import create_demo_alarms
from linli.alarms.escalation import recipients_for, steps_for_area_code
from linli.alarms.models import Alarm, DutyShift, EscalationPolicy, Responder
from linli.alarms.report import acknowledgement_report
from linli.core.tests.factories import area_tree
from linli.registry.tests.factories import ResidentFactory, make_id_number


def test_demo_alarms_are_made_once_with_a_policy_rosters_responders_and_history(db):
    grid = area_tree("110109001001001")
    staff_with_role(Role.GRID_WORKER, grid, username="grid_worker")
    street = grid.parent.parent  # type: ignore[union-attr]
    officer = staff_with_role(Role.STREET_OFFICER, street, username="street_officer")
    for n in range(12):
        ResidentFactory(
            household__building__area=grid,
            household__area=grid,
            area=grid,
            id_number=make_id_number(n, birth=dt.date(1930 + n, 1, 1)),
        )
    made = create_demo_alarms()
    assert made == 12 == Alarm.objects.filter(status="closed").count()
    assert EscalationPolicy.objects.get().area_code == "110109"
    assert steps_for_area_code(grid.code)[0].kind == "grid_on_duty"
    assert DutyShift.objects.filter(kind="grid", user__username="grid_worker").exists()
    assert Responder.objects.filter(kind="family").count() == 3
    assert Responder.objects.filter(kind__in=["neighbour", "volunteer"]).count() == 9
    # The demo grid has someone on duty for each step of the policy.
    alarm = Alarm.objects.first()
    assert alarm is not None
    for step in steps_for_area_code(grid.code)[:2] + steps_for_area_code(grid.code)[3:]:
        assert recipients_for(alarm, step, timezone.now()), step
    rows = acknowledgement_report(
        officer, since=timezone.now() - dt.timedelta(days=90), until=timezone.now(), level_length=12
    )
    assert sum(row.alarms for row, _name in rows) == 12
    assert create_demo_alarms() == 0
