"""Phone numbers, ID numbers and email addresses never leave in a public description."""

import pytest

from linli.servicedesk.open311.redaction import scrub_personal_data


@pytest.mark.parametrize(
    "personal",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "１３８１２３４５６７８",  # full-width digits
        "010-69881234",
        "(010) 6988 1234",
        "69881234",
        "11010519491231002X",
        "11010519491231002x",
        "110105491231002",  # an old 15-digit ID number
        "zhang.san@example.com",
        "wang＠example.cn",
    ],
)
def test_personal_numbers_and_addresses_are_removed(personal):
    scrubbed = scrub_personal_data(f"路灯坏了，请联系{personal}谢谢")

    assert personal not in scrubbed
    assert scrubbed.startswith("路灯坏了，请联系")
    assert scrubbed.endswith("谢谢")
    assert "[removed]" in scrubbed


@pytest.mark.parametrize(
    "harmless",
    ["3号楼2单元", "2024-05-01", "2024年5月1日", "10:30", "5 lamps", "room 301", "BJ-0042", "已经三天了"],
)
def test_ordinary_numbers_stay(harmless):
    assert scrub_personal_data(f"东侧 {harmless} 路灯") == f"东侧 {harmless} 路灯"


def test_several_numbers_in_one_text_are_all_removed():
    scrubbed = scrub_personal_data("手机13812345678，座机010-69881234，身份证11010519491231002X")

    assert sum(c.isdigit() for c in scrubbed) == 0


def test_the_names_a_case_knows_are_removed_with_their_given_name():
    text = "我是欧阳明月，明月家楼下；王小明说小明也看到了；John Smith saw it, john too"

    scrubbed = scrub_personal_data(text, names=("欧阳明月", "王小明", "John Smith"))

    for name in ("欧阳明月", "明月", "王小明", "小明", "John", "Smith", "john"):
        assert name not in scrubbed
    assert scrubbed.startswith("我是[removed]")


def test_an_empty_name_removes_nothing():
    assert scrub_personal_data("路灯不亮", names=("", " ")) == "路灯不亮"
