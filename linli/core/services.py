"""Writes owned by core: areas, audit events, the notification outbox, the working-day calendar."""

import datetime as dt
import logging
import secrets
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.errors import DomainError
from linli.core.gateways import sms_gateway
from linli.core.models import (
    CODE_LENGTH,
    Area,
    AreaKind,
    AreaLevel,
    AuditEvent,
    CalendarDay,
    Notification,
    NotificationChannel,
    NotificationStatus,
)

logger = logging.getLogger(__name__)


def record_audit_event(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: str | int = "",
    area_code: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event; every reveal, export and change of personal data writes one."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        area_code=area_code,
        reason=reason,
        data=data or {},
    )


def queue_sms(
    *, phone: str, body: str, purpose: str, idempotency_key: str | None = None, enqueue: bool = True
) -> Notification:
    """Put an SMS in the outbox; it is delivered by the task worker after the transaction commits (or, with
    ``enqueue=False``, by the caller, which then owns its delivery and redelivery)."""
    from linli.core.tasks import deliver_notification

    notification, created = Notification.objects.get_or_create(
        idempotency_key=idempotency_key or f"{purpose}:{secrets.token_hex(16)}",
        defaults={"channel": NotificationChannel.SMS, "recipient": phone, "body": body, "purpose": purpose},
    )
    if created and enqueue:
        notification_id = notification.pk
        transaction.on_commit(lambda: deliver_notification.enqueue(notification_id=notification_id))
    return notification


def deliver_notification(*, notification_id: int) -> Notification:
    """Send one notification through its gateway, at most once at a time, and record how it went.

    The row is claimed with a conditional update and the gateway is called outside any transaction, so a
    slow gateway holds no lock. A failure is recorded by its kind only (gateway messages may quote the
    recipient) and left for ``redeliver_notifications``; a sent one is never sent again.
    """
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status__in=[NotificationStatus.QUEUED, NotificationStatus.FAILED]
    ).update(status=NotificationStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    notification = Notification.objects.get(pk=notification_id)
    if not claimed:
        return notification
    try:
        reference = sms_gateway().send(
            phone=notification.recipient, body=notification.body, idempotency_key=notification.idempotency_key
        )
    except Exception as exc:  # any gateway failure: record it and leave the message for redelivery
        notification.status = NotificationStatus.FAILED
        notification.last_error = type(exc).__name__
        notification.save(update_fields=["status", "last_error"])
        logger.warning("notification %s not delivered: %s", notification_id, type(exc).__name__)
        return notification
    notification.status = NotificationStatus.SENT
    notification.sent_at = timezone.now()
    notification.gateway_reference = reference
    notification.save(update_fields=["status", "sent_at", "gateway_reference"])
    return notification


MAX_DELIVERY_ATTEMPTS = 5


def redeliver_notifications(*, stale_after: dt.timedelta = dt.timedelta(minutes=10)) -> int:
    """Queue again the notifications that failed, or whose sender stopped mid-way; returns how many.

    A message is tried at most MAX_DELIVERY_ATTEMPTS times; gateways deduplicate by the idempotency key.
    """
    from linli.core.tasks import deliver_notification as deliver_task

    Notification.objects.filter(
        status=NotificationStatus.SENDING, claimed_at__lt=timezone.now() - stale_after
    ).update(status=NotificationStatus.FAILED, last_error="stale")
    due = list(
        Notification.objects.filter(
            status=NotificationStatus.FAILED, attempts__lt=MAX_DELIVERY_ATTEMPTS
        ).values_list("pk", flat=True)
    )
    for notification_id in due:
        deliver_task.enqueue(notification_id=notification_id)
    return len(due)


def seed_calendar_from_package() -> int:
    """Load China's official holidays and adjusted workdays from ``chinese_calendar``.

    Days an administrator has edited (source "admin") are kept as they are. Returns rows written.
    """
    import chinese_calendar

    days: dict[dt.date, tuple[bool, str]] = {}
    for day, holiday in chinese_calendar.holidays.items():
        days[day] = (False, str(holiday))
    for day, holiday in chinese_calendar.workdays.items():
        days[day] = (True, str(holiday))
    existing = set(CalendarDay.objects.filter(source="admin").values_list("date", flat=True))
    written = 0
    with transaction.atomic():
        for day, (is_workday, name) in sorted(days.items()):
            if day in existing:
                continue
            CalendarDay.objects.update_or_create(
                date=day, defaults={"is_workday": is_workday, "name": name, "source": "chinese_calendar"}
            )
            written += 1
    return written


def set_calendar_day(*, actor: Any, date: dt.date, is_workday: bool, name: str) -> CalendarDay:
    """An administrator corrects or extends the calendar (e.g. next year's notice, before the package)."""
    day, _ = CalendarDay.objects.update_or_create(
        date=date, defaults={"is_workday": is_workday, "name": name, "source": "admin"}
    )
    record_audit_event(
        actor=actor,
        action="calendar.set_day",
        object_type="calendar_day",
        object_id=date.isoformat(),
        data={"is_workday": is_workday, "name": name},
    )
    return day


def upsert_area(
    *,
    code: str,
    name: str,
    level: str,
    kind: str,
    parent: Area | None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Area:
    """Create or update an area by statistical code; the code fits its level and extends its parent's."""
    if level not in AreaLevel.values or kind not in AreaKind.values:
        raise DomainError("area_bad_level", _("Unknown area level or kind."), field="level")
    if not code.isdigit() or len(code) != CODE_LENGTH[AreaLevel(level)]:
        raise DomainError(
            "area_bad_code", _("The code does not have the number of digits of its level."), field="code"
        )
    # The parent is one level up: its code is this code less the last three digits.
    if parent is not None and parent.code != code[:-3]:
        raise DomainError("area_bad_parent", _("An area's code extends its parent's code."), field="parent")
    if not name.strip():
        raise DomainError("area_name_required", _("Please enter the name."), field="name")
    area, _created = Area.objects.update_or_create(
        code=code,
        defaults={
            "name": name.strip(),
            "level": level,
            "kind": kind,
            "parent": parent,
            "latitude": latitude,
            "longitude": longitude,
        },
    )
    return area
