"""Reads of ledgers: templates, the areas a user may pick, a ledger's preview, and the coverage table."""

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Substr
from django.utils import timezone

from linli.accounts.access import has_capability, scope_prefixes
from linli.accounts.roles import Capability
from linli.core.models import Area, AreaLevel
from linli.reports.engine import Heading, LedgerItem, LedgerQuery
from linli.reports.models import LedgerExport, LedgerTemplate

PREVIEW_ROWS = 50
COMMUNITY_CODE = 12


def templates_for(*, user: Any) -> list[LedgerTemplate]:
    """Active templates for anyone who may view ledgers; managers of templates also see inactive ones."""
    if not has_capability(user, Capability.VIEW_LEDGERS):
        return []
    templates = LedgerTemplate.objects.all()
    if not has_capability(user, Capability.MANAGE_LEDGER_TEMPLATES):
        templates = templates.filter(active=True)
    return list(templates)


def ledger_areas(*, user: Any, capability: Capability = Capability.VIEW_LEDGERS) -> list[Area]:
    """The areas the user may pick for a ledger: each area of their scope and the streets and communities
    below it; grids too for users who work at community or grid level."""
    condition = Q()
    for prefix in scope_prefixes(user, capability):
        below = Q(code__startswith=prefix)
        if len(prefix) < COMMUNITY_CODE:
            below &= ~Q(level=AreaLevel.GRID)
        condition |= below
    if not condition:
        return []
    return list(Area.objects.filter(condition).order_by("code"))


def default_area_code(*, user: Any, capability: Capability = Capability.VIEW_LEDGERS) -> str | None:
    prefixes = scope_prefixes(user, capability)
    return prefixes[0] if prefixes else None


def area_title(area: Area) -> str:
    """The area with the names of the areas above it below the district, e.g. "和平街道 东社区"."""
    codes = [area.code[:n] for n in (9, 12, 15) if n <= len(area.code)]
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    return " ".join(names[code] for code in codes if code in names) or area.name


@dataclass(frozen=True)
class LedgerPage:
    headings: list[str]
    items: list[LedgerItem]
    total: int
    page: int
    pages: int
    first_row: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def ledger_page(
    *,
    template: LedgerTemplate,
    area: Area,
    page: int = 1,
    per_page: int | None = None,
    today: dt.date | None = None,
) -> LedgerPage:
    """One page of a ledger for an area the caller has checked with ``access_ledger_area``."""
    per_page = per_page or PREVIEW_ROWS
    query = LedgerQuery(template.parsed, area_code=area.code, today=today or timezone.localdate())
    total = query.count()
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    offset = (page - 1) * per_page
    items = list(query.rows(offset=offset, limit=per_page))
    return LedgerPage(
        headings=query.headings(),
        items=items,
        total=total,
        page=page,
        pages=pages,
        first_row=offset + 1,
    )


@dataclass(frozen=True)
class PreviewLine:
    """A line of the preview table: a group heading, or a row's cells as text."""

    heading: str
    cells: list[str]


def _shown(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell)


def preview_lines(page: LedgerPage) -> list[PreviewLine]:
    return [
        PreviewLine(item.text, [])
        if isinstance(item, Heading)
        else PreviewLine("", [_shown(c) for c in item])
        for item in page.items
    ]


# --- coverage --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageCell:
    template: LedgerTemplate
    rows: int
    last_export: LedgerExport | None

    @property
    def produced(self) -> bool:
        return self.rows > 0 or self.last_export is not None


@dataclass(frozen=True)
class CoverageRow:
    area: Area
    cells: list[CoverageCell]

    @property
    def produced(self) -> int:
        return sum(1 for cell in self.cells if cell.produced)


@dataclass(frozen=True)
class Coverage:
    templates: list[LedgerTemplate]
    rows: list[CoverageRow]


def _coverage_areas(prefixes: list[str]) -> list[Area]:
    """The communities of the scope; a user whose scope is a grid sees that grid."""
    condition = Q()
    for prefix in prefixes:
        if len(prefix) > COMMUNITY_CODE:
            condition |= Q(code=prefix)
        else:
            condition |= Q(code__startswith=prefix, level=AreaLevel.COMMUNITY)
    return list(Area.objects.filter(condition).order_by("code")) if condition else []


def _latest_exports(codes: set[str], templates: list[LedgerTemplate]) -> dict[tuple[int, str], LedgerExport]:
    """The latest export of each template for each of the areas ``codes``, by (template id, area code)."""
    if not codes or not templates:
        return {}
    newest = (
        LedgerExport.objects.filter(template=OuterRef("template"), area=OuterRef("area"))
        .order_by("-exported_at", "-id")
        .values("id")[:1]
    )
    exports = (
        LedgerExport.objects.filter(area__code__in=codes, template__in=templates)
        .filter(id=Subquery(newest))
        .select_related("area", "exported_by")
    )
    return {(export.template_id, export.area.code): export for export in exports}


def coverage(*, user: Any, today: dt.date | None = None) -> Coverage:
    """Per community in the user's scope and each active template: how many rows Linli produces for it
    today, and when it was last exported (for the community or an area around it) and by whom."""
    today = today or timezone.localdate()
    prefixes = scope_prefixes(user, Capability.VIEW_LEDGERS)
    templates = list(LedgerTemplate.objects.filter(active=True))
    areas = _coverage_areas(prefixes)
    counts: dict[tuple[int, str], int] = {}
    for template in templates:
        definition = template.parsed
        for prefix in prefixes:
            residents = LedgerQuery(definition, area_code=prefix, today=today).queryset().order_by()
            length = len(prefix) if len(prefix) > COMMUNITY_CODE else COMMUNITY_CODE
            grouped = (
                residents.annotate(unit=Substr("area__code", 1, length))
                .values("unit")
                .annotate(n=Count("id"))
                .values_list("unit", "n")
            )
            for unit, n in grouped:
                counts[(template.pk, unit)] = counts.get((template.pk, unit), 0) + n
    around = {area.code[:n] for area in areas for n in (6, 9, 12, 15) if n <= len(area.code)}
    exports = _latest_exports(around, templates)
    rows = []
    for area in areas:
        cells = []
        for template in templates:
            candidates = [
                exports[(template.pk, area.code[:n])]
                for n in (6, 9, 12, 15)
                if n <= len(area.code) and (template.pk, area.code[:n]) in exports
            ]
            latest = max(candidates, key=lambda e: (e.exported_at, e.pk)) if candidates else None
            cells.append(CoverageCell(template, counts.get((template.pk, area.code), 0), latest))
        rows.append(CoverageRow(area, cells))
    return Coverage(templates=templates, rows=rows)
