"""Reading department spreadsheets: every row as the cell texts a person sees in Excel.

Workbooks (xlsx, xlsm, xlsb, xls, ods) are read with python-calamine, CSV and tab-separated text with the
``csv`` module. What a file is comes from its first bytes, not its name: a ".xls" that is really a web page
(as some government systems export) is refused with a message saying so, and one that is really
tab-separated text is read as text.

Cell values become text as Excel shows them: whole numbers without ".0", dates as ISO ``YYYY-MM-DD``
(``YYYY-MM-DD HH:MM:SS`` when there is a time of day), TRUE/FALSE, empty cells as "". A number of 15 or
more digits is shown in Excel's scientific form ("1.1010119491231E+17"): Excel keeps 15 significant digits
only, so an ID number typed as a number has already lost its last digits, and the normaliser reports it as
``id_stored_as_number`` instead of guessing.

Rows keep their sheet position: the n-th row yielded (from 0) is row n + 1 in Excel, leading empty rows
and columns included, so problem reports can point at the right row.

Every failure is a ``DomainError`` with a code: ``unreadable_file``, ``unsupported_file_type``,
``web_page_file``, ``password_protected``, ``empty_file``, ``empty_sheet``, ``sheet_not_found``,
``unknown_encoding``. ``read_rows`` checks the file and the sheet when it is called; a CSV row that cannot
be parsed further down raises ``unreadable_file`` while iterating.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import html
import math
import os
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import charset_normalizer
from django.utils.translation import gettext_lazy as _
from python_calamine import (
    CalamineError,
    CalamineSheet,
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
    WorksheetNotFound,
)

from linli.core.errors import DomainError
from linli.intake.normalize import IGNORE, clean_text, match_header_label

FileKind = Literal["xlsx", "xlsb", "xls", "ods", "csv"]

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
# Names a text file may carry: CSV and text exports, and spreadsheet names that some systems give to text.
TEXT_EXTENSIONS = frozenset({"csv", "txt", "tsv", "xls", "xlsx", ""})
BINARY_SIGNATURES = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"Rar!", b"7z\xbc\xaf")
DELIMITERS = (",", "\t", ";", "|")
# Detection reads this much; the whole file is still checked against the encoding it settles on.
SAMPLE_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024
HEADER_SCAN_ROWS = 20
# A header label is short; a longer cell in the first rows is a title or a note.
MAX_LABEL_LENGTH = 16


@dataclass(frozen=True)
class FileInfo:
    kind: FileKind
    # Names of the worksheets in workbook order; a CSV file has one pseudo-sheet named after the file.
    sheets: tuple[str, ...]
    # The sheet to offer first: the first visible worksheet that has cells.
    default_sheet: str
    hidden_sheets: tuple[str, ...] = ()
    encoding: str | None = None  # CSV only: "utf-8", "utf-8-sig", "gb18030", "utf-16", ...
    delimiter: str | None = None  # CSV only


def _error(code: str) -> DomainError:
    return DomainError(code, _ERRORS[code], field="file")


_ERRORS = {
    "unreadable_file": _(
        "This file cannot be read; it may be damaged. Open it in Excel, save it again as .xlsx and upload "
        "it again."
    ),
    "unsupported_file_type": _("Only Excel workbooks (.xlsx, .xls) and CSV files can be imported."),
    "web_page_file": _(
        "This file is a web page saved under a spreadsheet name. Open it in Excel and save it as .xlsx."
    ),
    "password_protected": _(
        "This workbook is protected by a password; remove the password and upload again."
    ),
    "empty_file": _("This file is empty."),
    "empty_sheet": _("This sheet is empty."),
    "sheet_not_found": _("This workbook has no sheet of that name."),
    "unknown_encoding": _(
        "The text encoding of this CSV file is not recognised; save it as UTF-8 and try again."
    ),
}


# ---------------------------------------------------------------------------------------------------------
# What the file is
# ---------------------------------------------------------------------------------------------------------


def _extension(filename: str) -> str:
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _stem(filename: str) -> str:
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return name.rsplit(".", 1)[0] if "." in name else name


def _kind(path: Path, filename: str) -> FileKind:
    try:
        with path.open("rb") as file:
            head = file.read(SAMPLE_BYTES)
    except OSError as error:
        raise _error("unreadable_file") from error
    if not head.strip():
        raise _error("empty_file")
    if head.startswith(ZIP_SIGNATURE):
        return _zip_kind(path)
    if head.startswith(OLE2_SIGNATURE):
        return "xls"  # or an encrypted xlsx, which calamine reports as password-protected
    start = head.lstrip()[:2048].lower()
    if start.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")) or b"<html" in start:
        raise _error("web_page_file")
    if start.startswith(b"<?xml"):
        # SpreadsheetML 2003 or another XML document: not something calamine reads.
        raise _error("web_page_file" if b"<html" in start else "unsupported_file_type")
    if head.startswith(BINARY_SIGNATURES) or _extension(filename) not in TEXT_EXTENSIONS:
        raise _error("unsupported_file_type")
    return "csv"


def _zip_kind(path: Path) -> FileKind:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype") if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError) as error:
        raise _error("unreadable_file") from error
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if mimetype.strip() == b"application/vnd.oasis.opendocument.spreadsheet":
        return "ods"
    raise _error("unsupported_file_type")  # a Word document, a zip of files ...


# ---------------------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------------------


def _decodes_whole_file(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as file:
            while chunk := file.read(CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), then GB18030 (a superset of GBK and GB2312), then a statistical guess."""
    with path.open("rb") as file:
        head = file.read(SAMPLE_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text" export
    for encoding in ("utf-8", "gb18030"):
        if _decodes_whole_file(path, encoding):
            return encoding
    guess = charset_normalizer.from_bytes(head).best()
    if guess is not None and _decodes_whole_file(path, guess.encoding):
        return str(guess.encoding)
    raise _error("unknown_encoding")


def sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the first lines into the most rows of one same width (comma on a tie)."""
    lines = sample.splitlines()[:50]
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may have cut the last line
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        widths = [
            len(row) for row in csv.reader(lines, delimiter=delimiter) if any(cell.strip() for cell in row)
        ]
        if not widths:
            continue
        common = max(set(widths), key=widths.count)
        score = (widths.count(common), common) if common > 1 else (0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_dialect(path: Path) -> tuple[str, str]:
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as file:
        sample = file.read(SAMPLE_BYTES)
    return encoding, sniff_delimiter(sample)


def _csv_cell(text: str) -> str:
    # ="0012" is how a CSV keeps leading zeros and long numbers as text in Excel; a person sees 0012.
    if text.startswith('="') and text.endswith('"') and len(text) >= 3:
        return text[2:-1]
    return text


def _csv_rows(path: Path, encoding: str, delimiter: str) -> Iterator[list[str]]:
    with path.open(encoding=encoding, newline="") as file:
        reader = csv.reader(file, delimiter=delimiter)
        try:
            for row in reader:
                yield [_csv_cell(cell) if cell.startswith("=") else cell for cell in row]
        except (csv.Error, UnicodeDecodeError) as error:
            raise _error("unreadable_file") from error


# ---------------------------------------------------------------------------------------------------------
# Workbooks
# ---------------------------------------------------------------------------------------------------------

CellValue = int | float | str | bool | dt.time | dt.date | dt.datetime | dt.timedelta


def cell_text(value: CellValue) -> str:
    """A workbook cell as Excel shows it with the General format."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        # Excel keeps 15 significant digits; a longer number shows (and has been stored) in this form.
        return format(value, ".15G")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    seconds = int(value.total_seconds())
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _open_workbook(path: Path) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_path(str(path))
    except PasswordError as error:
        raise _error("password_protected") from error
    except (CalamineError, OSError, ValueError) as error:
        raise _error("unreadable_file") from error


def _load_sheet(workbook: CalamineWorkbook, name: str) -> CalamineSheet:
    try:
        return workbook.get_sheet_by_name(name)
    except WorksheetNotFound as error:
        raise _error("sheet_not_found") from error
    except PasswordError as error:
        raise _error("password_protected") from error
    except (CalamineError, OSError, ValueError) as error:
        raise _error("unreadable_file") from error


def _worksheets(workbook: CalamineWorkbook) -> tuple[list[str], list[str]]:
    names: list[str] = []
    hidden: list[str] = []
    for meta in workbook.sheets_metadata:
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue
        names.append(meta.name)
        if meta.visible != SheetVisibleEnum.Visible:
            hidden.append(meta.name)
    return names, hidden


def _workbook_rows(sheet: CalamineSheet) -> Iterator[list[str]]:
    start = sheet.start
    # calamine yields empty rows for the leading empty rows but starts each row at the first used column.
    pad = [""] * start[1] if start else []
    for row in sheet.iter_rows():
        cells = [value if type(value) is str else cell_text(value) for value in row]
        yield pad + cells if pad else cells


# ---------------------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------------------


def inspect_file(path: str | os.PathLike[str], *, filename: str) -> FileInfo:
    """What an uploaded file is: its kind, its sheets and, for CSV, its encoding and delimiter.

    ``filename`` is the name the file was uploaded with (the stored path may have none).
    """
    path = Path(path)
    kind = _kind(path, filename)
    if kind == "csv":
        encoding, delimiter = _csv_dialect(path)
        stem = _stem(filename)
        return FileInfo(kind=kind, sheets=(stem,), default_sheet=stem, encoding=encoding, delimiter=delimiter)
    workbook = _open_workbook(path)
    try:
        names, hidden = _worksheets(workbook)
        # Loading a sheet parses all of it (seconds for 200,000 rows): an xlsx says in its first bytes
        # whether a sheet has no rows at all, so only other kinds of workbook are loaded to find out.
        empty = _empty_xlsx_sheets(path) if kind == "xlsx" else None
        default = next(
            (
                name
                for name in names
                if name not in hidden
                and (
                    name not in empty if empty is not None else _load_sheet(workbook, name).start is not None
                )
            ),
            None,
        )
    finally:
        workbook.close()
    if default is None:
        raise _error("empty_file")
    return FileInfo(kind=kind, sheets=tuple(names), default_sheet=default, hidden_sheets=tuple(hidden))


_XML_TAG_ATTRIBUTES = re.compile(r'([\w:]+)="([^"]*)"')


def _tags(xml: str, tag: str) -> list[dict[str, str]]:
    """The attributes of each ``tag`` element (any namespace prefix), attribute prefixes dropped."""
    found = []
    for match in re.finditer(rf"<(?:\w+:)?{tag}\b([^>]*)>", xml):
        found.append(
            {
                name.rsplit(":", 1)[-1]: html.unescape(value)
                for name, value in _XML_TAG_ATTRIBUTES.findall(match[1])
            }
        )
    return found


def _empty_xlsx_sheets(path: Path) -> set[str] | None:
    """Names of the sheets of an xlsx whose data is an empty ``<sheetData/>``; None when unsure."""
    try:
        with zipfile.ZipFile(path) as archive:
            workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
            relations = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            targets = {rel.get("Id", ""): rel.get("Target", "") for rel in _tags(relations, "Relationship")}
            empty: set[str] = set()
            for sheet in _tags(workbook, "sheet"):
                target = targets.get(sheet.get("id", ""), "")
                member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                with archive.open(member) as stream:
                    head = stream.read(SAMPLE_BYTES).decode("utf-8", "replace")
                if re.search(r"<(?:\w+:)?sheetData\s*/>", head):
                    empty.add(sheet.get("name", ""))
                elif not re.search(r"<(?:\w+:)?sheetData\b", head):
                    return None  # the data starts further on: no cheap answer
    except (KeyError, OSError, zipfile.BadZipFile):
        return None
    return empty


def _default_sheet(workbook: CalamineWorkbook) -> CalamineSheet:
    names, hidden = _worksheets(workbook)
    for name in names:
        if name not in hidden and (loaded := _load_sheet(workbook, name)).start is not None:
            return loaded
    raise _error("empty_file")


def read_rows(
    path: str | os.PathLike[str], *, filename: str, sheet: str | None = None
) -> Iterator[list[str]]:
    """Every row of a sheet (the first visible one when none is named) as a list of cell texts."""
    path = Path(path)
    kind = _kind(path, filename)
    if kind == "csv":
        if sheet is not None and sheet != _stem(filename):
            raise _error("sheet_not_found")
        encoding, delimiter = _csv_dialect(path)
        return _csv_rows(path, encoding, delimiter)
    workbook = _open_workbook(path)
    try:
        # calamine holds the whole sheet in memory once loaded; the workbook file is not needed after.
        loaded = _load_sheet(workbook, sheet) if sheet is not None else _default_sheet(workbook)
    finally:
        workbook.close()
    if loaded.start is None:
        raise _error("empty_sheet")
    return _workbook_rows(loaded)


def _header_score(row: Sequence[str]) -> int:
    targets: set[str] = set()
    data_like = 0
    for cell in row:
        text = cell.strip()
        if not text:
            continue
        if sum(char.isdigit() for char in text) >= 5:
            data_like += 1  # an ID number, a phone, a date: a data row
            continue
        if len(text) <= MAX_LABEL_LENGTH and (target := match_header_label(text)) not in (None, IGNORE):
            targets.add(target or "")
    return len(targets) - data_like


def detect_header_row(rows: Sequence[Sequence[str]]) -> int:
    """Index of the header row among the first rows: the one whose labels name the most known fields.

    Title rows ("2026年高龄老人津贴发放名册") and group labels above the real header name few or none; data
    rows are marked down for their numbers. With nothing recognised, the first row with two cells filled.
    """
    scanned = rows[:HEADER_SCAN_ROWS]
    best, best_score = -1, 0
    for index, row in enumerate(scanned):
        score = _header_score(row)
        if score > best_score:
            best, best_score = index, score
    if best >= 0:
        return best
    for index, row in enumerate(scanned):
        if sum(1 for cell in row if cell.strip()) >= 2:
            return index
    return 0


def header_labels(rows: Sequence[Sequence[str]], header_row: int) -> tuple[list[str], int]:
    """The column labels and the index of the first data row.

    A header of two rows, where a merged label spans sub-labels ("残疾情况" over "类别" and "等级"), gives
    combined labels ("残疾情况类别", "残疾情况等级") and data starting one row lower.
    """
    labels = [clean_text(cell) for cell in rows[header_row]]
    first_data = header_row + 1
    if first_data < len(rows):
        below = [clean_text(cell) for cell in rows[first_data]]
        if _is_sub_header(labels, below):
            labels = _combine(labels, below)
            first_data += 1
    return labels, first_data


def _is_sub_header(labels: list[str], below: list[str]) -> bool:
    filled = [index for index, cell in enumerate(below) if cell]
    if not filled or any(sum(char.isdigit() for char in cell) >= 5 for cell in below):
        return False
    # Under a label spanning two header rows (merged vertically) a sub-header row is blank; a data row is not.
    known = [
        index
        for index, label in enumerate(labels)
        if label and match_header_label(label) not in (None, IGNORE)
    ]
    blank_under_known = sum(1 for index in known if index >= len(below) or not below[index])
    if not known or blank_under_known * 2 < len(known):
        return False
    # A merged label leaves blank cells to its right, above its sub-labels.
    return any(index < len(labels) and not labels[index] for index in filled) or len(below) > len(labels)


def _combine(labels: list[str], below: list[str]) -> list[str]:
    combined: list[str] = []
    parent = ""
    for index in range(max(len(labels), len(below))):
        label = labels[index] if index < len(labels) else ""
        sub = below[index] if index < len(below) else ""
        if label:
            parent = label
        if sub:
            combined.append(parent + sub if parent != sub else sub)
        else:
            combined.append(label)
    return combined
