"""Who may see which order or provider: staff by area, residents their own orders, a provider's link its
own order only. Missing and out of scope answer alike: Http404."""

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from linli.accounts.access import scope_prefixes
from linli.accounts.roles import Capability
from linli.homecare.models import Order, Provider


def _prefix_condition(prefixes: list[str], field: str) -> Q | None:
    condition: Q | None = None
    for prefix in prefixes:
        part = Q(**{f"{field}__startswith": prefix})
        condition = part if condition is None else condition | part
    return condition


def orders_in_scope(user: Any, capability: Capability = Capability.ORDER_CARE) -> QuerySet[Order]:
    """Orders of residents in the areas where the staff user holds ``capability``."""
    condition = _prefix_condition(scope_prefixes(user, capability), "area_code")
    return Order.objects.filter(condition) if condition is not None else Order.objects.none()


def access_order(user: Any, order_id: int) -> Order:
    """The order if the staff user may order care over its area (ORDER_CARE), else Http404."""
    found = (
        orders_in_scope(user)
        .filter(pk=order_id)
        .select_related("provider", "service_type", "resident", "area")
        .first()
    )
    if found is None:
        raise Http404
    return found


def resident_orders(user: Any) -> QuerySet[Order]:
    """A resident's own orders: those they placed, and those placed for the person behind their phone."""
    if not user.is_authenticated or getattr(user, "kind", None) != "resident":
        return Order.objects.none()
    condition = Q(account=user)
    if user.phone_index:
        condition |= Q(resident__phone_index=user.phone_index, resident__merged_into__isnull=True)
    return Order.objects.filter(condition)


def owns_order(user: Any, order: Order) -> bool:
    return resident_orders(user).filter(pk=order.pk).exists()


def access_own_order(user: Any, number: str) -> Order:
    """The resident's own order by its number, else Http404."""
    found = (
        resident_orders(user)
        .filter(number=number)
        .select_related("provider", "service_type", "resident", "area")
        .first()
    )
    if found is None:
        raise Http404
    return found


def _ancestors(code: str) -> list[str]:
    return [code[:n] for n in (6, 9, 12, 15) if len(code) >= n]


def provider_condition(user: Any) -> Q | None:
    """Providers a manager (MANAGE_HOME_CARE) sees: those managed in their area, or serving any part of it."""
    prefixes = scope_prefixes(user, Capability.MANAGE_HOME_CARE)
    if not prefixes:
        return None
    condition = Q()
    for prefix in prefixes:
        condition |= (
            Q(area_code__startswith=prefix)
            | Q(served_areas__code__startswith=prefix)
            | Q(served_areas__code__in=_ancestors(prefix))
        )
    return condition


def providers_in_scope(user: Any) -> QuerySet[Provider]:
    condition = provider_condition(user)
    if condition is None:
        return Provider.objects.none()
    ids = Provider.objects.filter(condition).values("pk")
    return Provider.objects.filter(pk__in=ids)


def may_manage_provider(user: Any, provider: Provider) -> bool:
    """Editing a provider is for managers over the area that manages it."""
    return any(provider.area_code.startswith(p) for p in scope_prefixes(user, Capability.MANAGE_HOME_CARE))


def access_provider(user: Any, provider_id: int, *, for_write: bool = False) -> Provider:
    """The provider if the manager sees it (or, ``for_write``, manages it), else Http404."""
    found = providers_in_scope(user).filter(pk=provider_id).select_related("area").first()
    if found is None or (for_write and not may_manage_provider(user, found)):
        raise Http404
    return found
