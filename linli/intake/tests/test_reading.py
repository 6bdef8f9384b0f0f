import codecs
import datetime as dt
import struct
import zipfile
from itertools import islice

import pytest
import xlsxwriter

from linli.core.errors import DomainError
from linli.intake.normalize import normalize_id_number, normalize_row, row_values, suggest_mapping
from linli.intake.reading import (
    cell_text,
    detect_header_row,
    header_labels,
    inspect_file,
    read_rows,
    sniff_delimiter,
)

TODAY = dt.date(2026, 6, 1)
HEADER = ["序号", "姓名", "身份证号", "性别", "出生日期", "联系电话", "现住址", "是否低保"]
PEOPLE = [
    ["1", "王小明", "11010519491231002X", "女", "1949-12-31", "13812345678", "延庆区百泉街道1号楼", "是"],
    [
        "2",
        "阿依古丽·买买提",
        "360426199101010071",
        "男",
        "1991-01-01",
        "010-69881234",
        "儒林街道 3-2-101",
        "否",
    ],
]


def naive(year, month, day, hour=0, minute=0, second=0):
    """A date and time without a zone, as a spreadsheet cell holds them."""
    return dt.datetime.combine(dt.date(year, month, day), dt.time(hour, minute, second))


def write_xlsx(path, sheets, hidden=()):
    """sheets: {name: [(row, col, value, kind)]} with kind "string", "number", "date", "datetime", "bool"."""
    workbook = xlsxwriter.Workbook(str(path))
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    activated = False
    for name, cells in sheets.items():
        sheet = workbook.add_worksheet(name)
        if name in hidden:
            sheet.hide()
        elif not activated:
            sheet.activate()  # Excel cannot hide the active sheet
            activated = True
        for row, col, value, kind in cells:
            if kind == "string":
                sheet.write_string(row, col, value)
            elif kind == "number":
                sheet.write_number(row, col, value)
            elif kind == "date":
                sheet.write_datetime(row, col, value, date)
            elif kind == "datetime":
                sheet.write_datetime(row, col, value, stamp)
            elif kind == "bool":
                sheet.write_boolean(row, col, value)
    workbook.close()
    return path


def table(rows, *, top=0, left=0):
    return [
        (top + r, left + c, value, "string")
        for r, row in enumerate(rows)
        for c, value in enumerate(row)
        if value
    ]


def write_csv(path, rows, *, encoding="utf-8", delimiter=","):
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


# --- a tiny BIFF8 writer: no tool here produces .xls, so the test builds the compound file itself -------


def _record(kind, data=b""):
    return struct.pack("<HH", kind, len(data)) + data


def _biff8_stream(sheets):
    strings: list[str] = []
    index: dict[str, int] = {}
    bodies: list[bytes] = []
    for _name, rows in sheets:
        cells = b""
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    if value not in index:
                        index[value] = len(strings)
                        strings.append(value)
                    cells += _record(0x00FD, struct.pack("<HHHI", r, c, 0, index[value]))  # LabelSst
                elif isinstance(value, int) and -(2**29) <= value < 2**29:
                    cells += _record(0x027E, struct.pack("<HHHi", r, c, 0, (value << 2) | 2))  # RK integer
                else:
                    cells += _record(0x0203, struct.pack("<HHHd", r, c, 0, float(value)))  # Number
        bof = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0, 0, 0, 0))
        bodies.append(bof + cells + _record(0x000A))
    sst = struct.pack("<ii", len(strings), len(strings)) + b"".join(
        struct.pack("<HB", len(text), 1) + text.encode("utf-16-le") for text in strings
    )

    def workbook_globals(offsets):
        out = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0))
        out += _record(0x0042, struct.pack("<H", 1200))  # code page: UTF-16
        out += _record(0x00E0, bytes(20))  # one cell format, General
        for (name, _rows), offset in zip(sheets, offsets, strict=True):
            out += _record(
                0x0085, struct.pack("<IBBBB", offset, 0, 0, len(name), 1) + name.encode("utf-16-le")
            )
        return out + _record(0x00FC, sst) + _record(0x000A)

    offset = len(workbook_globals([0] * len(sheets)))
    offsets = []
    for body in bodies:
        offsets.append(offset)
        offset += len(body)
    return workbook_globals(offsets) + b"".join(bodies)


def write_xls(path, sheets):
    end_of_chain, free, fat_sector, no_stream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    stream = _biff8_stream(sheets)
    stream += bytes(max(0, 4096 - len(stream)))  # shorter streams would live in the mini stream
    stream += bytes(-len(stream) % 512)
    count = len(stream) // 512
    fat = [fat_sector, end_of_chain, *range(3, count + 2), end_of_chain]
    fat += [free] * (128 - len(fat))
    header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
    header += bytes(6) + struct.pack("<9I", 0, 1, 1, 0, 4096, end_of_chain, 0, end_of_chain, 0)
    header += struct.pack("<109I", 0, *([free] * 108))

    def entry(name, kind, child, start, size):
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(encoded), kind, 1, no_stream, no_stream, child)
            + bytes(36)
            + struct.pack("<III", start, size, 0)
        )

    directory = entry("Root Entry", 5, 1, end_of_chain, 0) + entry("Workbook", 2, no_stream, 2, len(stream))
    directory += entry("", 0, no_stream, 0, 0) * 2
    path.write_bytes(header + struct.pack("<128I", *fat) + directory + stream)
    return path


# --- workbooks ----------------------------------------------------------------------------------------------


def test_xlsx_cells_read_as_a_person_sees_them(tmp_path):
    path = write_xlsx(
        tmp_path / "名册.xlsx",
        {
            "名册": [
                (0, 0, "王小明", "string"),
                (0, 1, 13812345678, "number"),
                (0, 2, naive(1949, 12, 31), "date"),
                (0, 3, naive(1949, 12, 31, 8, 30), "datetime"),
                (0, 4, True, "bool"),
                (0, 5, 1.5, "number"),
                (0, 6, 76.0, "number"),
                (0, 7, -3, "number"),
                (0, 8, "0012", "string"),
                (0, 9, " 带空格 ", "string"),
                (0, 10, 0.1 + 0.2, "number"),
            ]
        },
    )

    rows = list(read_rows(path, filename="名册.xlsx"))

    assert rows == [
        [
            "王小明",
            "13812345678",
            "1949-12-31",
            "1949-12-31 08:30:00",
            "TRUE",
            "1.5",
            "76",
            "-3",
            "0012",
            " 带空格 ",
            "0.3",
        ]
    ]


def test_an_id_number_stored_as_a_number_in_excel_is_read_in_scientific_form_and_reported(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [(0, 0, 110105194912310021.0, "number")]})

    [[cell]] = list(read_rows(path, filename="a.xlsx"))
    value = normalize_id_number(cell, today=TODAY)

    assert cell == "1.1010519491231E+17"
    assert value is not None
    assert value.problem is not None
    assert value.problem.code == "id_stored_as_number"


def test_a_15_digit_legacy_number_stored_as_a_number_keeps_every_digit(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [(0, 0, 110105491231002, "number")]})

    assert list(read_rows(path, filename="a.xlsx")) == [["110105491231002"]]


def test_rows_keep_their_sheet_position_when_the_data_starts_lower_and_to_the_right(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"S": table([["姓名", "电话"], ["王小明", "1"]], top=2, left=2)})

    rows = list(read_rows(path, filename="a.xlsx"))

    assert rows[2] == ["", "", "姓名", "电话"]
    assert rows[3] == ["", "", "王小明", "1"]
    assert len(rows) == 4


def test_values_round_trip_through_an_xlsx_file(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"S": table([HEADER, *PEOPLE])})

    assert list(read_rows(path, filename="a.xlsx")) == [HEADER, *PEOPLE]


def test_a_workbook_lists_its_sheets_and_defaults_to_the_first_visible_one_with_cells(tmp_path):
    path = write_xlsx(
        tmp_path / "a.xlsx",
        {"说明": table([["填表说明"]]), "空表": [], "名册": table([HEADER, *PEOPLE])},
        hidden=("说明",),
    )

    info = inspect_file(path, filename="a.xlsx")
    rows = list(read_rows(path, filename="a.xlsx"))

    assert info.kind == "xlsx"
    assert info.sheets == ("说明", "空表", "名册")
    assert info.hidden_sheets == ("说明",)
    assert info.default_sheet == "名册"
    assert info.encoding is None
    assert rows[0] == HEADER
    assert list(read_rows(path, filename="a.xlsx", sheet="说明")) == [["填表说明"]]


def test_the_kind_of_a_workbook_comes_from_its_content_not_its_name(tmp_path):
    path = write_xlsx(tmp_path / "upload.tmp", {"S": table([HEADER])})

    assert inspect_file(path, filename="名单.xls").kind == "xlsx"
    assert list(read_rows(path, filename="名单")) == [HEADER]


def test_an_xls_workbook_is_read_with_numbers_as_a_person_sees_them(tmp_path):
    path = write_xls(
        tmp_path / "a.xls",
        [
            (
                "名册",
                [
                    ["2026年高龄老人津贴发放名册"],
                    ["姓名", "身份证号", "联系电话", "年龄", "补贴"],
                    ["王小明", 110105194912310021.0, 13812345678, 76, 1.5],
                    ["阿依古丽·买买提", "360426199101010071", None, 35, None],
                ],
            ),
            ("Sheet2", []),
        ],
    )

    info = inspect_file(path, filename="a.xls")
    rows = list(read_rows(path, filename="a.xls"))

    assert info.kind == "xls"
    assert info.sheets == ("名册", "Sheet2")
    assert info.default_sheet == "名册"
    assert rows == [
        ["2026年高龄老人津贴发放名册", "", "", "", ""],
        ["姓名", "身份证号", "联系电话", "年龄", "补贴"],
        ["王小明", "1.1010519491231E+17", "13812345678", "76", "1.5"],
        ["阿依古丽·买买提", "360426199101010071", "", "35", ""],
    ]
    assert detect_header_row(rows) == 1


def test_an_empty_sheet_and_a_missing_sheet_are_refused(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"名册": table([HEADER]), "空表": []})

    with pytest.raises(DomainError) as empty:
        read_rows(path, filename="a.xlsx", sheet="空表")
    with pytest.raises(DomainError) as missing:
        read_rows(path, filename="a.xlsx", sheet="没有")

    assert empty.value.code == "empty_sheet"
    assert missing.value.code == "sheet_not_found"


def test_a_workbook_without_any_cells_is_an_empty_file(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"Sheet1": []})

    with pytest.raises(DomainError) as caught:
        inspect_file(path, filename="a.xlsx")

    assert caught.value.code == "empty_file"


@pytest.mark.parametrize(
    ("content", "filename", "code"),
    [
        (b"", "a.xlsx", "empty_file"),
        (b"   \r\n", "a.csv", "empty_file"),
        (b"PK\x03\x04 not really a zip", "a.xlsx", "unreadable_file"),
        (bytes.fromhex("D0CF11E0A1B11AE1") + bytes(600), "a.xls", "unreadable_file"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a.pdf", "unsupported_file_type"),
        (b"\x89PNG\r\n\x1a\n", "a.xlsx", "unsupported_file_type"),
        (b"just words", "a.docx", "unsupported_file_type"),
        (
            b"<html><body><table><tr><td>\xe5\xa7\x93\xe5\x90\x8d</td></tr></table></body></html>",
            "a.xls",
            "web_page_file",
        ),
        (
            b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>',
            "a.xls",
            "unsupported_file_type",
        ),
        (bytes(range(256)) * 4, "a.csv", "unknown_encoding"),
    ],
)
def test_files_that_cannot_be_imported_are_refused_with_a_code(tmp_path, content, filename, code):
    path = tmp_path / "upload"
    path.write_bytes(content)

    with pytest.raises(DomainError) as caught:
        inspect_file(path, filename=filename)
    with pytest.raises(DomainError) as again:
        read_rows(path, filename=filename)

    assert caught.value.code == code
    assert again.value.code == code
    assert caught.value.field == "file"


def test_a_zip_that_is_not_a_workbook_is_unsupported(tmp_path):
    path = tmp_path / "a.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")

    with pytest.raises(DomainError) as caught:
        inspect_file(path, filename="a.xlsx")

    assert caught.value.code == "unsupported_file_type"


def test_a_missing_file_is_unreadable(tmp_path):
    with pytest.raises(DomainError) as caught:
        inspect_file(tmp_path / "gone.xlsx", filename="gone.xlsx")

    assert caught.value.code == "unreadable_file"


# --- CSV ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-8", "utf-8"),
        ("utf-16", "utf-16"),
    ],
)
def test_csv_is_read_in_utf8_with_or_without_bom_gbk_and_utf16(tmp_path, encoding, expected):
    path = write_csv(tmp_path / "名单.csv", [HEADER, *PEOPLE], encoding=encoding)

    info = inspect_file(path, filename="名单.csv")
    rows = list(read_rows(path, filename="名单.csv"))

    assert info.kind == "csv"
    assert info.encoding == expected
    assert info.sheets == ("名单",)
    assert info.default_sheet == "名单"
    assert rows == [HEADER, *PEOPLE]


def test_gb18030_characters_outside_gbk_are_read(tmp_path):
    rows = [["姓名", "身份证号"], ["𠮷野家", "11010519491231002X"], ["王䶮", "360426199101010071"]]
    path = write_csv(tmp_path / "a.csv", rows, encoding="gb18030")

    assert inspect_file(path, filename="a.csv").encoding == "gb18030"
    assert list(read_rows(path, filename="a.csv")) == rows


def test_a_file_that_turns_out_not_to_be_utf8_late_in_the_file_is_read_as_gb18030(tmp_path):
    rows = [["姓名", "备注"]] + [["a", "b"]] * 20000 + [["王小明", "低保"]]
    path = write_csv(tmp_path / "a.csv", rows, encoding="gbk")

    assert inspect_file(path, filename="a.csv").encoding == "gb18030"
    assert list(read_rows(path, filename="a.csv"))[-1] == ["王小明", "低保"]


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_the_delimiter_is_sniffed(tmp_path, delimiter):
    path = write_csv(tmp_path / "a.txt", [HEADER, *PEOPLE], delimiter=delimiter)

    assert inspect_file(path, filename="a.txt").delimiter == delimiter
    assert list(read_rows(path, filename="a.txt")) == [HEADER, *PEOPLE]


def test_sniffing_prefers_the_delimiter_that_gives_rows_of_one_width():
    sample = "姓名,地址\n王小明,延庆区;百泉街道\n李华,儒林街道;3号\n"

    assert sniff_delimiter(sample) == ","


def test_quoted_cells_with_delimiters_and_line_breaks_are_one_cell(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('姓名,住址\r\n王小明,"延庆区,百泉街道\n1号楼"\r\n', encoding="utf-8")

    assert list(read_rows(path, filename="a.csv")) == [["姓名", "住址"], ["王小明", "延庆区,百泉街道\n1号楼"]]


def test_the_excel_text_marker_around_long_numbers_is_removed(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('姓名,身份证号,户号\r\n王小明,="11010519491231002X",="0012"\r\n', encoding="utf-8")

    assert list(read_rows(path, filename="a.csv"))[1] == ["王小明", "11010519491231002X", "0012"]


def test_a_text_file_named_xls_is_read_as_text(tmp_path):
    path = write_csv(tmp_path / "export.xls", [HEADER, *PEOPLE], encoding="gbk", delimiter="\t")

    info = inspect_file(path, filename="export.xls")

    assert (info.kind, info.encoding, info.delimiter) == ("csv", "gb18030", "\t")
    assert list(read_rows(path, filename="export.xls"))[1] == PEOPLE[0]


def test_a_csv_has_no_other_sheet_than_itself(tmp_path):
    path = write_csv(tmp_path / "名单.csv", [HEADER])

    assert list(read_rows(path, filename="名单.csv", sheet="名单")) == [HEADER]
    with pytest.raises(DomainError) as caught:
        read_rows(path, filename="名单.csv", sheet="Sheet1")

    assert caught.value.code == "sheet_not_found"


def test_read_rows_accepts_a_path_as_text(tmp_path):
    path = write_csv(tmp_path / "a.csv", [HEADER])

    assert list(read_rows(str(path), filename="a.csv")) == [HEADER]


# --- header rows --------------------------------------------------------------------------------------------


def test_the_header_row_is_found_below_a_title_and_a_note(tmp_path):
    rows = [
        ["2026年高龄老人津贴发放名册", "", "", "", "", "", "", ""],
        ["填报单位：百泉街道（盖章）", "", "", "", "", "", "填报日期：2026年5月", ""],
        HEADER,
        *PEOPLE,
    ]
    path = write_xlsx(tmp_path / "a.xlsx", {"S": table(rows)})

    top = list(islice(read_rows(path, filename="a.xlsx"), 20))
    header_row = detect_header_row(top)
    labels, first_data = header_labels(top, header_row)

    assert header_row == 2
    assert labels == HEADER
    assert first_data == 3


def test_a_data_row_full_of_numbers_does_not_win_over_the_header():
    rows = [["姓名", "身份证号"], ["户籍", "11010519491231002X"], ["社区", "360426199101010071"]]

    assert detect_header_row(rows) == 0


def test_without_any_known_label_the_first_row_with_two_cells_is_the_header():
    rows = [["标题"], [], ["甲", "乙", "丙"], ["1", "2", "3"]]

    assert detect_header_row(rows) == 2


def test_a_two_row_header_with_a_merged_label_gives_combined_labels():
    rows = [
        ["残疾人两项补贴名册", "", "", "", "", ""],
        ["序号", "姓名", "身份证号", "残疾情况", "", "联系电话"],
        ["", "", "", "类别", "等级", ""],
        ["1", "王小明", "11010519491231002X", "视力", "二级", "13812345678"],
    ]

    header_row = detect_header_row(rows)
    labels, first_data = header_labels(rows, header_row)

    assert header_row == 1
    assert labels == ["序号", "姓名", "身份证号", "残疾情况类别", "残疾情况等级", "联系电话"]
    assert first_data == 3
    assert suggest_mapping(labels) == {
        1: "name",
        2: "id_number",
        3: "tag:disability",
        4: "tag_level:disability",
        5: "phone",
    }


def test_a_sparse_data_row_is_not_taken_for_a_sub_header():
    rows = [["姓名", "身份证号", "备注"], ["王小明", "", "低保"]]

    assert header_labels(rows, 0) == (["姓名", "身份证号", "备注"], 1)


def test_a_gbk_csv_with_a_title_row_reads_maps_and_normalises_end_to_end(tmp_path):
    rows = [["2026年低保对象名册", "", "", "", "", "", "", ""], HEADER, *PEOPLE]
    path = write_csv(tmp_path / "低保.csv", rows, encoding="gbk")

    read = list(read_rows(path, filename="低保.csv"))
    header_row = detect_header_row(read)
    labels, first_data = header_labels(read, header_row)
    mapping = suggest_mapping(labels)
    normalised = [normalize_row(row_values(row, mapping), today=TODAY) for row in read[first_data:]]

    assert [row.values["name"] for row in normalised] == ["王小明", "阿依古丽·买买提"]
    assert normalised[0].values["phone"] == "13812345678"
    assert normalised[1].values["landline"] == "010-69881234"
    assert normalised[0].tags == {"minimum_allowance": None}
    assert normalised[1].tags == {}
    assert all(row.is_clean for row in normalised)


# --- cell values --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (13812345678.0, "13812345678"),
        (110105194912310021.0, "1.1010519491231E+17"),
        (999999999999999.0, "999999999999999"),
        (1e15, "1E+15"),
        (1.25, "1.25"),
        (0.1 + 0.2, "0.3"),
        (float("nan"), ""),
        (42, "42"),
        (False, "FALSE"),
        (dt.date(1949, 12, 31), "1949-12-31"),
        (naive(1949, 12, 31), "1949-12-31"),
        (naive(1949, 12, 31, 8, 5, 9), "1949-12-31 08:05:09"),
        (dt.time(8, 30), "08:30:00"),
        (dt.timedelta(hours=26, minutes=3), "26:03:00"),
    ],
)
def test_cell_values_become_the_text_excel_shows(value, text):
    assert cell_text(value) == text


def test_utf8_bom_is_not_part_of_the_first_label(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(codecs.BOM_UTF8 + "姓名,电话\r\n".encode())

    assert next(read_rows(path, filename="a.csv")) == ["姓名", "电话"]
