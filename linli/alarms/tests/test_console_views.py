"""The alarm button, the console, the alarm page and the manual entry, through their views."""

# factory_boy has no type hints.
# mypy: disable-error-code="no-untyped-call"

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from conftest import login_staff
from linli.accounts.models import User
from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.alarms.dispatcher import dispatch_due
from linli.alarms.models import (
    Alarm,
    AlarmEvent,
    AlarmStatus,
    DutyKind,
    Responder,
    ResponderKind,
    StepKind,
    TriggerSource,
)
from linli.alarms.services import acknowledge_alarm, add_duty_shift, close_alarm, trigger_alarm
from linli.core.models import AuditEvent
from linli.core.phones import phone_blind_index
from linli.registry.models import Resident
from linli.registry.tests.factories import BuildingFactory, HouseholdFactory, ResidentFactory
from linli.servicedesk.tests.factories import resident_account

PHONE = "13912345678"


@pytest.fixture
def elder(grid_a) -> Resident:
    household = HouseholdFactory(building=BuildingFactory(area=grid_a, address="幸福路8号"), room="3-201")
    return ResidentFactory(
        household=household,
        name="王桂芳",
        phone=PHONE,
        phone_index=phone_blind_index(PHONE),
        birth_date=dt.date(1943, 12, 31),
    )


@pytest.fixture
def elder_account(elder) -> User:
    return resident_account(elder)


@pytest.fixture
def elder_client(elder_account) -> Client:
    client = Client()
    client.force_login(elder_account)
    return client


@pytest.fixture
def worker(worker_a) -> Client:
    client = Client()
    login_staff(client, worker_a)
    return client


def press(client: Client) -> Alarm:
    response = client.post(reverse("alarms:help"))
    alarm = Alarm.objects.order_by("-id").first()
    assert alarm is not None
    assert response.status_code == 302 and response["Location"] == reverse(
        "alarms:help_alarm", args=[alarm.pk]
    )
    return alarm


def hx(client: Client, url: str, **params: Any) -> Any:
    return client.get(url, params, headers={"HX-Request": "true"})


# --- the resident's button -------------------------------------------------------------------------


def test_the_button_page_is_one_big_button_and_linked_from_the_residents_home(elder_client):
    home = elder_client.get(reverse("registry:me"))
    assert reverse("alarms:help").encode() in home.content
    page = elder_client.get(reverse("alarms:help"))
    assert page.status_code == 200
    assert len(re.findall(rb'data-testid="help-button"', page.content)) == 1
    assert b"<form" in page.content and b'method="post"' in page.content  # works without JavaScript


def test_one_press_stores_the_alarm_at_once_then_offers_five_seconds_to_cancel(elder, elder_client):
    before = timezone.now()
    alarm = press(elder_client)
    # Stored and committed before the answer: a dropped phone still raises the alarm.
    assert alarm.resident == elder and alarm.source == TriggerSource.BUTTON
    assert alarm.status == AlarmStatus.PENDING
    assert dt.timedelta(seconds=4.5) < alarm.escalation_starts_at - before <= dt.timedelta(seconds=6)
    page = elder_client.get(reverse("alarms:help_alarm", args=[alarm.pk]))
    assert page.context["state"] == "window"
    assert b'data-testid="help-cancel"' in page.content and b'data-testid="help-countdown"' in page.content
    assert b'<noscript><meta http-equiv="refresh"' in page.content  # without JavaScript the page refreshes

    cancelled = elder_client.post(reverse("alarms:help_cancel", args=[alarm.pk]), follow=True)
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.CANCELLED
    assert cancelled.context["state"] == "cancelled"
    assert (
        b"hx-trigger" not in cancelled.content and b"http-equiv" not in cancelled.content
    )  # done: no polling


def test_cancel_after_the_window_is_refused_and_help_stays_called(elder_client):
    alarm = press(elder_client)
    Alarm.objects.filter(pk=alarm.pk).update(escalation_starts_at=timezone.now() - dt.timedelta(seconds=1))
    page = elder_client.post(reverse("alarms:help_cancel", args=[alarm.pk]), follow=True)
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.PENDING
    assert page.context["state"] == "calling"
    assert b'data-testid="help-cancel"' not in page.content
    assert [str(m) for m in page.context["messages"]]  # the resident is told why


def test_the_state_refreshes_in_place_and_names_who_acknowledged(elder_client, worker_a):
    alarm = press(elder_client)
    url = reverse("alarms:help_alarm", args=[alarm.pk])
    window = hx(elder_client, url)
    assert b"<html" not in window.content  # a fragment for htmx
    assert re.search(rb'hx-trigger="load delay:\d+ms"', window.content)  # asks once when the window ends
    dispatch_due(now=alarm.escalation_starts_at + dt.timedelta(seconds=1))
    calling = hx(elder_client, url)
    assert calling.context["state"] == "calling" and b'hx-trigger="every 2s"' in calling.content
    worker_a.first_name, worker_a.last_name = "晓明", "李"
    worker_a.save(update_fields=["first_name", "last_name"])
    acknowledge_alarm(alarm=alarm, via="console", user=worker_a)
    answered = hx(elder_client, url)
    assert answered.context["state"] == "acknowledged"
    assert "李晓明" in answered.content.decode()
    close_alarm(alarm=alarm, actor=worker_a, outcome="help_given")
    closed = hx(elder_client, url)
    assert closed.context["state"] == "closed" and b"hx-trigger" not in closed.content


def test_elder_mode_shows_the_button_page_in_large_type(elder_account, elder_client):
    elder_account.elder_mode = True
    elder_account.save(update_fields=["elder_mode"])
    page = elder_client.get(reverse("alarms:help"))
    assert b'<html lang="zh-hans" data-theme="light" class="elder">' in page.content
    assert b'<body class="elder"' in page.content


def test_a_resident_not_in_the_records_is_told_whom_to_call(db):
    client = Client()
    client.force_login(User.objects.create(username="unknown-phone", kind="resident"))
    page = client.get(reverse("alarms:help"))
    assert b'data-testid="help-button"' not in page.content
    assert b'data-testid="help-not-registered"' in page.content and b"tel:120" in page.content


# --- the console ------------------------------------------------------------------------------------


def test_the_live_list_answers_204_until_something_changes(
    elder, elder_client, worker, worker_a, django_assert_max_num_queries
):
    first = worker.get(reverse("alarms:console"))
    version = first.context["version"]
    url = reverse("alarms:console_live")
    with django_assert_max_num_queries(5):  # session, user, device, memberships, the live alarms
        unchanged = hx(worker, url, v=version)
    assert unchanged.status_code == 204 and unchanged.content == b""

    alarm = press(elder_client)
    fresh = hx(worker, url, v=version)
    assert fresh.status_code == 200
    assert [r["id"] for r in fresh.context["rows"]] == [alarm.pk]
    assert fresh.context["version"] != version
    assert f'hx-get="{url}?v={fresh.context["version"]}"'.encode() in fresh.content
    assert b'hx-trigger="every 1s"' in fresh.content
    assert hx(worker, url, v=fresh.context["version"]).status_code == 204

    acknowledge_alarm(alarm=alarm, via="console", user=worker_a)  # a change of state shows too
    acked = hx(worker, url, v=fresh.context["version"])
    assert acked.status_code == 200 and acked.context["rows"][0]["status"] == AlarmStatus.ACKNOWLEDGED


def test_unanswered_alarms_come_first_newest_first(grid_a, worker, worker_a):
    older, middle, newest = (
        trigger_alarm(
            source=TriggerSource.DEVICE,
            resident=ResidentFactory(household=HouseholdFactory(building=BuildingFactory(area=grid_a))),
            received_at=timezone.now() - dt.timedelta(minutes=m),
        )
        for m in (3, 2, 1)
    )
    acknowledge_alarm(alarm=newest, via="console", user=worker_a)
    rows = worker.get(reverse("alarms:console")).context["rows"]
    assert [r["id"] for r in rows] == [middle.pk, older.pk, newest.pk]
    assert re.fullmatch(r"2:0\d", rows[0]["elapsed"])


def test_the_console_shows_the_current_step_and_map_points(elder, worker, grid_a):
    now = timezone.now()
    add_duty_shift(
        actor=None,
        area=grid_a,
        kind=DutyKind.GRID,
        name="网格值班",
        phone="13600000001",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=8),
    )
    alarm = trigger_alarm(source=TriggerSource.DEVICE, resident=elder)
    window = worker.get(reverse("alarms:console")).context["rows"][0]
    assert window["step_label"] == _("Starting")
    dispatch_due(now=alarm.escalation_starts_at + dt.timedelta(seconds=1))
    page = worker.get(reverse("alarms:console"))
    row = page.context["rows"][0]
    assert row["step_label"] == _("Step %(number)s: %(kind)s") % {
        "number": 1,
        "kind": StepKind.GRID_ON_DUTY.label,
    }
    assert page.context["points"] == [
        {
            "id": alarm.pk,
            "number": alarm.number,
            "name": "王桂芳",
            "status": "open",
            "status_label": row["status_label"],
            "lat": 39.94,
            "lon": 116.10,
            "url": reverse("alarms:console_alarm", args=[alarm.pk]),
        }
    ]
    assert b'id="alarm-points"' in page.content and b"leaflet.js" in page.content


def test_the_map_needs_no_tile_server_unless_one_is_set(elder, worker, settings):
    page = worker.get(reverse("alarms:console"))
    config = page.context["map"]
    assert config["tiles"] == ""
    south_west, north_east = config["bounds"]
    assert south_west[0] < 39.94 < north_east[0] and south_west[1] < 116.10 < north_east[1]
    settings.LINLI_MAP_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    assert worker.get(reverse("alarms:console")).context["map"]["tiles"] == settings.LINLI_MAP_TILE_URL


# --- one alarm --------------------------------------------------------------------------------------


def test_the_alarm_page_masks_phones_and_shows_the_family_and_timeline(elder, worker, grid_a):
    Responder.objects.create(
        kind=ResponderKind.FAMILY,
        name="王小明",
        phone="13698765432",
        phone_index=phone_blind_index("13698765432"),
        area=grid_a,
        area_code=grid_a.code,
        resident=elder,
        relation="儿子",
    )
    at = dt.datetime(2026, 3, 4, 2, 5, 9, tzinfo=dt.UTC)  # 10:05:09 in Beijing
    alarm = trigger_alarm(source=TriggerSource.DEVICE, resident=elder, received_at=at)
    page = worker.get(reverse("alarms:console_alarm", args=[alarm.pk]))
    body = page.content.decode()
    assert PHONE not in body and "139****5678" in body
    assert "13698765432" not in body and "136****5432" in body and "王小明" in body
    assert "幸福路8号 3-201" in body
    assert "2026-03-04 10:05:09" in body  # shown in Asia/Shanghai
    assert page.context["person"]["age"] >= 80
    assert [e["kind"] for e in page.context["events"]] == ["triggered"]


def test_a_responder_reveals_the_number_to_call_back_and_the_reveal_is_audited(elder, worker, worker_a):
    alarm = trigger_alarm(source=TriggerSource.DEVICE, resident=elder)
    page = worker.get(reverse("alarms:console_alarm", args=[alarm.pk]))
    assert PHONE not in page.content.decode()
    assert 'data-testid="alarm-call-back"' in page.content.decode()
    url = reverse("alarms:console_call_back", args=[alarm.pk])
    assert worker.get(url).status_code == 405  # a reveal is an act, never a link to follow

    revealed = worker.post(url, headers={"HX-Request": "true"})
    assert revealed.status_code == 200
    assert f'href="tel:{PHONE}"' in revealed.content.decode()
    # Audited under the resident, among the reveals of their data.
    event = AuditEvent.objects.get(action="alarms.phone_revealed")
    assert (event.actor, event.object_type, event.object_id) == (worker_a, "resident", str(elder.pk))
    assert event.area_code == alarm.area_code and alarm.number in event.reason
    assert event.data == {"alarm": alarm.number, "field": "phone"}
    # Without script the same post answers with a page of its own.
    plain = worker.post(url)
    assert plain.status_code == 200 and PHONE in plain.content.decode()
    assert AuditEvent.objects.filter(action="alarms.phone_revealed").count() == 2
    # Once the alarm is closed the number is no longer shown, and the button is gone.
    close_alarm(alarm=alarm, actor=worker_a, outcome="help_given")
    closed = worker.post(url)
    assert closed.status_code == 400 and PHONE not in closed.content.decode()
    assert (
        'data-testid="alarm-call-back"'
        not in worker.get(reverse("alarms:console_alarm", args=[alarm.pk])).content.decode()
    )
    assert AuditEvent.objects.filter(action="alarms.phone_revealed").count() == 2


def test_an_unknown_callers_number_can_be_called_back_and_a_missing_one_is_said(grid_a, worker):
    caller = trigger_alarm(
        source=TriggerSource.MANUAL, area=grid_a, caller_name="路人", caller_phone="13722223333"
    )
    revealed = worker.post(reverse("alarms:console_call_back", args=[caller.pk]))
    assert revealed.status_code == 200 and "tel:13722223333" in revealed.content.decode()
    assert AuditEvent.objects.get(action="alarms.phone_revealed").data == {
        "alarm": caller.number,
        "field": "caller_phone",
    }

    nobody = trigger_alarm(source=TriggerSource.MANUAL, area=grid_a, location_text="公园东门")
    missing = worker.post(reverse("alarms:console_call_back", args=[nobody.pk]))
    assert missing.status_code == 400
    assert _("No phone number is recorded for this person.") in missing.content.decode()
    assert AuditEvent.objects.filter(action="alarms.phone_revealed").count() == 1


def test_acknowledge_close_and_note_from_the_alarm_page(elder, worker, worker_a):
    alarm = trigger_alarm(source=TriggerSource.DEVICE, resident=elder)
    url = reverse("alarms:console_alarm", args=[alarm.pk])
    assert b'data-testid="acknowledge"' in worker.get(url).content
    worker.post(reverse("alarms:console_ack", args=[alarm.pk]))
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.ACKNOWLEDGED and alarm.acknowledged_by == worker_a
    assert alarm.acknowledged_via == "console"
    again = worker.post(reverse("alarms:console_ack", args=[alarm.pk]), follow=True)  # the first one counts
    assert AlarmEvent.objects.filter(alarm=alarm, kind="acknowledged").count() == 1
    assert b'data-testid="acknowledge"' not in again.content

    worker.post(reverse("alarms:console_note", args=[alarm.pk]), {"text": "已上门，老人摔倒，无外伤"})
    refused = worker.post(reverse("alarms:console_close", args=[alarm.pk]), {"outcome": "lost"}, follow=True)
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.ACKNOWLEDGED and [str(m) for m in refused.context["messages"]]
    worker.post(
        reverse("alarms:console_close", args=[alarm.pk]), {"outcome": "handed_to_120", "note": "已送医"}
    )
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.CLOSED and alarm.outcome == "handed_to_120"
    page = worker.get(url)
    kinds = [e["kind"] for e in page.context["events"]]
    assert kinds == ["triggered", "acknowledged", "note", "outcome"]
    assert "已上门，老人摔倒，无外伤" in page.content.decode() and "已送医" in page.content.decode()
    assert b'data-testid="close-form"' not in page.content and b"hx-trigger" not in page.content


def test_the_alarm_page_refreshes_its_timeline_only_when_it_changes(elder, worker):
    alarm = trigger_alarm(source=TriggerSource.DEVICE, resident=elder)
    url = reverse("alarms:console_alarm", args=[alarm.pk])
    version = worker.get(url).context["version"]
    assert hx(worker, url, v=version).status_code == 204
    dispatch_due(now=alarm.escalation_starts_at + dt.timedelta(seconds=1))
    changed = hx(worker, url, v=version)
    assert changed.status_code == 200 and b"<html" not in changed.content
    # Nobody is on duty in this test: the first step is skipped, and the timeline says so.
    assert [e["kind"] for e in changed.context["events"]][:2] == ["triggered", "step_skipped_no_responder"]
    assert hx(worker, url, v=changed.context["version"]).status_code == 204


# --- a phone call entered by hand -------------------------------------------------------------------


def test_manual_entry_finds_the_caller_by_name_and_last_four_digits(elder, grid_a, worker, worker_a):
    ResidentFactory(
        household=HouseholdFactory(building=BuildingFactory(area=grid_a)),
        name="王桂兰",
        phone="13811110000",
        phone_index=phone_blind_index("13811110000"),
    )
    url = reverse("alarms:console_new")
    both = worker.get(url, {"name": "王桂"})
    assert {r["resident"].name for r in both.context["results"]} == {"王桂芳", "王桂兰"}
    assert PHONE not in both.content.decode() and "139****5678" in both.content.decode()
    one = worker.get(url, {"name": "王桂", "last4": "5678"})
    assert [r["resident"].pk for r in one.context["results"]] == [elder.pk]

    raised = worker.post(url, {"who": "resident", "resident": elder.pk, "note": "老人说头晕"})
    alarm = Alarm.objects.get()
    assert raised["Location"] == reverse("alarms:console_alarm", args=[alarm.pk])
    assert (
        alarm.source == TriggerSource.MANUAL and alarm.status == AlarmStatus.OPEN and alarm.resident == elder
    )
    event = AlarmEvent.objects.get(alarm=alarm)
    assert event.actor == worker_a and event.data["note"] == "老人说头晕"


def test_manual_entry_for_an_unknown_caller_needs_a_place(grid_a, worker):
    url = reverse("alarms:console_new")
    missing = worker.post(url, {"who": "unknown", "area": grid_a.pk, "caller_phone": "12345"})
    assert missing.status_code == 200 and not Alarm.objects.exists()
    assert set(missing.context["unknown"].errors) == {"location_text", "caller_phone"}
    worker.post(
        url,
        {
            "who": "unknown",
            "area": grid_a.pk,
            "location_text": "公园东门长椅",
            "caller_name": "路人",
            "caller_phone": "137 0000 1234",
        },
    )
    alarm = Alarm.objects.get()
    assert alarm.resident is None and alarm.area == grid_a and alarm.caller_phone == "13700001234"
    page = worker.get(reverse("alarms:console_alarm", args=[alarm.pk])).content.decode()
    assert "公园东门长椅" in page and "137****1234" in page and "13700001234" not in page


def test_a_street_officer_sees_the_street_and_a_grid_worker_only_their_grid(elder, grid_a, grid_a2, worker):
    elsewhere = trigger_alarm(
        source=TriggerSource.DEVICE,
        resident=ResidentFactory(household=HouseholdFactory(building=BuildingFactory(area=grid_a2))),
    )
    mine = trigger_alarm(source=TriggerSource.DEVICE, resident=elder)
    grid_worker = login_staff(Client(), staff_with_role(Role.GRID_WORKER, grid_a))
    street = login_staff(Client(), staff_with_role(Role.STREET_OFFICER, grid_a.parent.parent))
    assert [r["id"] for r in grid_worker.get(reverse("alarms:console")).context["rows"]] == [mine.pk]
    assert {r["id"] for r in street.get(reverse("alarms:console")).context["rows"]} == {mine.pk, elsewhere.pk}
    assert {r["id"] for r in worker.get(reverse("alarms:console")).context["rows"]} == {mine.pk, elsewhere.pk}


def test_the_console_costs_the_same_queries_for_one_alarm_or_many(grid_a, worker):
    def console_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert worker.get(reverse("alarms:console")).status_code == 200
        return len(captured.captured_queries)

    def raise_one() -> None:
        trigger_alarm(
            source=TriggerSource.DEVICE,
            resident=ResidentFactory(household=HouseholdFactory(building=BuildingFactory(area=grid_a))),
        )

    raise_one()
    one = console_queries()
    for _i in range(4):
        raise_one()
    assert console_queries() == one


def test_a_phone_shared_by_a_couple_raises_the_alarm_for_the_one_who_pressed(elder, elder_client):
    husband = ResidentFactory(
        household=elder.household, name="李大爷", phone=PHONE, phone_index=elder.phone_index
    )
    page = elder_client.get(reverse("alarms:help"))
    assert page.content.count(b'data-testid="help-button"') == 2
    elder_client.post(reverse("alarms:help"), {"for": husband.pk})
    assert Alarm.objects.get().resident == husband
