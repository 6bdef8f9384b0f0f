"""Registering many households at once (imports, the demo district): the same rules as one at a time, in bulk.

Every row is checked before anything is written, so a bad row leaves the database untouched. Rows are
then written with ``bulk_create`` in batches inside one transaction; the personal fields are encrypted by
their model field as each batch is inserted, and the blind indexes are the ones ``services`` computes.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.errors import DomainError
from linli.core.idnumbers import parse_id_number
from linli.core.models import CODE_LENGTH, Area, AreaLevel
from linli.core.phones import normalize_mobile
from linli.core.phones import phone_blind_index as phone_index
from linli.core.services import record_audit_event
from linli.registry.choices import ETHNICITIES, TAG_LEVELS, HukouStatus, Relation, ResidenceStatus, Sex, Tag
from linli.registry.imports import ProvenanceRow, append_provenance
from linli.registry.models import (
    Building,
    Household,
    Resident,
    ResidentChange,
    TagAssignment,
)
from linli.registry.services import TRACKED_FIELDS, field_text, id_number_index

# Households written per round trip group; each group's residents, provenance and tags follow it, which
# keeps memory flat however large the input is.
HOUSEHOLD_BATCH = 2000
INSERT_BATCH = 1000
# Existing ID numbers are looked up this many at a time (below SQLite's variable limit).
LOOKUP_BATCH = 500

ETHNICITY_CODES = frozenset(code for code, _label in ETHNICITIES)


@dataclass(frozen=True)
class BuildingSpec:
    """A building not yet in the registry; households naming an equal spec share one new building."""

    area: Area
    name: str
    address: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class TagSpec:
    tag: str
    source: str
    valid_from: dt.date
    valid_to: dt.date | None = None
    level: int | None = None


@dataclass(frozen=True)
class MemberSpec:
    name: str
    relation_to_head: str
    id_number: str = ""
    phone: str = ""
    hukou_status: str = HukouStatus.REGISTERED
    ethnicity: str = "01"
    residence_status: str = ResidenceStatus.LIVING_HERE
    # Only used when there is no ID number; otherwise both are read from it.
    birth_date: dt.date | None = None
    sex: str = ""
    tags: Sequence[TagSpec] = ()


@dataclass(frozen=True)
class HouseholdSpec:
    building: Building | BuildingSpec
    room: str
    members: Sequence[MemberSpec]


@dataclass(frozen=True)
class BulkResult:
    buildings: int
    households: int
    residents: int
    tags: int
    household_ids: list[int] = field(repr=False)


@dataclass
class _CheckedMember:
    spec: MemberSpec
    name: str
    id_number: str
    id_index: str
    legacy: bool
    birth_date: dt.date | None
    sex: str
    phone: str
    phone_index: str


def _located(error: DomainError, household: int, member: int | None = None) -> DomainError:
    # Positions are 1-based, as a person counts the rows of a list.
    if member is None:
        where = _("Household %(household)d") % {"household": household + 1}
    else:
        where = _("Household %(household)d, member %(member)d") % {
            "household": household + 1,
            "member": member + 1,
        }
    # Translators: where the problem is in the list, then what the problem is.
    message = _("%(where)s: %(message)s") % {"where": where, "message": error.message}
    return DomainError(error.code, message, field=error.field)


def _check_tags(tags: Sequence[TagSpec]) -> None:
    """The rules of ``services.add_tag``, applied before writing."""
    seen: set[str] = set()
    for tag in tags:
        if tag.tag not in Tag.values:
            raise DomainError("unknown_tag", _("Unknown tag."), field="tag")
        if tag.tag in seen:
            raise DomainError("tag_already_open", _("This resident already has this tag."), field="tag")
        seen.add(tag.tag)
        levels = TAG_LEVELS.get(tag.tag)
        if levels is not None and tag.level not in levels:
            raise DomainError(
                "tag_level_required",
                _("Please choose a level from %(low)d to %(high)d.")
                % {"low": levels.start, "high": levels.stop - 1},
                field="level",
            )
        if levels is None and tag.level is not None:
            raise DomainError("tag_level_not_allowed", _("This tag has no level."), field="level")
        if tag.valid_to is not None and tag.valid_to < tag.valid_from:
            raise DomainError(
                "tag_dates_reversed", _("The end date is before the start date."), field="valid_to"
            )
        if not tag.source.strip():
            raise DomainError(
                "tag_source_required", _("Please say where this fact comes from."), field="source"
            )


def _check_member(spec: MemberSpec, today: dt.date) -> _CheckedMember:
    name = spec.name.strip()
    if not name:
        raise DomainError("name_required", _("Please enter the name."), field="name")
    if spec.relation_to_head not in Relation.values:
        raise DomainError("unknown_relation", _("Unknown relation to the head."), field="relation_to_head")
    if spec.hukou_status not in HukouStatus.values:
        raise DomainError("unknown_hukou_status", _("Unknown hukou status."), field="hukou_status")
    if spec.residence_status not in ResidenceStatus.values:
        raise DomainError(
            "unknown_residence_status", _("Unknown residence status."), field="residence_status"
        )
    if spec.ethnicity not in ETHNICITY_CODES:
        raise DomainError("unknown_ethnicity", _("Unknown ethnic group."), field="ethnicity")
    if spec.sex and spec.sex not in Sex.values:
        raise DomainError("unknown_sex", _("Unknown sex."), field="sex")
    checked = _CheckedMember(
        spec=spec,
        name=name,
        id_number="",
        id_index="",
        legacy=False,
        birth_date=spec.birth_date,
        sex=spec.sex,
        phone="",
        phone_index="",
    )
    if spec.id_number.strip():
        parsed = parse_id_number(spec.id_number, today=today)
        checked.id_number = parsed.number
        checked.id_index = id_number_index(parsed.number)
        checked.legacy = parsed.legacy
        checked.birth_date = parsed.birth_date
        checked.sex = parsed.sex
    if spec.phone.strip():
        checked.phone = normalize_mobile(spec.phone)
        checked.phone_index = phone_index(checked.phone)
    _check_tags(spec.tags)
    return checked


def _check_households(
    households: Sequence[HouseholdSpec],
) -> tuple[list[list[_CheckedMember]], dict[str, tuple[int, int]]]:
    """Every rule that needs no database, with the position of each ID number's blind index."""
    today = dt.date.today()  # noqa: DTZ011 - a calendar date, compared with birth dates
    checked: list[list[_CheckedMember]] = []
    index_position: dict[str, tuple[int, int]] = {}
    for h, household in enumerate(households):
        if not household.members:
            raise _located(DomainError("household_empty", _("A household has at least one member.")), h)
        heads = sum(1 for m in household.members if m.relation_to_head == Relation.HEAD)
        if heads != 1:
            raise _located(
                DomainError(
                    "household_needs_one_head",
                    _("A household has exactly one head."),
                    field="relation_to_head",
                ),
                h,
            )
        building = household.building
        area = building.area if isinstance(building, BuildingSpec) else None
        if isinstance(building, Building) and building.pk is None:
            raise _located(DomainError("building_not_saved", _("The building is not registered.")), h)
        if area is not None and (area.pk is None or area.level not in (AreaLevel.GRID, AreaLevel.COMMUNITY)):
            raise _located(
                DomainError(
                    "building_area_invalid", _("A building lies in a grid or a community."), field="area"
                ),
                h,
            )
        members: list[_CheckedMember] = []
        for m, spec in enumerate(household.members):
            try:
                member = _check_member(spec, today)
            except DomainError as exc:
                raise _located(exc, h, m) from exc
            if member.id_index:
                if member.id_index in index_position:
                    raise _located(
                        DomainError(
                            "duplicate_id_number",
                            _("This ID number appears twice in the list."),
                            field="id_number",
                        ),
                        h,
                        m,
                    )
                index_position[member.id_index] = (h, m)
            members.append(member)
        checked.append(members)
    return checked, index_position


def _ensure_not_registered(index_position: dict[str, tuple[int, int]]) -> None:
    indexes = list(index_position)
    for start in range(0, len(indexes), LOOKUP_BATCH):
        clash = (
            Resident.objects.filter(id_number_index__in=indexes[start : start + LOOKUP_BATCH])
            .values_list("id_number_index", flat=True)
            .first()
        )
        if clash is not None:
            h, m = index_position[clash]
            raise _located(
                DomainError(
                    "duplicate_id_number",
                    _("A resident with this ID number is already registered."),
                    field="id_number",
                ),
                h,
                m,
            )


def _common_area_code(codes: set[str]) -> str:
    """The deepest area containing all the given codes (for the audit row), or "" if none."""
    if not codes:
        return ""
    first, last = min(codes), max(codes)
    # The common prefix of the smallest and largest strings is the common prefix of them all.
    common = next(
        (i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), min(len(first), len(last))
    )
    prefix = first[:common]
    lengths = sorted(CODE_LENGTH.values(), reverse=True)
    return next((prefix[:n] for n in lengths if len(prefix) >= n), "")


def _create_buildings(households: Sequence[HouseholdSpec]) -> tuple[dict[BuildingSpec, Building], int]:
    new: dict[BuildingSpec, Building] = {}
    for household in households:
        spec = household.building
        if isinstance(spec, BuildingSpec) and spec not in new:
            new[spec] = Building(
                area=spec.area,
                name=spec.name,
                address=spec.address,
                latitude=spec.latitude,
                longitude=spec.longitude,
            )
    Building.objects.bulk_create(new.values(), batch_size=INSERT_BATCH)
    return new, len(new)


def _write_group(
    group: Sequence[HouseholdSpec],
    checked: Sequence[list[_CheckedMember]],
    buildings: dict[BuildingSpec, Building],
    *,
    source: str,
    recorded_by: Any,
) -> tuple[list[Household], int, int]:
    households = []
    for household_spec in group:
        place = household_spec.building
        building = buildings[place] if isinstance(place, BuildingSpec) else place
        households.append(
            Household(area_id=building.area_id, building=building, room=household_spec.room.strip())
        )
    Household.objects.bulk_create(households, batch_size=INSERT_BATCH)

    residents: list[Resident] = []
    heads: dict[int, Resident] = {}
    for household, members in zip(households, checked, strict=True):
        for member in members:
            spec = member.spec
            resident = Resident(
                area_id=household.area_id,
                household=household,
                relation_to_head=spec.relation_to_head,
                name=member.name,
                id_number=member.id_number,
                id_number_index=member.id_index,
                id_number_is_legacy=member.legacy,
                birth_date=member.birth_date,
                sex=member.sex,
                phone=member.phone,
                phone_index=member.phone_index,
                hukou_status=spec.hukou_status,
                ethnicity=spec.ethnicity,
                residence_status=spec.residence_status,
            )
            residents.append(resident)
            if spec.relation_to_head == Relation.HEAD:
                heads[id(household)] = resident
    Resident.objects.bulk_create(residents, batch_size=INSERT_BATCH)

    # Each household's head is the member registered as head (exactly one, checked above).
    head = Resident.objects.filter(household_id=OuterRef("pk"), relation_to_head=Relation.HEAD).values("pk")[
        :1
    ]
    Household.objects.filter(pk__in=[h.pk for h in households]).update(head_id=Subquery(head))

    provenance: list[ProvenanceRow] = []
    tags: list[TagAssignment] = []
    changes: list[ResidentChange] = []
    area_codes = dict(Area.objects.filter(pk__in={r.area_id for r in residents}).values_list("pk", "code"))
    now = timezone.now()
    checked_members = (member for members in checked for member in members)
    for resident, member in zip(residents, checked_members, strict=True):
        # The same fields register_resident records: those that hold a value.
        for name in TRACKED_FIELDS:
            value = field_text(resident, name)
            if value:
                provenance.append(ProvenanceRow(resident.pk, name, value, "", True))
        changes.append(
            ResidentChange(
                resident=resident,
                area_code=area_codes[resident.area_id],
                field="created",
                value="",
                source=source,
                changed_at=now,
            )
        )
        for tag in member.spec.tags:
            tags.append(
                TagAssignment(
                    resident=resident,
                    tag=tag.tag,
                    level=tag.level,
                    source=tag.source.strip(),
                    valid_from=tag.valid_from,
                    valid_to=tag.valid_to,
                    set_by=recorded_by,
                )
            )
    append_provenance(provenance, source=source, recorded_by_id=recorded_by.pk if recorded_by else None)
    ResidentChange.objects.bulk_create(changes, batch_size=INSERT_BATCH)
    TagAssignment.objects.bulk_create(tags, batch_size=INSERT_BATCH)
    return households, len(residents), len(tags)


def bulk_register_households(*, actor: Any, households: list[HouseholdSpec], source: str) -> BulkResult:
    """Register many households with their members and tags; one invalid or already registered ID number,
    phone, tag or missing head rejects the whole list and nothing is written."""
    source = source.strip()
    if not source:
        raise DomainError("source_required", _("Please say where these records come from."), field="source")
    checked, index_position = _check_households(households)
    recorded_by = actor if actor is not None and actor.is_authenticated else None
    household_ids: list[int] = []
    resident_count = tag_count = 0
    with transaction.atomic():
        _ensure_not_registered(index_position)
        buildings, building_count = _create_buildings(households)
        for start in range(0, len(households), HOUSEHOLD_BATCH):
            written, residents, tags = _write_group(
                households[start : start + HOUSEHOLD_BATCH],
                checked[start : start + HOUSEHOLD_BATCH],
                buildings,
                source=source,
                recorded_by=recorded_by,
            )
            household_ids += [household.pk for household in written]
            resident_count += residents
            tag_count += tags
        existing_area_ids = {h.building.area_id for h in households if isinstance(h.building, Building)}
        areas = {spec.area.code for spec in buildings} | set(
            Area.objects.filter(pk__in=existing_area_ids).values_list("code", flat=True)
        )
        record_audit_event(
            actor=actor,
            action="household.bulk_registered",
            object_type="household",
            area_code=_common_area_code(areas),
            data={
                "source": source,
                "buildings": building_count,
                "households": len(household_ids),
                "residents": resident_count,
                "tags": tag_count,
            },
        )
    return BulkResult(
        buildings=building_count,
        households=len(household_ids),
        residents=resident_count,
        tags=tag_count,
        household_ids=household_ids,
    )
