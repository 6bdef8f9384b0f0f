import datetime as dt
import zipfile
from typing import Any

import pytest
from django.utils import translation
from python_calamine import CalamineWorkbook

from linli.reports import xlsx
from linli.reports.engine import Heading, LedgerItem

LAYOUT = xlsx.SheetLayout(
    title="残疾人台账 · 和平街道 · 2025-06-30",
    sheet_name="残疾人台账",
    headings=["序号", "姓名", "出生日期", "年龄"],
    widths=[6, 12, 12, 6],
)
ITEMS: list[LedgerItem] = [
    Heading("和平街道 · 东社区"),
    (1, "张三", dt.date(1940, 5, 1), 85),
    (2, "=HYPERLINK(1)", None, None),
]


def read(path) -> dict[str, list[list[Any]]]:
    workbook = CalamineWorkbook.from_path(str(path))
    return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}


@pytest.fixture(params=["rust", "xlsxwriter"])
def writer(request, settings):
    settings.LINLI_LEDGER_XLSX_WRITER = request.param
    return request.param


def test_a_workbook_has_a_title_headings_group_rows_and_typed_cells(tmp_path, writer):
    path = tmp_path / "ledger.xlsx"
    assert xlsx.write_ledger(str(path), LAYOUT, iter(ITEMS), items_expected=3) == 2
    [(name, rows)] = read(path).items()
    assert name == "残疾人台账"
    assert rows[0][0] == LAYOUT.title
    assert rows[1] == LAYOUT.headings
    assert rows[2][0] == "和平街道 · 东社区"
    assert rows[3] == [1.0, "张三", dt.date(1940, 5, 1), 85.0]
    # Text that looks like a formula stays text.
    assert rows[4][:2] == [2.0, "=HYPERLINK(1)"]
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    assert 'ySplit="2"' in sheet and 'state="frozen"' in sheet


def test_an_empty_ledger_still_has_its_headings(tmp_path, writer):
    path = tmp_path / "empty.xlsx"
    assert xlsx.write_ledger(str(path), LAYOUT, iter([]), items_expected=0) == 0
    [rows] = read(path).values()
    assert rows[1] == LAYOUT.headings


def test_rows_beyond_a_sheet_continue_on_the_next(tmp_path, writer, monkeypatch):
    monkeypatch.setattr(xlsx, "ROWS_PER_SHEET", 2)
    items: list[LedgerItem] = [(n, f"人{n}", None, None) for n in range(1, 6)]
    path = tmp_path / "long.xlsx"
    assert xlsx.write_ledger(str(path), LAYOUT, iter(items), items_expected=5) == 5
    sheets = read(path)
    assert list(sheets) == ["残疾人台账 (1)", "残疾人台账 (2)", "残疾人台账 (3)"]
    assert [[row[0] for row in rows[2:]] for rows in sheets.values()] == [[1, 2], [3, 4], [5]]
    assert all(rows[1] == LAYOUT.headings for rows in sheets.values())


def test_a_group_cut_by_the_end_of_a_sheet_gets_its_heading_again(tmp_path, writer, monkeypatch):
    monkeypatch.setattr(xlsx, "ROWS_PER_SHEET", 3)
    items: list[LedgerItem] = [
        Heading("一户"),
        (1, "甲", None, None),
        (2, "乙", None, None),
        (3, "丙", None, None),
    ]
    path = tmp_path / "groups.xlsx"
    with translation.override("zh-hans"):
        assert xlsx.write_ledger(str(path), LAYOUT, iter(items), items_expected=6) == 3
    first, second = read(path).values()
    assert [row[0] for row in first[2:]] == ["一户", 1, 2]
    assert [row[0] for row in second[2:]] == ["一户（续）", 3]


def test_sheet_names_drop_forbidden_characters_and_fit_31_characters():
    assert xlsx.sheet_names("低保户[2025]/台账", 1) == ["低保户 2025 台账"]
    long = "很" * 40
    names = xlsx.sheet_names(long, 12)
    assert all(len(name) <= 31 for name in names) and names[-1].endswith("(12)")
    assert len(set(names)) == 12


def test_the_fastest_installed_writer_is_the_default(settings):
    settings.LINLI_LEDGER_XLSX_WRITER = "auto"
    assert xlsx.writer_name() == "rust"
