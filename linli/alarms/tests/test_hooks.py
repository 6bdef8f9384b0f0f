"""The webhooks: device (per-device HMAC, timestamp window, nonce) and inbound SMS (shared secret)."""

import json
import time
from collections.abc import Mapping

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.alarms import dispatcher, services
from linli.alarms.hooks import sign
from linli.alarms.models import AckVia, Alarm, AlarmEvent, AlarmNotice, AlarmStatus, TriggerSource
from linli.alarms.tests import factories as f
from linli.alarms.tests.conftest import later

SMS_SECRET = "sms-shared-secret"


@pytest.fixture
def device(elder):
    return services.register_device(actor=None, resident=elder, device_id="PENDANT-001")


def post_device(
    client, body: Mapping[str, object], secret: str, *, timestamp: int | None = None, raw: bytes | None = None
):
    payload = raw if raw is not None else json.dumps(body).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return client.post(
        reverse("alarms:hook_device"),
        data=payload,
        content_type="application/json",
        headers={"X-Linli-Timestamp": stamp, "X-Linli-Signature": sign(secret, stamp, payload)},
    )


def test_a_signed_device_message_raises_an_alarm_and_answers_202_after_storing_it(client, device, elder):
    registered, secret = device
    answer = post_device(
        client, {"device_id": "PENDANT-001", "nonce": "n1", "latitude": 39.95, "longitude": 116.11}, secret
    )
    assert answer.status_code == 202
    alarm = Alarm.objects.get()
    assert answer.json() == {"alarm": alarm.number, "status": "open", "joined": False}
    assert (alarm.source, alarm.resident, alarm.device) == (TriggerSource.DEVICE, elder, registered)
    assert (alarm.latitude, alarm.longitude) == (39.95, 116.11)
    # A second press within a minute joins it.
    again = post_device(client, {"device_id": "PENDANT-001", "nonce": "n2"}, secret)
    assert again.status_code == 202 and again.json()["joined"] is True
    assert Alarm.objects.count() == 1


def test_a_bad_signature_is_refused_with_401_and_no_alarm(client, device, caplog):
    _registered, secret = device
    answer = post_device(client, {"device_id": "PENDANT-001", "nonce": "n1"}, "not-the-secret")
    assert answer.status_code == 401 and answer.json()["code"] == "bad_signature"
    unknown = post_device(client, {"device_id": "NOBODY", "nonce": "n1"}, secret)
    assert unknown.status_code == 401
    # A body changed after signing.
    stamp = str(int(time.time()))
    signed = json.dumps({"device_id": "PENDANT-001", "nonce": "n9"}).encode()
    tampered = client.post(
        reverse("alarms:hook_device"),
        data=signed.replace(b"n9", b"n8"),
        content_type="application/json",
        headers={"X-Linli-Timestamp": stamp, "X-Linli-Signature": sign(secret, stamp, signed)},
    )
    assert tampered.status_code == 401
    assert not Alarm.objects.exists()
    assert "bad_signature" in caplog.text


def test_a_replayed_or_stale_device_message_is_refused_with_409(client, device):
    _registered, secret = device
    body = {"device_id": "PENDANT-001", "nonce": "once"}
    assert post_device(client, body, secret).status_code == 202
    Alarm.objects.update(status=AlarmStatus.CLOSED)  # a replay must not even join
    replay = post_device(client, body, secret)
    assert replay.status_code == 409 and replay.json()["code"] == "replayed"
    stale = post_device(
        client, {"device_id": "PENDANT-001", "nonce": "late"}, secret, timestamp=int(time.time()) - 301
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    future = post_device(
        client, {"device_id": "PENDANT-001", "nonce": "early"}, secret, timestamp=int(time.time()) + 301
    )
    assert future.status_code == 409
    assert Alarm.objects.count() == 1


def test_a_malformed_device_message_is_a_400(client, device):
    _registered, secret = device
    assert post_device(client, {}, secret, raw=b"not json").status_code == 400
    assert post_device(client, {"device_id": "PENDANT-001"}, secret).status_code == 400
    assert client.get(reverse("alarms:hook_device")).status_code == 405
    assert not Alarm.objects.exists()


def test_a_removed_device_is_refused(client, device):
    registered, secret = device
    services.deactivate_device(actor=None, device=registered)
    assert post_device(client, {"device_id": "PENDANT-001", "nonce": "n1"}, secret).status_code == 401


def post_sms(client, body: Mapping[str, object], *, secret: str = SMS_SECRET, timestamp: int | None = None):
    payload = json.dumps(body, ensure_ascii=False).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return client.post(
        reverse("alarms:hook_sms"),
        data=payload,
        content_type="application/json",
        headers={"X-Linli-Timestamp": stamp, "X-Linli-Signature": sign(secret, stamp, payload)},
    )


@pytest.fixture
def sms_secret(settings):
    settings.LINLI_ALARM_SMS_WEBHOOK_SECRET = SMS_SECRET


def test_a_keyword_sms_from_a_residents_phone_raises_an_alarm(client, sms_secret, elder):
    answer = post_sms(client, {"id": "m1", "from": f"+86 {elder.phone}", "text": "救命！摔倒了"})
    assert answer.status_code == 202 and answer.json()["action"] == "alarm"
    alarm = Alarm.objects.get()
    assert (alarm.source, alarm.resident) == (TriggerSource.SMS, elder)


def test_an_sms_without_a_keyword_raises_nothing(client, sms_secret, elder):
    assert post_sms(client, {"id": "m1", "from": elder.phone, "text": "你好"}).json() == {"action": "ignored"}
    stranger = post_sms(client, {"id": "m2", "from": "13700000000", "text": "在吗"})
    assert stranger.json() == {"action": "ignored"}
    assert not Alarm.objects.exists()


def test_a_keyword_sms_from_an_unknown_number_raises_an_alarm_for_the_district(client, sms_secret, elder, t0):
    district = elder.area.parent.parent.parent
    shift = f.shift(district, "street", name="区值班员", phone="13900007777")
    unknown = post_sms(client, {"id": "m2", "from": "13700000000", "text": "救命 我在公园摔倒了"})
    assert unknown.status_code == 202
    assert unknown.json()["action"] == "alarm" and unknown.json()["sender"] == "unknown"
    alarm = Alarm.objects.get()
    assert (alarm.resident, alarm.area, alarm.source) == (None, district, TriggerSource.SMS)
    assert alarm.caller_phone == "13700000000" and alarm.caller_phone_index
    # A second text from the same number within the minute joins the alarm.
    again = post_sms(client, {"id": "m3", "from": "13700000000", "text": "救命"})
    assert again.json()["alarm"] == alarm.number
    alarm.refresh_from_db()
    assert alarm.trigger_count == 2 and Alarm.objects.count() == 1
    # The escalation reaches whoever is on duty for the whole district.
    for seconds in (0, 61, 122, 183):
        dispatcher.dispatch_due(now=later(timezone.now(), seconds))
    assert AlarmNotice.objects.filter(alarm=alarm, phone_index=shift.phone_index).exists()


def test_an_sms_reply_from_a_notified_responder_acknowledges(client, sms_secret, grid_a, elder, t0):
    grid_shift = f.shift(grid_a, "grid", name="网格员", phone="13900009999")
    alarm = services.trigger_alarm(source=TriggerSource.BUTTON, resident=elder, received_at=t0)
    dispatcher.dispatch_due(now=t0)
    # A reply from a phone that was not told acknowledges nothing.
    stranger = post_sms(client, {"id": "r0", "from": "13700000001", "text": "1"})
    assert stranger.json() == {"action": "ignored"}
    answer = post_sms(client, {"id": "r1", "from": "13900009999", "text": " 收到 "})
    assert answer.json() == {"action": "acknowledged", "alarm": alarm.number}
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.ACKNOWLEDGED and alarm.acknowledged_via == AckVia.SMS
    assert alarm.acknowledged_by_label == grid_shift.name


def test_a_responders_free_text_reply_joins_the_timeline_and_raises_no_alarm(
    client, sms_secret, grid_a, elder, t0
):
    f.shift(grid_a, "grid", name="网格员", phone="13900009999")
    alarm = services.trigger_alarm(source=TriggerSource.BUTTON, resident=elder, received_at=t0)
    dispatcher.dispatch_due(now=t0)
    # Keywords inside a responder's report ("报警") must not raise a district alarm of their own.
    reply = post_sms(client, {"id": "r1", "from": "13900009999", "text": "收到，已报警110，马上到"})
    assert reply.json() == {"action": "noted", "alarm": alarm.number}
    assert Alarm.objects.count() == 1
    note = AlarmEvent.objects.filter(alarm=alarm, kind="note").get()
    assert (note.label, note.data) == ("网格员", {"text": "收到，已报警110，马上到", "via": "sms"})
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.OPEN  # a report is not an acknowledgement


def test_a_help_keyword_from_a_duty_phone_with_no_live_alarm_raises_nothing(client, sms_secret, grid_a):
    f.shift(grid_a, "grid", name="网格员", phone="13900008888")
    answer = post_sms(client, {"id": "d1", "from": "13900008888", "text": "报警测试"})
    assert answer.json() == {"action": "ignored", "reason": "responder"}
    assert not Alarm.objects.exists()


def test_the_sms_webhook_refuses_bad_signatures_and_replays(client, sms_secret, elder):
    bad = post_sms(client, {"id": "m1", "from": elder.phone, "text": "求助"}, secret="wrong")
    assert bad.status_code == 401
    stale = post_sms(
        client, {"id": "m1", "from": elder.phone, "text": "求助"}, timestamp=int(time.time()) - 400
    )
    assert stale.status_code == 409
    assert post_sms(client, {"id": "m1", "from": elder.phone, "text": "求助"}).status_code == 202
    Alarm.objects.update(status=AlarmStatus.CLOSED)
    replay = post_sms(client, {"id": "m1", "from": elder.phone, "text": "求助"})
    assert replay.status_code == 409 and replay.json()["code"] == "replayed"
    assert Alarm.objects.count() == 1


def test_the_sms_webhook_is_closed_without_a_configured_secret(client, elder):
    assert post_sms(client, {"id": "m1", "from": elder.phone, "text": "求助"}, secret="").status_code == 401
    assert not Alarm.objects.exists()


def test_old_nonces_are_pruned_and_a_fresh_one_still_refuses_its_replay(client, device):
    import datetime as dt

    from django.utils import timezone

    from linli.alarms.models import DeviceNonce

    registered, secret = device
    assert post_device(client, {"device_id": "PENDANT-001", "nonce": "fresh"}, secret).status_code == 202
    DeviceNonce.objects.create(
        device=registered, nonce="old", received_at=timezone.now() - dt.timedelta(days=2)
    )
    assert services.prune_webhook_records() == 1
    assert list(DeviceNonce.objects.values_list("nonce", flat=True)) == ["fresh"]
    Alarm.objects.update(status=AlarmStatus.CLOSED)
    assert post_device(client, {"device_id": "PENDANT-001", "nonce": "fresh"}, secret).status_code == 409


def test_the_daily_tick_prunes_old_nonces(device):
    import datetime as dt

    from django.utils import timezone

    from linli.alarms.models import DeviceNonce
    from linli.servicedesk.jobs import run_due_jobs

    registered, _secret = device
    now = timezone.now()
    DeviceNonce.objects.create(device=registered, nonce="old", received_at=now - dt.timedelta(days=2))
    DeviceNonce.objects.create(device=registered, nonce="new", received_at=now)
    assert run_due_jobs(now=now, only="alarm_webhook_records", force=True) == {"alarm_webhook_records": 1}
    assert list(DeviceNonce.objects.values_list("nonce", flat=True)) == ["new"]
