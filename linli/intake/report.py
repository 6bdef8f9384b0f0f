"""The problem report of an import: an xlsx listing every row that was not clean, for workers to fix.

Workers download it, so no full ID number or phone number is ever written: the columns holding them (by
the import's mapping, or by a label such as "身份证号" or "联系电话") are masked whole, and any ID or phone
number found in another cell (a guardian's number in a notes column) is masked where it stands.

The workbook is written in XlsxWriter's ``constant_memory`` mode, row by row, so a report of 200,000 rows
needs no more memory than one of ten. Texts are translated when the report is written, in the active
language.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import xlsxwriter
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext

from linli.core.idnumbers import mask_id_number
from linli.core.phones import mask_phone
from linli.intake.normalize import Problem

# Excel's limit on the text of one cell.
MAX_CELL_TEXT = 32767
FIXED_COLUMNS = 4  # row, outcome, reason code, message

_ID_LABELS = ("身份证", "证件号", "身份号码", "公民身份")
_PHONE_LABELS = ("电话", "手机", "联系方式")
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_NUMBER_AS_FLOAT = re.compile(r"\d(?:\.\d+)?[Ee]\+?\d{2}")
_PHONE_IN_TEXT = re.compile(
    r"(?<!\d)(?:(?:\+|00)?86[- ]?)?(?:1\d{2}[- ]?\d{4}[- ]?\d{4}|0\d{2,3}-?\d{7,8})(?!\d)"
)
_DIGIT = re.compile(r"\d")
_PHONE_SEPARATORS = re.compile(r"([,，;；/、|]+)")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")


@dataclass(frozen=True)
class ReportRow:
    """One row of the source sheet that was not clean, with why."""

    row_number: int  # as Excel numbers the row in the uploaded sheet
    outcome: str | Promise
    reason_code: str
    message: str | Promise
    cells: Sequence[str]

    @classmethod
    def from_problems(
        cls, *, row_number: int, outcome: str | Promise, problems: Sequence[Problem], cells: Sequence[str]
    ) -> ReportRow:
        """A report row for a row's problems: their codes, and their messages translated when written."""
        frozen = tuple(problems)
        message = lazy(lambda: "\n".join(problem.text() for problem in frozen), str)()
        return cls(
            row_number=row_number,
            outcome=outcome,
            reason_code=", ".join(problem.code for problem in frozen),
            message=message,
            cells=cells,
        )


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _column_kind(label: str, target: str | None) -> str:
    if target == "id_number" or any(word in label for word in _ID_LABELS):
        return "id"
    if target == "phone" or any(word in label for word in _PHONE_LABELS):
        return "phone"
    return ""


def mask_id_cell(text: str) -> str:
    compact = "".join(text.split())
    return mask_id_number(compact) if compact else ""


def mask_phone_cell(text: str) -> str:
    """Each number of a phone cell masked, however it is spaced ("138 1234 5678 / 010-69881234")."""
    parts = _PHONE_SEPARATORS.split(text)
    for index in range(0, len(parts), 2):  # the odd parts are the separators
        compact = _PHONE_NOISE.sub("", parts[index])
        if sum(char.isdigit() for char in compact) >= 5:
            parts[index] = mask_phone(compact)
    return "".join(parts)


def mask_free_text(text: str) -> str:
    """ID numbers and phone numbers masked wherever they appear in a text."""
    if _DIGIT.search(text) is None:
        return text
    text = _ID_IN_TEXT.sub(lambda match: mask_id_number(match[0]), text)
    text = _NUMBER_AS_FLOAT.sub(lambda match: mask_id_number(match[0]), text)
    return _PHONE_IN_TEXT.sub(lambda match: mask_phone(match[0]), text)


def write_problem_report(
    rows: Iterable[ReportRow],
    target: BinaryIO | str | os.PathLike[str],
    *,
    header: Sequence[str] = (),
    mapping: Mapping[str, str] | None = None,
) -> None:
    """Write the xlsx report of ``rows`` to a path or a binary file.

    ``header`` holds the labels of the source columns, ``mapping`` the import's label → target field, which
    tells which columns hold ID numbers and phones (labels are also recognised by themselves).
    """
    mapping = mapping or {}
    kinds = [_column_kind(label, mapping.get(label)) for label in header]
    destination = str(target) if isinstance(target, str | os.PathLike) else target
    workbook = xlsxwriter.Workbook(
        destination,
        {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False},
    )
    try:
        _write_sheet(workbook, rows, header, kinds)
    finally:
        workbook.close()


def _write_sheet(
    workbook: xlsxwriter.Workbook, rows: Iterable[ReportRow], header: Sequence[str], kinds: list[str]
) -> None:
    sheet = workbook.add_worksheet(gettext("Problems"))
    bold = workbook.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1, "text_wrap": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    top = workbook.add_format({"valign": "top"})

    fixed = [gettext("Row"), gettext("Outcome"), gettext("Reason code"), gettext("Message")]
    titles = fixed + [
        label or gettext("Column %(number)d") % {"number": i + 1} for i, label in enumerate(header)
    ]
    widths = [8, 14, 24, 60]
    for index, label in enumerate(header):
        natural = max(_display_width(label) + 2, 22 if kinds[index] else 10)
        widths.append(min(natural, 40))
    # constant_memory writes each row once, in order: widths and the header come first.
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    for column, title in enumerate(titles):
        sheet.write_string(0, column, title, bold)
    sheet.freeze_panes(1, 0)

    last_column = len(titles) - 1
    row_index = 0
    for row in rows:
        row_index += 1
        sheet.write_number(row_index, 0, row.row_number, top)
        sheet.write_string(row_index, 1, str(row.outcome), top)
        sheet.write_string(row_index, 2, row.reason_code, wrap)
        sheet.write_string(row_index, 3, str(row.message)[:MAX_CELL_TEXT], wrap)
        for index, cell in enumerate(row.cells):
            if not cell:
                continue
            kind = kinds[index] if index < len(kinds) else ""
            if kind == "id":
                shown = mask_id_cell(cell)
            elif kind == "phone":
                shown = mask_phone_cell(cell)
            else:
                shown = mask_free_text(cell)
            sheet.write_string(row_index, FIXED_COLUMNS + index, shown[:MAX_CELL_TEXT], top)
            last_column = max(last_column, FIXED_COLUMNS + index)
    sheet.autofilter(0, 0, max(row_index, 1), last_column)
