import datetime as dt

import pytest

from linli.core.errors import DomainError
from linli.core.idnumbers import mask_id_number, parse_id_number, upgrade_legacy


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        ("11010519491231002X", dt.date(1949, 12, 31), "female"),
        ("360426199101010071", dt.date(1991, 1, 1), "male"),
        ("44011320141005001X", dt.date(2014, 10, 5), "male"),
        ("110102199101010078", dt.date(1991, 1, 1), "male"),
    ],
)
def test_valid_vectors_from_gb11643_parse_with_birth_date_and_sex(number, birth, sex):
    parsed = parse_id_number(number)

    assert parsed.number == number
    assert parsed.birth_date == birth
    assert parsed.sex == sex
    assert parsed.legacy is False


def test_lower_case_x_is_accepted_and_normalised():
    assert parse_id_number("11010519491231002x").number == "11010519491231002X"


def test_full_width_digits_and_spaces_are_normalised():
    assert parse_id_number(" ３６０４２６１９９１０１０１００７１ ").number == "360426199101010071"


def test_bad_check_character_is_rejected_with_a_chinese_message(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(DomainError) as caught:
        parse_id_number("36042619910102009X")
    assert caught.value.code == "id_bad_check"
    assert caught.value.field == "id_number"
    assert "校验" in str(caught.value.message)


def test_impossible_date_is_rejected():
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(DomainError) as caught:
        parse_id_number("360426199113010079")
    assert caught.value.code == "id_bad_date"
    assert "出生日期" in str(caught.value.message)


def test_future_birth_date_is_rejected():
    from linli.core.idnumbers import check_character

    first17 = "11010220300101001"
    with pytest.raises(DomainError) as caught:
        parse_id_number(first17 + check_character(first17), today=dt.date(2026, 1, 1))
    assert caught.value.code == "id_bad_date"


def test_region_code_not_in_todays_list_is_accepted():
    # 110103 (the former Chongwen district) no longer exists; numbers issued there stay valid.
    first17 = "11010319800101001"
    from linli.core.idnumbers import check_character

    assert parse_id_number(first17 + check_character(first17)).birth_date == dt.date(1980, 1, 1)


def test_fifteen_digit_legacy_number_is_recognised():
    parsed = parse_id_number("110105491231002")

    assert parsed.legacy is True
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "female"
    assert upgrade_legacy("110105491231002") == "11010519491231002X"


@pytest.mark.parametrize("raw", ["", "12345", "1101051949123100ZX", "11010519491231002X1"])
def test_malformed_numbers_are_rejected(raw):
    with pytest.raises(DomainError):
        parse_id_number(raw)


def test_mask_shows_only_the_ends():
    assert mask_id_number("11010519491231002X") == "11***************X"


def test_digits_of_other_scripts_are_refused():
    # NFKC does not fold Devanagari digits; accepting them would index one person under two keys.
    with pytest.raises(DomainError) as caught:
        parse_id_number("३६०४२६१९९१०१०१००७1")
    assert caught.value.code == "id_bad_characters"
