"""Who may see which alarm: staff by area prefix (RESPOND_ALARMS for alarms, MANAGE_ALARM_POLICIES for
policies, rosters, responders and devices), residents only the alarms raised for the people behind their own
verified phone. Missing and out of scope answer alike: Http404."""

from typing import Any

from django.db.models import Model, QuerySet
from django.http import Http404

from linli.accounts.access import scope_condition, scope_prefixes
from linli.accounts.roles import Capability
from linli.alarms.models import Alarm, Device, DutyShift, EscalationPolicy, Responder


def in_scope[M: Model](queryset: QuerySet[M], user: Any, capability: Capability) -> QuerySet[M]:
    condition = scope_condition(user, capability)
    return queryset.filter(condition) if condition is not None else queryset.none()


def may_on_area(user: Any, capability: Capability, area_code: str) -> bool:
    """Whether the staff user holds ``capability`` over the area with this code."""
    return any(area_code.startswith(prefix) for prefix in scope_prefixes(user, capability))


def _get[M: Model](queryset: QuerySet[M], user: Any, capability: Capability, pk: int) -> M:
    found = in_scope(queryset, user, capability).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def access_alarm(user: Any, alarm_id: int, *, capability: Capability = Capability.RESPOND_ALARMS) -> Alarm:
    """The alarm if the staff user holds ``capability`` over its area, else Http404."""
    return _get(Alarm.objects.select_related("resident", "area"), user, capability, alarm_id)


def resident_alarms(user: Any) -> QuerySet[Alarm]:
    """A resident account's own alarms: those raised for the registered people behind its verified phone."""
    if not user.is_authenticated or getattr(user, "kind", None) != "resident" or not user.phone_index:
        return Alarm.objects.none()
    return Alarm.objects.filter(resident__phone_index=user.phone_index, resident__merged_into__isnull=True)


def access_own_alarm(user: Any, alarm_id: int) -> Alarm:
    """The resident's own alarm, else Http404."""
    found = resident_alarms(user).select_related("resident", "area").filter(pk=alarm_id).first()
    if found is None:
        raise Http404
    return found


def access_policy(user: Any, policy_id: int) -> EscalationPolicy:
    return _get(
        EscalationPolicy.objects.select_related("area"), user, Capability.MANAGE_ALARM_POLICIES, policy_id
    )


def access_shift(user: Any, shift_id: int) -> DutyShift:
    return _get(
        DutyShift.objects.select_related("area", "user"), user, Capability.MANAGE_ALARM_POLICIES, shift_id
    )


def access_responder(user: Any, responder_id: int) -> Responder:
    return _get(
        Responder.objects.select_related("area"), user, Capability.MANAGE_ALARM_POLICIES, responder_id
    )


def access_device(user: Any, device_pk: int) -> Device:
    return _get(Device.objects.select_related("resident"), user, Capability.MANAGE_ALARM_POLICIES, device_pk)
