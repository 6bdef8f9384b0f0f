"""Escalation rules as plain functions: which policy applies, which step comes at an index, and who is asked
at each step (duty roster, family contacts, responders within a distance)."""

import datetime as dt
import logging
import math
import os
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q

from linli.alarms.models import (
    STEP_DUTY,
    Alarm,
    DutyShift,
    EscalationPolicy,
    Responder,
    ResponderKind,
    StepKind,
)

logger = logging.getLogger(__name__)

# The PostgreSQL channel that wakes dispatchers when an alarm is raised.
WAKE_CHANNEL = "linli_alarms"
# Nearby responders asked at one step, nearest first.
NEARBY_LIMIT = 10


def alarm_setting(name: str, default: Any) -> Any:
    """A setting of the alarm app: from Django's settings if defined there, else the environment (read at
    call time), else ``default``."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    if value is None or value == "":
        return default
    return type(default)(value) if not isinstance(value, type(default)) else value


@dataclass(frozen=True)
class StepSpec:
    kind: str
    timeout_seconds: int
    radius_m: int | None = None


# Used where no policy exists anywhere up the area tree (a district without its default policy yet).
DEFAULT_STEPS: tuple[StepSpec, ...] = (
    StepSpec(StepKind.GRID_ON_DUTY, 60),
    StepSpec(StepKind.COMMUNITY_DUTY_AND_FAMILY, 60),
    StepSpec(StepKind.NEARBY_RESPONDERS, 120, 500),
    StepSpec(StepKind.STREET_DUTY, 180),
)


def ancestor_codes(code: str) -> list[str]:
    """The code and its ancestors' codes, nearest first (grid, community, street, district)."""
    return [code[:n] for n in (15, 12, 9, 6) if n <= len(code)]


def policy_for_area_code(code: str) -> EscalationPolicy | None:
    """The policy of the nearest area up the tree that has one."""
    policies = {p.area_code: p for p in EscalationPolicy.objects.filter(area_code__in=ancestor_codes(code))}
    for candidate in ancestor_codes(code):
        if candidate in policies:
            return policies[candidate]
    return None


def steps_for_area_code(code: str) -> list[StepSpec]:
    policy = policy_for_area_code(code)
    if policy is None:
        return list(DEFAULT_STEPS)
    steps = [StepSpec(s.kind, s.timeout_seconds, s.radius_m) for s in policy.steps.order_by("order")]
    return steps or list(DEFAULT_STEPS)


def step_at(steps: list[StepSpec], index: int) -> StepSpec:
    """The step for a run index: past the last step, the last one repeats until someone answers."""
    return steps[min(index, len(steps) - 1)]


def first_step(code: str) -> StepSpec:
    return step_at(steps_for_area_code(code), 0)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    radius = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Recipient:
    """Someone to tell about an alarm: ``key`` is stable per phone, so one phone gets one SMS per step."""

    key: str
    label: str
    phone: str
    phone_index: str
    user_id: int | None = None


def _on_duty(alarm: Alarm, duty: str, now: dt.datetime) -> list[Recipient]:
    shifts = (
        DutyShift.objects.filter(
            kind=duty,
            area_code__in=ancestor_codes(alarm.area_code),
            starts_at__lte=now,
            ends_at__gt=now,
        )
        .select_related("user")
        .order_by("-area_code", "starts_at", "pk")
    )
    found: list[Recipient] = []
    for shift in shifts:
        if shift.user is not None and not shift.user.is_active:
            continue
        found.append(
            Recipient(
                key=f"phone:{shift.phone_index}",
                label=shift.name,
                phone=str(shift.phone),
                phone_index=shift.phone_index,
                user_id=shift.user_id,
            )
        )
    return found


def _family(alarm: Alarm) -> list[Recipient]:
    if alarm.resident_id is None:
        return []
    return [
        Recipient(key=f"phone:{r.phone_index}", label=r.name, phone=str(r.phone), phone_index=r.phone_index)
        for r in Responder.objects.filter(
            kind=ResponderKind.FAMILY, resident_id=alarm.resident_id, is_active=True
        ).order_by("pk")
    ]


def _nearby(alarm: Alarm, radius_m: int) -> list[Recipient]:
    if alarm.latitude is None or alarm.longitude is None:
        return []
    # A bounding box in degrees narrows the rows; the exact distance decides.
    dlat = radius_m / 111_000.0
    dlon = radius_m / (111_000.0 * max(0.1, math.cos(math.radians(alarm.latitude))))
    candidates = Responder.objects.filter(
        Q(kind=ResponderKind.NEIGHBOUR) | Q(kind=ResponderKind.VOLUNTEER),
        is_active=True,
        latitude__range=(alarm.latitude - dlat, alarm.latitude + dlat),
        longitude__range=(alarm.longitude - dlon, alarm.longitude + dlon),
    )
    within = []
    for responder in candidates:
        if responder.latitude is None or responder.longitude is None:
            continue
        distance = distance_m(alarm.latitude, alarm.longitude, responder.latitude, responder.longitude)
        if distance <= radius_m:
            within.append((distance, responder.pk, responder))
    within.sort(key=lambda item: (item[0], item[1]))
    return [
        Recipient(key=f"phone:{r.phone_index}", label=r.name, phone=str(r.phone), phone_index=r.phone_index)
        for _d, _pk, r in within[:NEARBY_LIMIT]
    ]


def recipients_for(
    alarm: Alarm,
    step: StepSpec,
    now: dt.datetime,
    *,
    rosters: dict[tuple[str, str], list[Recipient]] | None = None,
) -> list[Recipient]:
    """Who is asked at this step, each phone once; empty when nobody is on duty or near. ``rosters`` caches
    who is on duty per (duty, area) for one pass of the dispatcher."""
    found: list[Recipient] = []
    if step.kind in STEP_DUTY:
        duty = STEP_DUTY[step.kind]
        if rosters is None:
            found += _on_duty(alarm, duty, now)
        else:
            if (duty, alarm.area_code) not in rosters:
                rosters[(duty, alarm.area_code)] = _on_duty(alarm, duty, now)
            found += rosters[(duty, alarm.area_code)]
    if step.kind == StepKind.COMMUNITY_DUTY_AND_FAMILY:
        found += _family(alarm)
    if step.kind == StepKind.NEARBY_RESPONDERS:
        found += _nearby(alarm, step.radius_m or 500)
    unique: dict[str, Recipient] = {}
    for recipient in found:
        if recipient.phone and recipient.key not in unique:
            unique[recipient.key] = recipient
    return list(unique.values())


def wake_dispatchers() -> None:
    """Tell waiting dispatchers (PostgreSQL LISTEN) that a step run was written; elsewhere they poll."""
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [WAKE_CHANNEL])
    except Exception:  # a lost wake-up only costs one poll interval
        logger.warning("could not wake the alarm dispatchers", exc_info=True)
