"""The registry in a real browser: a community worker on a PC, a resident on a phone."""

# factory_boy has no type hints.
# mypy: disable-error-code="no-untyped-call"

import datetime as dt
import re
from typing import cast

import pytest
from django.db.models import F
from playwright.sync_api import Page, expect

from linli.accounts.models import LoginCode, User, UserKind
from linli.core.models import Area, AuditEvent
from linli.registry.choices import Relation
from linli.registry.models import Household, Resident
from linli.registry.services import register_resident
from linli.registry.tests.factories import BuildingFactory, HouseholdFactory
from tests.browser.support import PC, PHONE, log_in_as_resident, log_in_as_staff, save_screenshot

# Every live-server test restores the migrated data (calendar, catalogue, built-in ledgers) after its flush,
# so the next one finds it; mixing restoring and non-restoring flushes breaks the content types.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ELDER = re.compile(r"(^|\s)elder(\s|$)")


def _register(*, area: Area, actor: User, name: str, id_number: str = "", phone: str = "") -> Resident:
    household = cast(Household, HouseholdFactory(building=BuildingFactory(area=area)))
    return register_resident(
        actor=actor,
        household=household,
        name=name,
        relation_to_head=Relation.HEAD,
        id_number=id_number,
        phone=phone,
    )


def _text_size(page: Page) -> float:
    """The computed font size, in CSS pixels, of the first line of the resident's record."""
    size = page.get_by_test_id("my-record").locator("p").first.evaluate("e => getComputedStyle(e).fontSize")
    return float(size.removesuffix("px"))


def test_community_worker_searches_reveals_and_switches_language(
    live_server, open_browser, worker_a, worker_b, grid_a, grid_b
):
    wang_a = _register(area=grid_a, actor=worker_a, name="王秀英", id_number="11010519491231002X")
    _register(area=grid_b, actor=worker_b, name="王建国", id_number="360426199101010071")
    page = open_browser(PC)

    log_in_as_staff(page, live_server.url, worker_a)
    expect(page.get_by_test_id("count-residents")).to_have_text("1")

    page.locator("header a[href='/residents/']").click()
    page.get_by_test_id("search-input").fill("王")
    page.get_by_test_id("search-button").click()
    results = page.get_by_test_id("results").locator("li")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("王秀英")
    expect(page.get_by_text("王建国")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/residents/\?q="))
    save_screenshot(page, "worker-search-results")

    results.first.get_by_role("link", name="王秀英").click()
    expect(page.get_by_test_id("resident-name")).to_have_text("王秀英")
    expect(page.get_by_test_id("masked-id")).to_have_text("11***************X")
    assert "11010519491231002X" not in page.content()

    page.get_by_test_id("reveal-id").locator("summary").click()
    page.get_by_test_id("reveal-reason").fill("核对低保申请材料")
    page.get_by_test_id("reveal-submit").click()
    expect(page.get_by_test_id("revealed-value")).to_have_text("11010519491231002X")
    assert AuditEvent.objects.filter(
        action="personal_data.revealed",
        actor=worker_a,
        object_type="resident",
        object_id=str(wang_a.pk),
        reason="核对低保申请材料",
        data={"field": "id_number"},
    ).exists()
    save_screenshot(page, "worker-resident-revealed")

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.get_by_test_id("language-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("term").filter(has_text=re.compile(r"^ID number$"))).to_be_visible()
    expect(page.get_by_test_id("language-zh-hans")).to_have_text("简体中文")
    expect(page.get_by_test_id("masked-id")).to_have_text("11***************X")
    save_screenshot(page, "worker-resident-english")


def test_resident_logs_in_with_phone_code_and_switches_elder_mode_on(
    live_server, open_browser, worker_a, grid_a
):
    _register(area=grid_a, actor=worker_a, name="李桂兰", phone="13912345678")
    page = open_browser(PHONE)
    body = page.locator("body")

    log_in_as_resident(page, live_server.url, "13912345678")
    expect(page.get_by_test_id("my-record")).to_contain_text("李桂兰")
    expect(body).not_to_have_class(ELDER)
    standard_size = _text_size(page)
    save_screenshot(page, "resident-me")

    page.get_by_test_id("elder-on-big").click()
    expect(body).to_have_class(ELDER)
    assert _text_size(page) >= 1.2 * standard_size
    assert User.objects.get(kind=UserKind.RESIDENT).elder_mode is True
    page.reload()
    expect(body).to_have_class(ELDER)
    expect(page.get_by_test_id("my-record")).to_contain_text("李桂兰")
    save_screenshot(page, "resident-me-elder")

    page.get_by_test_id("nav-menu").click()  # on a phone the header's links fold under the menu button
    page.locator("header form[action$='/accounts/logout/'] button").click()
    expect(page.get_by_test_id("resident-login")).to_be_visible()
    expect(body).to_have_class(ELDER)  # the browser remembers it for the login pages
    page.context.clear_cookies()
    page.reload()
    expect(body).not_to_have_class(ELDER)

    # A few minutes later, on a browser that has forgotten everything: the account remembers elder mode.
    LoginCode.objects.update(created_at=F("created_at") - dt.timedelta(minutes=5))
    log_in_as_resident(page, live_server.url, "13912345678")
    expect(body).to_have_class(ELDER)
    expect(page.get_by_test_id("my-record")).to_contain_text("李桂兰")
