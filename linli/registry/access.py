"""One access function per aggregate: the object, or 404 whether it is missing or out of the user's scope."""

from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from linli.accounts.access import scope_condition
from linli.accounts.roles import Capability
from linli.registry.models import Building, Household, Resident, TagAssignment


def area_condition(user: Any, capability: Capability, *, field: str = "area__code") -> Q | None:
    """A filter for rows in the user's scope for ``capability``; None when the scope is empty."""
    return scope_condition(user, capability, field=field)


def _get_in_scope[M: Model](
    queryset: QuerySet[M], user: Any, capability: Capability, pk: int, *, field: str = "area__code"
) -> M:
    # Missing and out of scope answer alike, so a 404 reveals nothing about other areas.
    condition = area_condition(user, capability, field=field)
    found = queryset.filter(condition, pk=pk).first() if condition is not None else None
    if found is None:
        raise Http404
    return found


def access_resident(
    user: Any, resident_id: int, *, capability: Capability = Capability.VIEW_RESIDENTS
) -> Resident:
    """The resident if the user holds ``capability`` over the resident's area, else Http404."""
    queryset = Resident.objects.select_related("area", "household__building")
    return _get_in_scope(queryset, user, capability, resident_id)


def access_household(
    user: Any, household_id: int, *, capability: Capability = Capability.VIEW_RESIDENTS
) -> Household:
    """The household if the user holds ``capability`` over its area, else Http404."""
    queryset = Household.objects.select_related("area", "building", "head")
    return _get_in_scope(queryset, user, capability, household_id)


def access_building(
    user: Any, building_id: int, *, capability: Capability = Capability.EDIT_RESIDENTS
) -> Building:
    """The building if the user holds ``capability`` over its grid, else Http404."""
    return _get_in_scope(Building.objects.select_related("area"), user, capability, building_id)


def access_tag(user: Any, tag_id: int, *, capability: Capability = Capability.MANAGE_TAGS) -> TagAssignment:
    """The tag if the user holds ``capability`` over its resident's area, else Http404."""
    queryset = TagAssignment.objects.select_related("resident__area")
    return _get_in_scope(queryset, user, capability, tag_id, field="resident__area__code")
