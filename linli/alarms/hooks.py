"""Webhooks that raise and acknowledge alarms: the SMS gateway's inbound messages and alarm devices.

Both are signed with HMAC-SHA256 over ``<timestamp>.<body>`` (header ``X-Linli-Timestamp``, Unix seconds;
header ``X-Linli-Signature``, hex). A bad signature answers 401; a stale timestamp (more than 300 s off) or a
message seen before (the device's nonce, the SMS provider's message id) answers 409. Both are refused with
a JSON error and logged (without phone numbers). A good message is acted on in one transaction that commits
before the answer.
"""

import hashlib
import hmac
import json
import logging
import time
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from linli.alarms import selectors, services
from linli.alarms.escalation import alarm_setting
from linli.alarms.models import AckVia, Device, DeviceNonce, InboundSms, TriggerSource
from linli.core.errors import DomainError
from linli.core.phones import normalize_mobile, phone_blind_index

logger = logging.getLogger(__name__)

MAX_BODY = 8 * 1024
MAX_SKEW_SECONDS = 300
ACK_REPLIES = frozenset({"1", "收到", "到", "好", "OK"})


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature a sender puts in ``X-Linli-Signature``."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _refuse(status: int, code: str, message: str, **log: Any) -> JsonResponse:
    logger.warning("alarm webhook refused: %s %s", code, " ".join(f"{k}={v}" for k, v in log.items()))
    return JsonResponse({"code": code, "message": message}, status=status)


def _signature_ok(request: HttpRequest, secret: str) -> tuple[bool, int | None]:
    timestamp = request.headers.get("X-Linli-Timestamp", "")
    given = request.headers.get("X-Linli-Signature", "")
    if not secret or not timestamp or not given:
        return False, None
    expected = sign(secret, timestamp, request.body)
    if not hmac.compare_digest(expected, given.strip().lower()):
        return False, None
    try:
        return True, int(timestamp)
    except ValueError:
        return False, None


def _fresh(timestamp: int) -> bool:
    return abs(time.time() - timestamp) <= MAX_SKEW_SECONDS


def _json(request: HttpRequest) -> dict[str, Any] | None:
    if len(request.body) > MAX_BODY:
        return None
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if -180.0 <= number <= 180.0 else None


@csrf_exempt
@require_POST
def device_webhook(request: HttpRequest) -> JsonResponse:
    """An alarm device's call: ``{"device_id", "nonce", "latitude"?, "longitude"?}`` signed with the device's
    own secret. Answers 202 with the alarm number once the alarm is stored."""
    data = _json(request)
    if data is None or not isinstance(data.get("device_id"), str) or not isinstance(data.get("nonce"), str):
        return _refuse(400, "bad_request", "Expected a JSON object with device_id and nonce.")
    device_id, nonce = data["device_id"][:64], data["nonce"]
    if not nonce or len(nonce) > 64:
        return _refuse(400, "bad_request", "The nonce has 1 to 64 characters.")
    device = selectors.active_device(device_id=device_id)
    # An unknown device is refused like a bad signature: the answer does not tell which devices exist.
    ok, timestamp = _signature_ok(request, str(device.secret) if device is not None else "")
    if device is None or not ok or timestamp is None:
        return _refuse(401, "bad_signature", "The signature does not match.", source=device_id)
    if not _fresh(timestamp):
        return _refuse(409, "stale", "The timestamp is too far from now.", source=device_id)
    now = timezone.now()
    try:
        with transaction.atomic():
            DeviceNonce.objects.create(device=device, nonce=nonce, received_at=now)
            alarm = services.trigger_alarm(
                source=TriggerSource.DEVICE,
                resident=device.resident,
                device=device,
                latitude=_float(data.get("latitude")),
                longitude=_float(data.get("longitude")),
                received_at=now,
            )
            Device.objects.filter(pk=device.pk).update(last_seen_at=now)
    except IntegrityError:
        return _refuse(409, "replayed", "This message was received before.", source=device_id)
    return JsonResponse(
        {"alarm": alarm.number, "status": alarm.status, "joined": alarm.was_joined}, status=202
    )  # type: ignore[attr-defined]


def sms_keywords() -> list[str]:
    raw = alarm_setting("LINLI_ALARM_SMS_KEYWORDS", "求助,救命,SOS,报警")
    words = raw if isinstance(raw, list | tuple) else str(raw).split(",")
    return [w.strip().upper() for w in words if w.strip()]


def handle_inbound_sms(*, provider_id: str, phone: str, text: str) -> dict[str, Any]:
    """Act on one inbound SMS. The caller holds the transaction. In this order:

    1. an acknowledgement reply ("1") from a responder told of an unanswered alarm acknowledges it;
    2. a help keyword from a registered resident's phone raises their alarm;
    3. any other text from someone told of a live alarm (``收到，已报警110``) joins that alarm's timeline;
    4. a help keyword from a duty or responder phone raises nothing (they use the console);
    5. a help keyword from any other number (a relative's phone, a new number) raises an unknown caller's
       alarm for the whole district, with the number to call back: a cry for help is never only logged.
    """
    index = phone_blind_index(phone)
    InboundSms.objects.create(provider_id=provider_id, phone_index=index)
    words = text.strip().upper()
    if words in ACK_REPLIES:
        notice = selectors.unanswered_notice_for_phone(phone_index=index)
        if notice is not None:
            alarm = services.acknowledge_alarm(alarm=notice.alarm, via=AckVia.SMS, notice=notice)
            InboundSms.objects.filter(provider_id=provider_id).update(action="ack")
            return {"action": "acknowledged", "alarm": alarm.number}
    asks_for_help = any(keyword in words for keyword in sms_keywords())
    if asks_for_help:
        resident = selectors.resident_for_phone_index(phone_index=index)
        if resident is not None:
            alarm = services.trigger_alarm(source=TriggerSource.SMS, resident=resident, note=text[:200])
            InboundSms.objects.filter(provider_id=provider_id).update(action="alarm")
            return {"action": "alarm", "alarm": alarm.number}
    notice = selectors.live_notice_for_phone(phone_index=index)
    if notice is not None:
        services.note_sms_reply(notice=notice, text=text)
        InboundSms.objects.filter(provider_id=provider_id).update(action="note")
        return {"action": "noted", "alarm": notice.alarm.number}
    if not asks_for_help:
        return {"action": "ignored"}
    if selectors.is_responder_phone(phone_index=index):
        return {"action": "ignored", "reason": "responder"}
    district = selectors.district_area()
    if district is None:
        logger.error("alarm keyword SMS from an unknown number, no district to raise it in (%s)", provider_id)
        return {"action": "ignored", "reason": "unknown_sender"}
    alarm = services.trigger_alarm(
        source=TriggerSource.SMS, area=district, caller_phone=phone, note=text[:200]
    )
    InboundSms.objects.filter(provider_id=provider_id).update(action="alarm")
    return {"action": "alarm", "alarm": alarm.number, "sender": "unknown"}


@csrf_exempt
@require_POST
def sms_webhook(request: HttpRequest) -> JsonResponse:
    """The SMS gateway passes on a received message: ``{"id", "from", "text"}``, signed with the shared
    secret ``LINLI_ALARM_SMS_WEBHOOK_SECRET``."""
    ok, timestamp = _signature_ok(request, str(alarm_setting("LINLI_ALARM_SMS_WEBHOOK_SECRET", "")))
    if not ok or timestamp is None:
        return _refuse(401, "bad_signature", "The signature does not match.")
    if not _fresh(timestamp):
        return _refuse(409, "stale", "The timestamp is too far from now.")
    data = _json(request)
    if data is None or not all(isinstance(data.get(k), str) for k in ("id", "from", "text")):
        return _refuse(400, "bad_request", "Expected a JSON object with id, from and text.")
    try:
        phone = normalize_mobile(data["from"])
    except DomainError:
        return _refuse(400, "bad_phone", "The sender is not a mobile number.")
    try:
        with transaction.atomic():
            result = handle_inbound_sms(provider_id=data["id"][:128], phone=phone, text=data["text"][:500])
    except IntegrityError:
        return _refuse(409, "replayed", "This message was received before.", source=data["id"][:128])
    return JsonResponse(result, status=202 if result["action"] == "alarm" else 200)
