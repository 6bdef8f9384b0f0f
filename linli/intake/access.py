"""Who may open which import or review: the object's area must lie in the user's scope (else 404)."""

from typing import Any

from django.http import Http404

from linli.accounts.access import has_capability
from linli.accounts.roles import Capability
from linli.intake.models import ImportBatch, ReviewItem
from linli.registry.access import area_condition


def access_batch(user: Any, batch_id: int) -> ImportBatch:
    """An import of an area where the user may import; missing and forbidden look the same."""
    condition = area_condition(user, Capability.IMPORT_DATA)
    if condition is None:
        raise Http404
    batch = ImportBatch.objects.select_related("area", "profile").filter(condition, pk=batch_id).first()
    if batch is None:
        raise Http404
    return batch


def access_review(user: Any, item_id: int) -> ReviewItem:
    """A review question whose records both lie where the user may review."""
    condition = area_condition(user, Capability.REVIEW_MATCHES)
    if condition is None:
        raise Http404
    item = (
        ReviewItem.objects.select_related("area", "resident__area", "other__area", "merge")
        .filter(condition, pk=item_id)
        .first()
    )
    if item is None:
        raise Http404
    for resident in (item.resident, item.other):
        if resident is not None and not has_capability(user, Capability.REVIEW_MATCHES, resident.area.code):
            raise Http404
    return item
