"""Writes of the intake: uploads, column mappings, runs, and a worker's decisions on the review queue."""

import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.accounts.access import has_capability
from linli.accounts.roles import Capability
from linli.core.errors import DomainError
from linli.core.models import Area
from linli.core.services import record_audit_event
from linli.intake import normalize, reading
from linli.intake.models import (
    BatchStatus,
    ImportBatch,
    ImportProfile,
    ReviewEvent,
    ReviewItem,
    ReviewKind,
    ReviewStatus,
    SourceKind,
)
from linli.registry.merges import merge_residents, unmerge_residents
from linli.registry.models import FieldProvenance, Resident
from linli.registry.provenance import choose_field_value

ALLOWED_SUFFIXES = (".xlsx", ".xls", ".xlsm", ".ods", ".csv", ".txt")


def create_batch(
    *,
    actor: Any,
    area: Area,
    upload: File,  # type: ignore[type-arg]
    source_kind: str,
    source_label: str,
    profile: ImportProfile | None = None,
) -> ImportBatch:
    """Keep an uploaded department file for an area in the uploader's scope and guess how to read it."""
    if not has_capability(actor, Capability.IMPORT_DATA, area.code):
        raise DomainError("area_not_permitted", _("You may not import lists for this area."), field="area")
    if source_kind not in SourceKind.values:
        raise DomainError(
            "unknown_source", _("Please choose where the list comes from."), field="source_kind"
        )
    name = Path(upload.name or "").name
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise DomainError(
            "unsupported_file",
            _("Please upload an Excel file (xlsx or xls) or a CSV file."),
            field="file",
        )
    if upload.size is not None and upload.size > settings.LINLI_IMPORT_MAX_BYTES:
        raise DomainError("file_too_large", _("The file is too large to import here."), field="file")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    label = source_label.strip() or str(SourceKind(source_kind).label)
    with transaction.atomic():
        batch = ImportBatch(
            area=area,
            profile=profile,
            source_kind=source_kind,
            source_label=label[:64],
            filename=name[:200],
            sha256=digest.hexdigest(),
            uploaded_by=actor if actor is not None and actor.is_authenticated else None,
        )
        batch.file.save(f"{digest.hexdigest()[:16]}-{name}", upload, save=False)
        _guess_layout(batch, profile)
        batch.save()
        record_audit_event(
            actor=actor,
            action="import.uploaded",
            object_type="import",
            object_id=batch.pk,
            area_code=area.code,
            data={"file": name, "source": batch.source},
        )
    return batch


def _guess_layout(batch: ImportBatch, profile: ImportProfile | None) -> None:
    info = reading.inspect_file(Path(batch.file.path), filename=batch.filename)
    batch.sheet = info.default_sheet
    top = first_rows(batch, 25)
    if not top:
        raise DomainError("empty_file", _("The file has no rows."), field="file")
    batch.header_row = reading.detect_header_row(top)
    batch.header, batch.first_data_row = reading.header_labels(top, batch.header_row)
    suggested = normalize.suggest_mapping(batch.header)
    mapping = {batch.header[i]: target for i, target in suggested.items() if batch.header[i]}
    if profile is not None:
        mapping.update({label: target for label, target in profile.mapping.items() if label in batch.header})
        batch.constant_tags = list(profile.constant_tags)
    batch.mapping = mapping


def first_rows(batch: ImportBatch, count: int) -> list[list[str]]:
    rows: list[list[str]] = []
    for row in reading.read_rows(Path(batch.file.path), filename=batch.filename, sheet=batch.sheet or None):
        rows.append(row)
        if len(rows) >= count:
            break
    return rows


def set_batch_layout(
    *,
    actor: Any,
    batch: ImportBatch,
    sheet: str,
    header_row: int,
    mapping: dict[str, str],
    constant_tags: list[str],
    save_profile_as: str = "",
) -> ImportBatch:
    """Choose the sheet, header row and column mapping; optionally save them as the department's profile."""
    if batch.status != BatchStatus.UPLOADED:
        raise DomainError("batch_started", _("This import has already started."))
    info = reading.inspect_file(Path(batch.file.path), filename=batch.filename)
    if sheet and sheet not in info.sheets:
        raise DomainError("unknown_sheet", _("The file has no such sheet."), field="sheet")
    unknown = {t for t in mapping.values() if t not in normalize.TARGET_FIELDS}
    if unknown:
        raise DomainError("unknown_target", _("Unknown target field: %s") % ", ".join(sorted(unknown)))
    targets = [t for t in mapping.values() if t != "ignore"]
    repeated = {t for t in targets if targets.count(t) > 1}
    if repeated:
        raise DomainError(
            "target_twice",
            _("Two columns are mapped to the same field: %s") % ", ".join(sorted(repeated)),
            field="mapping",
        )
    if "name" not in targets:
        raise DomainError(
            "name_column_required", _("Please choose the column with the names."), field="mapping"
        )
    with transaction.atomic():
        batch.sheet = sheet or batch.sheet
        batch.header_row = header_row
        rows = first_rows(batch, header_row + 2)
        if len(rows) <= header_row:
            raise DomainError("header_row_missing", _("The file has no such row."), field="header_row")
        batch.header, batch.first_data_row = reading.header_labels(rows, header_row)
        batch.mapping = {label: target for label, target in mapping.items() if label in batch.header}
        batch.constant_tags = constant_tags
        if save_profile_as.strip():
            profile, _created = ImportProfile.objects.update_or_create(
                name=save_profile_as.strip()[:100],
                defaults={
                    "source_kind": batch.source_kind,
                    "mapping": batch.mapping,
                    "constant_tags": constant_tags,
                    "created_by": actor if actor is not None and actor.is_authenticated else None,
                },
            )
            batch.profile = profile
        batch.save(
            update_fields=[
                "sheet",
                "header_row",
                "header",
                "first_data_row",
                "mapping",
                "constant_tags",
                "profile",
            ]
        )
    return batch


def start_batch(*, actor: Any, batch: ImportBatch) -> ImportBatch:
    """Queue the run; the worker picks it up after this transaction commits."""
    from linli.intake.tasks import run_import

    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status not in (BatchStatus.UPLOADED, BatchStatus.FAILED):
            raise DomainError("batch_started", _("This import has already started."))
        if "name" not in locked.mapping.values():
            raise DomainError("name_column_required", _("Please choose the column with the names."))
        locked.status = BatchStatus.QUEUED
        locked.save(update_fields=["status"])
        actor_id = actor.pk if actor is not None and actor.is_authenticated else None
        transaction.on_commit(lambda: run_import.enqueue(batch_id=locked.pk, actor_id=actor_id))
    return locked


# --- the review queue -------------------------------------------------------------------------------


def _decide(item: ReviewItem, *, actor: Any, status: str, note: str = "") -> None:
    item.status = status
    item.decided_by = actor if actor is not None and actor.is_authenticated else None
    item.decided_at = timezone.now()
    item.note = note[:200]
    item.save(update_fields=["status", "decided_by", "decided_at", "note", "merge"])
    ReviewEvent.objects.create(item=item, status=status, actor=item.decided_by, note=item.note)


def _lock_open(item: ReviewItem, kind: str) -> ReviewItem:
    locked = ReviewItem.objects.select_for_update().get(pk=item.pk)
    if locked.kind != kind:
        raise DomainError("wrong_review_kind", _("This decision does not fit this question."))
    if locked.status != ReviewStatus.OPEN:
        raise DomainError("review_closed", _("This question has already been decided."))
    return locked


def merge_duplicate(*, actor: Any, item: ReviewItem, keep: Resident, reason: str) -> ReviewItem:
    """The two records are one person: merge the other into the one the worker keeps."""
    with transaction.atomic():
        locked = _lock_open(item, ReviewKind.POSSIBLE_DUPLICATE)
        pair = {locked.resident_id, locked.other_id}
        if keep.pk not in pair:
            raise DomainError("keep_one_of_pair", _("Keep one of the two records."), field="keep")
        absorbed = Resident.objects.get(pk=next(pk for pk in pair if pk != keep.pk and pk is not None))
        merge = merge_residents(actor=actor, survivor=keep, absorbed=absorbed, reason=reason)
        locked.merge = merge
        _decide(locked, actor=actor, status=ReviewStatus.MERGED, note=reason)
    return locked


def keep_apart(*, actor: Any, item: ReviewItem, note: str) -> ReviewItem:
    """The two records are two people; the question is closed and not asked again by the same rule."""
    with transaction.atomic():
        locked = _lock_open(item, ReviewKind.POSSIBLE_DUPLICATE)
        _decide(locked, actor=actor, status=ReviewStatus.KEPT_APART, note=note)
        record_audit_event(
            actor=actor,
            action="review.kept_apart",
            object_type="resident",
            object_id=locked.resident_id,
            area_code=locked.area.code,
            data={"other": locked.other_id},
        )
    return locked


def undo_merge(*, actor: Any, item: ReviewItem, reason: str) -> ReviewItem:
    """Undo the merge this review made; both records are people again and the review is reopened."""
    with transaction.atomic():
        locked = ReviewItem.objects.select_for_update().get(pk=item.pk)
        if locked.status != ReviewStatus.MERGED or locked.merge is None:
            raise DomainError("not_merged", _("This question did not end in a merge."))
        unmerge_residents(actor=actor, merge=locked.merge, reason=reason)
        _decide(locked, actor=actor, status=ReviewStatus.UNMERGED, note=reason)
    return locked


def _offered_value(item: ReviewItem) -> FieldProvenance:
    ref = item.evidence.get("ref", "")
    offered = (
        FieldProvenance.objects.filter(resident_id=item.resident_id, field=item.field, source_ref=ref)
        .order_by("-id")
        .first()
    )
    if offered is None:
        raise DomainError("offered_value_missing", _("The value this question is about is no longer there."))
    return offered


def choose_offered_value(*, actor: Any, item: ReviewItem) -> ReviewItem:
    """Take the value the source offered for the golden record; the former value stays in the history."""
    with transaction.atomic():
        locked = _lock_open(item, ReviewKind.FIELD_CONFLICT)
        resident = Resident.objects.select_related("area").get(pk=locked.resident_id)
        choose_field_value(actor=actor, resident=resident, provenance=_offered_value(locked))
        _decide(locked, actor=actor, status=ReviewStatus.VALUE_CHOSEN)
    return locked


def keep_current_value(*, actor: Any, item: ReviewItem, note: str = "") -> ReviewItem:
    """Keep the golden record's value; the source's value stays visible in the record's history."""
    with transaction.atomic():
        locked = _lock_open(item, ReviewKind.FIELD_CONFLICT)
        _decide(locked, actor=actor, status=ReviewStatus.KEPT_CURRENT, note=note)
    return locked
