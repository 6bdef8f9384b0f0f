"""The care app's authorization matrix: every role, a plan inside its area and one just outside.

Visitors (RECORD_VISITS) see and record the visits of their area; directors and officers who plan visits
(MANAGE_CARE_PLANS) open plans, reassign, set rules and register volunteers in theirs; overdue lists are for
visitors and report readers, coverage for report readers. Everything else, and everything outside, is 404.
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from linli.accounts.models import User
from linli.accounts.roles import Capability, Role
from linli.care.models import CarePlan, CareRule, Visit, Volunteer
from linli.care.services import generate_care_plans, record_visit
from linli.core.models import Area
from tests.matrix import World, allowed, place_for

RECORD, MANAGE, REPORTS = Capability.RECORD_VISITS, Capability.MANAGE_CARE_PLANS, Capability.VIEW_CARE_REPORTS
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def community_of(place) -> Area:
    return Area.objects.get(code=place.grid.code[:12])


def may_read_plans(role: Role) -> bool:
    return allowed(role, RECORD) or allowed(role, MANAGE)


@pytest.fixture
def care(world: World, settings, tmp_path):
    """A plan (overdue) for each place's resident, a visit with a photo, a volunteer and a community rule."""
    settings.MEDIA_ROOT = tmp_path / "media"
    today = timezone.localdate()
    generate_care_plans(today=today - dt.timedelta(days=30))
    admin = world.users[Role.ADMINISTRATOR]
    plans, visits, volunteers, rules = {}, {}, {}, {}
    for code, place in world.places.items():
        plan = CarePlan.objects.get(resident=place.resident)
        plans[code] = plan
        visits[code] = Visit.objects.create(
            plan=plan,
            resident=place.resident,
            area_code=plan.area_code,
            visitor=admin,
            method="phone",
            outcome="not_reached",
            visited_at=timezone.now(),
            visited_on=today,
            was_due_on=plan.next_due,
            photo=SimpleUploadedFile("p.png", PNG),
            photo_type="image/png",
            recorded_at=timezone.now(),
        )
        volunteers[code] = Volunteer.objects.create(
            area=place.grid, area_code=code, name=f"志愿者{code[-6:]}"
        )
        community = community_of(place)
        rules[community.code], _created = CareRule.objects.get_or_create(
            area=community,
            area_code=community.code,
            tag="veteran",
            max_level=0,
            defaults={"interval_days": 60},
        )
    return {"plans": plans, "visits": visits, "volunteers": volunteers, "rules": rules}


def at(care, kind, world, role, where):
    return care[kind][place_for(world, role, where).grid.code]


def test_plan_pages_answer_inside_and_404_outside(world, care):
    for role in Role:
        client = world.clients[role]
        for where in ("outside", "inside"):
            plan = at(care, "plans", world, role, where)
            ok = where == "inside" and may_read_plans(role)
            page = client.get(reverse("care:plan", args=[plan.pk]))
            assert page.status_code == (200 if ok else 404), (role.value, where)
            photo = client.get(reverse("care:visit_photo", args=[at(care, "visits", world, role, where).pk]))
            assert photo.status_code == (200 if ok else 404), (role.value, where)


def test_visits_are_recorded_inside_only(world, care):
    for role in Role:
        client = world.clients[role]
        for where in ("outside", "inside"):
            plan = at(care, "plans", world, role, where)
            ok = where == "inside" and allowed(role, RECORD)
            url = reverse("care:visit", args=[plan.pk])
            assert client.get(url).status_code == (200 if ok else 404), (role.value, where)
            before = Visit.objects.filter(plan=plan).count()
            response = client.post(url, {"method": "phone", "outcome": "well"})
            assert response.status_code == (302 if ok else 404), (role.value, where)
            assert Visit.objects.filter(plan=plan).count() == before + (1 if ok else 0), (role.value, where)


def test_reassignment_is_for_planners_inside_only(world, care):
    for role in Role:
        client = world.clients[role]
        for where in ("outside", "inside"):
            plan = at(care, "plans", world, role, where)
            volunteer = at(care, "volunteers", world, role, where)
            ok = where == "inside" and allowed(role, MANAGE)
            response = client.post(
                reverse("care:plan_assign", args=[plan.pk]), {"visitor": f"v{volunteer.pk}"}
            )
            assert response.status_code == (302 if ok else 404), (role.value, where)
            plan.refresh_from_db()
            assert (plan.volunteer_id == volunteer.pk) is ok, (role.value, where)
            if ok:
                CarePlan.objects.filter(pk=plan.pk).update(volunteer=None)
    # A volunteer of another area cannot be given a plan, even by someone who plans both.
    inside = care["plans"][world.inside().grid.code]
    elsewhere = care["volunteers"]["110109002001001"]
    client = world.clients[Role.DISTRICT_OFFICER]
    client.post(reverse("care:plan_assign", args=[inside.pk]), {"visitor": f"v{elsewhere.pk}"})
    inside.refresh_from_db()
    assert inside.volunteer_id is None


def test_my_visits_list_the_area_s_plans_and_never_outside_ones(world, care):
    for role in Role:
        response = world.clients[role].get(reverse("care:my_visits") + "?who=area")
        if not allowed(role, RECORD):
            assert response.status_code == 404, role.value
            continue
        listed = {plan.pk for plan, _state, _text in response.context["rows"]}
        assert at(care, "plans", world, role, "inside").pk in listed, role.value
        assert at(care, "plans", world, role, "outside").pk not in listed, role.value
        own = world.users[role].memberships.get().area.code
        assert all(p.area_code.startswith(own) for p in CarePlan.objects.filter(pk__in=listed)), role.value


def test_overdue_lists_show_inside_plans_and_never_outside_ones(world, care):
    for role in Role:
        response = world.clients[role].get(reverse("care:overdue"))
        if not (allowed(role, RECORD) or allowed(role, REPORTS)):
            assert response.status_code == 404, role.value
            continue
        listed = {plan.pk for plan, _days in response.context["rows"]}
        grids = {row.code for row in response.context["by_grid"]}
        inside, outside = (at(care, "plans", world, role, w) for w in ("inside", "outside"))
        assert inside.pk in listed and inside.area_code in grids, role.value
        assert outside.pk not in listed and outside.area_code not in grids, role.value


def test_coverage_shows_inside_grids_and_never_outside_ones(world, care):
    for role in Role:
        response = world.clients[role].get(reverse("care:coverage"))
        if not allowed(role, REPORTS):
            assert response.status_code == 404, role.value
            continue
        grids = {row.code for row in response.context["grids"]}
        assert place_for(world, role, "inside").grid.code in grids, role.value
        assert place_for(world, role, "outside").grid.code not in grids, role.value


def test_rules_are_set_and_removed_by_planners_inside_only(world, care):
    for role in Role:
        client = world.clients[role]
        for where in ("outside", "inside"):
            community = community_of(place_for(world, role, where))
            ok = where == "inside" and allowed(role, MANAGE)
            page = client.get(reverse("care:rules") + f"?area={community.code}")
            assert page.status_code == (200 if ok else 404), (role.value, where)
            saved = client.post(
                reverse("care:rules"),
                {
                    "area": community.code,
                    "tag": "empty_nest",
                    "max_level": 0,
                    "interval_days": 21,
                    "is_active": "on",
                },
            )
            assert saved.status_code == (302 if ok else 404), (role.value, where)
            assert CareRule.objects.filter(area_code=community.code, tag="empty_nest").exists() is ok
            rule = care["rules"][community.code]
            removed = client.post(reverse("care:rule_remove", args=[rule.pk]))
            assert removed.status_code == (302 if ok else 404), (role.value, where)
            assert CareRule.objects.filter(pk=rule.pk).exists() is not ok, (role.value, where)
            if ok:
                CareRule.objects.filter(area_code=community.code, tag="empty_nest").delete()
                care["rules"][community.code] = CareRule.objects.create(
                    area=community, area_code=community.code, tag="veteran", max_level=0, interval_days=60
                )
    default = CareRule.objects.get(area_code="", tag="elderly_living_alone")
    response = world.clients[Role.ADMINISTRATOR].post(reverse("care:rule_remove", args=[default.pk]))
    assert response.status_code == 404 and CareRule.objects.filter(pk=default.pk).exists()


def test_volunteers_are_listed_and_registered_inside_only(world, care):
    for role in Role:
        client = world.clients[role]
        page = client.get(reverse("care:volunteers"))
        if not allowed(role, MANAGE):
            assert page.status_code == 404, role.value
            assert client.post(reverse("care:volunteers"), {"name": "x"}).status_code == 404
            continue
        listed = {volunteer.pk for volunteer, _phone in page.context["rows"]}
        assert at(care, "volunteers", world, role, "inside").pk in listed, role.value
        assert at(care, "volunteers", world, role, "outside").pk not in listed, role.value
        for where in ("outside", "inside"):
            grid = place_for(world, role, where).grid
            client.post(reverse("care:volunteers"), {"area": grid.pk, "name": f"新志愿者{role.value}{where}"})
            made = Volunteer.objects.filter(name=f"新志愿者{role.value}{where}").exists()
            assert made is (where == "inside"), (role.value, where)


def test_residents_and_anonymous_users_cannot_reach_care_pages(world, care, client):
    plan = care["plans"][world.inside().grid.code]
    rule = care["rules"][community_of(world.inside()).code]
    visit = care["visits"][world.inside().grid.code]
    gets = [
        reverse("care:my_visits"),
        reverse("care:plan", args=[plan.pk]),
        reverse("care:visit", args=[plan.pk]),
        reverse("care:visit_photo", args=[visit.pk]),
        reverse("care:overdue"),
        reverse("care:coverage"),
        reverse("care:rules"),
        reverse("care:volunteers"),
    ]
    posts = [reverse("care:plan_assign", args=[plan.pk]), reverse("care:rule_remove", args=[rule.pk])]
    anonymous = Client()
    for url in gets + posts:
        response = anonymous.post(url) if url in posts else anonymous.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    resident = User.objects.create(username="care-resident", kind="resident")
    client.force_login(resident)
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url).status_code == 404, url
    assert Area.objects.exists()


def test_a_service_visit_by_an_outsider_is_refused_by_the_service_too(world, care):
    from linli.core.errors import DomainError

    outside_plan = care["plans"]["110109001002001"]
    with pytest.raises(DomainError):
        record_visit(
            actor=world.users[Role.COMMUNITY_WORKER], plan=outside_plan, method="phone", outcome="well"
        )
