"""Who may see which care plan, rule, volunteer and visit: staff by the area codes of the memberships
that grant the capability. Missing and out of scope answer alike: Http404."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.http import Http404

from linli.accounts.access import prefixes_condition, scope_prefixes
from linli.accounts.roles import Capability
from linli.care.models import CarePlan, CareRule, Visit, Volunteer

# Who may open a resident's plan: the visitors, and those who plan the visits.
PLAN_READERS = (Capability.RECORD_VISITS, Capability.MANAGE_CARE_PLANS)


def prefixes_for(user: Any, capabilities: Iterable[Capability]) -> list[str]:
    """Area codes below which the user holds any of ``capabilities``."""
    codes = {code for capability in capabilities for code in scope_prefixes(user, capability)}
    return sorted(c for c in codes if not any(c != o and c.startswith(o) for o in codes))


def area_code_condition(
    user: Any, capabilities: Iterable[Capability], *, field: str = "area_code"
) -> Q | None:
    """A filter for rows whose area code lies in the user's scope; None when the scope is empty."""
    return prefixes_condition(prefixes_for(user, capabilities), field=field)


def access_plan(user: Any, plan_id: int, *, capabilities: Iterable[Capability] = PLAN_READERS) -> CarePlan:
    """The care plan if the user holds one of ``capabilities`` over its area, else Http404."""
    condition = area_code_condition(user, capabilities)
    found = (
        CarePlan.objects.filter(condition, pk=plan_id)
        .select_related("resident__household__building", "area", "rule", "assignee", "volunteer")
        .first()
        if condition is not None
        else None
    )
    if found is None:
        raise Http404
    return found


def access_rule(user: Any, rule_id: int) -> CareRule:
    """An area's rule if the user may set rules there; the installation's defaults are nobody's to edit."""
    condition = area_code_condition(user, [Capability.MANAGE_CARE_PLANS])
    found = CareRule.objects.filter(condition, pk=rule_id).first() if condition is not None else None
    if found is None:
        raise Http404
    return found


def access_visit(user: Any, visit_id: int) -> Visit:
    """A visit record if the user may open its plan, else Http404."""
    condition = area_code_condition(user, PLAN_READERS)
    found = Visit.objects.filter(condition, pk=visit_id).first() if condition is not None else None
    if found is None:
        raise Http404
    return found


def access_volunteer(user: Any, volunteer_id: int) -> Volunteer:
    """A volunteer if the user plans visits over the volunteer's area, else Http404."""
    condition = area_code_condition(user, [Capability.MANAGE_CARE_PLANS])
    found = Volunteer.objects.filter(condition, pk=volunteer_id).first() if condition is not None else None
    if found is None:
        raise Http404
    return found
