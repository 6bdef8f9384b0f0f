"""Writes to the golden record: residents, households, tags, provenance and reveals of personal data."""

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.accounts.access import has_capability
from linli.accounts.roles import Capability
from linli.core import crypto
from linli.core.errors import DomainError
from linli.core.idnumbers import parse_id_number, upgrade_legacy
from linli.core.models import Area
from linli.core.phones import normalize_mobile
from linli.core.phones import phone_blind_index as phone_index
from linli.core.services import record_audit_event
from linli.registry.choices import TAG_LEVELS, Relation, Tag
from linli.registry.models import (
    Building,
    FieldProvenance,
    Household,
    Resident,
    ResidentChange,
    TagAssignment,
)

# Fields whose provenance is kept; the personal ones are encrypted.
TRACKED_FIELDS = (
    "name",
    "id_number",
    "phone",
    "hukou_status",
    "ethnicity",
    "residence_status",
    "household",
    "relation_to_head",
    "address",
    "birth_date",
    "sex",
)
PERSONAL_FIELDS = ("id_number", "phone")


def field_text(resident: Any, field: str) -> str:
    """A golden-record field's value in the text form provenance and the change feed keep."""
    if field == "household":
        return str(resident.household_id or "")
    value = getattr(resident, field)
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def id_number_index(number: str) -> str:
    """Blind index of an ID number; a 15-digit number indexes as its 18-character form (one person)."""
    canonical = upgrade_legacy(number) if len(number) == 15 else number
    return crypto.blind_index(canonical, context="id_number")


def _apply_id_number(resident: Resident, raw: str) -> None:
    if not raw.strip():
        resident.id_number = ""
        resident.id_number_index = ""
        resident.id_number_is_legacy = False
        return
    parsed = parse_id_number(raw)
    resident.id_number = parsed.number
    resident.id_number_index = id_number_index(parsed.number)
    resident.id_number_is_legacy = parsed.legacy
    resident.birth_date = parsed.birth_date
    resident.sex = parsed.sex


def _apply_phone(resident: Resident, raw: str) -> None:
    if not raw.strip():
        resident.phone = ""
        resident.phone_index = ""
        return
    number = normalize_mobile(raw)
    resident.phone = number
    resident.phone_index = phone_index(number)


def _ensure_id_unique(resident: Resident) -> None:
    if not resident.id_number_index:
        return
    clash = Resident.objects.filter(id_number_index=resident.id_number_index).exclude(pk=resident.pk)
    if clash.exists():
        raise DomainError(
            "duplicate_id_number",
            _("A resident with this ID number is already registered."),
            field="id_number",
        )


def _save_resident(resident: Resident, **kwargs: Any) -> None:
    """Save, turning the database's one-record-per-ID-number constraint into the rule's own error."""
    try:
        with transaction.atomic():
            resident.save(**kwargs)
    except IntegrityError as exc:
        if "id_number" not in str(exc):
            raise
        raise DomainError(
            "duplicate_id_number",
            _("A resident with this ID number is already registered."),
            field="id_number",
        ) from exc


def _record_provenance(
    resident: Resident, fields: list[str], *, source: str, actor: Any, source_ref: str = ""
) -> None:
    """Append a provenance row with the value taken for each field, and the change for the feed."""
    recorded_by = actor if actor is not None and actor.is_authenticated else None
    now = timezone.now()
    values = {name: field_text(resident, name) for name in fields}
    FieldProvenance.objects.bulk_create(
        FieldProvenance(
            resident=resident,
            field=name,
            source=source,
            value=values[name],
            source_ref=source_ref,
            recorded_by=recorded_by,
            recorded_at=now,
        )
        for name in fields
    )
    record_changes(resident, [(name, values[name]) for name in fields], source=source)


def record_changes(resident: Resident, changes: list[tuple[str, str]], *, source: str) -> None:
    """Append (field, new value) rows to the change log that departments sync from."""
    area_code = resident.area.code
    now = timezone.now()
    ResidentChange.objects.bulk_create(
        ResidentChange(
            resident=resident, area_code=area_code, field=name, value=value, source=source, changed_at=now
        )
        for name, value in changes
    )


def register_resident(
    *,
    actor: Any,
    household: Household | None,
    name: str,
    area: Area | None = None,
    relation_to_head: str = Relation.OTHER,
    id_number: str = "",
    phone: str = "",
    address: str = "",
    hukou_status: str = "registered",
    ethnicity: str = "01",
    residence_status: str = "living_here",
    birth_date: dt.date | None = None,
    sex: str = "",
    source: str = "worker",
) -> Resident:
    """Register a person in a household (or, from an import, only in an area until a household is known);
    an ID number, if given, must be valid and not yet registered."""
    name = name.strip()
    if not name:
        raise DomainError("name_required", _("Please enter the name."), field="name")
    place = household.area if household is not None else area
    if place is None or (household is None and relation_to_head == Relation.HEAD):
        raise DomainError("household_required", _("Please choose the household."), field="household")
    resident = Resident(
        area=place,
        household=household,
        name=name,
        relation_to_head=relation_to_head,
        hukou_status=hukou_status,
        ethnicity=ethnicity,
        residence_status=residence_status,
        birth_date=birth_date,
        sex=sex,
        address=address.strip(),
    )
    _apply_id_number(resident, id_number)
    _apply_phone(resident, phone)
    with transaction.atomic():
        _ensure_id_unique(resident)
        if household is not None and relation_to_head == Relation.HEAD:
            # Locked, so that two registrations of a head cannot both find the household without one.
            locked = Household.objects.select_for_update().get(pk=household.pk)
            if locked.head_id is not None:
                raise DomainError(
                    "household_has_head", _("This household already has a head."), field="relation_to_head"
                )
        _save_resident(resident)
        if household is not None and relation_to_head == Relation.HEAD:
            Household.objects.filter(pk=household.pk).update(head=resident)
            household.head = resident
        recorded = [f for f in TRACKED_FIELDS if field_text(resident, f)]
        record_changes(resident, [("created", "")], source=source)
        _record_provenance(resident, recorded, source=source, actor=actor)
        record_audit_event(
            actor=actor,
            action="resident.registered",
            object_type="resident",
            object_id=resident.pk,
            area_code=place.code,
            data={"source": source},
        )
    return resident


def update_resident(
    *, actor: Any, resident: Resident, changes: dict[str, Any], source: str = "worker"
) -> Resident:
    """Change golden-record fields; each changed field gets a provenance row (personal ones re-encrypted)."""
    unknown = set(changes) - set(TRACKED_FIELDS) - {"birth_date", "sex"}
    if unknown:
        raise DomainError(
            "unknown_field", _("These fields cannot be changed: %s") % ", ".join(sorted(unknown))
        )
    if "household" in changes or changes.get("relation_to_head") == Relation.HEAD:
        raise DomainError(
            "use_household_page",
            _("Change the household or its head on the household page."),
            field="relation_to_head",
        )
    with transaction.atomic():
        locked = Resident.objects.select_for_update().select_related("area").get(pk=resident.pk)
        changed: list[str] = []
        for field, value in changes.items():
            if field == "id_number":
                if value == locked.id_number:
                    continue
                _apply_id_number(locked, value)
                changed += ["id_number", "birth_date", "sex"]
            elif field == "phone":
                if value == locked.phone:
                    continue
                _apply_phone(locked, value)
                changed.append("phone")
            elif field == "name":
                value = str(value).strip()
                if not value:
                    raise DomainError("name_required", _("Please enter the name."), field="name")
                if value != locked.name:
                    locked.name = value
                    changed.append("name")
            elif getattr(locked, field) != value:
                setattr(locked, field, value)
                changed.append(field)
        if not changed:
            return locked
        _ensure_id_unique(locked)
        update_fields = sorted(set(changed) | {"updated_at"})
        if "id_number" in changed:
            update_fields += ["id_number_index", "id_number_is_legacy"]
        if "phone" in changed:
            update_fields.append("phone_index")
        _save_resident(locked, update_fields=update_fields)
        _record_provenance(locked, [f for f in changed if f in TRACKED_FIELDS], source=source, actor=actor)
        record_audit_event(
            actor=actor,
            action="resident.updated",
            object_type="resident",
            object_id=locked.pk,
            area_code=locked.area.code,
            data={"fields": sorted(set(changed))},
        )
    return locked


def create_household(
    *, actor: Any, building: Building, room: str, head: dict[str, Any], source: str = "worker"
) -> Household:
    """A new household at an address, registered together with its head."""
    with transaction.atomic():
        household = Household.objects.create(area_id=building.area_id, building=building, room=room.strip())
        register_resident(
            actor=actor, household=household, relation_to_head=Relation.HEAD, source=source, **head
        )
        household.refresh_from_db()
        record_audit_event(
            actor=actor,
            action="household.created",
            object_type="household",
            object_id=household.pk,
            area_code=household.area.code,
        )
    return household


def update_household(*, actor: Any, household: Household, room: str, head: Resident | None) -> Household:
    """Change the room or the head; the new head must be a member, and takes the relation "head"."""
    with transaction.atomic():
        locked = Household.objects.select_for_update().select_related("area").get(pk=household.pk)
        if head is not None and head.household_id != locked.pk:
            raise DomainError(
                "head_not_member", _("The head must be a member of the household."), field="head"
            )
        locked.room = room.strip()
        if head is not None and head.pk != locked.head_id:
            if locked.head_id is not None:
                Resident.objects.filter(pk=locked.head_id).update(relation_to_head=Relation.OTHER)
                former = Resident.objects.select_related("area").get(pk=locked.head_id)
                record_changes(former, [("relation_to_head", Relation.OTHER)], source="worker")
            Resident.objects.filter(pk=head.pk).update(relation_to_head=Relation.HEAD)
            record_changes(head, [("relation_to_head", Relation.HEAD)], source="worker")
            locked.head = head
        locked.save(update_fields=["room", "head"])
        record_audit_event(
            actor=actor,
            action="household.updated",
            object_type="household",
            object_id=locked.pk,
            area_code=locked.area.code,
            data={"head": locked.head_id},
        )
    return locked


def add_tag(
    *,
    actor: Any,
    resident: Resident,
    tag: str,
    source: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    level: int | None = None,
) -> TagAssignment:
    """Tag a resident; a resident holds each kind of tag at most once at a time, disability with its grade."""
    if tag not in Tag.values:
        raise DomainError("unknown_tag", _("Unknown tag."), field="tag")
    levels = TAG_LEVELS.get(tag)
    if levels is not None and level not in levels:
        raise DomainError(
            "tag_level_required",
            _("Please choose a level from %(low)d to %(high)d.")
            % {"low": levels.start, "high": levels.stop - 1},
            field="level",
        )
    if levels is None and level is not None:
        raise DomainError("tag_level_not_allowed", _("This tag has no level."), field="level")
    if valid_to is not None and valid_to < valid_from:
        raise DomainError("tag_dates_reversed", _("The end date is before the start date."), field="valid_to")
    if not source.strip():
        raise DomainError("tag_source_required", _("Please say where this fact comes from."), field="source")
    try:
        with transaction.atomic():
            assignment = TagAssignment.objects.create(
                resident=resident,
                tag=tag,
                level=level,
                source=source.strip(),
                valid_from=valid_from,
                valid_to=valid_to,
                set_by=actor if actor is not None and actor.is_authenticated else None,
            )
            record_audit_event(
                actor=actor,
                action="tag.added",
                object_type="resident",
                object_id=resident.pk,
                area_code=resident.area.code,
                data={"tag": tag, "level": level, "source": source},
            )
            record_changes(resident, [(f"tag:{tag}", str(level or 1))], source=source.strip())
    except IntegrityError as exc:
        raise DomainError("tag_already_open", _("This resident already has this tag."), field="tag") from exc
    return assignment


def end_tag(*, actor: Any, assignment: TagAssignment, reason: str) -> TagAssignment:
    """End a tag: it stays in the history with who ended it and why."""
    if not reason.strip():
        raise DomainError(
            "end_reason_required", _("Please give a reason for ending this tag."), field="reason"
        )
    with transaction.atomic():
        locked = (
            TagAssignment.objects.select_for_update().select_related("resident__area").get(pk=assignment.pk)
        )
        if locked.ended_at is not None:
            raise DomainError("tag_already_ended", _("This tag has already ended."))
        locked.ended_at = timezone.now()
        locked.ended_by = actor
        locked.end_reason = reason.strip()
        locked.save(update_fields=["ended_at", "ended_by", "end_reason"])
        record_audit_event(
            actor=actor,
            action="tag.ended",
            object_type="resident",
            object_id=locked.resident_id,
            area_code=locked.resident.area.code,
            reason=locked.end_reason,
            data={"tag": locked.tag},
        )
        record_changes(locked.resident, [(f"tag:{locked.tag}", "")], source="worker")
    return locked


def reveal_personal_data(*, actor: Any, resident: Resident, field: str, reason: str) -> str:
    """Show one personal field in clear: needs the reveal permission over the resident's area and a reason."""
    if field not in PERSONAL_FIELDS:
        raise DomainError("not_personal_field", _("This field cannot be revealed."), field="field")
    reason = reason.strip()
    if len(reason) < 2:
        raise DomainError("reveal_reason_required", _("Please give the reason for viewing."), field="reason")
    area_code = resident.area.code
    if not has_capability(actor, Capability.REVEAL_PERSONAL_DATA, area_code):
        raise DomainError("reveal_not_permitted", _("You may not view this information in full."))
    record_audit_event(
        actor=actor,
        action="personal_data.revealed",
        object_type="resident",
        object_id=resident.pk,
        area_code=area_code,
        reason=reason,
        data={"field": field},
    )
    value: str = getattr(resident, field)
    return value
