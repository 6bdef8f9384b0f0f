"""The golden record's writes for a department import, in bulk: new residents, values taken, provenance,
the change log and tags. The intake decides what to write (its rules and linkage); the registry writes it.

Values arrive normalised and checked by the import's normaliser; the blind indexes are the services'.
Everything runs inside the caller's transaction (one chunk of an import).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from linli.core.bulkinsert import insert_rows, update_rows
from linli.core.phones import phone_blind_index
from linli.registry.models import FieldProvenance, Resident, ResidentChange, TagAssignment
from linli.registry.services import id_number_index

RESIDENT_COLUMNS = (
    "area",
    "household",
    "relation_to_head",
    "name",
    "id_number",
    "id_number_index",
    "id_number_is_legacy",
    "birth_date",
    "sex",
    "phone",
    "phone_index",
    "hukou_status",
    "ethnicity",
    "residence_status",
    "address",
    "merged_into",
    "created_at",
    "updated_at",
)


@dataclass(slots=True)
class NewResident:
    """A person an import brings in, before insertion: a model instance costs more than the insert itself."""

    area_id: int
    name: str
    relation_to_head: str = "other"
    id_number: str = ""
    id_number_index: str = ""
    id_number_is_legacy: bool = False
    birth_date: dt.date | None = None
    sex: str = ""
    phone: str = ""
    phone_index: str = ""
    hukou_status: str = "registered"
    ethnicity: str = "01"
    residence_status: str = "living_here"
    address: str = ""
    household_id: int | None = None
    pk: int = 0


def set_values(resident: Resident | NewResident, values: dict[str, str]) -> None:
    """Put normalised text values on a resident (not saved), with the blind indexes of ID and phone."""
    for name, value in values.items():
        if name == "id_number":
            resident.id_number = value
            resident.id_number_index = id_number_index(value)
            resident.id_number_is_legacy = len(value) == 15
        elif name == "phone":
            resident.phone = value
            resident.phone_index = phone_blind_index(value)
        elif name == "birth_date":
            resident.birth_date = dt.date.fromisoformat(value)
        else:
            setattr(resident, name, value)


def insert_residents(residents: list[NewResident]) -> None:
    """Insert new residents (no household yet) and give each its id."""
    now = timezone.now()
    ids = insert_rows(
        Resident,
        RESIDENT_COLUMNS,
        (
            (
                r.area_id,
                None,
                r.relation_to_head,
                r.name,
                r.id_number,
                r.id_number_index,
                r.id_number_is_legacy,
                r.birth_date,
                r.sex,
                r.phone,
                r.phone_index,
                r.hukou_status,
                r.ethnicity,
                r.residence_status,
                r.address,
                None,
                now,
                now,
            )
            for r in residents
        ),
        returning_ids=True,
    )
    for resident, pk in zip(residents, ids, strict=True):
        resident.pk = pk


def save_fields(residents: Iterable[tuple[Resident | NewResident, set[str]]]) -> None:
    """Write the changed fields of residents already in the registry, grouped by which fields changed."""
    groups: dict[tuple[str, ...], list[Resident | NewResident]] = defaultdict(list)
    for resident, names in residents:
        changed = set(names)
        if "id_number" in changed:
            changed |= {"id_number_index", "id_number_is_legacy"}
        if "phone" in changed:
            changed.add("phone_index")
        groups[tuple(sorted(changed))].append(resident)
    now = timezone.now()
    for columns, members in groups.items():
        update_rows(
            Resident,
            (*columns, "updated_at"),
            ((r.pk, *(getattr(r, c) for c in columns), now) for r in members),
        )


@dataclass(frozen=True)
class ProvenanceRow:
    resident_id: int
    field: str
    value: str
    source_ref: str
    applied: bool


def append_provenance(rows: list[ProvenanceRow], *, source: str, recorded_by_id: int | None) -> None:
    now = timezone.now()
    insert_rows(
        FieldProvenance,
        ("resident", "field", "value", "source", "source_ref", "applied", "recorded_at", "recorded_by"),
        (
            (r.resident_id, r.field, r.value, source, r.source_ref, r.applied, now, recorded_by_id)
            for r in rows
        ),
    )


def append_changes(rows: list[tuple[int, str, str, str]], *, source: str) -> None:
    """Append (resident id, area code, field, value) rows to the change log departments sync from."""
    now = timezone.now()
    insert_rows(
        ResidentChange,
        ("resident", "area_code", "field", "value", "source", "changed_at"),
        ((pk, area_code, name, value, source, now) for pk, area_code, name, value in rows),
    )


def open_tags(resident_ids: Iterable[int]) -> set[tuple[int, str]]:
    ids = list(set(resident_ids))
    held: set[tuple[int, str]] = set()
    for start in range(0, len(ids), 500):
        held |= set(
            TagAssignment.objects.filter(
                resident_id__in=ids[start : start + 500], ended_at__isnull=True
            ).values_list("resident_id", "tag")
        )
    return held


def add_tags(rows: list[tuple[int, str, int | None]], *, source: str, set_by_id: int | None) -> None:
    """Open tags (resident id, tag, level) from a department's list; the caller skips tags already open."""
    now = timezone.now()
    today = timezone.localdate()
    insert_rows(
        TagAssignment,
        ("resident", "tag", "level", "source", "valid_from", "set_by", "set_at", "end_reason"),
        ((pk, tag, level, source, today, set_by_id, now, "") for pk, tag, level in rows),
    )
