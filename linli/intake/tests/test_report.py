import datetime as dt
import io
import re
import zipfile

import pytest
from django.utils import translation
from python_calamine import CalamineWorkbook

from linli.intake.normalize import normalize_row
from linli.intake.report import ReportRow, mask_free_text, write_problem_report

FULL_ID = "11010519491231002X"
OTHER_ID = "360426199101010071"
HEADER = ["序号", "姓名", "公民身份号码", "手机", "备注", "监护人身份证号"]


def read_report(source):
    workbook = CalamineWorkbook.from_object(source)
    return workbook.get_sheet_by_index(0).to_python()


def report_xml(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist() if name.endswith(".xml")}


def rejected(row_number, cells, code="name_missing", message="The name is missing."):
    return ReportRow(
        row_number=row_number, outcome="Rejected", reason_code=code, message=message, cells=cells
    )


def test_the_report_lists_each_row_with_its_outcome_reason_and_original_cells(tmp_path):
    path = tmp_path / "report.xlsx"
    rows = [
        rejected(3, ["1", "", "", "", "备注一", ""]),
        ReportRow(
            row_number=7,
            outcome="Imported with warnings",
            reason_code="phone_invalid",
            message="This is neither a mobile number (11 digits starting with 1) nor a landline.",
            cells=["5", "王小明", "", "12345", "", ""],
        ),
    ]

    with translation.override("en"):
        write_problem_report(rows, path, header=HEADER)

    sheet = read_report(str(path))
    assert sheet[0] == ["Row", "Outcome", "Reason code", "Message", *HEADER]
    assert sheet[1][:8] == [3, "Rejected", "name_missing", "The name is missing.", "1", "", "", ""]
    assert sheet[1][8] == "备注一"
    assert sheet[2][:6] == [7, "Imported with warnings", "phone_invalid", rows[1].message, "5", "王小明"]
    assert len(sheet) == 3


def test_id_numbers_and_phones_never_appear_in_full(tmp_path):
    rows = [
        rejected(
            4,
            ["1", "王小明", FULL_ID, "13812345678", f"监护人电话13987654321，身份证{OTHER_ID}", OTHER_ID],
        ),
        rejected(5, ["2", "李华", "1.10105194912E+17", "138-1234-5678 / 010-69881234", "", ""]),
        rejected(6, ["3", "张三", "110105 1949", "", "座机 010-69881234", ""]),
    ]
    buffer = io.BytesIO()

    write_problem_report(rows, buffer, header=HEADER, mapping={"手机": "phone"})

    data = buffer.getvalue()
    everything = "".join(report_xml(data).values())
    sheet = read_report(io.BytesIO(data))
    cell_digits = [re.sub(r"\D", "", str(cell)) for row in sheet for cell in row]
    for secret in (
        FULL_ID[:17],
        OTHER_ID,
        "13812345678",
        "13987654321",
        "69881234",
        "110105194912",
        "1101051949",
    ):
        assert secret not in everything
        assert not any(secret in digits for digits in cell_digits)
    assert sheet[1][6] == "11***************X"
    assert sheet[1][7] == "138****5678"
    assert sheet[1][8] == "监护人电话139****4321，身份证36***************1"
    assert sheet[1][9] == "36***************1"
    assert sheet[2][6] == "1.**************7"
    assert sheet[2][7] == "138****5678/010****1234"
    assert sheet[3][6] == "11*******9"
    assert sheet[3][8] == "座机 010*****1234"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("身份证11010519491231002X", "身份证11***************X"),
        ("老号110105491231002", "老号11************2"),
        ("电话13812345678", "电话138****5678"),
        ("+86 138 1234 5678", "+86**********5678"),
        ("座机010-69881234转8", "座机010*****1234转8"),
        ("1.10105194912E+17", "1.**************7"),
        ("3号楼2单元101", "3号楼2单元101"),
        ("补贴 1200 元", "补贴 1200 元"),
        ("", ""),
    ],
)
def test_numbers_in_free_text_are_masked_where_they_stand(text, masked):
    assert mask_free_text(text) == masked


def test_the_header_is_bold_and_frozen_and_has_a_filter(tmp_path):
    path = tmp_path / "report.xlsx"

    write_problem_report([rejected(3, ["1"])], path, header=HEADER)

    xml = report_xml(path.read_bytes())
    sheet = xml["xl/worksheets/sheet1.xml"]
    assert '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' in sheet
    assert "<autoFilter" in sheet
    assert "<cols>" in sheet
    assert "<b/>" in xml["xl/styles.xml"]


def test_messages_are_rendered_in_the_language_active_when_the_report_is_written():
    result = normalize_row({"name": "李华", "id_number": FULL_ID, "sex": "男"}, today=dt.date(2026, 6, 1))
    row = ReportRow.from_problems(row_number=9, outcome="Imported", problems=result.problems, cells=["李华"])
    buffer = io.BytesIO()

    with translation.override("en"):
        write_problem_report([row], buffer, header=["姓名"])

    sheet = read_report(io.BytesIO(buffer.getvalue()))
    assert sheet[1][:4] == [
        9,
        "Imported",
        "sex_contradicts_id",
        "The sex in the sheet (男) differs from the one in the ID number (女).",
    ]


def test_several_problems_of_a_row_are_listed_together():
    result = normalize_row({"name": "", "birth_date": "不知道"}, today=dt.date(2026, 6, 1))

    row = ReportRow.from_problems(row_number=2, outcome="Rejected", problems=result.problems, cells=[])

    assert row.reason_code == "name_missing, date_unparseable"
    with translation.override("en"):
        assert str(row.message).splitlines() == [
            "The name is missing.",
            "This date cannot be read; write it as 1949-12-31 or 1949年12月31日.",
        ]


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    path = tmp_path / "report.xlsx"

    write_problem_report([rejected(2, ['=HYPERLINK("http://x")', "+1", "-2"])], path, header=["a", "b", "c"])

    sheet = read_report(str(path))
    assert sheet[1][4:7] == ['=HYPERLINK("http://x")', "+1", "-2"]
    assert "<f>" not in report_xml(path.read_bytes())["xl/worksheets/sheet1.xml"]


def test_an_empty_report_has_its_header_only(tmp_path):
    path = tmp_path / "report.xlsx"

    with translation.override("en"):
        write_problem_report([], path, header=["姓名"])

    assert read_report(str(path)) == [["Row", "Outcome", "Reason code", "Message", "姓名"]]


def test_rows_with_more_cells_than_the_header_keep_every_cell(tmp_path):
    path = tmp_path / "report.xlsx"

    with translation.override("en"):
        write_problem_report([rejected(2, ["a", "b", "c"])], path, header=["姓名"])

    sheet = read_report(str(path))
    assert sheet[0][4] == "姓名"
    assert sheet[1][4:] == ["a", "b", "c"]


def test_a_large_report_is_written_row_by_row(tmp_path):
    path = tmp_path / "report.xlsx"
    rows = (rejected(number, [str(number), "王小明", FULL_ID]) for number in range(2, 20002))

    write_problem_report(rows, path, header=HEADER[:3])

    sheet = read_report(str(path))
    assert len(sheet) == 20001
    assert sheet[-1][:5] == [20001, "Rejected", "name_missing", "The name is missing.", "20001"]
    assert sheet[-1][6] == "11***************X"
