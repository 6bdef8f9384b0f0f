"""Every history of Linli is appended, never edited: one base keeps each of them so."""

import pytest
from django.db import IntegrityError, models, transaction

from linli.alarms.models import AlarmEvent
from linli.care.models import Visit
from linli.core.append_only import AppendOnlyError
from linli.core.models import AuditEvent
from linli.homecare.models import OrderEvent as HomeCareOrderEvent
from linli.meals.models import OrderEvent as MealOrderEvent
from linli.reports.models import LedgerExport
from linli.servicedesk.models import CaseEvent
from linli.sharing.models import AccessLog, GrantEvent

HISTORIES: list[type[models.Model]] = [
    AuditEvent,
    CaseEvent,
    HomeCareOrderEvent,
    MealOrderEvent,
    AlarmEvent,
    Visit,
    LedgerExport,
    AccessLog,
    GrantEvent,
]

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", HISTORIES, ids=lambda model: model._meta.label)
def test_no_history_can_be_bulk_updated_or_deleted(model: type[models.Model]) -> None:
    # Refused before any row is touched, so even an empty table refuses.
    with pytest.raises(AppendOnlyError, match="append-only"):
        model._default_manager.all().update(id=models.F("id"))
    with pytest.raises(AppendOnlyError, match="append-only"):
        model._default_manager.all().delete()


def test_a_record_is_saved_once_and_never_deleted() -> None:
    event = AuditEvent.objects.create(action="test.done", object_type="thing", object_id="1")
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    reloaded = AuditEvent.objects.get(pk=event.pk)
    assert reloaded.reason == ""
    with pytest.raises(AppendOnlyError):
        reloaded.save()


def test_a_copy_carrying_an_existing_id_does_not_overwrite_the_record() -> None:
    event = AuditEvent.objects.create(action="test.done", object_type="thing", object_id="1")
    forged = AuditEvent(pk=event.pk, action="test.forged", object_type="thing", object_id="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        forged.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.done"
