"""Recording a visit: the next due date moves, "not reached" stays due, a need opens a case, photos are
checked."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.care.models import CarePlan, Visit, VisitNeed
from linli.care.services import generate_care_plans, record_visit
from linli.care.tests.factories import NOON, TODAY, resident_in
from linli.core.errors import DomainError
from linli.servicedesk.models import Case

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4\n" + b"0" * 32


@pytest.fixture
def grid_worker(grid_a):
    return staff_with_role(Role.GRID_WORKER, grid_a)


@pytest.fixture
def plan(grid_a, grid_worker):
    resident = resident_in(grid_a, "elderly_living_alone", name="孙桂兰")
    generate_care_plans(today=TODAY - dt.timedelta(days=10))
    return CarePlan.objects.get(resident=resident)


def test_a_visit_moves_the_next_due_date_from_the_visit(plan, grid_worker):
    assert plan.next_due == TODAY - dt.timedelta(days=10)

    visit = record_visit(actor=grid_worker, plan=plan, method="in_person", outcome="well", now=NOON)

    plan.refresh_from_db()
    assert plan.last_visit_on == TODAY
    assert plan.next_due == TODAY + dt.timedelta(days=7)
    assert visit.was_due_on == TODAY - dt.timedelta(days=10)
    assert visit.visited_on == TODAY


def test_a_call_recorded_for_an_earlier_day_counts_from_that_day(plan, grid_worker):
    record_visit(
        actor=grid_worker,
        plan=plan,
        method="phone",
        outcome="well",
        visited_on=TODAY - dt.timedelta(days=2),
        now=NOON,
    )
    plan.refresh_from_db()
    assert plan.next_due == TODAY + dt.timedelta(days=5)


def test_not_reached_keeps_the_visit_due(plan, grid_worker):
    before = plan.next_due

    visit = record_visit(actor=grid_worker, plan=plan, method="phone", outcome="not_reached", now=NOON)

    plan.refresh_from_db()
    assert plan.next_due == before and plan.last_visit_on is None
    assert Visit.objects.filter(pk=visit.pk, outcome="not_reached").exists()


def test_a_need_opens_a_service_desk_case_for_the_resident(plan, grid_worker):
    visit = record_visit(
        actor=grid_worker,
        plan=plan,
        method="in_person",
        outcome="needs_help",
        needs=["meals", "hardship"],
        note="老人腿脚不便，做饭困难",
        now=NOON,
    )

    cases = {
        need.need: need.case for need in VisitNeed.objects.filter(visit=visit).select_related("case__item")
    }
    assert set(cases) == {"meals", "hardship"}
    meals = cases["meals"]
    assert meals.item.code == "meal_assistance"
    assert meals.resident_id == plan.resident_id
    assert meals.channel == "on_behalf" and meals.consent_method == "visit"
    assert meals.submitted_by == grid_worker
    assert cases["hardship"].item.code == "temporary_assistance"
    assert cases["hardship"].answers["event"] == "老人腿脚不便，做饭困难"
    assert Case.objects.filter(resident=plan.resident).count() == 2


def test_a_case_that_cannot_be_opened_saves_nothing(grid_a, grid_worker):
    young = resident_in(grid_a, "left_behind_child", birth_year=2015)
    generate_care_plans(today=TODAY)
    plan = CarePlan.objects.get(resident=young)

    with pytest.raises(DomainError) as raised:  # meal assistance is for people over 60
        record_visit(
            actor=grid_worker, plan=plan, method="in_person", outcome="needs_help", needs=["meals"], now=NOON
        )

    assert raised.value.field == "needs"
    assert not Visit.objects.exists() and not Case.objects.exists()


@pytest.mark.parametrize(
    ("outcome", "needs", "code"),
    [
        ("well", ["meals"], "needs_mean_help"),
        ("not_reached", ["meals"], "needs_mean_help"),
        ("needs_help", [], "help_unsaid"),
        ("needs_help", ["nonsense"], "unknown_need"),
        ("fine", [], "visit_outcome"),
    ],
)
def test_needs_and_outcome_must_agree(plan, grid_worker, outcome, needs, code):
    with pytest.raises(DomainError) as raised:
        record_visit(actor=grid_worker, plan=plan, method="in_person", outcome=outcome, needs=needs, now=NOON)
    assert raised.value.code == code
    assert not Visit.objects.exists()


def test_a_visit_cannot_be_in_the_future_or_too_old(plan, grid_worker):
    for day, code in (
        (TODAY + dt.timedelta(days=1), "visit_in_future"),
        (TODAY - dt.timedelta(days=31), "visit_too_old"),
    ):
        with pytest.raises(DomainError) as raised:
            record_visit(
                actor=grid_worker, plan=plan, method="phone", outcome="well", visited_on=day, now=NOON
            )
        assert raised.value.code == code


def test_a_worker_of_another_area_cannot_record(plan, grid_b):
    outsider = staff_with_role(Role.GRID_WORKER, grid_b)
    with pytest.raises(DomainError):
        record_visit(actor=outsider, plan=plan, method="phone", outcome="well", now=NOON)


def test_a_photo_is_kept_with_its_checked_type(plan, grid_worker):
    photo = SimpleUploadedFile("门口.png", PNG, content_type="image/png")
    visit = record_visit(
        actor=grid_worker, plan=plan, method="in_person", outcome="well", photo=photo, now=NOON
    )
    assert visit.photo_type == "image/png"
    stored = str(visit.photo.name)
    assert stored.startswith(f"care/{plan.pk}/") and "门口" not in stored


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("scan.pdf", PDF, "photo_type"),  # a document is not a photo
        ("fake.jpg", b"MZ\x90\x00" + b"0" * 32, "file_type"),  # the bytes decide, not the name
        ("empty.png", b"", "file_empty"),
    ],
)
def test_uploads_of_the_wrong_type_are_refused(plan, grid_worker, name, content, code):
    with pytest.raises(DomainError) as raised:
        record_visit(
            actor=grid_worker,
            plan=plan,
            method="in_person",
            outcome="well",
            photo=SimpleUploadedFile(name, content),
            now=NOON,
        )
    assert raised.value.code == code and raised.value.field == "photo"
    assert not Visit.objects.exists()


def test_a_photo_over_the_limit_is_refused(plan, grid_worker, settings):
    settings.LINLI_CASE_FILE_MAX_BYTES = 1024
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * 2000)
    with pytest.raises(DomainError) as raised:
        record_visit(actor=grid_worker, plan=plan, method="in_person", outcome="well", photo=big, now=NOON)
    assert raised.value.code == "file_too_large"


def test_visit_records_are_append_only(plan, grid_worker):
    visit = record_visit(actor=grid_worker, plan=plan, method="phone", outcome="well", now=NOON)
    visit.note = "改写"
    with pytest.raises(ValueError, match="append-only"):
        visit.save()
    with pytest.raises(ValueError, match="append-only"):
        Visit.objects.filter(pk=visit.pk).update(note="x")


def test_a_double_tap_saves_the_visit_and_opens_the_case_once(plan, grid_worker):
    first = dict(actor=grid_worker, plan=plan, method="in_person", outcome="needs_help", needs=["meals"])
    record_visit(**first, note="想去老年餐桌", now=NOON)

    with pytest.raises(DomainError) as raised:
        record_visit(**first, note="想去老年餐桌", now=NOON + dt.timedelta(seconds=20))

    assert raised.value.code == "visit_duplicate"
    assert Visit.objects.count() == 1 and Case.objects.count() == 1
    # A second call later that day is a new record.
    record_visit(
        actor=grid_worker, plan=plan, method="phone", outcome="well", now=NOON + dt.timedelta(hours=3)
    )
    assert Visit.objects.count() == 2


def test_a_double_tap_on_the_form_lands_on_the_list(client, plan, grid_worker):
    from django.urls import reverse

    from conftest import login_staff

    login_staff(client, grid_worker)
    url = reverse("care:visit", args=[plan.pk])
    data = {"method": "in_person", "outcome": "needs_help", "needs": ["meals"], "note": "想去老年餐桌"}
    assert client.post(url, data).status_code == 302

    again = client.post(url, data, follow=True)

    assert again.redirect_chain[-1][0] == reverse("care:my_visits")
    from django.utils.translation import gettext

    messages = [(m.level_tag, str(m)) for m in again.context["messages"]]
    assert messages[-1] == ("info", gettext("This visit was already saved."))
    assert Visit.objects.count() == 1 and Case.objects.count() == 1


def test_a_refused_visit_leaves_no_photo_on_disk(grid_a, grid_worker, settings):
    young = resident_in(grid_a, "left_behind_child", birth_year=2015)
    generate_care_plans(today=TODAY)
    plan = CarePlan.objects.get(resident=young)

    with pytest.raises(DomainError):  # meal assistance is for people over 60
        record_visit(
            actor=grid_worker,
            plan=plan,
            method="in_person",
            outcome="needs_help",
            needs=["meals"],
            photo=SimpleUploadedFile("门口.png", PNG),
            now=NOON,
        )

    from pathlib import Path

    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def test_a_visit_just_after_midnight_in_beijing_counts_on_the_beijing_day(plan, grid_worker):
    half_past_midnight = dt.datetime(2026, 3, 2, 16, 30, tzinfo=dt.UTC)  # 00:30 on 3 March in Beijing

    visit = record_visit(actor=grid_worker, plan=plan, method="phone", outcome="well", now=half_past_midnight)

    plan.refresh_from_db()
    assert visit.visited_on == dt.date(2026, 3, 3)
    assert plan.next_due == dt.date(2026, 3, 10)
