"""Two records of one person become one golden record, and a merge can be undone.

The surviving record keeps its own values, takes the values it lacked from the merged one, and takes over
the merged record's provenance and the tags it did not hold; everything that moved is written on the
``ResidentMerge`` row, so an undo puts back exactly that. The merged record stays, pointing at the
survivor, for the history and for sources that still quote it.
"""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.errors import DomainError
from linli.core.services import record_audit_event
from linli.registry.models import FieldProvenance, Household, Resident, ResidentMerge, TagAssignment
from linli.registry.services import _apply_id_number, _apply_phone, field_text, record_changes

# Fields the survivor takes from the merged record when it has no value of its own.
FILLABLE_FIELDS = ("id_number", "phone", "address", "birth_date", "sex")
# Everything a merge may change on the survivor, restored by an undo.
RESTORABLE_FIELDS = (*FILLABLE_FIELDS, "household", "relation_to_head")


def _restore(resident: Resident, before: dict[str, str]) -> None:
    if "id_number" in before:
        _apply_id_number(resident, before["id_number"])
    if "phone" in before:
        _apply_phone(resident, before["phone"])
    if "birth_date" in before:
        resident.birth_date = dt.date.fromisoformat(before["birth_date"]) if before["birth_date"] else None
    if "sex" in before:
        resident.sex = before["sex"]
    if "address" in before:
        resident.address = before["address"]
    if "household" in before:
        resident.household_id = int(before["household"]) if before["household"] else None
    if "relation_to_head" in before:
        resident.relation_to_head = before["relation_to_head"]


def _lock_pair(first_id: int, second_id: int) -> tuple[Resident, Resident]:
    locked = {
        r.pk: r
        for r in Resident.objects.select_for_update()
        .select_related("area")
        .filter(pk__in=[first_id, second_id])
        .order_by("pk")
    }
    return locked[first_id], locked[second_id]


def merge_residents(*, actor: Any, survivor: Resident, absorbed: Resident, reason: str) -> ResidentMerge:
    """Merge ``absorbed`` into ``survivor``: one person, one record; the merge is kept so it can be undone."""
    reason = reason.strip()
    if not reason:
        raise DomainError("merge_reason_required", _("Please give the reason for merging."), field="reason")
    if survivor.pk == absorbed.pk:
        raise DomainError("merge_same_record", _("A record cannot be merged with itself."))
    with transaction.atomic():
        kept, gone = _lock_pair(survivor.pk, absorbed.pk)
        if kept.merged_into_id is not None or gone.merged_into_id is not None:
            raise DomainError("already_merged", _("One of these records has already been merged."))
        before = {name: field_text(kept, name) for name in RESTORABLE_FIELDS}
        moved: dict[str, Any] = {"provenance": [], "tags": [], "household": None}
        filled: list[str] = []
        for name in FILLABLE_FIELDS:
            if field_text(kept, name) or not field_text(gone, name):
                continue
            if name == "id_number":
                number = gone.id_number
                # The number moves: the merged record gives up its index so the survivor can hold it.
                moved["absorbed_id_number"] = number
                _apply_id_number(gone, "")
                gone.save(update_fields=["id_number", "id_number_index", "id_number_is_legacy"])
                _apply_id_number(kept, number)
                filled += ["id_number", "birth_date", "sex"]
            elif name == "phone":
                _apply_phone(kept, gone.phone)
                filled.append("phone")
            else:
                setattr(kept, name, getattr(gone, name))
                filled.append(name)
        if kept.household_id is None and gone.household_id is not None:
            moved["household"] = {"id": gone.household_id, "relation": gone.relation_to_head}
            kept.household_id = gone.household_id
            kept.relation_to_head = gone.relation_to_head
            Household.objects.filter(pk=gone.household_id, head_id=gone.pk).update(head_id=kept.pk)
            filled += ["household", "relation_to_head"]
        moved["provenance"] = list(
            FieldProvenance.objects.filter(resident=gone).values_list("pk", flat=True).order_by("pk")
        )
        FieldProvenance.objects.filter(pk__in=moved["provenance"]).update(resident=kept)
        held = set(
            TagAssignment.objects.filter(resident=kept, ended_at__isnull=True).values_list("tag", flat=True)
        )
        movable = TagAssignment.objects.filter(resident=gone, ended_at__isnull=True).exclude(tag__in=held)
        moved["tags"] = list(movable.values_list("pk", flat=True))
        TagAssignment.objects.filter(pk__in=moved["tags"]).update(resident=kept)
        kept.save()
        moved["before"] = {n: v for n, v in before.items() if v != field_text(kept, n)}
        gone.merged_into = kept
        gone.save(update_fields=["merged_into", "updated_at"])
        merge = ResidentMerge.objects.create(
            survivor=kept,
            absorbed=gone,
            reason=reason,
            moved=moved,
            merged_by=actor if actor is not None and actor.is_authenticated else None,
        )
        changes = [(name, field_text(kept, name)) for name in dict.fromkeys(filled)]
        changes += [
            (f"tag:{tag}", "1")
            for tag in TagAssignment.objects.filter(pk__in=moved["tags"]).values_list("tag", flat=True)
        ]
        record_changes(kept, changes, source="merge")
        record_changes(gone, [("merged_into", str(kept.pk))], source="merge")
        record_audit_event(
            actor=actor,
            action="resident.merged",
            object_type="resident",
            object_id=kept.pk,
            area_code=kept.area.code,
            reason=reason,
            data={"absorbed": gone.pk, "merge": merge.pk, "filled": sorted(moved["before"])},
        )
    return merge


def unmerge_residents(*, actor: Any, merge: ResidentMerge, reason: str) -> ResidentMerge:
    """Undo a merge: the merged record is a person again with what it brought; the merge stays in history."""
    reason = reason.strip()
    if not reason:
        raise DomainError("unmerge_reason_required", _("Please give the reason for undoing."), field="reason")
    with transaction.atomic():
        locked = ResidentMerge.objects.select_for_update().get(pk=merge.pk)
        if locked.undone_at is not None:
            raise DomainError("merge_already_undone", _("This merge has already been undone."))
        kept, gone = _lock_pair(locked.survivor_id, locked.absorbed_id)
        if gone.merged_into_id != kept.pk:
            raise DomainError("merge_not_current", _("This merge is no longer in effect."))
        later = ResidentMerge.objects.filter(
            survivor=kept, merged_at__gt=locked.merged_at, undone_at__isnull=True
        ).exists()
        if later:
            raise DomainError("undo_later_merges_first", _("Undo the later merges into this record first."))
        moved = locked.moved
        before: dict[str, str] = moved.get("before", {})
        _restore(kept, before)
        household = moved.get("household")
        if household:
            Household.objects.filter(pk=household["id"], head_id=kept.pk).update(head_id=gone.pk)
        kept.save()
        restored = list(before)
        number = moved.get("absorbed_id_number")
        if number:
            _apply_id_number(gone, number)
        FieldProvenance.objects.filter(pk__in=moved.get("provenance", [])).update(resident=gone)
        TagAssignment.objects.filter(pk__in=moved.get("tags", []), resident=kept).update(resident=gone)
        gone.merged_into = None
        gone.save()
        locked.undone_at = timezone.now()
        locked.undone_by = actor if actor is not None and actor.is_authenticated else None
        locked.undo_reason = reason
        locked.save(update_fields=["undone_at", "undone_by", "undo_reason"])
        record_changes(
            kept, [(name, field_text(kept, name)) for name in dict.fromkeys(restored)], source="unmerge"
        )
        record_changes(gone, [("merged_into", "")], source="unmerge")
        record_audit_event(
            actor=actor,
            action="resident.unmerged",
            object_type="resident",
            object_id=kept.pk,
            area_code=kept.area.code,
            reason=reason,
            data={"absorbed": gone.pk, "merge": locked.pk},
        )
    return locked
