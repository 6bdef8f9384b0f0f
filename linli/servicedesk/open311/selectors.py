"""Reads of the Open311 endpoint. The GET methods are public (spec: "Requires API Key: No"), so these
selectors take no user: what they may return is fixed here, for everyone alike.

Only cases of location-based items are Open311 requests; applications about a person never are. Of a
case, only the columns in ``PUBLIC_CASE_COLUMNS`` are read from the database, and the names in
``NAMES_TO_SCRUB``, which are used to take those names out of free text and never returned. The
requester's phone, email and ID number, the resident, the account and the form answers are never loaded.
"""

import datetime as dt
from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from linli.core.models import Area, AuditEvent
from linli.servicedesk.models import CLOSED_STATUSES, Case, CaseEvent, Channel, FormField, ServiceItem
from linli.servicedesk.open311.models import Open311Report, Open311Service, RequestType
from linli.servicedesk.open311.parsing import MAX_RESULTS, RequestQuery

PUBLIC_CASE_COLUMNS = (
    "number",
    "status",
    "channel",
    "description",
    "submitted_at",
    "updated_at",
    "closed_at",
    "due_at",
    "address_string",
    "address_id",
    "latitude",
    "longitude",
    "media_url",
    "item__code",
    "item__name",
    "item__name_en",
    "item__sla_amount",
    "item__sla_unit",
    "queue__name",
    "queue__name_en",
)
# Known names of the people behind a case: removed from its published free text.
NAMES_TO_SCRUB = ("requester_name", "resident__name")

# Changes to these objects change what the service list or a definition says: the discovery changeset.
CATALOGUE_OBJECT_TYPES = ("service_item", "form_field", "open311_service")
# When this endpoint first published its documents; the changeset is never older.
FIRST_CHANGESET = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)


def _open311_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(is_active=True, is_location_based=True).prefetch_related(
        Prefetch("fields", queryset=FormField.objects.order_by("order", "id"))
    )


def open311_services() -> list[tuple[ServiceItem, str]]:
    """The items offered over Open311 (active, location-based, taking Open311 reports), each with its type."""
    items = [item for item in _open311_items() if item.accepts(Channel.OPEN311)]
    types = dict(Open311Service.objects.filter(item__in=items).values_list("item_id", "request_type"))
    return [(item, types.get(item.pk, RequestType.REALTIME)) for item in items]


def open311_service(code: str) -> ServiceItem | None:
    """One item offered over Open311 by its code, or None."""
    item = _open311_items().filter(code=code).first()
    return item if item is not None and item.accepts(Channel.OPEN311) else None


def _public_cases(district: Area) -> QuerySet[Case]:
    latest_note = (
        CaseEvent.objects.filter(case=OuterRef("pk"), public=True)
        .exclude(note="")
        .order_by("-at", "-id")
        .values("note")[:1]
    )
    return Case.objects.filter(item__is_location_based=True, area_code__startswith=district.code).annotate(
        public_note=Subquery(latest_note)
    )


def public_requests(*, district: Area, query: RequestQuery) -> list[dict[str, Any]]:
    """GET requests: the newest first, at most 1,000; ids override every other filter."""
    cases = _public_cases(district)
    if query.ids:
        cases = cases.filter(number__in=query.ids)
    else:
        cases = cases.filter(submitted_at__gte=query.start, submitted_at__lte=query.end)
        if query.service_codes:
            cases = cases.filter(item__code__in=query.service_codes)
        if set(query.statuses) == {"open"}:
            cases = cases.exclude(status__in=CLOSED_STATUSES)
        elif set(query.statuses) == {"closed"}:
            cases = cases.filter(status__in=CLOSED_STATUSES)
    rows = cases.order_by("-submitted_at", "-id").values(
        *PUBLIC_CASE_COLUMNS, *NAMES_TO_SCRUB, "public_note"
    )[:MAX_RESULTS]
    return list(rows)


def public_request(*, district: Area, number: str) -> dict[str, Any] | None:
    """GET requests/{id}: one case of a location-based item, or None."""
    row: dict[str, Any] | None = (
        _public_cases(district)
        .filter(number=number)
        .values(*PUBLIC_CASE_COLUMNS, *NAMES_TO_SCRUB, "public_note")
        .first()
    )
    return row


def report_for_token(*, district: Area, token: str) -> tuple[str, str] | None:
    """GET tokens/{token}: the token and the number of the case it stands for, or None."""
    row = (
        Open311Report.objects.filter(token=token, case__area_code__startswith=district.code)
        .values_list("token", "case__number")
        .first()
    )
    return (row[0], row[1]) if row is not None else None


def catalogue_changeset() -> dt.datetime:
    """When the service list or a definition last changed, as far as the audit trail tells."""
    latest = (
        AuditEvent.objects.filter(object_type__in=CATALOGUE_OBJECT_TYPES)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return max(latest or FIRST_CHANGESET, FIRST_CHANGESET)
