"""Service desk endpoints of /api/v1/services: the same services, selectors and scope rules as the screens."""

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from linli.accounts.access import has_capability
from linli.accounts.roles import Capability
from linli.core.errors import DomainError
from linli.core.phones import mask_phone
from linli.registry.access import access_resident
from linli.servicedesk import selectors, services
from linli.servicedesk.access import access_case, has_case_capability
from linli.servicedesk.models import Case, Channel, Queue

router = Router(tags=["servicedesk"])


class FieldOut(Schema):
    code: str
    label: str
    datatype: str
    required: bool
    values: list[dict[str, str]]


class ItemOut(Schema):
    code: str
    name: str
    name_en: str
    category: str
    department: str
    sla_amount: int
    sla_unit: str
    channels: list[str]
    is_proactive: bool
    is_location_based: bool
    fields: list[FieldOut]


class CaseOut(Schema):
    id: int
    number: str
    item: str
    status: str
    channel: str
    area_code: str
    queue: str
    handler_id: int | None
    requester_name: str
    requester_phone_masked: str
    submitted_at: dt.datetime
    due_at: dt.datetime
    closed_at: dt.datetime | None
    answers: dict[str, Any]


class EventOut(Schema):
    at: dt.datetime
    action: str
    from_status: str
    to_status: str
    note: str


class CaseDetailOut(CaseOut):
    history: list[EventOut]


class CaseIn(Schema):
    item: str = Field(..., max_length=48)
    resident_id: int
    channel: Channel = Channel.WINDOW
    answers: dict[str, Any] = {}
    description: str = Field("", max_length=2000)
    consent_method: str = Field("", max_length=16)
    consent_note: str = Field("", max_length=200)


class TransitionIn(Schema):
    action: str = Field(..., max_length=24)
    note: str = Field("", max_length=2000)
    queue: str = Field("", max_length=48)


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None


def case_out(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "item": case.item.code,
        "status": case.status,
        "channel": case.channel,
        "area_code": case.area_code,
        "queue": case.queue.code,
        "handler_id": case.handler_id,
        "requester_name": case.requester_name,
        "requester_phone_masked": mask_phone(case.requester_phone) if case.requester_phone else "",
        "submitted_at": case.submitted_at,
        "due_at": case.due_at,
        "closed_at": case.closed_at,
        "answers": case.answers,
    }


@router.get("/items", response=list[ItemOut], auth=None, summary="The service catalogue")
def list_service_items(request: HttpRequest) -> list[dict[str, Any]]:
    """Active items with their typed form fields; public, like the catalogue page."""
    items = selectors.catalogue()
    return [
        {
            "code": item.code,
            "name": item.name,
            "name_en": item.name_en,
            "category": item.category,
            "department": item.department,
            "sla_amount": item.sla_amount,
            "sla_unit": item.sla_unit,
            "channels": item.channels,
            "is_proactive": item.is_proactive,
            "is_location_based": item.is_location_based,
            "fields": [
                {
                    "code": f.code,
                    "label": f.label,
                    "datatype": f.datatype,
                    "required": f.required,
                    "values": f.values,
                }
                for f in item.fields.all()
            ],
        }
        for item in items
    ]


@router.get("/cases", response=list[CaseOut], summary="Open cases in scope, the soonest due first")
def list_cases(
    request: HttpRequest, queue: str = "", status: str = "", limit: int = 100
) -> list[dict[str, Any]]:
    if not has_case_capability(request.user, Capability.HANDLE_CASES):
        raise Http404
    cases = selectors.worker_queue(
        user=request.user, queue_code=queue, status=status, limit=max(1, min(limit, 500))
    )
    return [case_out(c) for c in cases]


@router.get("/cases/{case_id}", response=CaseDetailOut)
def get_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    case = access_case(request.user, case_id)
    history = [
        {
            "at": e.at,
            "action": e.action,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "note": e.note,
        }
        for e in selectors.case_history(case=case)
    ]
    return {**case_out(case), "history": history}


@router.post("/cases", response={201: CaseOut, 400: ErrorOut})
def create_case(request: HttpRequest, payload: CaseIn) -> Status[Any]:
    """A case entered by staff for a resident of their area: at the window, or on the resident's behalf."""
    capability = (
        Capability.APPLY_ON_BEHALF if payload.channel == Channel.ON_BEHALF else Capability.HANDLE_CASES
    )
    resident = access_resident(request.user, payload.resident_id, capability=Capability.VIEW_RESIDENTS)
    if payload.channel not in (Channel.WINDOW, Channel.ON_BEHALF):
        raise DomainError(
            "unknown_channel", _("Staff enter cases at the window or on behalf."), field="channel"
        )
    item = selectors.item_by_code(payload.item)
    if item is None:
        raise Http404
    if not has_capability(request.user, capability, resident.area.code):
        raise Http404
    case = services.submit_case(
        actor=request.user,
        item=item,
        answers=payload.answers,
        channel=payload.channel,
        resident=resident,
        description=payload.description,
        consent_method=payload.consent_method,
        consent_note=payload.consent_note,
    )
    return Status(201, case_out(case))


@router.post("/cases/{case_id}/transitions", response={200: CaseOut, 400: ErrorOut})
def act_on_case(request: HttpRequest, case_id: int, payload: TransitionIn) -> dict[str, Any]:
    """Move a case along the transition table (accept, start, request_info, transfer, complete, …)."""
    case = access_case(request.user, case_id)
    target = Queue.objects.filter(code=payload.queue).first() if payload.queue else None
    changed = services.transition_case(
        actor=request.user, case=case, action=payload.action, note=payload.note, queue=target
    )
    return case_out(Case.objects.select_related("item", "queue").get(pk=changed.pk))
