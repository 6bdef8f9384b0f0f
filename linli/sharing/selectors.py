"""Reads for the officers' pages, always limited to the acting user's area."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from linli.accounts.roles import Capability
from linli.core.models import Area
from linli.registry.access import area_condition
from linli.sharing.access import GRANT_VIEWERS, any_condition
from linli.sharing.models import AccessLog, ClientToken, DepartmentClient, Grant, GrantEvent

ACCESS_LOG_PAGE = 200


def clients_in_scope(
    *, user: Any, capability: Capability = Capability.MANAGE_SHARING
) -> QuerySet[DepartmentClient]:
    """Clients whose area lies where the user holds ``capability``."""
    condition = area_condition(user, capability)
    queryset = DepartmentClient.objects.select_related("area")
    return queryset.filter(condition) if condition is not None else queryset.none()


def areas_in_scope(*, user: Any, capability: Capability) -> QuerySet[Area]:
    """Areas where the user holds ``capability`` (the choice of area for a grant)."""
    condition = area_condition(user, capability, field="code")
    return Area.objects.filter(condition).order_by("code") if condition is not None else Area.objects.none()


def grants_in_scope(*, user: Any, status: str = "", client_id: int | None = None) -> QuerySet[Grant]:
    """Grants over areas where the user requests grants or manages sharing, newest first."""
    condition = any_condition(user, GRANT_VIEWERS, field="area__code")
    if condition is None:
        return Grant.objects.none()
    grants = Grant.objects.filter(condition).select_related("area", "client", "requested_by", "approved_by")
    if status:
        grants = grants.filter(status=status)
    if client_id is not None:
        grants = grants.filter(client_id=client_id)
    return grants.order_by("-requested_at", "-id")


def client_tokens(*, client: DepartmentClient) -> list[ClientToken]:
    return list(ClientToken.objects.filter(client=client).order_by("-created_at", "-id"))


def grant_history(*, grant: Grant) -> list[GrantEvent]:
    return list(GrantEvent.objects.filter(grant=grant).select_related("actor").order_by("at", "id"))


@dataclass(frozen=True)
class AccessLogView:
    entries: list[AccessLog]
    calls: int
    refused: int
    records: int
    by_client: list[Any]
    more_than_shown: bool


def access_log(
    *,
    user: Any,
    client_id: int | None = None,
    grant_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> AccessLogView:
    """Who read what: calls of clients in the user's area, filtered, with totals per client."""
    condition = area_condition(user, Capability.VIEW_ACCESS_LOG, field="client__area__code")
    if condition is None:
        return AccessLogView([], 0, 0, 0, [], False)
    entries = AccessLog.objects.filter(condition)
    if client_id is not None:
        entries = entries.filter(client_id=client_id)
    if grant_id is not None:
        entries = entries.filter(grant_id=grant_id)
    zone = timezone.get_current_timezone()
    if date_from is not None:
        entries = entries.filter(at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=zone))
    if date_to is not None:
        entries = entries.filter(
            at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        )
    totals = entries.aggregate(
        calls=Count("id"), refused=Count("id", filter=~Q(status_code=200)), records=Sum("record_count")
    )
    by_client = list(
        entries.values("client_id", "client__department", "client__name")
        .annotate(
            calls=Count("id"), records=Sum("record_count"), refused=Count("id", filter=~Q(status_code=200))
        )
        .order_by("client__department", "client__name")
    )
    shown = list(
        entries.select_related("client", "grant", "token").order_by("-at", "-id")[: ACCESS_LOG_PAGE + 1]
    )
    return AccessLogView(
        entries=shown[:ACCESS_LOG_PAGE],
        calls=totals["calls"],
        refused=totals["refused"],
        records=totals["records"] or 0,
        by_client=by_client,
        more_than_shown=len(shown) > ACCESS_LOG_PAGE,
    )
