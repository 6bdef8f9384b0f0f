"""Reports endpoints of /api/v1: ledger templates, and a ledger's rows for an area in scope, masked."""

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from linli.accounts.access import has_capability
from linli.accounts.roles import Capability
from linli.reports import selectors, services
from linli.reports.access import access_ledger_area, access_template
from linli.reports.engine import Heading, LedgerQuery
from linli.reports.models import LedgerTemplate

router = Router(tags=["reports"])

MAX_LIMIT = 500


class LedgerColumnOut(Schema):
    key: str
    heading: str


class LedgerTemplateOut(Schema):
    code: str
    name: str
    department: str
    description: str
    group_by: str
    columns: list[LedgerColumnOut]


class LedgerRowsOut(Schema):
    template: str
    area: str
    as_of: dt.date
    total: int
    offset: int
    limit: int
    columns: list[LedgerColumnOut]
    # One object per row, keyed by column key; ID numbers and phones masked.
    rows: list[dict[str, Any]]


def template_out(template: LedgerTemplate) -> dict[str, Any]:
    definition = template.parsed
    return {
        "code": template.code,
        "name": template.name,
        "department": template.department,
        "description": template.description,
        "group_by": str(definition.group_by),
        "columns": [{"key": c.key, "heading": c.heading()} for c in definition.columns],
    }


@router.get("", response=list[LedgerTemplateOut], summary="Ledger templates")
def list_ledger_templates(request: HttpRequest) -> list[dict[str, Any]]:
    if not has_capability(request.user, Capability.VIEW_LEDGERS):
        raise Http404
    return [template_out(t) for t in selectors.templates_for(user=request.user) if t.active]


@router.get("/{code}/rows", response=LedgerRowsOut, summary="A ledger's rows for an area in scope")
def ledger_rows(
    request: HttpRequest, code: str, area: str, offset: int = 0, limit: int = 100
) -> dict[str, Any]:
    """Rows in the ledger's order, without group headings; each read is audited."""
    template = access_template(request.user, code)
    place = access_ledger_area(request.user, area)
    offset, limit = max(offset, 0), max(1, min(limit, MAX_LIMIT))
    today = timezone.localdate()
    query = LedgerQuery(template.parsed, area_code=place.code, today=today)
    keys = query.keys
    rows = [
        dict(zip(keys, item, strict=True))
        for item in query.rows(offset=offset, limit=limit)
        if not isinstance(item, Heading)
    ]
    services.record_ledger_read(
        actor=request.user, template=template, area=place, offset=offset, rows=len(rows)
    )
    return {
        "template": template.code,
        "area": place.code,
        "as_of": today,
        "total": query.count(),
        "offset": offset,
        "limit": limit,
        "columns": [{"key": c.key, "heading": c.heading()} for c in query.definition.columns],
        "rows": rows,
    }
