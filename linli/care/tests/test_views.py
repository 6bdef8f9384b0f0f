"""The pages as a visitor and a director use them: the list due, the visit form, rules, coverage."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.care.models import CarePlan, CareRule, Visit, VisitNeed
from linli.care.services import generate_care_plans, record_visit
from linli.care.tests.factories import resident_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid_worker(grid_a):
    return staff_with_role(Role.GRID_WORKER, grid_a)


@pytest.fixture
def visitor_client(client, grid_worker):
    from conftest import login_staff

    return login_staff(client, grid_worker)


def test_my_visits_lists_overdue_first_then_by_due_date(grid_a, grid_worker, visitor_client):
    today = timezone.localdate()
    late = resident_in(grid_a, "elderly_living_alone", name="逾期")
    soon = resident_in(grid_a, "empty_nest", name="将到期")
    later = resident_in(grid_a, "left_behind_child", name="下月", birth_year=2015)
    generate_care_plans(today=today - dt.timedelta(days=3))
    for resident, days_ago in ((soon, 28), (later, 1)):
        plan = CarePlan.objects.get(resident=resident)
        record_visit(
            actor=grid_worker,
            plan=plan,
            method="phone",
            outcome="well",
            visited_on=today - dt.timedelta(days=days_ago),
        )

    response = visitor_client.get(reverse("care:my_visits"))

    rows = response.context["rows"]
    assert [plan.resident.name for plan, _s, _t in rows] == ["逾期", "将到期"]  # "下月" is not due this week
    assert [state for _p, state, _t in rows] == ["overdue", "soon"]
    assert response.context["overdue"] == 1
    assert late.name in response.content.decode()


def test_my_visits_takes_a_fixed_number_of_queries(
    grid_a, grid_worker, visitor_client, django_assert_max_num_queries
):
    for _ in range(8):
        resident_in(grid_a, "elderly_living_alone")
    generate_care_plans()
    with django_assert_max_num_queries(12):
        response = visitor_client.get(reverse("care:my_visits"))
    assert len(response.context["rows"]) == 8


def test_recording_a_visit_with_a_need_opens_a_case(grid_a, grid_worker, visitor_client):
    resident = resident_in(grid_a, "elderly_living_alone")
    generate_care_plans()
    plan = CarePlan.objects.get(resident=resident)
    url = reverse("care:visit", args=[plan.pk])
    form = visitor_client.get(url)
    assert {code for code, _label in form.context["form"].fields["needs"].choices} >= {"meals", "hardship"}

    response = visitor_client.post(
        url, {"method": "in_person", "outcome": "needs_help", "needs": ["meals"], "note": "想去老年餐桌"}
    )

    assert response.status_code == 302 and response["Location"] == reverse("care:my_visits")
    need = VisitNeed.objects.select_related("case__item").get()
    assert need.case.item.code == "meal_assistance" and need.case.resident == resident
    plan.refresh_from_db()
    assert plan.next_due == timezone.localdate() + dt.timedelta(days=7)
    page = visitor_client.get(reverse("care:my_visits"))
    assert [(p.pk, state) for p, state, _t in page.context["rows"]] == [(plan.pk, "soon")]


def test_not_reached_says_the_visit_stays_due(grid_a, grid_worker, visitor_client):
    resident = resident_in(grid_a, "elderly_living_alone")
    generate_care_plans()
    plan = CarePlan.objects.get(resident=resident)

    response = visitor_client.post(
        reverse("care:visit", args=[plan.pk]), {"method": "phone", "outcome": "not_reached"}, follow=True
    )

    from django.utils.translation import gettext

    expected = gettext("Not reached: the visit stays due (since %(date)s). Please try again soon.") % {
        "date": plan.next_due.isoformat()
    }
    messages = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert messages == [("warning", expected)]
    assert plan.pk in [p.pk for p, _s, _t in response.context["rows"]]


def test_a_wrong_upload_is_shown_beside_the_photo_field(grid_a, grid_worker, visitor_client):
    resident = resident_in(grid_a, "elderly_living_alone")
    generate_care_plans()
    plan = CarePlan.objects.get(resident=resident)

    response = visitor_client.post(
        reverse("care:visit", args=[plan.pk]),
        {
            "method": "in_person",
            "outcome": "well",
            "photo": SimpleUploadedFile("a.pdf", b"%PDF-1.4 xxxxxxxx"),
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["photo"]
    assert not Visit.objects.exists()


def test_a_director_overrides_a_rule_for_the_community(client, grid_a, community_a):
    from conftest import login_staff

    director = staff_with_role(Role.COMMUNITY_DIRECTOR, community_a)
    resident = resident_in(grid_a, "empty_nest")
    generate_care_plans()
    login_staff(client, director)

    response = client.post(
        reverse("care:rules"),
        {
            "area": community_a.code,
            "tag": "empty_nest",
            "max_level": 0,
            "interval_days": 10,
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    assert CareRule.objects.get(area_code=community_a.code).interval_days == 10
    assert CarePlan.objects.get(resident=resident).interval_days == 10
    page = client.get(reverse("care:rules") + f"?area={community_a.code}")
    line = next(line for line, _label in page.context["lines"] if line.tag == "empty_nest")
    assert line.interval_days == 10 and line.own_rule_id is not None
    alone = next(line for line, _label in page.context["lines"] if line.tag == "elderly_living_alone")
    assert alone.area_code == "" and alone.own_rule_id is None


@pytest.mark.parametrize("url_name", ["care:overdue", "care:coverage"])
def test_report_pages_take_a_fixed_number_of_queries(
    client, grid_a, grid_a2, grid_b, url_name, django_assert_max_num_queries
):
    from conftest import login_staff

    officer = staff_with_role(Role.DISTRICT_OFFICER, grid_a.parent.parent.parent)
    visitor = staff_with_role(Role.ADMINISTRATOR, grid_a.parent.parent.parent)
    today = timezone.localdate()
    residents = [
        resident_in(grid, "elderly_living_alone") for grid in (grid_a, grid_a2, grid_b) for _ in range(3)
    ]
    generate_care_plans(today=today - dt.timedelta(days=10))
    for resident in residents[::2]:
        record_visit(
            actor=visitor, plan=CarePlan.objects.get(resident=resident), method="phone", outcome="well"
        )
    login_staff(client, officer)

    with django_assert_max_num_queries(12):
        response = client.get(reverse(url_name))

    assert response.status_code == 200


@pytest.fixture
def director_client(client, community_a):
    from conftest import login_staff

    return login_staff(client, staff_with_role(Role.COMMUNITY_DIRECTOR, community_a))


@pytest.mark.parametrize("month", ["0001-01", "0000-01", "2026-13", "abc", "-1-01", "1999-1"])
def test_coverage_refuses_a_nonsense_month_without_an_error(client, grid_a, month):
    from conftest import login_staff

    login_staff(client, staff_with_role(Role.DISTRICT_OFFICER, grid_a.parent.parent.parent))
    response = client.get(reverse("care:coverage"), {"month": month})
    assert response.status_code == 200
    assert response.context["month"] >= dt.date(2000, 1, 1)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"visitor": "x1"},
        {"visitor": "u"},
        {"visitor": "u99999999999999999999999"},
        {"visitor": "v99999999999999999999999"},
        {"visitor": "u0"},
    ],
)
def test_garbage_reassignment_is_refused_without_an_error(grid_a, director_client, data):
    resident = resident_in(grid_a, "elderly_living_alone")
    generate_care_plans()
    plan = CarePlan.objects.get(resident=resident)
    response = director_client.post(reverse("care:plan_assign", args=[plan.pk]), data)
    assert response.status_code in (302, 404)
    plan.refresh_from_db()
    assert plan.assignee_id is None and plan.volunteer_id is None


@pytest.mark.parametrize(
    "data",
    [
        {"note": ""},
        {"method": "by_pigeon", "outcome": "well"},
        {"method": "phone", "outcome": "well", "visited_on": "yesterday"},
        {"method": "phone", "outcome": "well", "visited_on": "99999-01-01"},
        {"method": "phone", "outcome": "needs_help", "needs": ["spaceship"]},
        {"method": "phone", "outcome": "well", "note": "x" * 5000},
    ],
)
def test_garbage_visits_are_refused_with_a_message(grid_a, grid_worker, visitor_client, data):
    resident = resident_in(grid_a, "elderly_living_alone")
    generate_care_plans()
    plan = CarePlan.objects.get(resident=resident)
    response = visitor_client.post(reverse("care:visit", args=[plan.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"tag": "nonsense", "max_level": 0, "interval_days": 7},
        {"tag": "empty_nest", "max_level": 9, "interval_days": 7},
        {"tag": "empty_nest", "max_level": 0, "interval_days": 0},
        {"tag": "empty_nest", "max_level": 0, "interval_days": 99999999999999999999},
        {"tag": "empty_nest", "max_level": "x", "interval_days": "seven"},
    ],
)
def test_garbage_rules_are_refused_with_a_message(grid_a, community_a, director_client, data):
    response = director_client.post(reverse("care:rules"), {"area": community_a.code, **data})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not CareRule.objects.filter(area_code=community_a.code).exists()


@pytest.mark.parametrize(
    "data",
    [{}, {"name": "  ", "phone": ""}, {"name": "王芳", "phone": "12345"}, {"name": "王芳", "area": "x"}],
)
def test_garbage_volunteers_are_refused_with_a_message(grid_a, community_a, director_client, data):
    from linli.care.models import Volunteer

    response = director_client.post(reverse("care:volunteers"), {"area": community_a.pk, **data})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Volunteer.objects.exists()


def test_a_plan_cannot_be_given_to_a_worker_of_another_area(grid_a, grid_b, director_client):
    resident = resident_in(grid_a, "elderly_living_alone")
    generate_care_plans()
    plan = CarePlan.objects.get(resident=resident)
    outsider = staff_with_role(Role.GRID_WORKER, grid_b)

    director_client.post(reverse("care:plan_assign", args=[plan.pk]), {"visitor": f"u{outsider.pk}"})

    plan.refresh_from_db()
    assert plan.assignee_id is None
    insider = staff_with_role(Role.COMMUNITY_WORKER, grid_a.parent)
    response = director_client.post(
        reverse("care:plan_assign", args=[plan.pk]), {"visitor": f"u{insider.pk}"}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.assignee == insider


def test_a_street_volunteer_offered_on_the_plan_page_can_be_given_the_plan(grid_a, director_client):
    from linli.care.models import Volunteer

    street = grid_a.parent.parent
    volunteer = Volunteer.objects.create(area=street, area_code=street.code, name="街道志愿者")
    resident = resident_in(grid_a, "elderly_living_alone")
    generate_care_plans()
    plan = CarePlan.objects.get(resident=resident)
    page = director_client.get(reverse("care:plan", args=[plan.pk]))
    assert volunteer in page.context["volunteers"]

    response = director_client.post(
        reverse("care:plan_assign", args=[plan.pk]), {"visitor": f"v{volunteer.pk}"}
    )

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.volunteer == volunteer


def test_a_photo_missing_from_storage_answers_404_not_an_error(grid_a, grid_worker, visitor_client):
    resident = resident_in(grid_a, "elderly_living_alone")
    generate_care_plans()
    plan = CarePlan.objects.get(resident=resident)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    visit = record_visit(
        actor=grid_worker,
        plan=plan,
        method="in_person",
        outcome="well",
        photo=SimpleUploadedFile("p.png", png),
    )
    url = reverse("care:visit_photo", args=[visit.pk])
    assert visitor_client.get(url).status_code == 200
    visit.photo.storage.delete(str(visit.photo.name))

    assert visitor_client.get(url).status_code == 404
