"""Reads of the care app, always limited to the acting user's area: visits due, overdue counts, coverage."""

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Substr
from django.utils import timezone

from linli.accounts.roles import Capability
from linli.care.access import PLAN_READERS, area_code_condition
from linli.care.models import CarePlan, CareRule, Visit, VisitOutcome, Volunteer
from linli.care.rules import RuleRow, rules_in_force
from linli.core.models import Area

# Who sees the overdue lists: visitors of their own area, and the officers who read care reports.
OVERDUE_READERS = (Capability.RECORD_VISITS, Capability.VIEW_CARE_REPORTS)


def active_tag_condition(today: dt.date) -> Q:
    """A tag counts while it is open and ``today`` lies within its validity."""
    return (
        Q(ended_at__isnull=True)
        & Q(valid_from__lte=today)
        & (Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    )


def rule_rows() -> list[RuleRow]:
    return [
        RuleRow(r.pk, r.area_code, r.tag, r.max_level, r.interval_days, r.is_active)
        for r in CareRule.objects.order_by("id")
    ]


def _scoped(queryset: QuerySet[Any], user: Any, capabilities: Iterable[Capability]) -> QuerySet[Any]:
    condition = area_code_condition(user, capabilities)
    return queryset.filter(condition) if condition is not None else queryset.none()


def open_plans(*, user: Any, capabilities: Iterable[Capability] = PLAN_READERS) -> QuerySet[CarePlan]:
    """Open care plans in the areas where the user holds one of ``capabilities``."""
    return _scoped(CarePlan.objects.filter(ended_on__isnull=True), user, capabilities)


def visits_due(
    *, user: Any, mine: bool = True, today: dt.date | None = None, horizon_days: int = 7
) -> list[CarePlan]:
    """The visits due within ``horizon_days``, overdue first (by due date): the user's own, or with
    ``mine=False`` every one in the areas where the user visits."""
    today = today or timezone.localdate()
    plans = open_plans(user=user, capabilities=[Capability.RECORD_VISITS]).filter(
        next_due__lte=today + dt.timedelta(days=horizon_days)
    )
    if mine:
        plans = plans.filter(assignee=user)
    return list(
        plans.select_related(
            "resident__household__building", "area", "rule", "volunteer", "assignee"
        ).order_by("next_due", "id")[:500]
    )


def plan_visits(*, plan: CarePlan, limit: int = 20) -> list[Visit]:
    return list(plan.visits.select_related("visitor").prefetch_related("needs__case")[:limit])


def visitors_for(plan: CarePlan) -> list[Any]:
    """Staff who may visit this plan's resident (RECORD_VISITS over its area), for reassignment."""
    from linli.accounts.models import Membership, User
    from linli.accounts.roles import ROLE_CAPABILITIES, Role

    roles = [r for r in Role if Capability.RECORD_VISITS in ROLE_CAPABILITIES[r]]
    prefixes = [plan.area_code[:n] for n in (6, 9, 12, 15) if len(plan.area_code) >= n]
    ids = Membership.objects.filter(role__in=roles, area__code__in=prefixes).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True, kind="staff").order_by("username"))


def volunteers_for(plan: CarePlan) -> list[Volunteer]:
    """Active volunteers whose area covers the plan's resident."""
    prefixes = [plan.area_code[:n] for n in (6, 9, 12, 15) if len(plan.area_code) >= n]
    return list(Volunteer.objects.filter(is_active=True, area_code__in=prefixes).order_by("name"))


def volunteers(*, user: Any) -> list[Volunteer]:
    """Volunteers in the user's planning areas, with how many open plans each has."""
    listed = Volunteer.objects.select_related("area").annotate(
        plan_count=Count("plans", filter=Q(plans__ended_on__isnull=True))
    )
    return list(_scoped(listed, user, [Capability.MANAGE_CARE_PLANS]).order_by("area_code", "name"))


# --- rules ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleLine:
    tag: str
    max_level: int
    interval_days: int
    is_active: bool
    area_code: str  # where the rule in force is set: "" for the default
    own_rule_id: int | None  # the area's own override, which may be removed


def rules_for_area(*, area: Area) -> list[RuleLine]:
    """Every rule key known anywhere above the area, with the rule that holds there and where it is set."""
    rows = [r for r in rule_rows() if area.code.startswith(r.area_code)]
    deepest: dict[tuple[str, int], RuleRow] = {}
    for row in rows:
        held = deepest.get(row.key)
        if held is None or len(row.area_code) > len(held.area_code):
            deepest[row.key] = row
    in_force = rules_in_force(rows, area.code)
    lines = [
        RuleLine(
            tag=row.tag,
            max_level=row.max_level,
            interval_days=row.interval_days,
            is_active=key in in_force,
            area_code=row.area_code,
            own_rule_id=row.id if row.area_code == area.code else None,
        )
        for key, row in deepest.items()
    ]
    return sorted(lines, key=lambda line: (line.tag, line.max_level))


def planning_areas(*, user: Any, grids: bool = False) -> QuerySet[Area]:
    """The areas where the user plans visits: their membership areas and those below (grids if asked)."""
    condition = area_code_condition(user, [Capability.MANAGE_CARE_PLANS], field="code")
    if condition is None:
        return Area.objects.none()
    areas = Area.objects.filter(condition).order_by("code")
    return areas if grids else areas.exclude(level="grid")


# --- overdue --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaCount:
    code: str
    name: str
    count: int


def overdue_plans(*, user: Any, today: dt.date | None = None, area_code: str = "") -> QuerySet[CarePlan]:
    """Open plans whose visit was due before today, in the user's areas (and below ``area_code``)."""
    today = today or timezone.localdate()
    plans = open_plans(user=user, capabilities=OVERDUE_READERS).filter(next_due__lt=today)
    if area_code:
        plans = plans.filter(area_code__startswith=area_code)
    return plans.select_related("resident", "area", "assignee", "volunteer").order_by("next_due", "id")


def _named(counts: dict[str, int]) -> list[AreaCount]:
    names = dict(Area.objects.filter(code__in=counts).values_list("code", "name"))
    return [AreaCount(code, names.get(code, code), counts[code]) for code in sorted(counts)]


def overdue_counts(*, user: Any, today: dt.date | None = None) -> tuple[list[AreaCount], list[AreaCount]]:
    """Overdue visits counted per grid and per community, in the user's areas."""
    today = today or timezone.localdate()
    plans = open_plans(user=user, capabilities=OVERDUE_READERS).filter(next_due__lt=today)
    by_grid = dict(plans.order_by().values_list("area_code").annotate(n=Count("id")))
    by_community = dict(
        plans.order_by()
        .annotate(community=Substr("area_code", 1, 12))
        .values_list("community")
        .annotate(n=Count("id"))
    )
    return _named(by_grid), _named(by_community)


# --- coverage -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    code: str
    name: str
    planned: int
    covered: int
    visits: int

    @property
    def percent(self) -> int | None:
        # Halves round up (62.5 % shows as 63), in integers: round() would round them to even.
        return (200 * self.covered + self.planned) // (2 * self.planned) if self.planned else None


def month_bounds(month: dt.date, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first day of the month and the day coverage is measured on: its last day, or today."""
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first, min(last, today)


def coverage(
    *, user: Any, month: dt.date, today: dt.date | None = None
) -> tuple[list[CoverageRow], list[CoverageRow]]:
    """Visit coverage per grid and per community for a month.

    Planned: residents whose plan was open on the month's measuring day (its last day, or today for the
    current month). Covered: those of them reached (in person or by phone) within their interval before
    that day, i.e. not overdue then. Visits: every visit recorded in the month, reached or not.
    """
    today = today or timezone.localdate()
    first, end = month_bounds(month, today)
    plans = _scoped(CarePlan.objects.all(), user, [Capability.VIEW_CARE_REPORTS]).filter(
        Q(started_on__lte=end) & (Q(ended_on__isnull=True) | Q(ended_on__gt=end))
    )
    intervals = sorted(set(plans.order_by().values_list("interval_days", flat=True)))
    # One condition per interval in use (a handful), so the count stays one grouped query.
    covered = Q(pk__isnull=True)  # false: a plan always has a key
    for interval in intervals:
        reached = Visit.objects.filter(
            plan=OuterRef("pk"),
            visited_on__lte=end,
            # A visit exactly one interval back makes the resident due that day, not overdue.
            visited_on__gte=end - dt.timedelta(days=interval),
        ).exclude(outcome=VisitOutcome.NOT_REACHED)
        covered |= Q(Exists(reached), interval_days=interval)
    rows = (
        plans.order_by()
        .annotate(
            is_covered=SqlCase(When(covered, then=Value(1)), default=Value(0), output_field=IntegerField())
        )
        .values_list("area_code")
        .annotate(planned=Count("id"), covered=Count("id", filter=Q(is_covered=1)))
    )
    by_grid = {code: (planned, hit) for code, planned, hit in rows}
    visits = dict(
        _scoped(Visit.objects.all(), user, [Capability.VIEW_CARE_REPORTS])
        .filter(visited_on__gte=first, visited_on__lte=end)
        .order_by()
        .values_list("area_code")
        .annotate(n=Count("id"))
    )
    codes = set(by_grid) | set(visits)
    names = dict(Area.objects.filter(code__in=codes | {c[:12] for c in codes}).values_list("code", "name"))
    grids = [
        CoverageRow(code, names.get(code, code), *by_grid.get(code, (0, 0)), visits.get(code, 0))
        for code in sorted(codes)
    ]
    rolled: dict[str, list[int]] = {}
    for row in grids:
        totals = rolled.setdefault(row.code[:12], [0, 0, 0])
        totals[0] += row.planned
        totals[1] += row.covered
        totals[2] += row.visits
    communities = [CoverageRow(code, names.get(code, code), *rolled[code]) for code in sorted(rolled)]
    return grids, communities
