"""Reads of the intake, always within the user's scope: imports, their preview, and the review queue."""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from linli.accounts.roles import Capability
from linli.core.idnumbers import mask_id_number
from linli.core.phones import mask_phone
from linli.intake.models import ImportBatch, ImportProfile, ReviewItem, ReviewKind, ReviewStatus
from linli.intake.pipeline import ParsedRow, parse_row
from linli.intake.services import first_rows
from linli.registry.access import area_condition
from linli.registry.models import FieldProvenance, Resident
from linli.registry.services import field_text


def batches_in_scope(*, user: Any) -> QuerySet[ImportBatch]:
    """Imports of the areas where the user may import, newest first."""
    condition = area_condition(user, Capability.IMPORT_DATA)
    if condition is None:
        return ImportBatch.objects.none()
    return ImportBatch.objects.filter(condition).select_related("area", "uploaded_by", "profile")


def import_profiles() -> QuerySet[ImportProfile]:
    return ImportProfile.objects.all()


@dataclass(frozen=True)
class PreviewRow:
    number: int
    cells: list[str]
    rejected: bool
    problems: list[tuple[str, str]]  # (code, message)
    problem_columns: set[int]


def batch_preview(*, batch: ImportBatch, limit: int = 30) -> list[PreviewRow]:
    """The first rows after the header, read with the chosen mapping, problems marked on their cells."""
    rows = first_rows(batch, batch.first_data_row + limit)
    column_of = {
        batch.mapping.get(label): i for i, label in enumerate(batch.header) if batch.mapping.get(label)
    }
    preview: list[PreviewRow] = []
    for index in range(batch.first_data_row, len(rows)):
        cells = rows[index]
        if not any(c.strip() for c in cells):
            continue
        parsed: ParsedRow = parse_row(index + 1, batch.header, cells, batch.mapping, batch.constant_tags)
        columns = {column_of[f] for f, _code, _message in parsed.warnings if f in column_of}
        preview.append(
            PreviewRow(
                number=index + 1,
                cells=[_masked_cell(c) for c in cells],
                rejected=bool(parsed.reject_code),
                problems=[(code, message) for _field, code, message in parsed.warnings],
                problem_columns=columns,
            )
        )
    return preview


def _masked_cell(text: str) -> str:
    """Cells that look like an ID number or a mobile number are shown masked in the preview."""
    compact = "".join(text.split())
    if len(compact) in (15, 18) and compact[:-1].isdigit():
        return mask_id_number(compact)
    if len(compact) == 11 and compact.isdigit() and compact.startswith("1"):
        return mask_phone(compact)
    return text


def review_queue(*, user: Any, status: str = ReviewStatus.OPEN, kind: str = "") -> QuerySet[ReviewItem]:
    """Questions in the user's review scope, oldest open first."""
    condition = area_condition(user, Capability.REVIEW_MATCHES)
    if condition is None:
        return ReviewItem.objects.none()
    items = ReviewItem.objects.filter(condition, status=status).select_related("area", "resident", "other")
    if kind:
        items = items.filter(kind=kind)
    return items.order_by("created_at", "id")


@dataclass(frozen=True)
class ComparedField:
    label: str
    left: str
    right: str
    same: bool
    weight: float | None


COMPARED_FIELDS = ("name", "id_number", "birth_date", "sex", "phone", "address", "hukou_status")


def _shown(resident: Resident, name: str) -> str:
    value = field_text(resident, name)
    if name == "id_number" and not value:
        # A number a list gave that fails its check character is kept aside; the reviewer needs to see it.
        offered = (
            FieldProvenance.objects.filter(resident=resident, field="id_number", applied=False)
            .order_by("-id")
            .first()
        )
        if offered is not None and offered.value:
            return _("%(number)s (as a list gave it; not valid)") % {"number": mask_id_number(offered.value)}
    if name == "address" and not value and resident.household_id:
        value = str(resident.household)
    if not value:
        return ""
    if name == "id_number":
        return mask_id_number(value)
    if name == "phone":
        return mask_phone(value)
    display = getattr(resident, f"get_{name}_display", None)
    return str(display()) if callable(display) else value


def review_detail(*, item: ReviewItem) -> dict[str, Any]:
    """Both records side by side (personal data masked) with the weight each field gave the match."""
    weights: dict[str, float] = item.evidence.get("field_weights") or {}
    if item.kind == ReviewKind.POSSIBLE_DUPLICATE and item.other is not None:
        rows = []
        for name in COMPARED_FIELDS:
            left, right = field_text(item.resident, name), field_text(item.other, name)
            rows.append(
                ComparedField(
                    label=str(Resident._meta.get_field(name).verbose_name),  # type: ignore[union-attr]
                    left=_shown(item.resident, name),
                    right=_shown(item.other, name),
                    same=bool(left) and left == right,
                    weight=_weight_for(weights, name),
                )
            )
        return {"compared": rows, "explanation": explain(item)}
    offered = (
        FieldProvenance.objects.filter(
            resident_id=item.resident_id, field=item.field, source_ref=item.evidence.get("ref", "")
        )
        .order_by("-id")
        .first()
    )
    offered_value = offered.value if offered is not None else ""
    if item.field == "id_number":
        offered_value = mask_id_number(offered_value) if offered_value else ""
    elif item.field == "phone":
        offered_value = mask_phone(offered_value) if offered_value else ""
    return {
        "field_label": str(Resident._meta.get_field(item.field).verbose_name),  # type: ignore[union-attr]
        "current": _shown(item.resident, item.field),
        "offered": offered_value,
        "offered_source": offered.source if offered is not None else "",
    }


def _weight_for(weights: dict[str, float], name: str) -> float | None:
    for key, value in weights.items():
        if key == name or key.startswith(name):
            return round(float(value), 2)
    return None


def explain(item: ReviewItem) -> str:
    """Why the engine thinks these may be one person, in a sentence a worker can read."""
    decided_by = item.evidence.get("decided_by", "")
    probability = item.evidence.get("match_probability")
    if decided_by == "id_near":
        return _(
            "The ID numbers differ by one character, or one fails its check character, while name and "
            "birth date agree."
        )
    if decided_by == "cluster":
        return _("Rows of a department's list fit both records.")
    if probability is not None:
        return _("Name, birth date, sex, phone and address together give a match probability of %(p)s%%.") % {
            "p": f"{float(probability) * 100:.0f}"
        }
    return _("The records share key details.")
