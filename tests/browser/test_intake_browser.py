"""An import in a real browser: a worker uploads a department's list, checks it, runs it, reviews."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from linli.intake.models import ImportBatch
from linli.registry.models import Resident
from linli.registry.services import register_resident
from linli.registry.tests.factories import HouseholdFactory, make_id_number
from tests.browser.support import PC, log_in_as_staff, save_screenshot

# Every live-server test restores the migrated data (calendar, catalogue, built-in ledgers) after its flush,
# so the next one finds it; mixing restoring and non-restoring flushes breaks the content types.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def immediate_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def test_a_worker_imports_a_gbk_list_and_meets_the_possible_duplicate_in_the_review_queue(
    live_server, open_browser, immediate_tasks, worker_a, grid_a, community_a, tmp_path
):
    household = HouseholdFactory(building__area=grid_a, area=grid_a)
    number = make_id_number(3, birth=dt.date(1944, 6, 1))
    register_resident(
        actor=worker_a, household=household, name="赵淑珍", id_number=number, relation_to_head="other"
    )
    other_number = make_id_number(4, birth=dt.date(1939, 2, 2), male=False)
    wrong_check = number[:-1] + ("0" if number[-1] != "0" else "1")
    lines = [
        "2026年高龄津贴发放名册",
        "姓名,身份证号码,出生日期,联系电话,所属社区",
        f"赵淑珍,{wrong_check},1944年6月1日,13900001234,{community_a.code}",
        f"钱玉兰,{other_number},1939.02.02,13900005678,{community_a.code}",
        f",,,13900009999,{community_a.code}",
    ]
    path = tmp_path / "高龄津贴名册.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    page = open_browser(PC)
    log_in_as_staff(page, live_server.url, worker_a)

    page.locator("header a[href='/intake/']").click()
    page.locator("#id_file").set_input_files(str(path))
    page.locator("#id_area").select_option(str(community_a.pk))
    page.locator("#id_source_kind").select_option("civil_affairs")
    page.get_by_test_id("upload-form").locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/intake/\d+/$"))
    preview = page.get_by_test_id("preview")
    expect(preview.locator("tbody tr")).to_have_count(3)
    expect(preview.locator("tr.rejected")).to_have_count(1)
    expect(preview.locator("td.problem")).not_to_have_count(0)
    assert number not in page.content()
    save_screenshot(page, "import-preview")

    page.get_by_test_id("start-import").click()
    outcomes = page.get_by_test_id("outcomes")
    expect(outcomes).to_be_visible()
    batch = ImportBatch.objects.get()
    assert batch.counts == {"conflict": 1, "created": 1, "rejected": 1}
    expect(page.get_by_test_id("report-link")).to_be_visible()
    save_screenshot(page, "import-done")

    page.locator("header a[href='/intake/reviews/']").click()
    page.get_by_test_id("review-list").get_by_role("link").first.click()
    expect(page.get_by_test_id("side-by-side")).to_contain_text("赵淑珍")
    expect(page.get_by_test_id("explanation")).to_be_visible()
    save_screenshot(page, "review-possible-duplicate")
    page.locator("#id_reason").fill("身份证号末位录错，核实为同一人")
    page.get_by_role("button", name=re.compile("左")).first.click()
    expect(page.get_by_role("button", name=re.compile("撤销"))).to_be_visible()
    assert Resident.objects.filter(name="赵淑珍", merged_into__isnull=True).count() == 1
    save_screenshot(page, "review-merged")
