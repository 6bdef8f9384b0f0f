"""One access function per aggregate: the object, or 404 whether it is missing or out of the user's scope."""

from typing import Any

from django.db.models import Q
from django.http import Http404

from linli.accounts.access import scope_prefixes
from linli.accounts.roles import Capability
from linli.registry.models import Building, Household, Resident, TagAssignment


def area_condition(user: Any, capability: Capability, *, field: str = "area__code") -> Q | None:
    """A filter for rows in the user's scope for ``capability``; None when the scope is empty."""
    prefixes = scope_prefixes(user, capability)
    if not prefixes:
        return None
    condition = Q()
    for prefix in prefixes:
        condition |= Q(**{f"{field}__startswith": prefix})
    return condition


def access_resident(
    user: Any, resident_id: int, *, capability: Capability = Capability.VIEW_RESIDENTS
) -> Resident:
    """The resident if the user holds ``capability`` over the resident's area, else Http404."""
    condition = area_condition(user, capability)
    if condition is None:
        raise Http404
    resident = (
        Resident.objects.select_related("area", "household__building")
        .filter(condition, pk=resident_id)
        .first()
    )
    if resident is None:
        raise Http404
    return resident


def access_household(
    user: Any, household_id: int, *, capability: Capability = Capability.VIEW_RESIDENTS
) -> Household:
    """The household if the user holds ``capability`` over its area, else Http404."""
    condition = area_condition(user, capability)
    if condition is None:
        raise Http404
    household = (
        Household.objects.select_related("area", "building", "head")
        .filter(condition, pk=household_id)
        .first()
    )
    if household is None:
        raise Http404
    return household


def access_building(
    user: Any, building_id: int, *, capability: Capability = Capability.EDIT_RESIDENTS
) -> Building:
    condition = area_condition(user, capability)
    if condition is None:
        raise Http404
    building = Building.objects.select_related("area").filter(condition, pk=building_id).first()
    if building is None:
        raise Http404
    return building


def access_tag(user: Any, tag_id: int, *, capability: Capability = Capability.MANAGE_TAGS) -> TagAssignment:
    condition = area_condition(user, capability, field="resident__area__code")
    if condition is None:
        raise Http404
    assignment = TagAssignment.objects.select_related("resident__area").filter(condition, pk=tag_id).first()
    if assignment is None:
        raise Http404
    return assignment
