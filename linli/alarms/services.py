"""Writes of the one-key alarm: raise, join, cancel, acknowledge, close, note; and the management of policies,
duty rosters, responders and devices.

An alarm is stored, with its first escalation step run, in one transaction that commits before the trigger is
answered: call ``trigger_alarm`` outside any open transaction (views that raise alarms are not atomic). The
dispatcher (``linli.alarms.dispatcher``) carries the escalation on from the database.
"""

import datetime as dt
import logging
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

from linli.accounts.access import has_capability
from linli.accounts.roles import Capability
from linli.alarms.escalation import StepSpec, alarm_setting, first_step, wake_dispatchers
from linli.alarms.models import (
    LIVE_STATUSES,
    UNANSWERED_STATUSES,
    AckVia,
    Alarm,
    AlarmEvent,
    AlarmEventKind,
    AlarmNotice,
    AlarmOutcome,
    AlarmStatus,
    AlarmStepRun,
    Device,
    DutyKind,
    DutyShift,
    EscalationPolicy,
    EscalationStep,
    Responder,
    ResponderKind,
    StepKind,
    StepRunState,
    TriggerSource,
)
from linli.core.crypto import blind_index
from linli.core.errors import DomainError
from linli.core.phones import normalize_mobile, phone_blind_index
from linli.core.services import record_audit_event

logger = logging.getLogger(__name__)

LOCAL = ZoneInfo("Asia/Shanghai")
# Repeated triggers from the same person within this span of the last one join the open alarm.
JOIN_SECONDS = 60


def cancel_window_seconds() -> int:
    """The resident's button waits this long (and can be cancelled) before escalation starts."""
    return int(alarm_setting("LINLI_ALARM_CANCEL_SECONDS", 5))


def user_label(user: Any) -> str:
    """How a staff member is named on the timeline: full name, else user name. Never a phone number."""
    if user is None:
        return ""
    full = f"{user.last_name}{user.first_name}".strip() if hasattr(user, "last_name") else ""
    return (full or str(getattr(user, "username", "")))[:100]


def append_event(
    alarm: Alarm,
    kind: str,
    *,
    at: dt.datetime | None = None,
    step: int | None = None,
    actor: Any = None,
    label: str = "",
    data: dict[str, Any] | None = None,
) -> AlarmEvent:
    """Append a line to the alarm's timeline (callers hold the alarm's row lock)."""
    return AlarmEvent.objects.create(
        alarm=alarm,
        at=at or timezone.now(),
        kind=kind,
        step=step,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        label=label[:100],
        data=data or {},
    )


def _locked(alarm: Alarm) -> Alarm:
    return Alarm.objects.select_for_update(of=("self",)).select_related("resident", "area").get(pk=alarm.pk)


def _location_of(resident: Any, area: Any) -> tuple[float | None, float | None, str]:
    household = getattr(resident, "household", None) if resident is not None else None
    building = getattr(household, "building", None) if household is not None else None
    if building is not None:
        return building.latitude, building.longitude, str(household)[:200]
    return area.latitude, area.longitude, ""


def _stop_pending_steps(alarm: Alarm, now: dt.datetime) -> None:
    AlarmStepRun.objects.filter(alarm=alarm, state=StepRunState.SCHEDULED).update(
        state=StepRunState.STOPPED, finished_at=now
    )


# --- trigger --------------------------------------------------------------------------------------


def _live_alarm_to_join(now: dt.datetime, **whose: Any) -> Alarm | None:
    """The live alarm of this person (or unknown caller) last raised within a minute of ``now``, locked."""
    window = dt.timedelta(seconds=JOIN_SECONDS)
    return (
        Alarm.objects.select_for_update()
        .filter(status__in=LIVE_STATUSES, last_triggered_at__range=(now - window, now + window), **whose)
        .order_by("-last_triggered_at")
        .first()
    )


def _join(live: Alarm, *, now: dt.datetime, actor: Any, label: str, trigger: dict[str, Any]) -> Alarm:
    """Count a repeated trigger on the live alarm it belongs to (the caller holds its row lock)."""
    live.trigger_count += 1
    live.last_triggered_at = max(live.last_triggered_at, now)
    live.save(update_fields=["trigger_count", "last_triggered_at"])
    append_event(live, AlarmEventKind.TRIGGER_JOINED, at=now, actor=actor, label=label, data=trigger)
    live.was_joined = True
    return live


def trigger_alarm(
    *,
    source: str,
    resident: Any = None,
    actor: Any = None,
    latitude: float | None = None,
    longitude: float | None = None,
    note: str = "",
    cancel_window_seconds: int = 0,
    received_at: dt.datetime | None = None,
    area: Any = None,
    caller_name: str = "",
    caller_phone: str = "",
    location_text: str = "",
    device: Device | None = None,
) -> Alarm:
    """Raise an alarm, or join the resident's live alarm when their last trigger was within a minute.

    The alarm, its timeline line and its first step run commit before this returns. An unknown caller (no
    resident) needs ``area``; their repeated triggers within a minute join by ``caller_phone``. With a cancel
    window the alarm waits in ``pending`` and escalates after it.
    """
    if source not in TriggerSource.values:
        raise DomainError("alarm_bad_source", _("Unknown way of raising an alarm."), field="source")
    if resident is None and area is None:
        raise DomainError("alarm_no_area", _("Please choose the area where help is needed."), field="area")
    now = received_at or timezone.now()
    trigger = {"source": source, "note": note[:500]} if note else {"source": source}
    if device is not None:
        trigger["device"] = device.device_id
    label = (
        user_label(actor) if source == TriggerSource.MANUAL else (resident.name if resident else caller_name)
    )
    caller_index = phone_blind_index(caller_phone) if caller_phone and resident is None else ""
    with transaction.atomic():
        if resident is None and caller_index:
            # Triggers from unknown callers of one area queue behind its row lock, so a repeat joins.
            type(area).objects.select_for_update().get(pk=area.pk)
            live = _live_alarm_to_join(now, resident__isnull=True, caller_phone_index=caller_index, area=area)
            if live is not None:
                return _join(live, now=now, actor=actor, label=label, trigger=trigger)
        if resident is not None:
            # One alarm per person at a time: triggers for the same person queue behind this row lock.
            resident = (
                type(resident)
                .objects.select_for_update(of=("self",))
                .select_related("area", "household__building")
                .get(pk=resident.pk)
            )
            live = _live_alarm_to_join(now, resident=resident)
            if live is not None:
                return _join(live, now=now, actor=actor, label=label, trigger=trigger)
        home = area if area is not None else resident.area
        lat, lon, where = _location_of(resident, home)
        if latitude is not None and longitude is not None:
            lat, lon = latitude, longitude
        window = max(0, int(cancel_window_seconds))
        starts = now + dt.timedelta(seconds=window)
        alarm = Alarm.objects.create(
            number=f"new-{secrets.token_hex(8)}",
            resident=resident,
            area=home,
            area_code=home.code,
            status=AlarmStatus.PENDING if window else AlarmStatus.OPEN,
            source=source,
            device=device,
            caller_name=caller_name[:64],
            caller_phone=caller_phone,
            caller_phone_index=caller_index,
            location_text=(location_text or where)[:200],
            created_at=now,
            escalation_starts_at=starts,
            last_triggered_at=now,
            latitude=lat,
            longitude=lon,
        )
        alarm.number = f"A{now.astimezone(LOCAL):%Y%m%d}-{alarm.pk:04d}"
        alarm.save(update_fields=["number"])
        append_event(
            alarm,
            AlarmEventKind.TRIGGERED,
            at=now,
            actor=actor,
            label=label,
            data={**trigger, "cancel_window_seconds": window},
        )
        step: StepSpec = first_step(home.code)
        AlarmStepRun.objects.create(
            alarm=alarm,
            step_index=0,
            kind=step.kind,
            timeout_seconds=step.timeout_seconds,
            radius_m=step.radius_m,
            due_at=starts,
        )
        transaction.on_commit(wake_dispatchers)
    alarm.was_joined = False
    return alarm


def reveal_phone_to_call_back(*, alarm: Alarm, actor: Any) -> str:
    """The full number of whoever needs help (the resident, or an unknown caller), so that a responder over
    the alarm's area can call them back while the alarm is live.

    Responders need not hold the reveal capability: the live alarm is the reason (docs/adr/0009). Every reveal
    is audited, under the resident when there is one, so it shows among the reveals of their data."""
    if not has_capability(actor, Capability.RESPOND_ALARMS, alarm.area_code):
        raise DomainError("not_permitted", _("You may not view this information in full."))
    if alarm.status not in LIVE_STATUSES:
        raise DomainError(
            "alarm_not_live",
            _("This alarm is closed: the number to call back is shown only while it is live."),
        )
    resident = alarm.resident
    phone = str(resident.phone or "") if resident is not None else str(alarm.caller_phone or "")
    if not phone:
        raise DomainError("alarm_no_phone", _("No phone number is recorded for this person."))
    with override(settings.LANGUAGE_CODE):
        reason = gettext("To call back during alarm %(number)s") % {"number": alarm.number}
    record_audit_event(
        actor=actor,
        action="alarms.phone_revealed",
        object_type="resident" if resident is not None else "alarm",
        object_id=resident.pk if resident is not None else alarm.pk,
        area_code=alarm.area_code,
        reason=reason,
        data={"alarm": alarm.number, "field": "phone" if resident is not None else "caller_phone"},
    )
    return phone


def cancel_alarm(*, alarm: Alarm, actor: Any, now: dt.datetime | None = None) -> Alarm:
    """Cancel an alarm inside its cancel window (the resident changed their mind); nothing is sent."""
    now = now or timezone.now()
    with transaction.atomic():
        alarm = _locked(alarm)
        if alarm.status != AlarmStatus.PENDING or now >= alarm.escalation_starts_at:
            raise DomainError(
                "alarm_not_cancellable",
                _("Help has already been called; this alarm can no longer be cancelled."),
            )
        alarm.status = AlarmStatus.CANCELLED
        alarm.closed_at = now
        alarm.save(update_fields=["status", "closed_at"])
        _stop_pending_steps(alarm, now)
        label = alarm.resident.name if alarm.resident and getattr(actor, "kind", "") == "resident" else ""
        append_event(alarm, AlarmEventKind.CANCELLED, at=now, actor=actor, label=label or user_label(actor))
    return alarm


def acknowledge_alarm(
    *,
    alarm: Alarm,
    via: str,
    user: Any = None,
    notice: AlarmNotice | None = None,
    now: dt.datetime | None = None,
) -> Alarm:
    """Record that someone answered: the first acknowledgement counts, later ones change nothing, and no
    further escalation step is sent. A cancelled or closed alarm stays as it is."""
    if via not in AckVia.values:
        raise DomainError("alarm_bad_ack", _("Unknown way of acknowledging."))
    now = now or timezone.now()
    with transaction.atomic():
        alarm = _locked(alarm)
        if alarm.status not in UNANSWERED_STATUSES:
            return alarm
        label = user_label(user) if user is not None else (notice.label if notice is not None else "")
        alarm.status = AlarmStatus.ACKNOWLEDGED
        alarm.acknowledged_at = now
        alarm.acknowledged_by = (
            user if user is not None and getattr(user, "is_authenticated", False) else None
        )
        alarm.acknowledged_by_label = label[:100]
        alarm.acknowledged_via = via
        alarm.save(
            update_fields=[
                "status",
                "acknowledged_at",
                "acknowledged_by",
                "acknowledged_by_label",
                "acknowledged_via",
            ]
        )
        _stop_pending_steps(alarm, now)
        append_event(
            alarm,
            AlarmEventKind.ACKNOWLEDGED,
            at=now,
            step=notice.step_index if notice is not None else alarm.current_step,
            actor=user,
            label=label,
            data={"via": via, "seconds": alarm.acknowledgement_seconds},
        )
    return alarm


def close_alarm(
    *, alarm: Alarm, actor: Any, outcome: str, note: str = "", now: dt.datetime | None = None
) -> Alarm:
    """Close a live alarm with its outcome; an alarm nobody acknowledged yet is acknowledged by the closer."""
    if outcome not in AlarmOutcome.values:
        raise DomainError("alarm_bad_outcome", _("Please choose what happened."), field="outcome")
    now = now or timezone.now()
    with transaction.atomic():
        alarm = _locked(alarm)
        if alarm.status not in LIVE_STATUSES:
            raise DomainError("alarm_not_live", _("This alarm is already closed or cancelled."))
        if alarm.status in UNANSWERED_STATUSES:
            alarm = acknowledge_alarm(alarm=alarm, via=AckVia.CONSOLE, user=actor, now=now)
        alarm.status = AlarmStatus.CLOSED
        alarm.outcome = outcome
        alarm.closed_at = now
        alarm.closed_by = actor if getattr(actor, "is_authenticated", False) else None
        alarm.save(update_fields=["status", "outcome", "closed_at", "closed_by"])
        append_event(
            alarm,
            AlarmEventKind.OUTCOME,
            at=now,
            actor=actor,
            label=user_label(actor),
            data={"outcome": outcome, "note": note.strip()[:2000]},
        )
    return alarm


def add_note(*, alarm: Alarm, actor: Any, text: str) -> AlarmEvent:
    """Append a worker's note to the alarm's timeline."""
    text = text.strip()
    if not text:
        raise DomainError("alarm_note_empty", _("Please write the note."), field="text")
    with transaction.atomic():
        alarm = _locked(alarm)
        return append_event(
            alarm, AlarmEventKind.NOTE, actor=actor, label=user_label(actor), data={"text": text[:2000]}
        )


def note_sms_reply(*, notice: AlarmNotice, text: str) -> AlarmEvent:
    """A responder's free-text SMS reply (``收到，已报警110``) joins the timeline of their alarm."""
    with transaction.atomic():
        alarm = _locked(notice.alarm)
        return append_event(
            alarm, AlarmEventKind.NOTE, label=notice.label, data={"text": text.strip()[:2000], "via": "sms"}
        )


# --- policies, rosters, responders, devices ----------------------------------------------------------


def save_policy(*, actor: Any, area: Any, name: str, steps: list[StepSpec]) -> EscalationPolicy:
    """Create or replace an area's escalation policy; steps run in the order given (at least one)."""
    if not steps:
        raise DomainError("alarm_policy_empty", _("A policy needs at least one step."), field="steps")
    for spec in steps:
        if spec.kind not in StepKind.values:
            raise DomainError("alarm_bad_step", _("Unknown kind of step."), field="steps")
        if spec.timeout_seconds < 10:
            raise DomainError("alarm_step_too_short", _("A step waits at least 10 seconds."), field="steps")
        if spec.kind == StepKind.NEARBY_RESPONDERS and not spec.radius_m:
            raise DomainError(
                "alarm_step_radius",
                _("Please give the distance for neighbours and volunteers."),
                field="steps",
            )
    if not name.strip():
        raise DomainError("alarm_policy_name", _("Please enter the name."), field="name")
    with transaction.atomic():
        policy, _created = EscalationPolicy.objects.update_or_create(
            area=area,
            defaults={
                "area_code": area.code,
                "name": name.strip(),
                "updated_at": timezone.now(),
                "updated_by": actor,
            },
        )
        policy.steps.all().delete()
        EscalationStep.objects.bulk_create(
            EscalationStep(
                policy=policy,
                order=order,
                kind=spec.kind,
                timeout_seconds=spec.timeout_seconds,
                radius_m=spec.radius_m if spec.kind == StepKind.NEARBY_RESPONDERS else None,
            )
            for order, spec in enumerate(steps)
        )
        record_audit_event(
            actor=actor,
            action="alarms.save_policy",
            object_type="alarm_policy",
            object_id=policy.pk,
            area_code=area.code,
            data={"steps": [[s.kind, s.timeout_seconds, s.radius_m] for s in steps]},
        )
    return policy


def delete_policy(*, actor: Any, policy: EscalationPolicy) -> None:
    """Remove an area's own policy: its alarms then follow the nearest ancestor's."""
    with transaction.atomic():
        record_audit_event(
            actor=actor,
            action="alarms.delete_policy",
            object_type="alarm_policy",
            object_id=policy.pk,
            area_code=policy.area_code,
        )
        policy.delete()


def _phone_or_blank(raw: str) -> tuple[str, str]:
    raw = raw.strip()
    if not raw:
        return "", ""
    phone = normalize_mobile(raw)
    return phone, phone_blind_index(phone)


def add_duty_shift(
    *,
    actor: Any,
    area: Any,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    user: Any = None,
    name: str = "",
    phone: str = "",
) -> DutyShift:
    """Put a staff member or a named duty phone on the roster for an area and time span."""
    if kind not in DutyKind.values:
        raise DomainError("alarm_bad_duty", _("Unknown duty."), field="kind")
    if ends_at <= starts_at:
        raise DomainError("alarm_shift_span", _("A shift ends after it starts."), field="ends_at")
    phone, index = _phone_or_blank(phone)
    user_phone = str(user.phone or "") if user is not None else ""
    if not phone and user_phone:
        phone, index = user_phone, str(user.phone_index)
    if not phone:
        raise DomainError(
            "alarm_shift_phone", _("Please give the phone to call for this shift."), field="phone"
        )
    if user is None and not name.strip():
        raise DomainError(
            "alarm_shift_name", _("Please choose a staff member or enter a name."), field="name"
        )
    with transaction.atomic():
        shift = DutyShift.objects.create(
            area=area,
            area_code=area.code,
            kind=kind,
            user=user,
            name=(name.strip() or user_label(user))[:100],
            phone=phone,
            phone_index=index,
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=actor,
        )
        record_audit_event(
            actor=actor,
            action="alarms.add_shift",
            object_type="duty_shift",
            object_id=shift.pk,
            area_code=area.code,
        )
    return shift


def end_duty_shift(*, actor: Any, shift: DutyShift, now: dt.datetime | None = None) -> DutyShift:
    """End a shift now (or remove it if it has not started): rosters keep their past."""
    now = now or timezone.now()
    with transaction.atomic():
        record_audit_event(
            actor=actor,
            action="alarms.end_shift",
            object_type="duty_shift",
            object_id=shift.pk,
            area_code=shift.area_code,
        )
        if shift.starts_at >= now:
            shift.delete()
            return shift
        if shift.ends_at > now:
            shift.ends_at = now
            shift.save(update_fields=["ends_at"])
    return shift


def save_responder(
    *,
    actor: Any,
    area: Any,
    kind: str,
    name: str,
    phone: str,
    resident: Any = None,
    relation: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    responder: Responder | None = None,
) -> Responder:
    """Add or change a neighbour, volunteer or family contact who can be asked to help."""
    if kind not in ResponderKind.values:
        raise DomainError("alarm_bad_responder", _("Unknown kind of responder."), field="kind")
    if not name.strip():
        raise DomainError("alarm_responder_name", _("Please enter the name."), field="name")
    if kind == ResponderKind.FAMILY and resident is None:
        raise DomainError(
            "alarm_family_resident", _("Please choose whose family contact this is."), field="resident"
        )
    if kind != ResponderKind.FAMILY and (latitude is None or longitude is None):
        raise DomainError(
            "alarm_responder_place", _("Please give where a neighbour or volunteer lives."), field="latitude"
        )
    phone, index = _phone_or_blank(phone)
    if not phone:
        raise DomainError("invalid_phone", _("Please enter the phone."), field="phone")
    with transaction.atomic():
        target = responder or Responder()
        target.kind = kind
        target.name = name.strip()[:64]
        target.phone = phone
        target.phone_index = index
        target.area = area
        target.area_code = area.code
        target.resident = resident if kind == ResponderKind.FAMILY else None
        target.relation = relation.strip()[:32]
        target.latitude = latitude
        target.longitude = longitude
        target.is_active = True
        target.save()
        record_audit_event(
            actor=actor,
            action="alarms.save_responder",
            object_type="alarm_responder",
            object_id=target.pk,
            area_code=area.code,
        )
    return target


def deactivate_responder(*, actor: Any, responder: Responder) -> Responder:
    with transaction.atomic():
        responder.is_active = False
        responder.save(update_fields=["is_active"])
        record_audit_event(
            actor=actor,
            action="alarms.deactivate_responder",
            object_type="alarm_responder",
            object_id=responder.pk,
            area_code=responder.area_code,
        )
    return responder


def register_device(*, actor: Any, resident: Any, device_id: str, label: str = "") -> tuple[Device, str]:
    """Register an alarm device for a resident; returns the device and its new secret (shown once)."""
    device_id = device_id.strip()
    if not device_id or len(device_id) > 64:
        raise DomainError("alarm_device_id", _("Please enter the device's id."), field="device_id")
    if Device.objects.filter(device_id=device_id).exists():
        raise DomainError("alarm_device_taken", _("This device is already registered."), field="device_id")
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        device = Device.objects.create(
            device_id=device_id,
            resident=resident,
            area_code=resident.area.code,
            secret=secret,
            label=label.strip()[:100],
        )
        record_audit_event(
            actor=actor,
            action="alarms.register_device",
            object_type="alarm_device",
            object_id=device.pk,
            area_code=device.area_code,
        )
    return device, secret


def deactivate_device(*, actor: Any, device: Device) -> Device:
    with transaction.atomic():
        device.is_active = False
        device.save(update_fields=["is_active"])
        record_audit_event(
            actor=actor,
            action="alarms.deactivate_device",
            object_type="alarm_device",
            object_id=device.pk,
            area_code=device.area_code,
        )
    return device


def token_hash(token: str) -> str:
    """The stored form of an acknowledgement link's token."""
    return blind_index(token, context="alarm.ack_token")


def prune_webhook_records(*, now: dt.datetime | None = None) -> int:
    """Forget device nonces older than a day (a message that old is refused by its timestamp anyway) and
    inbound SMS ids older than 30 days; returns how many rows went. A periodic job."""
    from linli.alarms.models import DeviceNonce, InboundSms

    now = now or timezone.now()
    nonces, _ = DeviceNonce.objects.filter(received_at__lt=now - dt.timedelta(days=1)).delete()
    messages, _ = InboundSms.objects.filter(received_at__lt=now - dt.timedelta(days=30)).delete()
    return nonces + messages
