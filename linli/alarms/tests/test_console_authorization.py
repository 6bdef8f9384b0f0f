"""The alarm console's and the alarm button's authorization matrix: every staff role, an alarm inside its area
and one just outside it; residents only their own alarm; residents never the console."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from linli.accounts.models import User
from linli.accounts.roles import Capability, Role
from linli.alarms.models import Alarm, AlarmEvent, AlarmStatus, TriggerSource
from linli.alarms.services import trigger_alarm
from linli.core.models import AuditEvent
from linli.servicedesk.tests.factories import resident_account
from tests.matrix import World, allowed, place_for

RESPOND = Capability.RESPOND_ALARMS
STAFF_ROUTES = ("console", "console_live", "console_new")
ALARM_ROUTES = ("console_alarm", "console_ack", "console_close", "console_note", "console_call_back")


@pytest.fixture
def alarms(world: World) -> dict[str, Alarm]:
    """One open alarm for the resident of every place, keyed by the place's grid code."""
    return {
        code: trigger_alarm(source=TriggerSource.DEVICE, resident=place.resident)
        for code, place in world.places.items()
    }


def alarm_at(alarms: dict[str, Alarm], world: World, role: Role, where: str) -> Alarm:
    return alarms[place_for(world, role, where).grid.code]


def listed_ids(response: Any) -> set[int]:
    return {row["id"] for row in response.context["rows"]}


def test_console_lists_inside_alarms_and_never_outside_ones(world, alarms):
    for role in Role:
        client = world.clients[role]
        page = client.get(reverse("alarms:console"))
        live = client.get(reverse("alarms:console_live"))
        if not allowed(role, RESPOND):
            assert page.status_code == 404, role.value
            assert live.status_code == 404, role.value
            continue
        assert page.status_code == 200 and live.status_code == 200, role.value
        own = world.users[role].memberships.get().area.code
        expected = {alarm.pk for code, alarm in alarms.items() if code.startswith(own)}
        for response in (page, live):
            shown = listed_ids(response)
            assert shown == expected, role.value
            assert alarm_at(alarms, world, role, "inside").pk in shown, role.value
            assert alarm_at(alarms, world, role, "outside").pk not in shown, role.value
            points = {p["id"] for p in response.context["points"]}
            assert points == expected, role.value
        outside_name = world.outside(role).resident.name
        assert outside_name.encode() not in page.content, role.value


def test_alarm_pages_answer_inside_and_404_outside(world, alarms):
    for role in Role:
        client = world.clients[role]
        for where in ("outside", "inside"):
            alarm = alarm_at(alarms, world, role, where)
            ok = where == "inside" and allowed(role, RESPOND)
            events = AlarmEvent.objects.filter(alarm=alarm).count()
            page = client.get(reverse("alarms:console_alarm", args=[alarm.pk]))
            assert page.status_code == (200 if ok else 404), (role.value, where)
            note = client.post(reverse("alarms:console_note", args=[alarm.pk]), {"text": "已电话联系"})
            assert note.status_code == (302 if ok else 404), (role.value, where)
            reveals = AuditEvent.objects.filter(action="alarms.phone_revealed").count()
            call_back = client.post(reverse("alarms:console_call_back", args=[alarm.pk]))
            assert call_back.status_code == (200 if ok else 404), (role.value, where)
            phone = str(place_for(world, role, where).resident.phone)
            assert (phone in call_back.content.decode()) is ok, (role.value, where)
            assert AuditEvent.objects.filter(action="alarms.phone_revealed").count() == reveals + ok
            ack = client.post(reverse("alarms:console_ack", args=[alarm.pk]))
            assert ack.status_code == (302 if ok else 404), (role.value, where)
            close = client.post(
                reverse("alarms:console_close", args=[alarm.pk]), {"outcome": "false_alarm", "note": "误按"}
            )
            assert close.status_code == (302 if ok else 404), (role.value, where)
            alarm.refresh_from_db()
            assert (alarm.status == AlarmStatus.CLOSED) is ok, (role.value, where)
            # note, acknowledged, outcome: three lines on the timeline, or none at all.
            assert AlarmEvent.objects.filter(alarm=alarm).count() == events + (3 if ok else 0), (
                role.value,
                where,
            )
            if ok:  # the next role finds it live again
                alarms[place_for(world, role, where).grid.code] = trigger_alarm(
                    source=TriggerSource.DEVICE, resident=alarm.resident
                )


def test_manual_entry_finds_and_raises_only_inside_the_workers_area(world):
    for role in Role:
        client = world.clients[role]
        inside, outside = world.inside(), world.outside(role)
        url = reverse("alarms:console_new")
        if not allowed(role, RESPOND):
            assert client.get(url, {"name": "王"}).status_code == 404, role.value
            assert client.post(url, {"who": "resident", "resident": inside.resident.pk}).status_code == 404
            continue
        found = client.get(url, {"name": "王"})
        assert found.status_code == 200, role.value
        names = {r["resident"].pk for r in found.context["results"]}
        assert inside.resident.pk in names and outside.resident.pk not in names, role.value
        before = Alarm.objects.count()
        refused = client.post(url, {"who": "resident", "resident": outside.resident.pk})
        assert refused.status_code == 404 and Alarm.objects.count() == before, role.value
        unknown_outside = client.post(
            url, {"who": "unknown", "area": outside.grid.pk, "location_text": "路口"}
        )
        assert unknown_outside.status_code == 200 and Alarm.objects.count() == before, role.value
        raised = client.post(url, {"who": "resident", "resident": inside.resident.pk, "note": "电话求助"})
        assert raised.status_code == 302, role.value
        alarm = Alarm.objects.order_by("-id").first()
        assert alarm is not None and alarm.resident == inside.resident, role.value
        Alarm.objects.filter(pk=alarm.pk).update(status=AlarmStatus.CLOSED)  # next role raises a new one


def resident_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_residents_see_only_their_own_alarm_and_never_the_console(world, alarms):
    inside = world.inside()
    own = alarms[inside.grid.code]
    other = next(alarm for code, alarm in alarms.items() if code != inside.grid.code)
    client = resident_client(resident_account(inside.resident))
    assert client.get(reverse("alarms:help")).status_code == 200
    assert client.get(reverse("alarms:help_alarm", args=[own.pk])).status_code == 200
    assert client.get(reverse("alarms:help_alarm", args=[other.pk])).status_code == 404
    assert client.post(reverse("alarms:help_cancel", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.status == AlarmStatus.OPEN
    for name in STAFF_ROUTES:
        assert client.get(reverse(f"alarms:{name}")).status_code == 404, name
    for name in ALARM_ROUTES:
        method = client.get if name == "console_alarm" else client.post
        assert method(reverse(f"alarms:{name}", args=[own.pk])).status_code == 404, name
    own.refresh_from_db()
    assert own.status == AlarmStatus.OPEN
    # Pressing the button raises (here: joins) the alarm of the resident behind the phone, nobody else's.
    pressed = client.post(reverse("alarms:help"))
    assert pressed.status_code == 302
    own.refresh_from_db()
    assert own.trigger_count == 2
    assert Alarm.objects.filter(resident=inside.resident).count() == 1


def test_staff_and_strangers_cannot_use_the_resident_button(world, alarms):
    own = alarms[world.inside().grid.code]
    for role in Role:
        client = world.clients[role]
        assert client.get(reverse("alarms:help")).status_code == 404, role.value
        assert client.post(reverse("alarms:help")).status_code == 404, role.value
        assert client.get(reverse("alarms:help_alarm", args=[own.pk])).status_code == 404, role.value
        assert client.post(reverse("alarms:help_cancel", args=[own.pk])).status_code == 404, role.value
    anonymous = Client()
    for url in (reverse("alarms:help"), reverse("alarms:help_alarm", args=[own.pk])):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/accounts/resident/" in response["Location"]
    for name in STAFF_ROUTES:
        response = anonymous.get(reverse(f"alarms:{name}"))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name
    stranger = resident_client(User.objects.create(username="no-record", kind="resident"))
    assert stranger.get(reverse("alarms:help_alarm", args=[own.pk])).status_code == 404
    assert stranger.post(reverse("alarms:help")).status_code == 404
    assert Alarm.objects.count() == len(alarms)
