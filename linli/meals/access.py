"""Who may see what in meal assistance. Staff by area: canteens and rules with MANAGE_MEALS over the
canteen's (rule's) area, orders with ORDER_CARE over the resident's grid. Residents: their own orders only,
found through the golden records behind their phone. Missing and out of scope answer alike: Http404."""

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from linli.accounts.roles import Capability
from linli.meals.models import Canteen, Dish, Order, SubsidyRule
from linli.registry.access import area_condition


def canteens_in_scope(user: Any) -> QuerySet[Canteen]:
    """Canteens whose area lies under the user's MANAGE_MEALS areas."""
    condition = area_condition(user, Capability.MANAGE_MEALS)
    if condition is None:
        return Canteen.objects.none()
    return Canteen.objects.filter(condition).select_related("area")


def access_canteen(user: Any, canteen_id: int) -> Canteen:
    """The canteen if the user manages meals over its area, else Http404."""
    found = canteens_in_scope(user).filter(pk=canteen_id).first()
    if found is None:
        raise Http404
    return found


def access_dish(user: Any, dish_id: int) -> Dish:
    """A dish of a canteen the user manages, else Http404."""
    condition = area_condition(user, Capability.MANAGE_MEALS, field="sitting__canteen__area__code")
    found = (
        Dish.objects.filter(condition, pk=dish_id).select_related("sitting__canteen").first()
        if condition is not None
        else None
    )
    if found is None:
        raise Http404
    return found


def rules_in_scope(user: Any) -> QuerySet[SubsidyRule]:
    """Rules the user may change: those of areas under their MANAGE_MEALS areas."""
    condition = area_condition(user, Capability.MANAGE_MEALS)
    if condition is None:
        return SubsidyRule.objects.none()
    return SubsidyRule.objects.filter(condition).select_related("area")


def rules_visible(user: Any, prefixes: list[str]) -> QuerySet[SubsidyRule]:
    """Rules that reach the user's areas: their own, and those of the areas above (e.g. the district's)."""
    ancestors = {p[:n] for p in prefixes for n in (6, 9, 12, 15) if len(p) >= n}
    condition = Q(area__code__in=ancestors)
    for prefix in prefixes:
        condition |= Q(area__code__startswith=prefix)
    return (
        SubsidyRule.objects.filter(condition).select_related("area")
        if prefixes
        else SubsidyRule.objects.none()
    )


def access_rule(user: Any, rule_id: int) -> SubsidyRule:
    """A subsidy rule the user may change, else Http404."""
    found = rules_in_scope(user).filter(pk=rule_id).first()
    if found is None:
        raise Http404
    return found


def orders_in_scope(user: Any) -> QuerySet[Order]:
    """Orders of residents in the user's ORDER_CARE areas."""
    condition = area_condition(user, Capability.ORDER_CARE)
    if condition is None:
        return Order.objects.none()
    return Order.objects.filter(condition)


def access_order(user: Any, order_id: int) -> Order:
    """An order of a resident in the worker's ORDER_CARE area, else Http404."""
    found = (
        orders_in_scope(user)
        .filter(pk=order_id)
        .select_related("sitting__canteen", "dish", "resident")
        .first()
    )
    if found is None:
        raise Http404
    return found


def resident_orders(user: Any) -> QuerySet[Order]:
    """A resident's own orders: those of the golden records behind their verified phone."""
    if not user.is_authenticated or getattr(user, "kind", None) != "resident" or not user.phone_index:
        return Order.objects.none()
    return Order.objects.filter(resident__phone_index=user.phone_index, resident__merged_into__isnull=True)


def access_own_order(user: Any, number: str) -> Order:
    """The resident's own order by its number, else Http404."""
    found = (
        resident_orders(user)
        .filter(number=number)
        .select_related("sitting__canteen", "dish", "resident")
        .first()
    )
    if found is None:
        raise Http404
    return found
