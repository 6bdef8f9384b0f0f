"""The page shell on a phone: the header's links fold into one menu button, so nothing is squeezed into a
column of single characters and the page never scrolls sideways; on a PC the links stay in a row."""

# factory_boy has no type hints.
# mypy: disable-error-code="no-untyped-call"

import re
from typing import cast

import pytest
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.registry.choices import Relation
from linli.registry.models import Household
from linli.registry.services import register_resident
from linli.registry.tests.factories import BuildingFactory, HouseholdFactory
from tests.browser.support import PC, PHONE, log_in_as_resident, log_in_as_staff, save_screenshot

# Every live-server test restores the migrated data (calendar, catalogue, built-in ledgers) after its flush,
# so the next one finds it; mixing restoring and non-restoring flushes breaks the content types.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ELDER = re.compile(r"(^|\s)elder(\s|$)")
LOG_OUT = "退出登录"
# The smallest comfortable tap target (Apple's and Android's guidelines); elder mode asks for more.
TAP_TARGET = 44
ELDER_TAP_TARGET = 56

# How many lines a piece of text is drawn on: the distinct tops of its characters' boxes. A label squeezed
# into a narrow column, one character per line, counts one line per character.
LINES_OF_TEXT = """element => {
    const tops = new Set();
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.data.length; i++) {
            if (!node.data[i].trim()) continue;
            const range = document.createRange();
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const box = range.getBoundingClientRect();
            if (box.height > 0) tops.add(Math.round(box.top));
        }
    }
    return tops.size;
}"""


def _entries(page: Page) -> list[Locator]:
    """What a user can tap in the header besides the brand: each link, then the log-out button."""
    return page.locator("header nav").locator("a:not(.brand), form[action$='/accounts/logout/'] button").all()


def _targets(entries: list[Locator]) -> list[str]:
    """Where each entry leads: a link's address, or the log-out form's."""
    return [
        entry.evaluate("e => e.getAttribute('href') ?? e.closest('form').getAttribute('action')")
        for entry in entries
    ]


def _assert_no_sideways_scroll(page: Page) -> None:
    """Neither the header nor the page reaches past the window's right edge."""
    header_right, page_width, window_width = page.evaluate(
        """() => [
            Math.max(...[...document.querySelectorAll('header, header *')]
                .map(e => e.getBoundingClientRect().right)),
            document.documentElement.scrollWidth,
            window.innerWidth,
        ]"""
    )
    assert header_right <= window_width, f"the header reaches {header_right} px in a {window_width} px window"
    assert page_width <= window_width, f"the page is {page_width} px wide in a {window_width} px window"


def _assert_phone_menu(page: Page, *, expected_targets: list[str], tap_target: int, name: str) -> None:
    """At phone width: the brand and one closed menu button; one tap lists every entry, one a line."""
    header = page.locator("header")
    menu = page.get_by_test_id("nav-menu")
    entries = _entries(page)

    expect(header.locator("a.brand")).to_be_visible()
    expect(menu).to_be_visible()
    expect(header.locator("details")).not_to_have_attribute("open", "")
    menu_box = menu.bounding_box()
    assert menu_box is not None and menu_box["height"] >= tap_target, "the menu button is too small to tap"
    assert menu.evaluate(LINES_OF_TEXT) == 1
    assert _targets(entries) == expected_targets
    for entry in entries:
        expect(entry).to_be_hidden()
    _assert_no_sideways_scroll(page)
    save_screenshot(page, f"{name}-closed")

    menu.click()
    expect(header.locator("details")).to_have_attribute("open", "")
    expect(header.locator("a.brand")).to_be_visible()
    tops = []
    for entry in entries:
        expect(entry).to_be_visible()
        box = entry.bounding_box()
        assert box is not None
        label = entry.inner_text()
        assert box["height"] >= tap_target, f"{label!r} is {box['height']} px tall"
        assert box["width"] >= PHONE["width"] / 2, f"{label!r} is {box['width']} px wide"
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{label!r} sticks out"
        assert entry.evaluate(LINES_OF_TEXT) == 1, f"{label!r} is drawn on several lines"
        tops.append(box["y"])
    assert tops == sorted(tops) and len(set(tops)) == len(tops), "the entries are not one a line"
    expect(entries[-1]).to_have_text(LOG_OUT)
    _assert_no_sideways_scroll(page)
    save_screenshot(page, f"{name}-open")


def _assert_pc_row(page: Page, *, expected_targets: list[str], name: str) -> None:
    """At PC width: no menu button, every entry visible on one line, side by side."""
    page.set_viewport_size(PC)
    entries = _entries(page)
    expect(page.locator("header a.brand")).to_be_visible()
    expect(page.get_by_test_id("nav-menu")).to_be_hidden()
    assert _targets(entries) == expected_targets
    middles = []
    for entry in entries:
        expect(entry).to_be_visible()
        box = entry.bounding_box()
        assert box is not None
        assert entry.evaluate(LINES_OF_TEXT) == 1, f"{entry.inner_text()!r} is drawn on several lines"
        middles.append(box["y"] + box["height"] / 2)
    assert max(middles) - min(middles) < 4, "the entries are not in one row"
    _assert_no_sideways_scroll(page)
    save_screenshot(page, name)


def test_elder_on_a_phone_opens_the_menu_with_one_tap_and_logs_out(
    live_server, open_browser, worker_a, grid_a
):
    household = cast(Household, HouseholdFactory(building=BuildingFactory(area=grid_a)))
    register_resident(
        actor=worker_a,
        household=household,
        name="王桂芳",
        relation_to_head=Relation.HEAD,
        id_number="110105194312310026",
        phone="13912345678",
    )
    expected_targets = [
        reverse("servicedesk:catalogue"),
        reverse("servicedesk:my_cases"),
        reverse("homecare:mine"),
        reverse("meals:home"),
        reverse("accounts:logout"),
    ]
    page = open_browser(PHONE)
    log_in_as_resident(page, live_server.url, "13912345678")
    page.get_by_test_id("elder-on-big").click()
    expect(page.locator("body")).to_have_class(ELDER)

    _assert_phone_menu(
        page,
        expected_targets=expected_targets,
        tap_target=ELDER_TAP_TARGET,
        name="shell-phone-resident-elder",
    )

    # A link in the open menu works, and the next page starts with the menu closed.
    page.get_by_test_id("nav-meals").click()
    expect(page).to_have_url(re.compile(r"/meals/$"))
    expect(page.locator("header details")).not_to_have_attribute("open", "")
    expect(page.get_by_test_id("nav-meals")).to_be_hidden()

    _assert_pc_row(page, expected_targets=expected_targets, name="shell-pc-resident-elder")

    page.set_viewport_size(PHONE)
    page.get_by_test_id("nav-menu").click()
    page.get_by_role("button", name=LOG_OUT).click()
    expect(page.get_by_test_id("resident-login")).to_be_visible()
    expect(page.get_by_test_id("nav-menu")).to_have_count(0)  # nothing to fold before login


def test_staff_with_every_link_sees_them_all_in_the_phone_menu_and_in_a_row_on_a_pc(
    live_server, open_browser, community_a
):
    administrator = staff_with_role(Role.ADMINISTRATOR, community_a)
    expected_targets = [
        reverse("registry:search"),
        reverse("servicedesk:desk"),
        reverse("care:my_visits"),
        reverse("homecare:orders"),
        reverse("meals:manage"),
        reverse("alarms:console"),
        reverse("reports:list"),
        reverse("intake:imports"),
        reverse("intake:reviews"),
        reverse("sharing:index"),
        reverse("core:outbox"),
        reverse("accounts:api_tokens"),
        reverse("accounts:logout"),
    ]
    page = open_browser(PHONE)
    log_in_as_staff(page, live_server.url, administrator)
    # The staff home page: its table of counts by area is wider than a phone and must scroll inside itself.
    expect(page.locator("main table")).to_be_visible()

    _assert_phone_menu(
        page, expected_targets=expected_targets, tap_target=TAP_TARGET, name="shell-phone-staff"
    )

    page.get_by_test_id("nav-alarms").click()
    expect(page).to_have_url(re.compile(r"/alarms/console/$"))

    _assert_pc_row(page, expected_targets=expected_targets, name="shell-pc-staff")
