"""The service desk in a real browser: an elderly resident in elder mode applies for the old-age allowance
on a phone, a community worker accepts and completes it on a PC, and the resident rates the service."""

# factory_boy has no type hints.
# mypy: disable-error-code="no-untyped-call"

import base64
import re
from typing import cast

import pytest
from playwright.sync_api import expect

from linli.core.models import Notification
from linli.registry.choices import Relation
from linli.registry.models import Household
from linli.registry.services import register_resident
from linli.registry.tests.factories import BuildingFactory, HouseholdFactory
from linli.servicedesk.models import Case, Material, Rating
from tests.browser.support import PC, PHONE, log_in_as_resident, log_in_as_staff, save_screenshot

# Every live-server test restores the migrated data (calendar, catalogue, built-in ledgers) after its flush,
# so the next one finds it; mixing restoring and non-restoring flushes breaks the content types.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ELDER = re.compile(r"(^|\s)elder(\s|$)")
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def test_elder_applies_for_the_old_age_allowance_worker_completes_resident_rates(
    live_server, open_browser, worker_a, grid_a, tmp_path
):
    household = cast(Household, HouseholdFactory(building=BuildingFactory(area=grid_a, address="幸福路8号")))
    register_resident(
        actor=worker_a,
        household=household,
        name="王桂芳",
        relation_to_head=Relation.HEAD,
        id_number="110105194312310026",  # born 1943: over 80
        phone="13912345678",
    )
    card = tmp_path / "bank-card.png"
    card.write_bytes(PNG)
    bank_card = Material.objects.get(item__code="elderly_allowance", required=True)

    # The resident, on a phone, switches elder mode on and applies.
    phone = open_browser(PHONE)
    body = phone.locator("body")
    log_in_as_resident(phone, live_server.url, "13912345678")
    phone.get_by_test_id("elder-on-big").click()
    expect(body).to_have_class(ELDER)
    phone.goto(live_server.url + "/services/")
    expect(body).to_have_class(ELDER)
    phone.get_by_test_id("item-elderly_allowance").click()
    phone.get_by_test_id("apply").click()
    known = phone.get_by_test_id("known-facts")
    expect(known).to_contain_text("王桂芳")
    expect(known).to_contain_text("幸福路8号")
    assert "110105194312310026" not in phone.content()  # shown masked
    expect(phone.locator("#id_f_name")).to_have_count(0)  # known: not asked again
    phone.locator("#id_f_bank").fill("中国农业银行")
    phone.locator("#id_f_bank_account").fill("6228480018888888888")
    phone.locator(f"#id_m_{bank_card.pk}").set_input_files(str(card))
    save_screenshot(phone, "servicedesk-resident-apply-elder")
    phone.get_by_test_id("submit-application").click()
    case = Case.objects.get()
    expect(phone.get_by_test_id("case-number")).to_have_text(case.number)
    assert case.files.get().content_type == "image/png"
    assert Notification.objects.filter(purpose="case_submitted").count() == 1
    save_screenshot(phone, "servicedesk-resident-submitted")

    # The community worker, on a PC, finds it at the top of the queue and works it through.
    desk = open_browser(PC)
    log_in_as_staff(desk, live_server.url, worker_a)
    desk.goto(live_server.url + "/services/desk/")
    expect(desk.get_by_test_id("queue-row")).to_have_count(1)
    save_screenshot(desk, "servicedesk-worker-queue")
    desk.get_by_role("link", name=case.number).click()
    for action in ("accept", "start", "complete"):
        desk.get_by_test_id(f"action-{action}").click()
        expect(desk.get_by_test_id(f"action-{action}")).to_have_count(0)
    case.refresh_from_db()
    assert case.status == "done" and case.handler == worker_a
    save_screenshot(desk, "servicedesk-worker-case-done")

    # The resident sees the case done and rates it.
    phone.reload()
    expect(phone.get_by_test_id("case-status")).to_contain_text(str(case.get_status_display()))
    phone.locator("input[name=level][value='5']").check()
    save_screenshot(phone, "servicedesk-resident-rate")
    phone.get_by_test_id("submit-rating").click()
    expect(phone.get_by_test_id("rated")).to_be_visible()
    assert Rating.objects.get(case=case).level == 5
    expect(body).to_have_class(ELDER)
    save_screenshot(phone, "servicedesk-resident-rated")
