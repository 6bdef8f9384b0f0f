"""The alarm core's authorization matrix: every role, an object inside its area and one just outside.

Management pages need MANAGE_ALARM_POLICIES over the object's area, the report VIEW_CARE_REPORTS (and counts
only alarms in scope); everything else answers 404. Webhooks are authenticated by signature, the
acknowledgement link by its token, whoever is logged in.
"""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from linli.accounts.roles import Capability, Role
from linli.alarms import dispatcher, services
from linli.alarms.escalation import StepSpec
from linli.alarms.models import AlarmStatus, DutyShift, EscalationPolicy, Responder, StepKind, TriggerSource
from linli.alarms.tests import factories as f
from linli.core.models import Notification
from linli.servicedesk.tests.factories import resident_account
from tests.matrix import World, allowed, place_for

M = Capability.MANAGE_ALARM_POLICIES


@pytest.fixture
def managed(world: World):
    """A policy, a shift, a responder and a device at every place of the world."""
    objects = {}
    for code, place in world.places.items():
        objects[code] = {
            "policy": f.policy(place.grid, [StepSpec(StepKind.GRID_ON_DUTY, 60)]),
            "shift": f.shift(place.grid, "grid"),
            "responder": f.responder(place.grid),
            "device": services.register_device(actor=None, resident=place.resident, device_id=f"D-{code}")[0],
        }
    return objects


def test_management_pages_by_role_and_area(world: World, managed):
    anonymous = Client()
    assert anonymous.get(reverse("alarms:manage")).status_code == 302
    resident = Client()
    resident.force_login(resident_account(world.inside().resident))
    for name in ("alarms:manage", "alarms:shifts", "alarms:responders", "alarms:devices"):
        assert resident.get(reverse(name)).status_code == 404
    for role in Role:
        client = world.clients[role]
        may = allowed(role, M)
        for name in ("alarms:manage", "alarms:shifts", "alarms:responders", "alarms:devices"):
            assert client.get(reverse(name)).status_code == (200 if may else 404), (role.value, name)
        for where in ("outside", "inside"):
            place = place_for(world, role, where)
            mine = managed[place.grid.code]
            ok = may and where == "inside"
            expect = 200 if ok else 404
            gone = 302 if ok else 404
            edit = client.get(reverse("alarms:policy_edit", args=[place.grid.pk]))
            assert edit.status_code == expect, (role.value, where)
            posted = client.post(
                reverse("alarms:policy_edit", args=[place.grid.pk]),
                {"name": "新策略", "kind_0": "street_duty", "timeout_0": "90"},
            )
            assert posted.status_code == gone, (role.value, where)
            assert (EscalationPolicy.objects.get(area=place.grid).name == "新策略") is ok
            assert (
                client.get(reverse("alarms:responder_edit", args=[mine["responder"].pk])).status_code
                == expect
            )
            assert client.post(reverse("alarms:shift_end", args=[mine["shift"].pk])).status_code == gone
            assert (
                DutyShift.objects.get(pk=mine["shift"].pk).ends_at < timezone.now() + dt.timedelta(seconds=1)
            ) is ok
            assert (
                client.post(reverse("alarms:responder_remove", args=[mine["responder"].pk])).status_code
                == gone
            )
            assert Responder.objects.get(pk=mine["responder"].pk).is_active is not ok
            assert client.post(reverse("alarms:device_remove", args=[mine["device"].pk])).status_code == gone
            assert client.post(reverse("alarms:policy_delete", args=[mine["policy"].pk])).status_code == gone
            assert EscalationPolicy.objects.filter(pk=mine["policy"].pk).exists() is not ok
            # Restore for the next role.
            if ok:
                managed[place.grid.code] = {
                    "policy": f.policy(place.grid, [StepSpec(StepKind.GRID_ON_DUTY, 60)]),
                    "shift": f.shift(place.grid, "grid"),
                    "responder": f.responder(place.grid),
                    "device": services.register_device(
                        actor=None, resident=place.resident, device_id=f"D-{role.value}-{place.grid.code}"
                    )[0],
                }


def test_adding_to_the_roster_only_inside_the_scope(world: World):
    for role in Role:
        if not allowed(role, M):
            continue
        for where in ("outside", "inside"):
            place = place_for(world, role, where)
            world.clients[role].post(
                reverse("alarms:shifts"),
                {
                    "area_code": place.grid.code,
                    "kind": "grid",
                    "name": f"{role.value}-{where}",
                    "phone": "13900000000",
                    "starts_at": "2026-01-01T08:00",
                    "ends_at": "2026-01-01T20:00",
                },
            )
            assert DutyShift.objects.filter(name=f"{role.value}-{where}").exists() is (where == "inside")


def test_report_by_role_and_area(world: World):
    t0 = timezone.now() - dt.timedelta(minutes=5)
    for place in world.places.values():
        alarm = services.trigger_alarm(source=TriggerSource.BUTTON, resident=place.resident, received_at=t0)
        services.acknowledge_alarm(alarm=alarm, via="console", now=t0 + dt.timedelta(seconds=30))
    assert Client().get(reverse("alarms:report")).status_code == 302
    for role in Role:
        page = world.clients[role].get(reverse("alarms:report"), {"level": 15})
        may = allowed(role, Capability.VIEW_CARE_REPORTS)
        assert page.status_code == (200 if may else 404), role.value
        if may:
            assert world.inside().grid.name in page.text
            assert world.outside(role).grid.name not in page.text, role.value


def signed_nothing(client: Client, name: str):
    return client.post(
        reverse(name), data=b'{"device_id": "D-x", "nonce": "n"}', content_type="application/json"
    )


def test_sms_webhook_needs_signature(world: World, settings):
    settings.LINLI_ALARM_SMS_WEBHOOK_SECRET = "secret"
    for client in [Client(), *world.clients.values()]:
        assert signed_nothing(client, "alarms:hook_sms").status_code == 401


def test_device_webhook_needs_signature(world: World):
    services.register_device(actor=None, resident=world.inside().resident, device_id="D-x")
    for client in [Client(), *world.clients.values()]:
        assert signed_nothing(client, "alarms:hook_device").status_code == 401


def test_ack_link_needs_its_token(world: World):
    t0 = timezone.now()
    place = world.inside()
    f.shift(place.grid, "grid", name="网格员")
    alarm = services.trigger_alarm(source=TriggerSource.BUTTON, resident=place.resident, received_at=t0)
    dispatcher.dispatch_due(now=t0)
    token = Notification.objects.get().body.split("/alarms/ack/")[1].split("/")[0]
    # Being logged in, even with every capability, does not stand in for the token.
    for client in [Client(), *world.clients.values()]:
        assert client.post(reverse("alarms:ack_link", args=["0" * 24])).status_code == 404
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.OPEN
    # The token alone is enough: the responder is not logged in.
    assert Client().get(reverse("alarms:ack_link", args=[token])).status_code == 200
    assert Client().post(reverse("alarms:ack_link", args=[token])).status_code == 302
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.ACKNOWLEDGED
