"""Reads of the service desk, limited to the acting user's scope."""

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, Q, QuerySet, Subquery
from django.utils import timezone

from linli.accounts.roles import Capability
from linli.core.models import Area, AreaLevel, CalendarDay
from linli.core.ratings import BAD_RATINGS
from linli.core.workdays import Overrides
from linli.registry.models import Resident
from linli.registry.selectors import active_tags_prefetch, residents_for_phone_account
from linli.servicedesk.access import case_condition, cases_in_scope, resident_cases
from linli.servicedesk.eligibility import parse_rule, resident_facts
from linli.servicedesk.models import (
    CLOSED_STATUSES,
    Case,
    CaseEvent,
    CaseStatus,
    Prefill,
    ProactiveCandidate,
    Rating,
    Rectification,
    ServiceItem,
)

# --- the working-day calendar ---------------------------------------------------------------------

_CALENDAR_TTL_SECONDS = 60.0
_calendar_cache: dict[str, Any] = {}


@dataclass(frozen=True)
class WorkingCalendar:
    overrides: Overrides
    covered_until: dt.date | None


def working_calendar() -> WorkingCalendar:
    """The official calendar as data (holidays and adjusted workdays), read at most once a minute."""
    cached = _calendar_cache.get("calendar")
    if cached is not None and time.monotonic() - cached[0] < _CALENDAR_TTL_SECONDS:
        calendar: WorkingCalendar = cached[1]
        return calendar
    overrides = dict(CalendarDay.objects.values_list("date", "is_workday"))
    # The calendar is published a year at a time: it covers to the end of the last year it names.
    covered_until = dt.date(max(overrides).year, 12, 31) if overrides else None
    calendar = WorkingCalendar(overrides=overrides, covered_until=covered_until)
    _calendar_cache["calendar"] = (time.monotonic(), calendar)
    return calendar


def clear_calendar_cache() -> None:
    """Forget the cached calendar and catalogue (tests, and after an administrator's change)."""
    _calendar_cache.clear()
    _item_cache.clear()


# --- catalogue ------------------------------------------------------------------------------------


def catalogue(*, channel: str | None = None, location_based: bool | None = None) -> list[ServiceItem]:
    """Active items, optionally only those accepting ``channel`` or only location-based ones."""
    items = ServiceItem.objects.filter(is_active=True).select_related("queue")
    if location_based is not None:
        items = items.filter(is_location_based=location_based)
    result = list(items)
    if channel is not None:
        result = [item for item in result if item.accepts(channel)]
    return result


_ITEM_TTL_SECONDS = 30.0
_item_cache: dict[str, tuple[float, ServiceItem]] = {}


def item_by_code(code: str) -> ServiceItem | None:
    """An active item with its fields and materials; kept for 30 s, as every submission reads one."""
    cached = _item_cache.get(code)
    if cached is not None and time.monotonic() - cached[0] < _ITEM_TTL_SECONDS:
        return cached[1]
    item = (
        ServiceItem.objects.filter(code=code, is_active=True)
        .prefetch_related("fields", "materials")
        .select_related("queue")
        .first()
    )
    if item is not None:
        _item_cache[code] = (time.monotonic(), item)
    return item


def area_for_location(*, latitude: float, longitude: float) -> Area | None:
    """The grid or community nearest to a point, among areas that have a centre (reports at a place)."""
    candidates = list(
        Area.objects.filter(
            level__in=[AreaLevel.GRID, AreaLevel.COMMUNITY], latitude__isnull=False, longitude__isnull=False
        ).only("id", "code", "latitude", "longitude", "level")
    )
    if not candidates:
        return None

    def distance(area: Area) -> tuple[float, int]:
        # Equirectangular distance is exact enough within one district; grids win ties over communities.
        dx = ((area.longitude or 0.0) - longitude) * 0.77
        dy = (area.latitude or 0.0) - latitude
        return (dx * dx + dy * dy, 0 if area.level == AreaLevel.GRID else 1)

    return min(candidates, key=distance)


# --- cases ----------------------------------------------------------------------------------------


def worker_queue(
    *, user: Any, queue_code: str = "", mine: bool = False, status: str = "", limit: int = 100
) -> list[Case]:
    """Open cases in the user's scope, the soonest due first."""
    cases = cases_in_scope(user).exclude(status__in=CLOSED_STATUSES)
    if queue_code:
        cases = cases.filter(queue__code=queue_code)
    if mine:
        cases = cases.filter(handler=user)
    if status:
        cases = cases.filter(status=status)
    return list(
        cases.select_related("item", "handler", "area", "queue")
        .defer("answers", "requester_phone", "requester_email", "description")
        .order_by("due_at", "id")[:limit]
    )


@dataclass(frozen=True)
class QueueRow:
    """One line of the worker queue, read as plain values: the page lists many and renders fast."""

    pk: int
    number: str
    item_name: str
    status_label: str
    due_at: dt.datetime
    due_text: str
    overdue: bool
    area_name: str
    handler_name: str


_STATUS_LABELS = dict(CaseStatus.choices)


def queue_rows(
    *,
    user: Any,
    mine: bool = False,
    status: str = "",
    limit: int | None = None,
    now: dt.datetime | None = None,
) -> list[QueueRow]:
    """The worker queue page: open cases in scope, the soonest due first, as plain rows (one query)."""
    now = now or timezone.now()
    cases = cases_in_scope(user).exclude(status__in=CLOSED_STATUSES)
    if mine:
        cases = cases.filter(handler=user)
    if status:
        cases = cases.filter(status=status)
    # The page's ids first, from the open-cases index alone; then the page's 50 rows with their joins.
    page = cases.order_by("due_at", "id").values("pk")[: limit or settings.LINLI_PAGE_SIZE]
    values = (
        Case.objects.filter(pk__in=Subquery(page))
        .order_by("due_at", "id")
        .values_list(
            "pk",
            "number",
            "item__name",
            "status",
            "due_at",
            "area__name",
            "handler__first_name",
            "handler__username",
        )
    )
    return [
        QueueRow(
            pk=pk,
            number=number,
            item_name=item_name,
            status_label=str(_STATUS_LABELS.get(status_value, status_value)),
            due_at=due_at,
            due_text=timezone.localtime(due_at).strftime("%m-%d %H:%M"),
            overdue=due_at < now,
            area_name=area_name,
            handler_name=first_name or username or "",
        )
        for pk, number, item_name, status_value, due_at, area_name, first_name, username in values
    ]


def case_history(*, case: Case, public_only: bool = False) -> list[CaseEvent]:
    events = case.events.select_related("actor")
    if public_only:
        events = events.filter(public=True)
    return list(events.order_by("at", "id"))


def my_cases(*, user: Any) -> list[Case]:
    """A resident's own cases, the newest first."""
    return list(resident_cases(user).select_related("item").order_by("-submitted_at", "-id")[:100])


def residents_of_account(*, user: Any) -> list[Resident]:
    """Who a resident's phone account may apply for: the golden records behind the phone."""
    return residents_for_phone_account(user=user)


def household_members_of(resident: Resident) -> list[Resident]:
    if not resident.household_id:
        return []
    return list(Resident.objects.filter(household_id=resident.household_id, merged_into__isnull=True))


def facts_for(resident: Resident, *, today: dt.date | None = None) -> dict[str, Any]:
    """The eligibility facts of one resident, read from the golden record."""
    today = today or timezone.localdate()
    active = getattr(resident, "active_tags", None)
    if active is None:
        resident = (
            Resident.objects.select_related("area", "household")
            .prefetch_related(active_tags_prefetch(today))
            .get(pk=resident.pk)
        )
        active = resident.active_tags  # type: ignore[attr-defined]
    return resident_facts(
        resident, today=today, active_tags=active, household_members=household_members_of(resident)
    )


def known_facts(*, item: ServiceItem, resident: Resident) -> dict[str, Any]:
    """The answers the golden record already gives for an item's pre-filled fields: asked no more."""
    values: dict[str, Any] = {}
    for form_field in item.fields.all():
        value: Any = None
        if form_field.prefill == Prefill.HOUSEHOLD_SIZE:
            value = len(household_members_of(resident)) or None
        elif form_field.prefill == Prefill.ADDRESS:
            household = resident.household
            value = str(household) if household is not None else resident.address
        elif form_field.prefill:
            value = getattr(resident, form_field.prefill, None)
        if value not in (None, ""):
            values[form_field.code] = value
    return values


def is_eligible(*, item: ServiceItem, resident: Resident, today: dt.date | None = None) -> bool:
    rule = parse_rule(item.eligibility_rule)
    if rule.tree is None:
        return True
    return rule.evaluate(facts_for(resident, today=today))


# --- ratings and satisfaction ---------------------------------------------------------------------


@dataclass(frozen=True)
class SatisfactionRow:
    key: str
    label: str
    ratings: int
    average: float
    bad: int

    @property
    def satisfied_share(self) -> float:
        return 0.0 if not self.ratings else round(100 * (self.ratings - self.bad) / self.ratings, 1)


def satisfaction(*, user: Any, by: str) -> list[SatisfactionRow]:
    """Ratings in the user's scope grouped by item, handler or community: count, average, bad ones."""
    condition = case_condition(user, Capability.VIEW_SATISFACTION, prefix="case__")
    if condition is None:
        return []
    ratings = Rating.objects.filter(condition)
    if by == "item":
        key, label = "case__item__code", "case__item__name"
    elif by == "handler":
        key, label = "handler__username", "handler__first_name"
    else:
        key, label = "community", "community"
    rows: list[SatisfactionRow] = []
    bad = Count("id", filter=Q(level__in=BAD_RATINGS))
    if by == "community":
        grouped: dict[str, list[int]] = {}
        for code, level in ratings.values_list("area_code", "level"):
            grouped.setdefault(code[:12], []).append(level)
        names = dict(Area.objects.filter(code__in=grouped).values_list("code", "name"))
        for code, levels in sorted(grouped.items()):
            rows.append(
                SatisfactionRow(
                    key=code,
                    label=names.get(code, code),
                    ratings=len(levels),
                    average=round(sum(levels) / len(levels), 2),
                    bad=sum(1 for level in levels if level in BAD_RATINGS),
                )
            )
        return rows
    for row in ratings.values(key, label).annotate(n=Count("id"), avg=Avg("level"), bad=bad).order_by(key):
        rows.append(
            SatisfactionRow(
                key=str(row[key] or ""),
                label=str(row[label] or row[key] or "—"),
                ratings=row["n"],
                average=round(float(row["avg"] or 0), 2),
                bad=row["bad"],
            )
        )
    return rows


def rectifications(*, user: Any, open_only: bool = True) -> list[Rectification]:
    condition = case_condition(user, Capability.RECTIFY_RATINGS)
    if condition is None:
        return []
    tasks = Rectification.objects.filter(condition).select_related("case__item", "rating")
    if open_only:
        tasks = tasks.filter(status="open")
    return list(tasks.prefetch_related("calls").order_by("due_date", "id")[:200])


# --- proactive services ---------------------------------------------------------------------------


def proactive_candidates(*, user: Any, item_code: str = "") -> QuerySet[ProactiveCandidate]:
    """Pending candidates in the user's area for proactive items, by area."""
    condition = case_condition(user, Capability.CONFIRM_PROACTIVE)
    if condition is None:
        return ProactiveCandidate.objects.none()
    candidates = ProactiveCandidate.objects.filter(condition, status="pending")
    if item_code:
        candidates = candidates.filter(item__code=item_code)
    return candidates.select_related("item", "resident").order_by("item__order", "area_code", "id")
