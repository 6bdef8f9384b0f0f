"""Reads of home care, always through the acting user's scope."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from linli.accounts.access import scope_prefixes
from linli.accounts.roles import Capability
from linli.core.ratings import BAD_RATINGS
from linli.homecare.access import orders_in_scope, providers_in_scope, resident_orders
from linli.homecare.models import Order, OrderEvent, OrderRating, Provider, ServiceType
from linli.registry.choices import ResidenceStatus
from linli.registry.models import Resident
from linli.registry.selectors import residents_for_phone_account


def service_types() -> list[ServiceType]:
    return list(ServiceType.objects.filter(is_active=True))


def service_type_by_code(code: str) -> ServiceType | None:
    return ServiceType.objects.filter(code=code, is_active=True).first()


def providers_for(*, resident: Resident, service_type: ServiceType) -> list[Provider]:
    """Active providers offering the service that serve the resident's area (a served area is a prefix)."""
    code = resident.area.code
    ancestors = [code[:n] for n in (6, 9, 12, 15) if len(code) >= n]
    ids = Provider.objects.filter(
        is_active=True, service_types=service_type, served_areas__code__in=ancestors
    ).values("pk")
    return list(Provider.objects.filter(pk__in=ids))


def residents_of_account(*, user: Any) -> list[Resident]:
    """Whom a resident's phone account may order for: the golden records behind the phone, less those who
    moved out or died."""
    gone = (ResidenceStatus.MOVED_OUT, ResidenceStatus.DECEASED)
    return [r for r in residents_for_phone_account(user=user) if r.residence_status not in gone]


def my_orders(*, user: Any) -> list[Order]:
    return list(
        resident_orders(user).select_related("provider", "service_type").order_by("-starts_at", "-id")
    )


@dataclass(frozen=True)
class OrderFilters:
    status: str = ""
    provider_id: int | None = None
    date: dt.date | None = None


def worker_orders(*, user: Any, filters: OrderFilters, limit: int = 200) -> list[Order]:
    """Orders of residents in the worker's area, filtered by state, provider, day: the latest visits first
    (so years of history never push today's orders past ``limit``), or one day's visits in their order."""
    orders: QuerySet[Order] = orders_in_scope(user).select_related(
        "provider", "service_type", "resident", "area"
    )
    if filters.status:
        orders = orders.filter(status=filters.status)
    if filters.provider_id is not None:
        orders = orders.filter(provider_id=filters.provider_id)
    if filters.date is not None:
        start = timezone.make_aware(dt.datetime.combine(filters.date, dt.time.min))
        orders = orders.filter(starts_at__lt=start + dt.timedelta(days=1), ends_at__gt=start)
        return list(orders.order_by("starts_at", "id")[:limit])
    return list(orders.order_by("-starts_at", "-id")[:limit])


def order_history(*, order: Order) -> list[OrderEvent]:
    return list(order.events.select_related("actor").order_by("at", "id"))


def providers_of_orders_in_scope(*, user: Any) -> list[Provider]:
    """Providers to filter the worker's list by: those with orders in the worker's area."""
    ids = orders_in_scope(user).values("provider_id")
    return list(Provider.objects.filter(pk__in=ids))


def _rating_scope(user: Any, field: str = "area_code") -> Q:
    condition: Q | None = None
    for prefix in scope_prefixes(user, Capability.MANAGE_HOME_CARE):
        part = Q(**{f"{field}__startswith": prefix})
        condition = part if condition is None else condition | part
    return condition if condition is not None else Q(**{f"{field}__in": []})


def manager_providers(*, user: Any) -> list[Provider]:
    """Providers a manager sees, with the count and average of their ratings in the manager's area and how
    many of those were bad."""
    in_scope = _rating_scope(user, "ratings__area_code")
    return list(
        providers_in_scope(user)
        .prefetch_related("service_types", "served_areas")
        .annotate(
            rating_count=Count("ratings", filter=in_scope, distinct=True),
            rating_average=Avg("ratings__level", filter=in_scope),
            bad_count=Count("ratings", filter=in_scope & Q(ratings__level__in=BAD_RATINGS), distinct=True),
        )
    )


@dataclass(frozen=True)
class ProviderRatings:
    count: int
    average: float | None
    bad: list[OrderRating]


def provider_ratings(*, user: Any, provider: Provider) -> ProviderRatings:
    """The provider's ratings on orders the manager may see; the bad ones listed with their comments."""
    ratings = OrderRating.objects.filter(_rating_scope(user), provider=provider).select_related(
        "order__service_type"
    )
    summary = ratings.aggregate(count=Count("id"), average=Avg("level"))
    bad = list(ratings.filter(level__in=BAD_RATINGS).order_by("-rated_at", "-id")[:100])
    return ProviderRatings(count=summary["count"] or 0, average=summary["average"], bad=bad)
