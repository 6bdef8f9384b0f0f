"""Writes of the service desk: submit, route, move through the workflow, rate, rectify, proactive cases.

Contract for other channels (Open311 and the like): ``submit_case`` creates the case synchronously, in one
transaction, and returns it: the case number is the Open311 ``service_request_id``; there are no
pending tokens. ``transition_case`` is the one place that changes a case's status.
"""

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, override
from django.utils.translation import gettext_lazy as _

from linli.accounts.access import has_capability
from linli.accounts.roles import Capability
from linli.core.errors import DomainError
from linli.core.idnumbers import parse_id_number
from linli.core.models import Area
from linli.core.phones import normalize_mobile
from linli.core.services import queue_sms, record_audit_event
from linli.registry.models import Resident
from linli.servicedesk import sla
from linli.servicedesk.access import may_on_case
from linli.servicedesk.eligibility import parse_rule
from linli.servicedesk.models import (
    Case,
    CaseEvent,
    CaseFile,
    CaseStatus,
    Channel,
    FieldType,
    FormField,
    Material,
    Prefill,
    Queue,
    RoutingRule,
    ServiceItem,
)
from linli.servicedesk.selectors import area_for_location, facts_for, known_facts, working_calendar
from linli.servicedesk.workflow import ACTION_LABELS, TRANSITIONS

if TYPE_CHECKING:
    Upload = UploadedFile[bytes]
else:
    Upload = UploadedFile

# --- routing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    queue: Queue
    handler: Any | None
    rule_id: int | None


def route_case(*, item: ServiceItem, area_code: str, description: str) -> Route:
    """The queue and handler for a new case: the first active rule (by priority) whose item, area prefix
    and keywords all match; without one, the item's own queue and no handler yet."""
    text = description or ""
    for rule in RoutingRule.objects.filter(is_active=True).select_related("queue", "handler"):
        if rule.item_id is not None and rule.item_id != item.pk:
            continue
        if rule.area_prefix and not area_code.startswith(rule.area_prefix):
            continue
        keywords = [k.strip() for k in rule.keywords.replace("，", ",").split(",") if k.strip()]
        if keywords and not any(k in text for k in keywords):
            continue
        return Route(queue=rule.queue, handler=rule.handler, rule_id=rule.pk)
    return Route(queue=item.queue, handler=None, rule_id=None)


# --- answers and files ----------------------------------------------------------------------------


def clean_answers(
    item: ServiceItem, answers: Mapping[str, Any], *, skip: Iterable[str] = ()
) -> dict[str, Any]:
    """Check answers against the item's typed fields: required ones given, numbers, dates and choices valid.

    Files are materials, not answers. Unknown keys are dropped. Raises DomainError naming the field.
    """
    skipped = set(skip)
    cleaned: dict[str, Any] = {}
    fields: list[FormField] = list(item.fields.all())
    for form_field in fields:
        if form_field.datatype == FieldType.FILE or form_field.code in skipped:
            continue
        raw = answers.get(form_field.code)
        empty = raw is None or raw == "" or raw == [] or (isinstance(raw, str) and not raw.strip())
        if empty:
            if form_field.required:
                raise DomainError(
                    "answer_required",
                    _("Please answer: %(label)s") % {"label": form_field.label},
                    field=form_field.code,
                )
            continue
        cleaned[form_field.code] = _clean_value(form_field, raw)
    return cleaned


def _clean_value(form_field: FormField, raw: Any) -> Any:
    keys = [str(v.get("key")) for v in form_field.values]
    if form_field.datatype == FieldType.NUMBER:
        try:
            number = Decimal(str(raw).strip())
        except InvalidOperation as exc:
            raise DomainError(
                "answer_not_a_number", _("Please enter a number."), field=form_field.code
            ) from exc
        return int(number) if number == number.to_integral_value() else float(number)
    if form_field.datatype == FieldType.DATE:
        try:
            return dt.date.fromisoformat(str(raw).strip()[:10]).isoformat()
        except ValueError as exc:
            raise DomainError("answer_not_a_date", _("Please enter a date."), field=form_field.code) from exc
    if form_field.datatype == FieldType.SINGLE:
        value = str(raw[0] if isinstance(raw, list | tuple) and raw else raw)
        if value not in keys:
            raise DomainError(
                "answer_not_a_choice", _("Please choose one of the options."), field=form_field.code
            )
        return value
    if form_field.datatype == FieldType.MULTIPLE:
        values = [str(v) for v in (raw if isinstance(raw, list | tuple) else [raw])]
        if any(v not in keys for v in values):
            raise DomainError(
                "answer_not_a_choice", _("Please choose from the options."), field=form_field.code
            )
        return values
    text = str(raw).strip()
    limit = 2000 if form_field.datatype == FieldType.LONG_TEXT else 200
    if len(text) > limit:
        raise DomainError("answer_too_long", _("This answer is too long."), field=form_field.code)
    return text


# Content sniffing: a file is what its first bytes say, whatever its name.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
_EXTENSIONS = {"pdf": {"pdf"}, "png": {"png"}, "jpg": {"jpg", "jpeg"}}


def max_upload_bytes() -> int:
    return int(getattr(settings, "LINLI_CASE_FILE_MAX_BYTES", 10 * 1024 * 1024))


def sniff_upload(upload: Upload) -> str:
    """The content type of an upload (pdf, jpg or png), checked by its first bytes, its name and its size."""
    size = upload.size or 0
    if size > max_upload_bytes():
        raise DomainError(
            "file_too_large",
            _("The file is larger than %(mb)d MB.") % {"mb": max_upload_bytes() // (1024 * 1024)},
            field="files",
        )
    if size == 0:
        raise DomainError("file_empty", _("The file is empty."), field="files")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    extension = (upload.name or "").rsplit(".", 1)[-1].lower() if "." in (upload.name or "") else ""
    for signature, content_type, kind in _SIGNATURES:
        if head.startswith(signature):
            if extension and extension not in _EXTENSIONS[kind]:
                break
            return content_type
    raise DomainError("file_type", _("Please upload a PDF, JPG or PNG file."), field="files")


def _attach_files(
    case: Case, files: Sequence[tuple[Material | None, Upload]], *, actor: Any, now: dt.datetime
) -> list[CaseFile]:
    stored: list[CaseFile] = []
    for material, upload in files:
        content_type = sniff_upload(upload)
        if material is not None and material.item_id != case.item_id:
            raise DomainError("file_material", _("This material belongs to another service."), field="files")
        stored.append(
            CaseFile.objects.create(
                case=case,
                material=material,
                file=upload,
                original_name=(upload.name or "file")[-200:],
                content_type=content_type,
                size=upload.size or 0,
                uploaded_at=now,
                uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        )
    return stored


# --- messages -------------------------------------------------------------------------------------


def _case_phone(case: Case) -> str:
    if case.requester_phone:
        return str(case.requester_phone)
    if case.resident_id is not None and case.resident is not None:
        return str(case.resident.phone)
    return ""


def notify_requester(case: Case, key: str, message: Any, **params: Any) -> None:
    """An SMS to the person behind the case, once per ``key`` (the outbox deduplicates it)."""
    phone = _case_phone(case)
    if not phone:
        return
    with override(settings.LANGUAGE_CODE):
        body = str(gettext(message)) % {"number": case.number, "item": case.item.name, **params}
    queue_sms(phone=phone, body=body, purpose=f"case_{key}", idempotency_key=f"case:{case.pk}:{key}")


# --- submit ---------------------------------------------------------------------------------------


def _account_owns(actor: Any, resident: Resident) -> bool:
    return (
        bool(actor.phone_index)
        and resident.phone_index == actor.phone_index
        and resident.merged_into_id is None
    )


def _eligible(item: ServiceItem, resident: Resident, now: dt.datetime) -> bool:
    rule = parse_rule(item.eligibility_rule)
    return rule.tree is None or rule.evaluate(facts_for(resident, today=now.astimezone(sla.LOCAL).date()))


def case_number(case: Case) -> str:
    local = case.submitted_at.astimezone(sla.LOCAL)
    return f"{local:%Y%m%d}{case.pk:07d}"


@transaction.atomic
def submit_case(
    *,
    actor: Any,
    item: ServiceItem,
    answers: Mapping[str, Any],
    channel: str,
    description: str = "",
    resident: Resident | None = None,
    requester_name: str = "",
    requester_phone: str = "",
    requester_email: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    address_string: str = "",
    address_id: str = "",
    media_url: str = "",
    area: Area | None = None,
    files: Sequence[tuple[Material | None, Upload]] = (),
    consent_method: str = "",
    consent_note: str = "",
    now: dt.datetime | None = None,
) -> Case:
    """File a case: check channel, eligibility and answers, route it, start its SLA, tell the requester.

    - ``online``: a resident's account applies for a person behind its phone (``resident``).
    - ``on_behalf`` (代办): a worker with APPLY_ON_BEHALF over the resident's area, with the consent recorded.
    - ``window``: a worker with HANDLE_CASES enters it at the desk.
    - ``open311``: a report at a place, ``actor`` may be None; the area is ``area`` or the nearest one.
    Pre-filled answers from the golden record are the caller's; answers are checked against the fields.
    """
    now = now or timezone.now()
    if channel not in Channel.values:
        raise DomainError("unknown_channel", _("Unknown channel."), field="channel")
    if not item.is_active or not item.accepts(channel):
        raise DomainError(
            "channel_not_accepted", _("This service cannot be applied for this way."), field="item"
        )
    is_staff = getattr(actor, "kind", None) == "staff" and actor.is_authenticated
    if channel == Channel.ONLINE:
        if getattr(actor, "kind", None) != "resident":
            raise DomainError("online_is_for_residents", _("Online applications are made by residents."))
        if resident is not None and not _account_owns(actor, resident):
            raise DomainError("not_your_record", _("You can apply only for yourself."), field="resident")
    if channel in (Channel.ON_BEHALF, Channel.WINDOW) and not is_staff:
        raise DomainError("staff_only", _("Only staff can enter this application."))
    if channel == Channel.ON_BEHALF:
        if resident is None:
            raise DomainError("resident_required", _("Choose the resident."), field="resident")
        if not consent_method:
            raise DomainError(
                "consent_required",
                _("Record how the resident agreed to the application."),
                field="consent_method",
            )
    # A report is about its place; an application is about the person, in the person's area.
    if item.is_location_based and area is None and latitude is not None and longitude is not None:
        area = area_for_location(latitude=latitude, longitude=longitude)
    if resident is not None and (area is None or not item.is_location_based):
        area = resident.area
    if area is None:
        raise DomainError(
            "case_needs_area", _("Where is this? Give the address or the place."), field="address"
        )
    if channel == Channel.ON_BEHALF and not has_capability(actor, Capability.APPLY_ON_BEHALF, area.code):
        raise DomainError("not_in_your_area", _("This resident is not in your area."), field="resident")
    if channel == Channel.WINDOW and not has_capability(actor, Capability.HANDLE_CASES, area.code):
        raise DomainError("not_in_your_area", _("This place is not in your area."), field="resident")
    if item.is_location_based and latitude is None and not address_string.strip() and resident is None:
        raise DomainError(
            "case_needs_place", _("Where is it? Give the address or the place."), field="address"
        )
    if resident is not None and not _eligible(item, resident, now):
        raise DomainError(
            "not_eligible",
            _("According to our records you do not meet the conditions: %(who)s")
            % {"who": item.eligibility_text or item.name},
            field="item",
        )
    known = known_facts(item=item, resident=resident) if resident is not None else {}
    cleaned = clean_answers(item, answers, skip=known)
    # Personal answers never sit in the answers in clear: they go to the encrypted requester fields.
    id_number = ""
    for form_field in item.fields.all():
        if form_field.code not in cleaned:
            continue
        if form_field.prefill == Prefill.PHONE:
            requester_phone = requester_phone or str(cleaned.pop(form_field.code))
        elif form_field.prefill == Prefill.ID_NUMBER:
            id_number = str(cleaned.pop(form_field.code))
        elif form_field.prefill == Prefill.NAME:
            requester_name = requester_name or str(cleaned.pop(form_field.code))
    if id_number:
        id_number = parse_id_number(id_number).number
    for material in item.materials.all():
        if material.required and channel in (Channel.ONLINE,) and not any(m == material for m, _f in files):
            raise DomainError(
                "material_required", _("Please upload: %(name)s") % {"name": material.name}, field="files"
            )
    phone = requester_phone.strip()
    if phone:
        phone = normalize_mobile(phone)
    elif channel == Channel.ONLINE and actor.phone:
        phone = str(actor.phone)
    name = requester_name.strip() or (resident.name if resident is not None else "")
    route = route_case(item=item, area_code=area.code, description=description)
    calendar = working_calendar()
    due, guessed = sla.due_time_or_guess(
        now, item.sla_amount, item.sla_unit, calendar.overrides, covered_until=calendar.covered_until
    )
    case = Case.objects.create(
        number=f"new-{secrets.token_hex(8)}",
        item=item,
        status=CaseStatus.SUBMITTED,
        channel=channel,
        area=area,
        area_code=area.code,
        department=item.department,
        queue=route.queue,
        handler=route.handler,
        resident=resident,
        account=actor if channel == Channel.ONLINE else None,
        submitted_by=actor if is_staff else None,
        requester_name=name[:64],
        requester_phone=phone,
        requester_email=requester_email.strip()[:200],
        requester_id_number=id_number,
        description=description.strip(),
        answers=cleaned,
        latitude=latitude,
        longitude=longitude,
        address_string=address_string.strip()[:200],
        address_id=address_id.strip()[:64],
        media_url=media_url.strip()[:500],
        consent_method=consent_method[:16],
        consent_note=consent_note.strip()[:200],
        submitted_at=now,
        updated_at=now,
        due_at=due,
    )
    case.number = case_number(case)
    case.save(update_fields=["number"])
    _attach_files(case, files, actor=actor, now=now)
    CaseEvent.objects.create(
        case=case,
        at=now,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action="submit",
        to_status=CaseStatus.SUBMITTED,
        data={
            "channel": channel,
            "queue": route.queue.code,
            "rule": route.rule_id,
            "due_at": due.isoformat(),
            **({"calendar_guessed": True} if guessed else {}),
            **({"consent": consent_method} if consent_method else {}),
        },
    )
    record_audit_event(
        actor=actor,
        action="case.submit",
        object_type="case",
        object_id=case.pk,
        area_code=area.code,
        data={
            "item": item.code,
            "channel": channel,
            **({"consent": consent_method} if consent_method else {}),
        },
    )
    notify_requester(
        case,
        "submitted",
        gettext_noop("[Linli] Your application %(number)s (%(item)s) was received. Due by %(due)s."),
        due=f"{due.astimezone(sla.LOCAL):%Y-%m-%d %H:%M}",
    )
    return case


# --- the workflow ---------------------------------------------------------------------------------


_STATUS_MESSAGES: dict[str, str] = {
    "accept": gettext_noop("[Linli] Your application %(number)s (%(item)s) was accepted."),
    "request_info": gettext_noop("[Linli] Your application %(number)s needs more information: %(note)s"),
    "complete": gettext_noop(
        "[Linli] Your application %(number)s (%(item)s) is done. Please rate our service."
    ),
    "reject": gettext_noop("[Linli] Your application %(number)s was not approved: %(note)s"),
    "reopen": gettext_noop("[Linli] Your application %(number)s was reopened."),
}


def actor_may(actor: Any, case: Case, by: frozenset[str]) -> bool:
    if "resident" in by and getattr(actor, "kind", None) == "resident":
        if case.account_id is not None and case.account_id == actor.pk:
            return True
        resident = case.resident
        return bool(resident is not None and actor.phone_index and resident.phone_index == actor.phone_index)
    if "staff" in by and may_on_case(actor, case, Capability.HANDLE_CASES):
        return True
    return "director" in by and may_on_case(actor, case, Capability.REASSIGN_CASES)


@transaction.atomic
def transition_case(
    *,
    actor: Any,
    case: Case,
    action: str,
    note: str = "",
    answers: Mapping[str, Any] | None = None,
    queue: Queue | None = None,
    files: Sequence[tuple[Material | None, Upload]] = (),
    now: dt.datetime | None = None,
) -> Case:
    """Move a case along the transition table, under its row lock, and append the history row.

    Resubmission restarts the time limit (补正后重新计时); reopening gives the full limit again; a transfer
    needs the target queue.
    """
    now = now or timezone.now()
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise DomainError("unknown_action", _("Unknown action."), field="action")
    locked = Case.objects.select_for_update(of=("self",)).select_related("item", "resident").get(pk=case.pk)
    if not actor_may(actor, locked, transition.by):
        raise DomainError("not_allowed", _("You may not do this on this case."), field="action")
    if locked.status not in transition.sources:
        raise DomainError(
            "transition_not_allowed",
            _("This case is %(status)s: “%(action)s” is not possible now.")
            % {"status": locked.get_status_display(), "action": ACTION_LABELS.get(action, action)},
            field="action",
        )
    if transition.note_required and not note.strip():
        raise DomainError("note_required", _("Please give a reason."), field="note")
    previous = locked.status
    update = ["status", "updated_at"]
    data: dict[str, Any] = {}
    if action == "transfer":
        if queue is None or queue.pk == locked.queue_id:
            raise DomainError("transfer_needs_queue", _("Choose another queue."), field="queue")
        data["from_queue"], data["to_queue"] = locked.queue.code, queue.code
        locked.queue = queue
        locked.handler = None
        update += ["queue", "handler"]
    if action == "resubmit" and answers:
        prefilled = [f.code for f in locked.item.fields.all() if f.prefill]
        merged = {**locked.answers, **answers}
        locked.answers = {**locked.answers, **clean_answers(locked.item, merged, skip=prefilled)}
        update.append("answers")
    if action in ("resubmit", "reopen"):
        calendar = working_calendar()
        locked.due_at, _guessed = sla.due_time_or_guess(
            now,
            locked.item.sla_amount,
            locked.item.sla_unit,
            calendar.overrides,
            covered_until=calendar.covered_until,
        )
        locked.escalated_at = None
        update += ["due_at", "escalated_at"]
        data["due_at"] = locked.due_at.isoformat()
    if (
        action in ("accept", "start")
        and locked.handler_id is None
        and getattr(actor, "kind", None) == "staff"
    ):
        locked.handler = actor
        update.append("handler")
    if transition.target in (CaseStatus.DONE, CaseStatus.REJECTED):
        locked.closed_at = now
        update.append("closed_at")
    elif action == "reopen":
        locked.closed_at = None
        update.append("closed_at")
    locked.status = transition.target
    locked.updated_at = now
    locked.save(update_fields=update)
    _attach_files(locked, files, actor=actor, now=now)
    CaseEvent.objects.create(
        case=locked,
        at=now,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_status=previous,
        to_status=locked.status,
        note=note.strip(),
        data=data,
    )
    record_audit_event(
        actor=actor,
        action=f"case.{action}",
        object_type="case",
        object_id=locked.pk,
        area_code=locked.area_code,
        data={"from": previous, "to": locked.status},
    )
    message = _STATUS_MESSAGES.get(action)
    if message:
        count = locked.events.filter(action=action).count()
        notify_requester(locked, f"{action}:{count}", message, note=note.strip()[:60])
    return locked


@transaction.atomic
def assign_case(
    *, actor: Any, case: Case, handler: Any, note: str = "", now: dt.datetime | None = None
) -> Case:
    """Give a case to a handler: a director reassigns in their area; a worker may take a case themselves.

    The handler must be able to handle the case (HANDLE_CASES over its area and department).
    """
    now = now or timezone.now()
    locked = Case.objects.select_for_update().get(pk=case.pk)
    taking = handler is not None and handler.pk == actor.pk
    if not (
        may_on_case(actor, locked, Capability.REASSIGN_CASES)
        or (taking and may_on_case(actor, locked, Capability.HANDLE_CASES))
    ):
        raise DomainError("not_allowed", _("You may not reassign this case."), field="handler")
    if locked.is_closed:
        raise DomainError("case_closed", _("This case is closed."), field="handler")
    if handler is None or not may_on_case(handler, locked, Capability.HANDLE_CASES):
        raise DomainError("handler_out_of_scope", _("This person cannot handle cases here."), field="handler")
    previous = locked.handler_id
    locked.handler = handler
    locked.updated_at = now
    locked.save(update_fields=["handler", "updated_at"])
    CaseEvent.objects.create(
        case=locked,
        at=now,
        actor=actor,
        action="assign",
        from_status=locked.status,
        to_status=locked.status,
        note=note.strip(),
        public=False,
        data={"from_handler": previous, "to_handler": handler.pk},
    )
    record_audit_event(
        actor=actor,
        action="case.assign",
        object_type="case",
        object_id=locked.pk,
        area_code=locked.area_code,
        data={"from": previous, "to": handler.pk},
    )
    return locked


@transaction.atomic
def add_case_note(
    *, actor: Any, case: Case, note: str, public: bool, now: dt.datetime | None = None
) -> CaseEvent:
    """A handler's note on a case (public ones are shown to the resident); the status does not change."""
    now = now or timezone.now()
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if not may_on_case(actor, locked, Capability.HANDLE_CASES):
        raise DomainError("not_allowed", _("You may not do this on this case."))
    if not note.strip():
        raise DomainError("note_required", _("Please write the note."), field="note")
    locked.updated_at = now
    locked.save(update_fields=["updated_at"])
    return CaseEvent.objects.create(
        case=locked,
        at=now,
        actor=actor,
        action="note",
        from_status=locked.status,
        to_status=locked.status,
        note=note.strip(),
        public=public,
    )
