"""Writing a ledger to an xlsx file in constant memory.

Two writers produce the same workbook: a title row (ledger, area, date) over the column headings, frozen
below the headings and repeated on every printed page, landscape and one page wide, then one row per
resident, with a row holding the group's title before each group of a grouped ledger.

- ``rust``: rustpy-xlsxwriter, a binding of rust_xlsxwriter, in its constant-memory mode: on the benchmark
  machine about 9 s and 21 MB for 1,000,000 rows of 12 columns, five to six times faster than XlsxWriter.
- ``xlsxwriter``: XlsxWriter with ``constant_memory``, the fallback when the first is not installed.

Both write rows to temporary files as they come and assemble the zip at the end, so the memory they hold
does not grow with the number of rows. They write to a path: given a file object, rust_xlsxwriter builds
the whole file in memory first. Strings are written as text, never as formulas.
"""

import importlib.util
import itertools
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext

from linli.reports.engine import Heading, LedgerItem

# Excel's limit is 1,048,576 rows a sheet; a sheet holds this many ledger rows (and a group's heading
# repeated on top), and the last sheet may run past it up to the limit if rows were added meanwhile.
ROWS_PER_SHEET = 1_000_000
EXCEL_MAX_ROWS = 1_048_576
TOP_ROWS = 2  # the title row and the headings
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
DATE_FORMAT = "yyyy-mm-dd"


class LedgerTooLarge(Exception):
    """More rows than the workbook's sheets can hold."""


@dataclass(frozen=True)
class SheetLayout:
    title: str
    sheet_name: str
    headings: list[str]
    widths: list[float]


def sheet_names(base: str, count: int) -> list[str]:
    """Valid, distinct sheet names: the ledger's name, then "name (2)", "name (3)"…"""
    clean = " ".join(SHEET_NAME_FORBIDDEN.sub(" ", base).split()).strip("'") or "Sheet"
    if count == 1:
        return [clean[:31]]
    return [f"{clean[: 31 - len(f' ({n})')]} ({n})" for n in range(1, count + 1)]


def writer_name() -> str:
    """The writer in use: LINLI_LEDGER_XLSX_WRITER ("rust", "xlsxwriter"), or the fastest installed."""
    chosen: str = getattr(settings, "LINLI_LEDGER_XLSX_WRITER", "auto")
    if chosen in ("rust", "xlsxwriter"):
        return chosen
    return "rust" if importlib.util.find_spec("rustpy_xlsxwriter") is not None else "xlsxwriter"


def write_ledger(path: str, layout: SheetLayout, items: Iterable[LedgerItem], *, items_expected: int) -> int:
    """Write ``items`` (rows and group headings) to an xlsx file at ``path``; returns the rows written.

    ``items_expected`` decides how many sheets the workbook has (one per ROWS_PER_SHEET items).
    """
    feed = _Feed(iter(items))
    sheets = max(1, math.ceil(items_expected / ROWS_PER_SHEET))
    names = sheet_names(layout.sheet_name, sheets)
    if writer_name() == "rust":
        _write_rust(path, layout, names, feed)
    else:
        _write_xlsxwriter(path, layout, names, feed)
    if next(feed.source, None) is not None:
        raise LedgerTooLarge
    return feed.rows


class _Feed:
    """The items, cut into sheets, counting the rows (not the headings) that went by.

    A group that runs on into the next sheet gets its heading again at the top of that sheet.
    """

    def __init__(self, source: Iterator[LedgerItem]) -> None:
        self.source = source
        self.rows = 0
        self.heading: Heading | None = None

    def sheet(self, limit: int) -> Iterator[LedgerItem]:
        first = next(self.source, None)
        if first is None:
            return
        if not isinstance(first, Heading) and self.heading is not None:
            # Translators: a group's heading repeated at the top of the next sheet.
            yield Heading(gettext("%(heading)s (continued)") % {"heading": self.heading.text})
        rows = 0
        for item in itertools.chain((first,), itertools.islice(self.source, limit - 1)):
            if isinstance(item, Heading):
                self.heading = item
            else:
                rows += 1
            yield item
        self.rows += rows


def _budgets(count: int) -> list[int]:
    # The last sheet's budget leaves a row for a repeated heading.
    return [ROWS_PER_SHEET] * (count - 1) + [EXCEL_MAX_ROWS - TOP_ROWS - 1]


def _write_rust(path: str, layout: SheetLayout, names: list[str], feed: _Feed) -> None:
    from rustpy_xlsxwriter import Format, write_worksheets

    headings = layout.headings
    blank: tuple[None, ...] = (None,) * (len(headings) - 1)

    def records(limit: int) -> Iterator[dict[str, Any]]:
        # The hot loop of an export. Every row has a cell per heading (the engine makes one per column), so
        # zip need not check lengths: that check costs 0.5 s a million rows.
        wrote = False
        for item in feed.sheet(limit):
            wrote = True
            if isinstance(item, Heading):
                yield dict(zip(headings, (item.text, *blank), strict=False))
            else:
                yield dict(zip(headings, item, strict=False))
        if not wrote:  # the headings come from the first record: an empty sheet still gets them
            yield dict.fromkeys(headings)

    title_format = Format().set_bold().set_font_size(14)
    last_column = len(headings) - 1
    write_worksheets(
        [(name, records(budget)) for name, budget in zip(names, _budgets(len(names)), strict=True)],
        path,
        freeze_panes={"general": {"row": TOP_ROWS}},
        datetime_format=DATE_FORMAT,
        bold_headers=True,
        header_row=dict.fromkeys(names, 1),
        merge_ranges={
            name: [(0, 0, 0, last_column, layout.title, title_format)] if last_column > 0 else []
            for name in names
        },
        column_widths=dict.fromkeys(names, layout.widths),
        page_setup={
            name: {"landscape": True, "repeat_rows": (0, TOP_ROWS - 1), "fit_to_pages": (1, 0)}
            for name in names
        },
    )


def _write_xlsxwriter(path: str, layout: SheetLayout, names: list[str], feed: _Feed) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_date_format": DATE_FORMAT,
        },
    )
    title_format = workbook.add_format({"bold": True, "font_size": 14})
    heading_format = workbook.add_format({"bold": True})
    last_column = len(layout.headings) - 1
    for name, budget in zip(names, _budgets(len(names)), strict=True):
        sheet = workbook.add_worksheet(name)
        for column, width in enumerate(layout.widths):
            sheet.set_column(column, column, width)
        sheet.freeze_panes(TOP_ROWS, 0)
        sheet.repeat_rows(0, TOP_ROWS - 1)
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
        # Constant-memory mode writes rows in order: the title row first, then the headings.
        if last_column > 0:
            sheet.merge_range(0, 0, 0, last_column, layout.title, title_format)
        else:
            sheet.write_string(0, 0, layout.title, title_format)
        sheet.write_row(1, 0, layout.headings, heading_format)
        write_row = sheet.write_row
        for row, item in enumerate(feed.sheet(budget), start=TOP_ROWS):
            if isinstance(item, Heading):
                sheet.write_string(row, 0, item.text)
            else:
                write_row(row, 0, item)
    workbook.close()
