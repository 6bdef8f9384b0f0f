"""The one-key alarm in a real browser: an elderly resident in elder mode presses the alarm on a phone; the
worker's console, already open on a PC, shows it within 2 seconds without a reload; the worker acknowledges,
and the resident's page says who is coming."""

# factory_boy has no type hints.
# mypy: disable-error-code="no-untyped-call"

import re
import time
from typing import cast

import pytest
from playwright.sync_api import expect

from linli.alarms.models import Alarm, AlarmStatus
from linli.registry.choices import Relation
from linli.registry.models import Household
from linli.registry.services import register_resident
from linli.registry.tests.factories import BuildingFactory, HouseholdFactory
from tests.browser.support import PC, PHONE, log_in_as_resident, log_in_as_staff, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ELDER = re.compile(r"(^|\s)elder(\s|$)")


def test_elder_presses_the_alarm_console_shows_it_within_two_seconds_worker_acknowledges(
    live_server, open_browser, worker_a, grid_a
):
    worker_a.last_name, worker_a.first_name = "李", "晓明"
    worker_a.save(update_fields=["last_name", "first_name"])
    household = cast(Household, HouseholdFactory(building=BuildingFactory(area=grid_a, address="幸福路8号")))
    register_resident(
        actor=worker_a,
        household=household,
        name="王桂芳",
        relation_to_head=Relation.HEAD,
        id_number="110105194312310026",  # born 1943
        phone="13912345678",
    )

    # The worker's console is open on a PC before anything happens.
    desk = open_browser(PC)
    log_in_as_staff(desk, live_server.url, worker_a)
    desk.get_by_test_id("nav-alarms").click()
    expect(desk).to_have_url(re.compile(r"/alarms/console/$"))
    expect(desk.get_by_test_id("no-alarms")).to_be_visible()
    expect(desk.locator("#alarm-map.leaflet-container")).to_be_visible()  # Leaflet drew the (tile-less) map
    desk.evaluate("window.__sameConsolePage = true")

    # The resident, on a phone, in elder mode, opens the alarm button from the home page.
    phone = open_browser(PHONE)
    body = phone.locator("body")
    log_in_as_resident(phone, live_server.url, "13912345678")
    phone.get_by_test_id("elder-on-big").click()
    expect(body).to_have_class(ELDER)
    phone.get_by_test_id("help-link").click()
    expect(body).to_have_class(ELDER)
    save_screenshot(phone, "alarms-resident-button-elder")

    pressed_at = time.monotonic()
    phone.get_by_test_id("help-button").click()
    rows = desk.get_by_test_id("alarm-row")
    expect(rows).to_have_count(1, timeout=2_000)
    seen_after = time.monotonic() - pressed_at
    assert seen_after < 2.0, f"the console showed the alarm {seen_after:.2f} s after the press"
    assert desk.evaluate("window.__sameConsolePage") is True  # no reload: htmx swapped the list in
    alarm = Alarm.objects.get()
    expect(rows.first).to_contain_text("王桂芳")
    expect(rows.first).to_contain_text(alarm.number)
    expect(desk.locator("#alarm-map .leaflet-interactive")).to_have_count(1)  # its marker on the map
    save_screenshot(desk, "alarms-console-new-alarm")

    # The resident sees the alarm stored, with the time left to cancel a mistaken press.
    expect(phone.get_by_test_id("help-cancel")).to_be_visible()
    expect(phone.get_by_test_id("alarm-number")).to_have_text(alarm.number)
    phone.evaluate("window.__sameStatePage = true")
    save_screenshot(phone, "alarms-resident-cancel-window")

    # The worker opens the alarm and acknowledges it.
    desk.get_by_test_id("alarm-link").click()
    expect(desk.get_by_test_id("alarm-person")).to_contain_text("王桂芳")
    expect(desk.get_by_test_id("alarm-phone")).to_have_text("139****5678")
    desk.get_by_test_id("acknowledge").click()
    expect(desk.get_by_test_id("acknowledge")).to_have_count(0)
    expect(desk.get_by_test_id("timeline")).to_contain_text("李晓明")
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.ACKNOWLEDGED and alarm.acknowledged_by == worker_a
    save_screenshot(desk, "alarms-console-acknowledged")

    # The resident's page, without a reload, says help is coming and who has the call.
    expect(phone.get_by_test_id("help-acknowledged")).to_contain_text("李晓明", timeout=10_000)
    assert phone.evaluate("window.__sameStatePage") is True
    expect(body).to_have_class(ELDER)
    assert "13912345678" not in desk.content()
    save_screenshot(phone, "alarms-resident-acknowledged")

    # To call the elder back, the worker reveals the number: it takes the button's place, as a link to dial.
    desk.get_by_test_id("alarm-call-back").click()
    number = desk.get_by_test_id("alarm-call-back-number").locator("a")
    expect(number).to_have_attribute("href", "tel:13912345678")
    expect(desk.get_by_test_id("alarm-call-back")).to_have_count(0)
    save_screenshot(desk, "alarms-console-call-back")
