"""Builders for alarm tests: a policy, duty shifts, responders and a device, written through the services."""

import datetime as dt
import itertools

from django.utils import timezone

from linli.alarms import services
from linli.alarms.escalation import StepSpec
from linli.alarms.models import DutyKind, DutyShift, EscalationPolicy, Responder, StepKind

_phones = itertools.count(1)


def next_phone() -> str:
    """A fresh valid mobile number (139 0000 xxxx)."""
    return f"1390000{next(_phones):04d}"


def policy(area, steps=None, *, name="测试策略") -> EscalationPolicy:
    steps = steps or [
        StepSpec(StepKind.GRID_ON_DUTY, 60),
        StepSpec(StepKind.COMMUNITY_DUTY_AND_FAMILY, 60),
        StepSpec(StepKind.NEARBY_RESPONDERS, 90, 500),
        StepSpec(StepKind.STREET_DUTY, 120),
    ]
    return services.save_policy(actor=None, area=area, name=name, steps=steps)


def shift(
    area, kind=DutyKind.GRID, *, name="值班员", phone=None, user=None, starts=None, hours=24
) -> DutyShift:
    starts = starts or timezone.now() - dt.timedelta(hours=1)
    return services.add_duty_shift(
        actor=None,
        area=area,
        kind=kind,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=hours),
        user=user,
        name=name,
        phone=phone or next_phone(),
    )


def full_roster(grid) -> dict[str, DutyShift]:
    """One person on each duty: grid, its community, its street."""
    community = grid.parent
    return {
        DutyKind.GRID: shift(grid, DutyKind.GRID, name="网格员"),
        DutyKind.COMMUNITY: shift(community, DutyKind.COMMUNITY, name="社区值班"),
        DutyKind.STREET: shift(community.parent, DutyKind.STREET, name="街道值班"),
    }


def responder(area, kind="neighbour", *, name="邻居", lat=39.94, lon=116.10, resident=None) -> Responder:
    return services.save_responder(
        actor=None,
        area=area,
        kind=kind,
        name=name,
        phone=next_phone(),
        resident=resident,
        latitude=lat,
        longitude=lon,
    )
