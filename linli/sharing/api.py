"""Sharing endpoints of /api/v1, for department clients (their own bearer tokens, not staff tokens).

Every call names its grant; a grant that is not the client's, not approved, revoked or expired answers 403.
Every call that reaches a grant check writes one access-log row, in the same transaction as the read.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from linli.sharing import feed, records, services
from linli.sharing.access import GrantRefused, grant_for_client
from linli.sharing.auth import ClientTokenAuth
from linli.sharing.models import ClientToken, Grant

router = Router(tags=["sharing"], auth=ClientTokenAuth())

MAX_PAGE = 500
DEFAULT_PAGE = 100


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None


class ResidentsOut(Schema):
    grant: int
    results: list[dict[str, Any]]
    next_after: int | None
    sync_cursor: int | None = None


class HouseholdsOut(Schema):
    grant: int
    results: list[dict[str, Any]]
    next_after: int | None
    sync_cursor: int | None = None


class ChangesOut(Schema):
    grant: int
    results: list[dict[str, Any]]
    next_cursor: int
    has_more: bool


@dataclass
class Served:
    """What one read returns: the response body and what the access log records of it."""

    body: dict[str, Any]
    fields: list[str]
    count: int
    personal: int
    cursor_to: int | None


def _page_size(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE))


def _remote_addr(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _serve(
    request: HttpRequest,
    *,
    grant_id: int,
    endpoint: str,
    cursor_from: int,
    needs: str | None,
    read: Callable[[Grant], Served],
) -> Status[Any]:
    """Check the grant, read, and log the call; a refusal is logged too, with no records."""
    token: ClientToken = request.auth  # type: ignore[attr-defined]
    try:
        grant = grant_for_client(token, grant_id, timezone.now())
        if needs is not None and needs not in grant.fields:
            raise GrantRefused(
                "field_not_granted", _("This grant does not cover the field %s.") % needs, grant
            )
    except GrantRefused as refused:
        services.record_access(
            token=token,
            grant=refused.grant,
            endpoint=endpoint,
            fields=[],
            record_count=0,
            cursor_from=cursor_from,
            status_code=403,
            refusal=refused.code,
            remote_addr=_remote_addr(request),
        )
        return Status(403, {"code": refused.code, "message": str(refused.message), "field": None})
    with transaction.atomic():
        served = read(grant)
        services.record_access(
            token=token,
            grant=grant,
            endpoint=endpoint,
            fields=served.fields,
            record_count=served.count,
            personal_count=served.personal,
            cursor_from=cursor_from,
            cursor_to=served.cursor_to,
            remote_addr=_remote_addr(request),
        )
    return Status(200, {"grant": grant.pk, **served.body})


def _today() -> dt.date:
    return timezone.localdate()


def _sync_cursor(after: int) -> int | None:
    """On the first page of a full copy, the change cursor to follow from once the copy is done: taken
    before the read, so every change at or below it is already in the copy."""
    if after > 0:
        return None
    high = feed.watermark()
    return high if high is not None else 0


@router.get(
    "/residents",
    response={200: ResidentsOut, 403: ErrorOut},
    url_name="sharing_residents",
    operation_id="sharing_residents",
    summary="Residents in the grant's area, with the granted fields only",
)
def residents(request: HttpRequest, grant: int, after: int = 0, limit: int = DEFAULT_PAGE) -> Status[Any]:
    """Pages in id order: pass the last ``next_after`` as ``after`` until it is null. Merged records are
    never listed. Each record has ``id`` and exactly the granted fields. The first page (``after`` 0) also
    gives ``sync_cursor``, the cursor of the change feed to follow from after the copy."""

    def read(g: Grant) -> Served:
        sync_cursor = _sync_cursor(after)
        page = records.shared_residents(grant=g, after=after, limit=_page_size(limit), today=_today())
        body = {"results": page.items, "next_after": page.next_after, "sync_cursor": sync_cursor}
        return Served(body, page.fields, len(page.items), page.personal_count, page.next_after)

    return _serve(request, grant_id=grant, endpoint="residents", cursor_from=after, needs=None, read=read)


@router.get(
    "/households",
    response={200: HouseholdsOut, 403: ErrorOut},
    url_name="sharing_households",
    operation_id="sharing_households",
    summary="Households in the grant's area (the grant must include the household field)",
)
def households(request: HttpRequest, grant: int, after: int = 0, limit: int = DEFAULT_PAGE) -> Status[Any]:
    """Pages in id order like residents: id, address, head_id, size and member_ids (members living there)."""

    def read(g: Grant) -> Served:
        sync_cursor = _sync_cursor(after)
        page = records.shared_households(grant=g, after=after, limit=_page_size(limit))
        body = {"results": page.items, "next_after": page.next_after, "sync_cursor": sync_cursor}
        return Served(body, page.fields, len(page.items), 0, page.next_after)

    return _serve(
        request, grant_id=grant, endpoint="households", cursor_from=after, needs="household", read=read
    )


@router.get(
    "/changes",
    response={200: ChangesOut, 403: ErrorOut},
    url_name="sharing_changes",
    operation_id="sharing_changes",
    summary="Changes of granted fields in the grant's area since a cursor",
)
def changes(request: HttpRequest, grant: int, cursor: int = 0, limit: int = DEFAULT_PAGE) -> Status[Any]:
    """Every change with an id above ``cursor``, in id order, exactly once across pages: keep
    ``next_cursor`` and call again with it (at once while ``has_more``, later otherwise)."""

    def read(g: Grant) -> Served:
        page = feed.read_changes(grant=g, cursor=max(cursor, 0), limit=_page_size(limit), today=_today())
        body = {"results": page.items, "next_cursor": page.next_cursor, "has_more": page.has_more}
        return Served(body, page.fields, len(page.items), page.personal_count, page.next_cursor)

    return _serve(request, grant_id=grant, endpoint="changes", cursor_from=cursor, needs=None, read=read)
