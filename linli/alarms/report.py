"""Acknowledgement times per area and month against the telecare targets (DOMAIN.md): 97.5% of alarms
acknowledged within 60 s and 99% within 180 s.

An alarm counts from the moment it went out to responders (after the resident's cancel window) to its first
acknowledgement. Cancelled alarms do not count; an alarm nobody acknowledged counts as missing both targets.
The arithmetic is a pure function over (area, month, seconds) rows.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from linli.accounts.roles import Capability
from linli.alarms.access import in_scope
from linli.alarms.models import Alarm, AlarmStatus
from linli.core.models import Area

LOCAL = ZoneInfo("Asia/Shanghai")
TARGET_60 = 97.5
TARGET_180 = 99.0


@dataclass(frozen=True)
class ReportRow:
    area_code: str
    month: str  # "2026-11"
    alarms: int
    acknowledged: int
    within_60: int
    within_180: int
    median_seconds: float | None
    p90_seconds: float | None

    @property
    def percent_60(self) -> float:
        return 100.0 * self.within_60 / self.alarms if self.alarms else 0.0

    @property
    def percent_180(self) -> float:
        return 100.0 * self.within_180 / self.alarms if self.alarms else 0.0

    @property
    def meets_60(self) -> bool:
        return self.alarms > 0 and self.percent_60 >= TARGET_60

    @property
    def meets_180(self) -> bool:
        return self.alarms > 0 and self.percent_180 >= TARGET_180


def _quantile(ordered: list[float], q: float) -> float | None:
    if not ordered:
        return None
    # Nearest rank: the smallest value with at least q of the values at or below it.
    rank = max(1, -(-len(ordered) * q // 1))
    return ordered[int(rank) - 1]


def figures(rows: Iterable[tuple[str, str, float | None]]) -> list[ReportRow]:
    """Group (area code, month, seconds to acknowledge or None) rows into report rows, by area then month."""
    groups: dict[tuple[str, str], list[float | None]] = defaultdict(list)
    for area_code, month, seconds in rows:
        groups[(area_code, month)].append(seconds)
    result = []
    for (area_code, month), values in sorted(groups.items()):
        answered = sorted(v for v in values if v is not None)
        result.append(
            ReportRow(
                area_code=area_code,
                month=month,
                alarms=len(values),
                acknowledged=len(answered),
                within_60=sum(1 for v in answered if v <= 60),
                within_180=sum(1 for v in answered if v <= 180),
                median_seconds=_quantile(answered, 0.5),
                p90_seconds=_quantile(answered, 0.9),
            )
        )
    return result


def acknowledgement_report(
    user: Any, *, since: dt.datetime, until: dt.datetime, level_length: int = 12
) -> list[tuple[ReportRow, str]]:
    """Report rows for the alarms in the user's scope (VIEW_CARE_REPORTS) between ``since`` and ``until``,
    by area at the level whose code has ``level_length`` digits (12: community), with the area's name."""
    alarms = (
        in_scope(Alarm.objects.all(), user, Capability.VIEW_CARE_REPORTS)
        .exclude(status=AlarmStatus.CANCELLED)
        .filter(escalation_starts_at__gte=since, escalation_starts_at__lt=until)
        .values_list("area_code", "escalation_starts_at", "acknowledged_at")
    )
    rows = []
    for area_code, starts, acknowledged in alarms.iterator():
        seconds = max(0.0, (acknowledged - starts).total_seconds()) if acknowledged is not None else None
        rows.append((area_code[:level_length], f"{starts.astimezone(LOCAL):%Y-%m}", seconds))
    result = figures(rows)
    names = dict(Area.objects.filter(code__in={r.area_code for r in result}).values_list("code", "name"))
    return [(row, names.get(row.area_code, row.area_code)) for row in result]
