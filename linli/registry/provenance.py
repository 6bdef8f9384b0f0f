"""When sources disagree: which value the golden record takes, and a worker's choice among the others.

Each field has a rule (setting ``LINLI_FIELD_RULES``): ``most_recent`` takes the newest value,
``most_trusted`` takes a value only from a source trusted at least as much as the one behind the current
value (``LINLI_SOURCE_TRUST``), ``keep`` never changes a value without a worker. A value not taken is
still recorded, as provenance with ``applied=False``, and shown beside the field for a worker to choose.
"""

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from linli.core.errors import DomainError
from linli.core.services import record_audit_event
from linli.registry.models import FieldProvenance, Resident
from linli.registry.services import field_text, update_resident

# Fields a department's list may set on the golden record.
SOURCE_FIELDS = (
    "name",
    "id_number",
    "birth_date",
    "sex",
    "phone",
    "address",
    "hukou_status",
    "ethnicity",
    "residence_status",
)


class Decision(StrEnum):
    SAME = "same"
    TAKE = "take"
    CONFLICT = "conflict"


def source_kind(source: str) -> str:
    """The kind of a provenance source: imports note ``<kind>:<label>``, workers ``worker``."""
    return source.partition(":")[0]


def trust_of(kind: str) -> int:
    trust: dict[str, int] = settings.LINLI_SOURCE_TRUST
    return trust.get(kind, trust.get("other", 0))


def decide_field(*, field_name: str, current: str, current_kind: str, new: str, new_kind: str) -> Decision:
    """The per-field rule, without the database: whether a source's value replaces the current one."""
    if not new or new == current:
        return Decision.SAME
    if not current:
        return Decision.TAKE
    rule = settings.LINLI_FIELD_RULES.get(field_name, "keep")
    if rule == "most_recent":
        return Decision.TAKE
    if rule == "most_trusted" and trust_of(new_kind) >= trust_of(current_kind):
        return Decision.TAKE
    return Decision.CONFLICT


@dataclass
class SourceValues:
    taken: list[str] = field(default_factory=list)
    conflicts: list[FieldProvenance] = field(default_factory=list)


def current_sources(resident_ids: list[int]) -> dict[tuple[int, str], str]:
    """(resident, field) -> source of the value the golden record holds, from its newest applied row."""
    sources: dict[tuple[int, str], str] = {}
    rows = (
        FieldProvenance.objects.filter(resident_id__in=resident_ids, applied=True)
        .order_by("id")
        .values_list("resident_id", "field", "source")
    )
    for resident_id, name, source in rows:
        sources[(resident_id, name)] = source
    return sources


def record_source_values(
    *, actor: Any, resident: Resident, values: dict[str, str], source: str, source_ref: str = ""
) -> SourceValues:
    """Offer a source's values for one resident: each field follows its rule; values not taken are kept."""
    result = SourceValues()
    with transaction.atomic():
        locked = Resident.objects.select_for_update().select_related("area").get(pk=resident.pk)
        sources = current_sources([locked.pk])
        kind = source_kind(source)
        take: dict[str, Any] = {}
        for name in SOURCE_FIELDS:
            new = values.get(name, "")
            current = field_text(locked, name)
            decision = decide_field(
                field_name=name,
                current=current,
                current_kind=source_kind(sources.get((locked.pk, name), "other")),
                new=new,
                new_kind=kind,
            )
            if decision is Decision.TAKE:
                take[name] = dt.date.fromisoformat(new) if name == "birth_date" else new
            elif decision is Decision.CONFLICT:
                result.conflicts.append(
                    FieldProvenance.objects.create(
                        resident=locked,
                        field=name,
                        source=source,
                        value=new,
                        source_ref=source_ref,
                        applied=False,
                        recorded_by=actor if actor is not None and actor.is_authenticated else None,
                    )
                )
        if take:
            update_resident(actor=actor, resident=locked, changes=take, source=source)
            result.taken = sorted(take)
    return result


def value_choices(*, resident: Resident) -> dict[str, list[FieldProvenance]]:
    """For each field, the values sources gave that differ from the golden record's (newest first)."""
    choices: dict[str, list[FieldProvenance]] = {}
    seen: set[tuple[str, str]] = set()
    for row in FieldProvenance.objects.filter(resident=resident).select_related("recorded_by"):
        if row.field not in SOURCE_FIELDS or not row.value or row.value == field_text(resident, row.field):
            continue
        if (row.field, row.value) in seen:
            continue
        seen.add((row.field, row.value))
        choices.setdefault(row.field, []).append(row)
    return choices


def choose_field_value(*, actor: Any, resident: Resident, provenance: FieldProvenance) -> Resident:
    """A worker takes a value a source gave (recorded in the provenance) for the golden record."""
    if provenance.resident_id != resident.pk or provenance.field not in SOURCE_FIELDS:
        raise DomainError("not_a_choice", _("This value cannot be chosen for this record."))
    value: Any = provenance.value
    if provenance.field == "birth_date":
        value = dt.date.fromisoformat(value)
    with transaction.atomic():
        updated = update_resident(
            actor=actor, resident=resident, changes={provenance.field: value}, source="worker"
        )
        record_audit_event(
            actor=actor,
            action="resident.value_chosen",
            object_type="resident",
            object_id=resident.pk,
            area_code=updated.area.code,
            data={"field": provenance.field, "provenance": provenance.pk, "source": provenance.source},
        )
    return updated
