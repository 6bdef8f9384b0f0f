"""Reads of the one-key alarm: staff reads always for an acting user and within their scope; the
acknowledgement link and the webhooks, which have no user, by their token, device or phone."""

import datetime as dt
from typing import Any

from django.db.models import Max, Min, Q, QuerySet
from django.utils import timezone

from linli.accounts.access import scope_condition, scope_prefixes
from linli.accounts.models import User
from linli.accounts.roles import Capability
from linli.alarms.access import in_scope, may_on_area, resident_alarms
from linli.alarms.models import (
    LIVE_STATUSES,
    UNANSWERED_STATUSES,
    Alarm,
    AlarmEvent,
    AlarmNotice,
    AlarmStatus,
    AlarmStepRun,
    Device,
    DutyShift,
    EscalationPolicy,
    EscalationStep,
    Responder,
    ResponderKind,
    TriggerSource,
)
from linli.core.models import Area, AreaLevel
from linli.core.phones import mask_phone
from linli.registry.models import Building, Resident

# Residents offered by the manual entry's search; with the last four digits, candidates checked for them.
SEARCH_LIMIT = 20
SEARCH_CANDIDATES = 300


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


# --- the console ---------------------------------------------------------------------------------


def live_alarm_states(*, user: Any) -> list[tuple[int, str, int, int, dt.datetime]]:
    """The state of each live alarm in the user's alarm scope, by id: what the console's version digests."""
    return list(
        in_scope(Alarm.objects.filter(status__in=LIVE_STATUSES), user, Capability.RESPOND_ALARMS)
        .order_by("id")
        .values_list("id", "status", "current_step", "trigger_count", "escalation_starts_at")[:500]
    )


def step_kinds(*, alarms: list[Alarm]) -> dict[tuple[int, int], str]:
    """The kind of every step run of these (already scoped) alarms, keyed by (alarm id, step index)."""
    return {
        (alarm_id, index): kind
        for alarm_id, index, kind in AlarmStepRun.objects.filter(
            alarm__in=[a.pk for a in alarms]
        ).values_list("alarm_id", "step_index", "kind")
    }


def scope_box(*, user: Any) -> tuple[float, float, float, float] | None:
    """(S, W, N, E) around the buildings in the user's alarm scope, else its areas' centres, else None."""
    condition = scope_condition(user, Capability.RESPOND_ALARMS, field="area__code")
    if condition is None:
        return None
    corners = {"s": Min("latitude"), "n": Max("latitude"), "w": Min("longitude"), "e": Max("longitude")}
    box = Building.objects.filter(condition).aggregate(**corners)
    if box["s"] is None:
        box = Area.objects.filter(
            code__in=scope_prefixes(user, Capability.RESPOND_ALARMS),
            latitude__isnull=False,
            longitude__isnull=False,
        ).aggregate(**corners)
    if box["s"] is None:
        return None
    return box["s"], box["w"], box["n"], box["e"]


def timeline_mark(*, alarm: Alarm) -> tuple[int, int]:
    """(number of events, id of the last event) of the alarm's timeline: changes with every new line."""
    last = AlarmEvent.objects.filter(alarm=alarm).aggregate(last=Max("id"))["last"]
    count = AlarmEvent.objects.filter(alarm=alarm).count()
    return count, last or 0


def step_runs(*, alarm: Alarm) -> list[AlarmStepRun]:
    """The alarm's escalation steps as run or scheduled, in order."""
    return list(AlarmStepRun.objects.filter(alarm=alarm).order_by("step_index"))


def family_contacts(*, resident: Resident) -> list[Responder]:
    """The active family contacts of the person an alarm (already in scope) was raised for, by name."""
    return list(
        Responder.objects.filter(kind=ResponderKind.FAMILY, resident=resident, is_active=True).order_by(
            "name"
        )
    )


# --- a phone call entered by hand ----------------------------------------------------------------


def residents_for_call(*, user: Any, name: str, last4: str = "") -> list[Resident]:
    """Residents in the worker's alarm scope by the start of their name and, if given, a phone's last 4."""
    # Phones are encrypted: with the last four digits, a bounded set of candidates is checked here.
    prefixes = scope_prefixes(user, Capability.RESPOND_ALARMS)
    name = name.strip()
    if not prefixes or not name:
        return []
    condition = Q()
    for prefix in prefixes:
        condition |= Q(area__code__startswith=prefix)
    found = (
        Resident.objects.filter(condition, name__startswith=name, merged_into__isnull=True)
        .select_related("area", "household__building")
        .order_by("name", "id")
    )
    if not last4:
        return list(found[:SEARCH_LIMIT])
    return [r for r in found[:SEARCH_CANDIDATES] if r.phone and r.phone.endswith(last4)][:SEARCH_LIMIT]


def resident_in_scope(*, user: Any, resident_id: int, capability: Capability) -> Resident | None:
    """The registered (not merged) resident if the staff user holds ``capability`` over their area."""
    resident = (
        Resident.objects.select_related("area").filter(pk=resident_id, merged_into__isnull=True).first()
    )
    if resident is None or not may_on_area(user, capability, resident.area.code):
        return None
    return resident


def district_area() -> Area | None:
    """The district itself: where an alarm from a number nobody knows is raised."""
    return Area.objects.filter(level=AreaLevel.DISTRICT).order_by("code").first()


def areas_for_call(*, user: Any) -> QuerySet[Area]:
    """The communities and grids in the worker's alarm scope, where an unknown caller's alarm may be put."""
    condition = scope_condition(user, Capability.RESPOND_ALARMS, field="code")
    if condition is None:
        return Area.objects.none()
    return Area.objects.filter(condition, level__in=[AreaLevel.COMMUNITY, AreaLevel.GRID]).order_by("code")


# --- acknowledgement link and webhooks: the token, the signature or the phone is the key ---------


def notice_for_token(*, token_hash: str) -> AlarmNotice | None:
    """The notice an acknowledgement link was sent with, found by the stored form of its token."""
    return (
        AlarmNotice.objects.select_related("alarm__resident", "alarm__area")
        .filter(token_hash=token_hash)
        .first()
    )


def active_device(*, device_id: str) -> Device | None:
    """The registered, not removed alarm device with this id (its secret checks the message)."""
    return Device.objects.select_related("resident").filter(device_id=device_id, is_active=True).first()


def unanswered_notice_for_phone(*, phone_index: str) -> AlarmNotice | None:
    """The newest notice sent to this phone for an alarm nobody has acknowledged yet."""
    return (
        AlarmNotice.objects.filter(phone_index=phone_index, alarm__status__in=UNANSWERED_STATUSES)
        .select_related("alarm")
        .order_by("-created_at", "-id")
        .first()
    )


def live_notice_for_phone(*, phone_index: str) -> AlarmNotice | None:
    """The newest notice sent to this phone for an alarm still live, answered or not."""
    return (
        AlarmNotice.objects.filter(phone_index=phone_index, alarm__status__in=LIVE_STATUSES)
        .select_related("alarm")
        .order_by("-created_at", "-id")
        .first()
    )


def is_responder_phone(*, phone_index: str) -> bool:
    """Whether the phone is one Linli asks for help: on a duty roster, or a registered responder's."""
    return (
        DutyShift.objects.filter(phone_index=phone_index).exists()
        or Responder.objects.filter(phone_index=phone_index, is_active=True).exists()
    )


def resident_for_phone_index(*, phone_index: str) -> Resident | None:
    """The first registered (not merged) resident with this phone: whom a keyword SMS raises an alarm for."""
    return Resident.objects.filter(phone_index=phone_index, merged_into__isnull=True).order_by("pk").first()


# --- management ----------------------------------------------------------------------------------


def _managed(user: Any, area: Area | None) -> Area | None:
    if area is None or not may_on_area(user, Capability.MANAGE_ALARM_POLICIES, area.code):
        return None
    return area


def managed_area(*, user: Any, area_id: int) -> Area | None:
    """The area if the user may manage alarm policies there; else None (missing or not theirs alike)."""
    return _managed(user, Area.objects.filter(pk=area_id).first())


def managed_area_by_code(*, user: Any, code: str) -> Area | None:
    """The area with this code if the user may manage alarm policies there; else None."""
    return _managed(user, Area.objects.filter(code=code.strip()).first())


def policy_steps(*, policy: EscalationPolicy) -> list[EscalationStep]:
    """The policy's steps in order."""
    return list(policy.steps.order_by("order"))


def staff_by_username(*, username: str) -> User | None:
    """The active staff account with this user name (a duty shift may be given to any staff member)."""
    return User.objects.filter(username=username.strip(), kind="staff", is_active=True).first()


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
