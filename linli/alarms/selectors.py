"""Reads of the one-key alarm, always for an acting user and within their scope."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from linli.accounts.roles import Capability
from linli.alarms.access import access_alarm, access_own_alarm, in_scope, resident_alarms
from linli.alarms.models import (
    LIVE_STATUSES,
    Alarm,
    AlarmEvent,
    AlarmNotice,
    AlarmStatus,
    Device,
    DutyShift,
    EscalationPolicy,
    Responder,
    TriggerSource,
)
from linli.core.phones import mask_phone


def alarms_in_scope(user: Any, capability: Capability = Capability.RESPOND_ALARMS) -> QuerySet[Alarm]:
    """Alarms under the areas where the staff user holds ``capability``, newest first."""
    return in_scope(Alarm.objects.select_related("resident", "area"), user, capability).order_by(
        "-created_at", "-id"
    )


def live_alarms(user: Any) -> list[Alarm]:
    """The console's list: alarms in scope not yet closed or cancelled, newest first."""
    return list(alarms_in_scope(user).filter(status__in=LIVE_STATUSES)[:500])


def resident_name(alarm: Alarm) -> str:
    """Who needs help, as shown to staff in scope: the registered name, or the caller's given name."""
    if alarm.resident is not None:
        return alarm.resident.name
    return alarm.caller_name


def alarm_summary(alarm: Alarm, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """A JSON-ready view of an alarm for the console list and map (no phone numbers)."""
    now = now or timezone.now()
    return {
        "id": alarm.pk,
        "number": alarm.number,
        "status": alarm.status,
        "status_label": str(AlarmStatus(alarm.status).label),
        "source": alarm.source,
        "source_label": str(TriggerSource(alarm.source).label),
        "resident_name": resident_name(alarm),
        "area_code": alarm.area_code,
        "area_name": alarm.area.name,
        "location_text": alarm.location_text,
        "latitude": alarm.latitude,
        "longitude": alarm.longitude,
        "created_at": alarm.created_at.isoformat(),
        "escalation_starts_at": alarm.escalation_starts_at.isoformat(),
        "waiting_seconds": int(max(0.0, (now - alarm.created_at).total_seconds())),
        "trigger_count": alarm.trigger_count,
        "current_step": alarm.current_step,
        "acknowledged_at": alarm.acknowledged_at.isoformat() if alarm.acknowledged_at else None,
        "acknowledged_by_label": alarm.acknowledged_by_label,
    }


def alarm_for_user_or_404(user: Any, alarm_id: int) -> Alarm:
    """The alarm for staff in scope (RESPOND_ALARMS) or for the resident it was raised for; else 404."""
    if getattr(user, "kind", None) == "resident":
        return access_own_alarm(user, alarm_id)
    if not getattr(user, "is_authenticated", False):
        raise Http404
    return access_alarm(user, alarm_id)


def timeline(alarm: Alarm) -> list[AlarmEvent]:
    """The alarm's audit timeline, oldest first."""
    return list(alarm.events.select_related("actor").order_by("at", "id"))


def notices(alarm: Alarm) -> list[AlarmNotice]:
    """Who was told at each step, with the delivery state of each SMS."""
    return list(alarm.notices.select_related("notification").order_by("step_index", "id"))


def my_open_alarm(resident: Any) -> Alarm | None:
    """The newest live alarm of a resident (a ``Resident``, or a resident's account: then any of the people
    behind its phone)."""
    if getattr(resident, "kind", None) == "resident":
        queryset = resident_alarms(resident)
    else:
        queryset = Alarm.objects.filter(resident=resident)
    return (
        queryset.filter(status__in=LIVE_STATUSES)
        .select_related("area")
        .order_by("-created_at", "-id")
        .first()
    )


def resident_for_account(user: Any) -> Any:
    """The registered person a resident's alarm button raises alarms for (the first behind their phone)."""
    from linli.registry.selectors import residents_for_phone_account

    people = residents_for_phone_account(user=user)
    return people[0] if people else None


# --- management ----------------------------------------------------------------------------------


def policies_in_scope(user: Any) -> QuerySet[EscalationPolicy]:
    return in_scope(
        EscalationPolicy.objects.select_related("area").prefetch_related("steps"),
        user,
        Capability.MANAGE_ALARM_POLICIES,
    )


def shifts_in_scope(user: Any, *, now: dt.datetime | None = None) -> QuerySet[DutyShift]:
    """Current and coming duty shifts in scope."""
    now = now or timezone.now()
    return in_scope(
        DutyShift.objects.select_related("area", "user").filter(ends_at__gt=now),
        user,
        Capability.MANAGE_ALARM_POLICIES,
    ).order_by("starts_at", "area_code")


def responders_in_scope(user: Any) -> QuerySet[Responder]:
    return in_scope(
        Responder.objects.select_related("area", "resident").filter(is_active=True),
        user,
        Capability.MANAGE_ALARM_POLICIES,
    )


def devices_in_scope(user: Any) -> QuerySet[Device]:
    return in_scope(
        Device.objects.select_related("resident").filter(is_active=True),
        user,
        Capability.MANAGE_ALARM_POLICIES,
    )


def masked_phone(phone: str) -> str:
    return mask_phone(phone) if phone else ""
