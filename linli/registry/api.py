"""Registry endpoints of /api/v1: the same services, selectors and scope rules as the screens."""

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status
from pydantic import field_validator

from linli.accounts.access import has_capability
from linli.accounts.roles import Capability
from linli.core.errors import DomainError
from linli.core.idnumbers import mask_id_number
from linli.core.phones import mask_phone
from linli.registry import selectors, services
from linli.registry.access import access_building, access_household, access_resident
from linli.registry.choices import ETHNICITIES, HukouStatus, Relation, ResidenceStatus
from linli.registry.models import Household, Resident

router = Router(tags=["registry"])

# GB/T 3304 codes of the 56 ethnic groups, "01" to "56".
ETHNICITY_CODES = frozenset(code for code, _ in ETHNICITIES)


def _known_ethnicity(value: str | None) -> str | None:
    if value is not None and value not in ETHNICITY_CODES:
        raise ValueError("not an ethnic group code of GB/T 3304 (01 to 56)")
    return value


class TagOut(Schema):
    tag: str
    level: int | None
    source: str
    valid_from: dt.date
    valid_to: dt.date | None


class ResidentOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: dt.date | None
    id_number_masked: str
    phone_masked: str
    hukou_status: HukouStatus
    ethnicity: str
    residence_status: ResidenceStatus
    household_id: int | None
    relation_to_head: Relation
    grid_code: str


class ResidentDetailOut(ResidentOut):
    tags: list[TagOut]


class ResidentFields(Schema):
    name: str = Field(..., min_length=1, max_length=64)
    id_number: str = Field("", max_length=24)
    phone: str = Field("", max_length=20)
    hukou_status: HukouStatus = HukouStatus.REGISTERED
    ethnicity: str = "01"

    _ethnicity = field_validator("ethnicity")(_known_ethnicity)
    residence_status: ResidenceStatus = ResidenceStatus.LIVING_HERE


class ResidentIn(ResidentFields):
    household_id: int
    relation_to_head: Relation = Relation.OTHER


class ResidentPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=64)
    id_number: str | None = Field(None, max_length=24)
    phone: str | None = Field(None, max_length=20)
    hukou_status: HukouStatus | None = None
    ethnicity: str | None = None

    _ethnicity = field_validator("ethnicity")(_known_ethnicity)
    residence_status: ResidenceStatus | None = None


class RevealIn(Schema):
    field: str = Field(..., pattern="^(id_number|phone)$")
    reason: str = Field(..., min_length=2, max_length=200)


class RevealOut(Schema):
    field: str
    value: str


class HouseholdOut(Schema):
    id: int
    building_id: int
    address: str
    room: str
    head_id: int | None
    grid_code: str
    member_ids: list[int]


class HouseholdIn(Schema):
    building_id: int
    room: str = Field("", max_length=32)
    head: ResidentFields


class HouseholdPatch(Schema):
    room: str | None = Field(None, max_length=32)
    head_id: int | None = None


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None


def resident_out(resident: Resident) -> dict[str, Any]:
    return {
        "id": resident.pk,
        "name": resident.name,
        "sex": resident.sex,
        "birth_date": resident.birth_date,
        "id_number_masked": mask_id_number(resident.id_number) if resident.id_number else "",
        "phone_masked": mask_phone(resident.phone) if resident.phone else "",
        "hukou_status": resident.hukou_status,
        "ethnicity": resident.ethnicity,
        "residence_status": resident.residence_status,
        "household_id": resident.household_id,
        "relation_to_head": resident.relation_to_head,
        "grid_code": resident.area.code,
    }


def household_out(household: Household) -> dict[str, Any]:
    return {
        "id": household.pk,
        "building_id": household.building_id,
        "address": household.building.address,
        "room": household.room,
        "head_id": household.head_id,
        "grid_code": household.area.code,
        "member_ids": sorted(member.pk for member in household.members.all()),
    }


def _require(request: HttpRequest, capability: Capability) -> None:
    if not has_capability(request.user, capability):
        raise Http404


@router.get("/residents", response=list[ResidentOut], summary="Search residents in scope")
def search_residents(request: HttpRequest, q: str = "", limit: int = 50) -> list[dict[str, Any]]:
    """Exact ID number or phone (through the blind index), or a name prefix. At most 200 results."""
    _require(request, Capability.VIEW_RESIDENTS)
    found = selectors.search_residents(user=request.user, query=q, limit=max(1, min(limit, 200)))
    return [resident_out(r) for r in found]


@router.get("/residents/{resident_id}", response=ResidentDetailOut)
def get_resident(request: HttpRequest, resident_id: int) -> dict[str, Any]:
    resident = access_resident(request.user, resident_id)
    tags = [t for t in selectors.resident_detail(resident=resident)["tags"] if t.ended_at is None]
    return {**resident_out(resident), "tags": tags}


@router.post("/residents", response={201: ResidentOut, 400: ErrorOut})
def create_resident(request: HttpRequest, payload: ResidentIn) -> Status[Any]:
    household = access_household(request.user, payload.household_id, capability=Capability.EDIT_RESIDENTS)
    data = payload.dict(exclude={"household_id"})
    resident = services.register_resident(actor=request.user, household=household, source="api", **data)
    return Status(201, resident_out(resident))


@router.patch("/residents/{resident_id}", response={200: ResidentOut, 400: ErrorOut})
def update_resident(request: HttpRequest, resident_id: int, payload: ResidentPatch) -> dict[str, Any]:
    resident = access_resident(request.user, resident_id, capability=Capability.EDIT_RESIDENTS)
    changes = payload.dict(exclude_unset=True)
    if any(v is None for v in changes.values()):
        raise DomainError("null_value", _("Fields may be changed, not set to null."))
    return resident_out(
        services.update_resident(actor=request.user, resident=resident, changes=changes, source="api")
    )


@router.post("/residents/{resident_id}/reveal", response={200: RevealOut, 400: ErrorOut})
def reveal(request: HttpRequest, resident_id: int, payload: RevealIn) -> dict[str, Any]:
    """The ID number or phone in clear, with a reason; written to the audit log."""
    resident = access_resident(request.user, resident_id, capability=Capability.REVEAL_PERSONAL_DATA)
    value = services.reveal_personal_data(
        actor=request.user, resident=resident, field=payload.field, reason=payload.reason
    )
    return {"field": payload.field, "value": value}


@router.get("/households", response=list[HouseholdOut])
def list_households(request: HttpRequest, offset: int = 0, limit: int = 50) -> list[dict[str, Any]]:
    _require(request, Capability.VIEW_RESIDENTS)
    households = (
        selectors.households_in_scope(user=request.user)
        .select_related("area", "building")
        .prefetch_related("members")
        .order_by("id")[max(offset, 0) : max(offset, 0) + max(1, min(limit, 200))]
    )
    return [household_out(h) for h in households]


@router.get("/households/{household_id}", response=HouseholdOut)
def get_household(request: HttpRequest, household_id: int) -> dict[str, Any]:
    return household_out(access_household(request.user, household_id))


@router.post("/households", response={201: HouseholdOut, 400: ErrorOut})
def create_household(request: HttpRequest, payload: HouseholdIn) -> Status[Any]:
    building = access_building(request.user, payload.building_id)
    household = services.create_household(
        actor=request.user, building=building, room=payload.room, head=payload.head.dict(), source="api"
    )
    return Status(201, household_out(household))


@router.patch("/households/{household_id}", response={200: HouseholdOut, 400: ErrorOut})
def update_household(request: HttpRequest, household_id: int, payload: HouseholdPatch) -> dict[str, Any]:
    household = access_household(request.user, household_id, capability=Capability.EDIT_RESIDENTS)
    head = None
    if payload.head_id is not None:
        head = Resident.objects.filter(pk=payload.head_id, household=household).first()
        if head is None:
            raise DomainError(
                "head_not_member", _("The head must be a member of the household."), field="head_id"
            )
    updated = services.update_household(
        actor=request.user,
        household=household,
        room=payload.room if payload.room is not None else household.room,
        head=head,
    )
    return household_out(updated)
