"""The needs a visitor can tap on a visit, each opening a case of one service-desk item for the resident."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from linli.registry.models import Resident


def _nothing(resident: Resident, note: str, label: str) -> dict[str, Any]:
    return {}


def _what_happened(resident: Resident, note: str, label: str) -> dict[str, Any]:
    return {"event": note.strip() or label}


def _guardian(resident: Resident, note: str, label: str) -> dict[str, Any]:
    household = resident.household
    head = household.head if household is not None else None
    name = head.name if head is not None and head.pk != resident.pk else ""
    return {"guardian": name or note.strip()[:60] or label}


@dataclass(frozen=True)
class Need:
    code: str
    label: Promise
    item_code: str
    # The answers of the item's own questions that the golden record does not already give.
    answers: Callable[[Resident, str, str], dict[str, Any]] = field(default=_nothing)


NEEDS: tuple[Need, ...] = (
    Need("meals", _("Meals"), "meal_assistance"),
    Need("home_care", _("Help at home"), "home_care_subsidy"),
    Need("hardship", _("Money or living difficulty"), "temporary_assistance", _what_happened),
    Need("child_care", _("A child needs care"), "child_care_registration", _guardian),
)
NEEDS_BY_CODE = {need.code: need for need in NEEDS}
