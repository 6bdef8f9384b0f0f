import datetime as dt
import random

import pytest
from django.utils import translation

from linli.core.errors import DomainError
from linli.core.idnumbers import check_character, parse_id_number, upgrade_legacy
from linli.core.phones import normalize_mobile
from linli.intake.normalize import (
    HEADER_ALIASES,
    TARGET_FIELDS,
    IdNumberValue,
    Problem,
    clean_name,
    clean_text,
    excel_serial_date,
    match_header_label,
    normalize_date,
    normalize_ethnicity,
    normalize_flag,
    normalize_hukou,
    normalize_id_number,
    normalize_phone,
    normalize_relation,
    normalize_residence_status,
    normalize_row,
    normalize_sex,
    normalize_tag_level,
    normalize_tag_list,
    row_values,
    suggest_mapping,
)
from linli.registry.choices import TAG_LEVELS, Tag

TODAY = dt.date(2026, 6, 1)
# A valid number of a woman born 1949-12-31 (GB 11643 example) and one of a man born 1991-01-01.
WOMAN_1949 = "11010519491231002X"
MAN_1991 = "360426199101010071"


def with_check(first17):
    return first17 + check_character(first17)


# --- text -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("ＡＢＣ１２３", "ABC123"),
        ("\u3000王小明\u3000", "王小明"),
        ("北京市  延庆区\t\n百泉街道", "北京市 延庆区 百泉街道"),
        ("王\u200b小\u200d明\ufeff", "王小明"),
        ("１号楼（东）", "1号楼(东)"),
        ("a\u00a0b", "a b"),
        ("", ""),
    ],
)
def test_text_folds_width_removes_zero_width_characters_and_collapses_spaces(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("王 小 明", "王小明"),
        (" 王　小明 ", "王小明"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("阿依古丽•买买提", "阿依古丽·买买提"),
        ("阿依古丽．买买提", "阿依古丽·买买提"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),
        ("阿依古丽 · 买买提", "阿依古丽·买买提"),
        ("John  Smith", "John Smith"),
    ],
)
def test_names_lose_spaces_between_chinese_characters_and_keep_one_middle_dot(raw, name):
    assert clean_name(raw) == name


# --- dates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "date"),
    [
        ("1949年12月31日", dt.date(1949, 12, 31)),
        ("1949 年 12 月 31 日", dt.date(1949, 12, 31)),
        ("1949.12.31", dt.date(1949, 12, 31)),
        ("1949-12-31", dt.date(1949, 12, 31)),
        ("1949/12/31", dt.date(1949, 12, 31)),
        ("19491231", dt.date(1949, 12, 31)),
        ("1949-1-5", dt.date(1949, 1, 5)),
        ("１９４９－１２－３１", dt.date(1949, 12, 31)),
        ("1949-12-31 00:00:00", dt.date(1949, 12, 31)),
        ("1949-12-31T08:30:00", dt.date(1949, 12, 31)),
        ("1949/12/31 8:30", dt.date(1949, 12, 31)),
        # Excel serial numbers in the 1900 date system (Excel's DATE(1950,1,1) is 18264).
        ("18264", dt.date(1950, 1, 1)),
        ("18263", dt.date(1949, 12, 31)),
        ("18264.5", dt.date(1950, 1, 1)),
    ],
)
def test_dates_are_read_from_every_usual_form(raw, date):
    assert normalize_date(raw, today=TODAY) == date


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1949年12月", "date_month_only"),
        ("1949.12", "date_month_only"),
        ("194912", "date_month_only"),
        ("1949", "date_incomplete"),
        ("1949.1", "date_unparseable"),  # 1949.10 typed as a number
        ("1949-02-30", "date_impossible"),
        ("1949-13-01", "date_impossible"),
        ("1949年13月", "date_impossible"),
        ("1800-01-01", "date_impossible"),
        ("2026-06-02", "date_in_future"),
        ("12/31/1949", "date_unparseable"),
        ("76", "date_unparseable"),  # an age typed in the birth date column
        ("0", "date_unparseable"),
        ("去年", "date_unparseable"),
    ],
)
def test_dates_that_are_partial_impossible_in_the_future_or_unreadable_are_problems(raw, code):
    result = normalize_date(raw, today=TODAY)

    assert isinstance(result, Problem)
    assert result.code == code
    assert result.field == "birth_date"


@pytest.mark.parametrize(
    ("serial", "date"),
    [
        (1, dt.date(1900, 1, 1)),
        (59, dt.date(1900, 2, 28)),
        (60, None),  # Excel's 29 February 1900, which never was
        (61, dt.date(1900, 3, 1)),
        (25569, dt.date(1970, 1, 1)),
        (18264.75, dt.date(1950, 1, 1)),
        (0, None),
        (-5, None),
    ],
)
def test_excel_serial_numbers_follow_the_1900_date_system_with_its_leap_year_bug(serial, date):
    assert excel_serial_date(serial) == date


def test_today_is_a_valid_date():
    assert normalize_date("2026-06-01", today=TODAY) == TODAY


# --- ID numbers -------------------------------------------------------------------------------------------


def test_a_valid_id_number_gives_birth_date_and_sex():
    value = normalize_id_number(WOMAN_1949, today=TODAY)

    assert value == IdNumberValue(
        WOMAN_1949, valid=True, legacy=False, birth_date=dt.date(1949, 12, 31), sex="female"
    )
    assert value.is_candidate_key


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        "１１０１０５１９４９１２３１００２Ｘ",
        " 110105 19491231 002X ",
        "'11010519491231002X",
        '="11010519491231002X"',
        "11010519491231002ｘ",
    ],
)
def test_id_numbers_accept_lower_case_x_full_width_digits_spaces_and_excel_text_markers(raw):
    value = normalize_id_number(raw, today=TODAY)

    assert value is not None
    assert value.valid
    assert value.number == WOMAN_1949


def test_a_15_digit_legacy_number_is_accepted_and_flagged():
    value = normalize_id_number("110105491231002", today=TODAY)

    assert value is not None
    assert value.valid and value.legacy
    assert value.birth_date == dt.date(1949, 12, 31)
    assert value.canonical == upgrade_legacy("110105491231002")
    assert value.problem is not None
    assert value.problem.code == "id_legacy"
    assert not value.problem.blocking


def test_a_wrong_check_character_is_a_warning_and_keeps_the_number_as_a_candidate_key():
    wrong = WOMAN_1949[:17] + "5"

    value = normalize_id_number(wrong, today=TODAY)

    assert value is not None
    assert not value.valid
    assert value.number == wrong
    assert value.is_candidate_key
    assert value.birth_date is None
    assert value.problem is not None
    assert value.problem.code == "id_check_char"
    assert not value.problem.blocking


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1101051949123100", "id_bad_length"),
        ("11010519491231002A", "id_bad_characters"),
        (with_check("11010519490231002"), "id_bad_date"),
        (with_check("11010520990101002"), "id_bad_date"),
        ("1.10105194912E+17", "id_stored_as_number"),
        ("1.10105194912310E+17", "id_stored_as_number"),
        ("110105194912310000", "id_stored_as_number"),  # Excel's 15 digits, then zeros
    ],
)
def test_an_unreadable_id_number_is_a_blocking_problem(raw, code):
    value = normalize_id_number(raw, today=TODAY)

    assert value is not None
    assert not value.valid
    assert not value.is_candidate_key
    assert value.problem is not None
    assert value.problem.code == code
    assert value.problem.blocking


def test_the_quick_check_of_18_character_numbers_agrees_with_parse_id_number():
    rng = random.Random(5)
    samples = []
    for _ in range(3000):
        birth = dt.date(1840, 1, 1) + dt.timedelta(days=rng.randrange(0, 70000))
        first17 = f"{rng.randrange(110000, 660000)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        number = with_check(first17)
        mutation = rng.randrange(6)
        if mutation == 1:
            position = rng.randrange(18)
            number = number[:position] + rng.choice("0123456789X") + number[position + 1 :]
        elif mutation == 2:
            number = with_check(
                first17[:10]
                + rng.choice(["02", "13", "00", "04"])
                + rng.choice(["30", "31", "00"])
                + first17[14:]
            )
        samples.append(number)
    for number in samples:
        try:
            expected = parse_id_number(number, today=TODAY)
        except DomainError as error:
            expected_code = {"id_bad_check": "id_check_char"}.get(error.code, error.code)
            value = normalize_id_number(number, today=TODAY)
            assert value is not None and not value.valid, number
            assert value.problem is not None
            assert value.problem.code in (expected_code, "id_stored_as_number"), number
        else:
            value = normalize_id_number(number, today=TODAY)
            assert value is not None and value.valid, number
            assert (value.number, value.birth_date, value.sex) == (
                expected.number,
                expected.birth_date,
                expected.sex,
            )


@pytest.mark.parametrize("raw", ["", "  ", "无", "/", "#N/A"])
def test_an_empty_id_cell_is_no_id_number(raw):
    assert normalize_id_number(raw, today=TODAY) is None


# --- phones -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "008613812345678",
        "8613812345678",
        "１３８１２３４５６７８",
        "013812345678",
        "13812345678.0",
    ],
)
def test_mobile_numbers_lose_country_code_spaces_and_dashes(raw):
    value = normalize_phone(raw)

    assert value is not None
    assert value.mobile == "13812345678"
    assert value.problem is None


@pytest.mark.parametrize(
    ("raw", "landline"),
    [
        ("010-69881234", "010-69881234"),
        ("01069881234", "010-69881234"),
        ("0755-23456789", "0755-23456789"),
        ("(010)69881234", "010-69881234"),
        ("69881234", "69881234"),
        ("6988123", "6988123"),
    ],
)
def test_landlines_are_kept_as_text_and_are_not_a_mobile_number(raw, landline):
    value = normalize_phone(raw)

    assert value is not None
    assert value.mobile == ""
    assert value.landline == landline
    assert value.problem is None


def test_a_cell_with_several_numbers_keeps_the_first_mobile_the_first_landline_and_the_rest():
    value = normalize_phone("13812345678/010-69881234，13987654321 13700001111")

    assert value is not None
    assert value.mobile == "13812345678"
    assert value.landline == "010-69881234"
    assert value.others == ("13987654321", "13700001111")


@pytest.mark.parametrize("raw", ["12012345678", "1381234567", "138123456789", "电话坏了", "110"])
def test_numbers_that_are_neither_mobile_nor_landline_are_a_warning(raw):
    value = normalize_phone(raw)

    assert value is not None
    assert value.mobile == ""
    assert value.problem is not None
    assert value.problem.code == "phone_invalid"
    assert not value.problem.blocking


def test_the_fast_mobile_check_agrees_with_normalize_mobile_for_every_prefix():
    rng = random.Random(11)
    for prefix in range(10000, 20000):
        number = f"{prefix}{rng.randrange(10**6):06d}"
        try:
            expected = normalize_mobile(number)
        except DomainError:
            expected = ""
        value = normalize_phone(number)
        assert value is not None
        assert value.mobile == expected, number


# --- vocabularies -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "sex"),
    [
        ("男", "male"),
        ("女", "female"),
        ("男性", "male"),
        ("M", "male"),
        ("f", "female"),
        ("1", "male"),
        ("2", "female"),
        (" 女 ", "female"),
        ("", None),
        ("未知", None),
    ],
)
def test_sex_is_read_from_chinese_letters_and_gb_codes(raw, sex):
    assert normalize_sex(raw) == sex


@pytest.mark.parametrize("raw", ["X", "男女", "0", "9"])
def test_an_unknown_sex_is_a_warning(raw):
    result = normalize_sex(raw)

    assert isinstance(result, Problem)
    assert result.code == "sex_unknown"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("本地", "registered"),
        ("户籍", "registered"),
        ("本区", "registered"),
        ("常住户籍", "registered"),
        ("非户籍", "non_registered"),
        ("外地", "non_registered"),
        ("流动人口", "non_registered"),
        ("外来", "non_registered"),
        ("农业", None),
        ("非农业户口", None),
        ("", None),
    ],
)
def test_hukou_status_is_read_from_the_usual_words(raw, status):
    assert normalize_hukou(raw) == status


def test_an_unknown_hukou_status_is_a_warning():
    result = normalize_hukou("北京市延庆区")

    assert isinstance(result, Problem)
    assert result.code == "hukou_unknown"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("汉族", "01"),
        ("汉", "01"),
        ("01", "01"),
        ("1", "01"),
        ("维吾尔族", "05"),
        ("土家", "15"),
        ("土族", "30"),
        ("56", "56"),
        ("基诺族", "56"),
    ],
)
def test_ethnicity_is_the_gb_3304_code(raw, code):
    assert normalize_ethnicity(raw) == code


@pytest.mark.parametrize("raw", ["穿青人", "57", "Han"])
def test_an_unknown_ethnicity_is_a_warning(raw):
    result = normalize_ethnicity(raw)

    assert isinstance(result, Problem)
    assert result.code == "ethnicity_unknown"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("在住", "living_here"),
        ("外出务工", "away"),
        ("已迁出", "moved_out"),
        ("去世", "deceased"),
        ("已故", "deceased"),
    ],
)
def test_residence_status_is_read_from_the_usual_words(raw, status):
    assert normalize_residence_status(raw) == status


@pytest.mark.parametrize(
    ("raw", "relation"),
    [
        ("户主", "head"),
        ("本人", "head"),
        ("妻子", "spouse"),
        ("长子", "child"),
        ("次女", "child"),
        ("母亲", "parent"),
        ("外孙女", "grandchild"),
        ("奶奶", "grandparent"),
        ("弟弟", "sibling"),
        ("儿媳", "child_in_law"),
        ("侄子", "other"),
    ],
)
def test_relation_to_head_is_read_from_the_usual_words(raw, relation):
    assert normalize_relation(raw) == relation


@pytest.mark.parametrize(
    ("raw", "yes"),
    [
        ("是", True),
        ("有", True),
        ("√", True),
        ("✓", True),
        ("Y", True),
        ("1", True),
        ("true", True),
        ("TRUE", True),
        ("视力残疾", True),
        ("11010519491231002X11", True),
        ("否", False),
        ("无", False),
        ("N", False),
        ("0", False),
        ("×", False),
        ("", False),
        ("非低保", False),
        ("不是", False),
        ("/", False),
    ],
)
def test_a_tag_cell_is_true_unless_empty_or_saying_no(raw, yes):
    assert normalize_flag(raw) is yes


@pytest.mark.parametrize(
    ("raw", "level"),
    [
        ("一级", 1),
        ("二级", 2),
        ("三级", 3),
        ("四级", 4),
        ("1", 1),
        ("2.0", 2),
        ("3级", 3),
        ("Ⅱ级", 2),
        ("肢体三级", 3),
        ("视力二级", 2),
        ("贰级", 2),
    ],
)
def test_disability_levels_are_read_from_chinese_digits_and_roman_numerals(raw, level):
    assert normalize_tag_level(raw, Tag.DISABILITY) == level


@pytest.mark.parametrize("raw", ["五级", "0", "7", "重度"])
def test_a_level_outside_the_tag_levels_is_a_warning(raw):
    with translation.override("en"):
        result = normalize_tag_level(raw, Tag.DISABILITY)

        assert isinstance(result, Problem)
        assert result.code == "tag_level_invalid"
        assert result.text() == "This level is not one of 1、2、3、4."


def test_a_cell_of_group_names_gives_tags_and_names_the_words_not_recognised():
    tags, problem = normalize_tag_list("低保、残疾人，独居老人/宠物")

    assert tags == {"minimum_allowance", "disability", "elderly_living_alone"}
    assert problem is not None
    assert problem.code == "tag_unknown"
    assert problem.params == {"names": "宠物"}


# --- headers ----------------------------------------------------------------------------------------------


def test_suggest_mapping_recognises_the_usual_chinese_headers():
    header = [
        "序号",
        "老人姓名",
        "公民身份号码",
        "性别",
        "出生年月",
        "联系电话",
        "现住址",
        "社区（村）",
        "所属网格",
        "户籍性质",
        "民族",
        "残疾等级",
        "残疾类别",
        "是否低保",
        "是否特困人员",
        "与户主关系",
        "户号",
        "居住状态",
        "人员类别",
        "备注",
    ]

    mapping = suggest_mapping(header)

    assert mapping == {
        1: "name",
        2: "id_number",
        3: "sex",
        4: "birth_date",
        5: "phone",
        6: "address",
        7: "community",
        8: "grid",
        9: "hukou_status",
        10: "ethnicity",
        11: "tag_level:disability",
        12: "tag:disability",
        13: "tag:minimum_allowance",
        14: "tag:extreme_poverty",
        15: "relation_to_head",
        16: "household_ref",
        17: "residence_status",
        18: "tag_list",
    }


@pytest.mark.parametrize(
    ("label", "target"),
    [
        ("姓名", "name"),
        ("名字", "name"),
        ("身份证号", "id_number"),
        ("身份证号码", "id_number"),
        ("证件号码", "id_number"),
        ("* 身份证号码：", "id_number"),
        ("身份证号码（18位）", "id_number"),
        ("出生日期", "birth_date"),
        ("性别", "sex"),
        ("手机号", "phone"),
        ("手机", "phone"),
        ("电话", "phone"),
        ("住址", "address"),
        ("家庭住址", "address"),
        ("居住地址", "address"),
        ("社区", "community"),
        ("村", "community"),
        ("社区(村)", "community"),
        ("所属社区", "community"),
        ("网格", "grid"),
        ("户籍", "hukou_status"),
        ("户口性质", "hukou_status"),
        ("民族", "ethnicity"),
        ("残疾等级", "tag_level:disability"),
        ("残疾证号", "tag:disability"),
        ("低保", "tag:minimum_allowance"),
        ("是否低保", "tag:minimum_allowance"),
        ("是否空巢老人", "tag:empty_nest"),
        ("本人联系电话（手机）", "phone"),
        ("残疾人证号码", "tag:disability"),
        ("是否退役军人", "tag:veteran"),
    ],
)
def test_header_labels_map_to_their_field(label, target):
    assert match_header_label(label) == target


@pytest.mark.parametrize(
    "label",
    ["监护人姓名", "监护人身份证号", "紧急联系人电话", "户主姓名", "户籍地址", "出生地", "籍贯", "金额", ""],
)
def test_labels_about_someone_else_or_another_place_are_not_mapped(label):
    assert match_header_label(label) is None


def test_only_the_first_of_two_name_columns_is_suggested_but_every_phone_column_is():
    assert suggest_mapping(["姓名", "名字", "手机", "座机电话"]) == {0: "name", 2: "phone", 3: "phone"}


def test_every_alias_names_a_target_field():
    assert set(HEADER_ALIASES.values()) <= set(TARGET_FIELDS)


def test_target_fields_list_every_tag_every_tag_level_and_ignore():
    assert {f"tag:{tag}" for tag in Tag} <= set(TARGET_FIELDS)
    assert {f"tag_level:{tag}" for tag in TAG_LEVELS} <= set(TARGET_FIELDS)
    assert "ignore" in TARGET_FIELDS
    with translation.override("en"):
        assert str(TARGET_FIELDS["tag:disability"]) == "Tag: Person with disability"


def test_row_values_joins_the_columns_mapped_to_one_field_and_skips_ignored_and_missing_cells():
    row = ["王小明", "13812345678", "", "010-69881234", "x"]
    mapping = {0: "name", 1: "phone", 2: "address", 3: "phone", 4: "ignore", 9: "grid"}

    assert row_values(row, mapping) == {"name": "王小明", "phone": "13812345678；010-69881234"}


# --- rows -------------------------------------------------------------------------------------------------


def test_a_clean_row_is_normalised_with_birth_date_and_sex_from_the_id_number():
    row = normalize_row(
        {
            "name": "王 小 明",
            "id_number": MAN_1991.lower(),
            "sex": "男",
            "birth_date": "1991年1月1日",
            "phone": "138-1234-5678",
            "address": "延庆区　百泉街道 1号楼",
            "community": "110119001001",
            "grid": "第一网格",
            "hukou_status": "本地",
            "ethnicity": "汉族",
            "residence_status": "在住",
            "household_ref": "0012",
            "relation_to_head": "户主",
            "tag:minimum_allowance": "是",
            "tag:empty_nest": "否",
            "tag_level:disability": "二级",
        },
        today=TODAY,
    )

    assert row.is_clean
    assert not row.is_rejectable
    assert row.values == {
        "name": "王小明",
        "id_number": MAN_1991,
        "birth_date": dt.date(1991, 1, 1),
        "sex": "male",
        "phone": "13812345678",
        "address": "延庆区 百泉街道 1号楼",
        "community": "110119001001",
        "grid": "第一网格",
        "hukou_status": "registered",
        "ethnicity": "01",
        "residence_status": "living_here",
        "household_ref": "0012",
        "relation_to_head": "head",
    }
    assert row.tags == {"minimum_allowance": None, "disability": 2}
    assert row.id_number is not None and row.id_number.valid


def test_sex_and_birth_date_contradicting_the_id_number_are_flagged_and_the_id_number_wins():
    with translation.override("en"):
        row = normalize_row(
            {"name": "李华", "id_number": WOMAN_1949, "sex": "男", "birth_date": "1950-01-01"}, today=TODAY
        )

        assert not row.is_rejectable
        assert row.values["sex"] == "female"
        assert row.values["birth_date"] == dt.date(1949, 12, 31)
        problems = {problem.code: problem for problem in row.problems}
        assert set(problems) == {"sex_contradicts_id", "birth_date_contradicts_id"}
        assert problems["birth_date_contradicts_id"].text() == (
            "The birth date in the sheet (1950-01-01) differs from the one in the ID number (1949-12-31)."
        )
        assert problems["sex_contradicts_id"].params == {"sheet": "男", "id": "女"}


def test_a_birth_month_contradicting_the_id_number_is_flagged():
    row = normalize_row({"name": "李华", "id_number": WOMAN_1949, "birth_date": "1949年11月"}, today=TODAY)

    assert {problem.code for problem in row.problems} == {"date_month_only", "birth_date_contradicts_id"}
    assert row.values["birth_date"] == dt.date(1949, 12, 31)


def test_a_row_without_a_name_is_rejected():
    row = normalize_row({"name": " 无 ", "id_number": WOMAN_1949}, today=TODAY)

    assert row.is_rejectable
    assert [problem.code for problem in row.problems] == ["name_missing"]


def test_a_row_with_nothing_to_link_on_is_rejected():
    row = normalize_row({"name": "李华", "phone": "010-69881234", "sex": "女"}, today=TODAY)

    assert row.is_rejectable
    assert [problem.code for problem in row.problems] == ["no_linking_key"]
    assert row.values["landline"] == "010-69881234"


@pytest.mark.parametrize(
    "values",
    [
        {"name": "李华", "id_number": WOMAN_1949},
        {"name": "李华", "birth_date": "1949-12-31"},
        {"name": "李华", "phone": "13812345678"},
    ],
)
def test_an_id_number_a_birth_date_or_a_mobile_is_enough_to_link_on(values):
    assert not normalize_row(values, today=TODAY).is_rejectable


def test_an_id_number_failing_its_check_character_warns_and_still_counts_as_a_key():
    wrong = WOMAN_1949[:17] + "5"

    row = normalize_row({"name": "李华", "id_number": wrong, "sex": "女"}, today=TODAY)

    assert not row.is_rejectable
    assert [problem.code for problem in row.problems] == ["id_check_char"]
    assert "id_number" not in row.values
    assert row.values["sex"] == "female"
    assert row.id_number is not None
    assert row.id_number.number == wrong


def test_an_id_number_stored_as_a_number_rejects_the_row_with_that_reason_only():
    row = normalize_row({"name": "李华", "id_number": "1.10105194912E+17"}, today=TODAY)

    assert row.is_rejectable
    assert [problem.code for problem in row.problems] == ["id_stored_as_number"]


def test_a_bad_birth_date_rejects_the_row_only_when_there_is_no_valid_id_number():
    without_id = normalize_row(
        {"name": "李华", "birth_date": "1949-02-30", "phone": "13812345678"}, today=TODAY
    )
    with_id = normalize_row(
        {"name": "李华", "birth_date": "1949-02-30", "id_number": WOMAN_1949}, today=TODAY
    )

    assert without_id.is_rejectable
    assert [problem.code for problem in without_id.problems] == ["date_impossible"]
    assert not with_id.is_rejectable
    assert [problem.code for problem in with_id.problems] == ["date_impossible"]
    assert with_id.values["birth_date"] == dt.date(1949, 12, 31)


def test_a_month_only_birth_date_keeps_the_month_for_matching_and_warns():
    row = normalize_row({"name": "李华", "birth_date": "1949年12月", "phone": "13812345678"}, today=TODAY)

    assert not row.is_rejectable
    assert "birth_date" not in row.values
    assert row.values["birth_month"] == "1949-12"
    assert [problem.code for problem in row.problems] == ["date_month_only"]


def test_a_month_only_birth_date_is_not_enough_to_link_on():
    row = normalize_row({"name": "李华", "birth_date": "1949年12月"}, today=TODAY)

    assert row.is_rejectable
    assert [problem.code for problem in row.problems] == ["date_month_only", "no_linking_key"]


def test_unknown_vocabulary_values_warn_and_are_left_out():
    row = normalize_row(
        {
            "name": "李华",
            "id_number": WOMAN_1949,
            "hukou_status": "火星",
            "ethnicity": "精灵族",
            "residence_status": "飞走",
            "relation_to_head": "邻居",
            "tag_level:disability": "五级",
            "phone": "12345",
        },
        today=TODAY,
    )

    assert not row.is_rejectable
    assert {problem.code for problem in row.problems} == {
        "hukou_unknown",
        "ethnicity_unknown",
        "residence_status_unknown",
        "relation_unknown",
        "tag_level_invalid",
        "phone_invalid",
    }
    assert set(row.values) == {"name", "id_number", "birth_date", "sex"}
    assert row.tags == {"disability": None}


def test_a_tag_column_holding_a_certificate_number_or_category_gives_the_tag():
    row = normalize_row(
        {
            "name": "李华",
            "id_number": WOMAN_1949,
            "tag:disability": "视力残疾",
            "tag:minimum_allowance": "否；无",
            "tag_list": "特困、低收入",
        },
        today=TODAY,
    )

    assert row.tags == {"disability": None, "extreme_poverty": None, "low_income": None}


def test_a_name_with_unusual_characters_is_kept_with_a_warning():
    row = normalize_row({"name": "王小明(已故)", "id_number": WOMAN_1949}, today=TODAY)

    assert row.values["name"] == "王小明(已故)"
    assert [problem.code for problem in row.problems] == ["name_unusual_characters"]
    assert not row.is_rejectable


def test_every_problem_message_renders_in_english_and_in_chinese_without_error():
    rows = [
        normalize_row(
            {"name": "", "birth_date": "x", "phone": "1", "sex": "?", "tag_level:disability": "9"},
            today=TODAY,
        ),
        normalize_row({"name": "李华", "id_number": WOMAN_1949[:17] + "5", "tag_list": "外星"}, today=TODAY),
    ]
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for row in rows:
                for problem in row.problems:
                    assert problem.text()
                    assert "%(" not in problem.text()
