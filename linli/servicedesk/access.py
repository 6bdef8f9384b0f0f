"""Who may see which case: staff by area (and department officers by their department's items too),
residents their own cases only. Missing and out of scope answer alike: Http404."""

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from linli.accounts.access import memberships_of
from linli.accounts.roles import ROLE_CAPABILITIES, Capability, Role
from linli.servicedesk.models import Case, Rectification


def _memberships(user: Any) -> list[Any]:
    return memberships_of(user)


def case_condition(
    user: Any, capability: Capability = Capability.HANDLE_CASES, *, prefix: str = ""
) -> Q | None:
    """A filter for the cases where the user holds ``capability``: under the areas of the memberships that
    grant it, and for a department officer only the cases of items of their department. None when empty."""
    if not user.is_authenticated or not user.is_active or getattr(user, "kind", None) != "staff":
        return None
    condition: Q | None = None
    for membership in _memberships(user):
        if capability not in ROLE_CAPABILITIES[Role(membership.role)]:
            continue
        part = Q(**{f"{prefix}area_code__startswith": membership.area.code})
        if membership.role == Role.DEPARTMENT_OFFICER:
            if not membership.department:
                continue
            part &= Q(**{f"{prefix}department": membership.department})
        condition = part if condition is None else condition | part
    return condition


def cases_in_scope(user: Any, capability: Capability = Capability.HANDLE_CASES) -> QuerySet[Case]:
    condition = case_condition(user, capability)
    return Case.objects.filter(condition) if condition is not None else Case.objects.none()


def may_on_case(user: Any, case: Case, capability: Capability) -> bool:
    """Whether the staff user holds ``capability`` over this case's area (and department)."""
    for membership in _memberships(user) if getattr(user, "kind", None) == "staff" else []:
        if capability not in ROLE_CAPABILITIES[Role(membership.role)]:
            continue
        if not case.area_code.startswith(membership.area.code):
            continue
        if membership.role == Role.DEPARTMENT_OFFICER and membership.department != case.department:
            continue
        return True
    return False


def has_case_capability(user: Any, capability: Capability) -> bool:
    return case_condition(user, capability) is not None


def access_case(user: Any, case_id: int, *, capability: Capability = Capability.HANDLE_CASES) -> Case:
    """The case if the staff user holds ``capability`` over it, else Http404."""
    condition = case_condition(user, capability)
    found = (
        Case.objects.filter(condition, pk=case_id).select_related("item", "queue", "handler", "area").first()
        if condition is not None
        else None
    )
    if found is None:
        raise Http404
    return found


def resident_cases(user: Any) -> QuerySet[Case]:
    """A resident's own cases: those they applied for, and those filed for the person behind their phone."""
    if not user.is_authenticated or getattr(user, "kind", None) != "resident":
        return Case.objects.none()
    condition = Q(account=user)
    if user.phone_index:
        condition |= Q(resident__phone_index=user.phone_index, resident__merged_into__isnull=True)
    return Case.objects.filter(condition)


def access_own_case(user: Any, number: str) -> Case:
    """The resident's own case by its number, else Http404."""
    found = resident_cases(user).filter(number=number).select_related("item", "area").first()
    if found is None:
        raise Http404
    return found


def access_rectification(user: Any, rectification_id: int) -> Rectification:
    """A rectification task if the user may rectify ratings over its case, else Http404."""
    condition = case_condition(user, Capability.RECTIFY_RATINGS)
    found = (
        Rectification.objects.filter(condition, pk=rectification_id)
        .select_related("case__item", "rating")
        .first()
        if condition is not None
        else None
    )
    if found is None:
        raise Http404
    return found
