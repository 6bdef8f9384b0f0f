"""The service desk's authorization matrix: every role, a case inside its area and one just outside.

A worker sees only the cases of their area; a department officer only their own department's items (set
on the membership) in their area; a resident only their own cases. Everything else answers 404.
"""

import pytest
from django.test import Client
from django.urls import reverse

from linli.accounts.models import Membership
from linli.accounts.roles import Capability, Role
from linli.servicedesk import proactive, ratings
from linli.servicedesk.models import Case, ProactiveCandidate, Rectification
from linli.servicedesk.services import submit_case
from linli.servicedesk.tests.factories import item, resident_account
from tests.matrix import World, allowed, place_for

H = Capability.HANDLE_CASES
DEPARTMENT = "urban_management"


def open_case(place, code: str = "street_lamp"):
    """A report at the place, linked to the place's resident (so the resident may follow it)."""
    return submit_case(
        actor=None,
        item=item(code),
        answers={"problem": "off", "source": "business"},
        channel="open311",
        area=place.grid,
        resident=place.resident,
        address_string="测试路",
    )


@pytest.fixture
def desk(world: World):
    Membership.objects.filter(user=world.users[Role.DEPARTMENT_OFFICER]).update(department=DEPARTMENT)
    cases = {code: open_case(place) for code, place in world.places.items()}
    return cases


def case_at(desk, world, role, where):
    return desk[place_for(world, role, where).grid.code]


def may(role: Role, capability: Capability) -> bool:
    return allowed(role, capability)


def api(world, role, method, url, data=None):
    headers = {"Authorization": f"Bearer {world.tokens[role]}"}
    if method == "get":
        return world.clients[role].get(url, headers=headers)
    return world.clients[role].post(url, data=data or {}, content_type="application/json", headers=headers)


def test_case_pages_answer_inside_and_404_outside(world, desk):
    for role in Role:
        client = world.clients[role]
        for where in ("outside", "inside"):
            case = case_at(desk, world, role, where)
            ok = where == "inside" and may(role, H)
            page = client.get(reverse("servicedesk:desk_case", args=[case.pk]))
            assert page.status_code == (200 if ok else 404), (role.value, where)
            note = client.post(reverse("servicedesk:desk_note", args=[case.pk]), {"note": "已联系"})
            assert note.status_code == (302 if ok else 404), (role.value, where)
            take = client.post(
                reverse("servicedesk:desk_assign", args=[case.pk]), {"handler": world.users[role].pk}
            )
            assert take.status_code == (302 if ok else 404), (role.value, where)
            act = client.post(reverse("servicedesk:desk_act", args=[case.pk]), {"action": "accept"})
            assert act.status_code == (302 if ok else 404), (role.value, where)
            case.refresh_from_db()
            assert (case.status == "accepted") is ok, (role.value, where)
            if ok:
                Case.objects.filter(pk=case.pk).update(status="submitted", handler=None)


def test_the_queue_lists_inside_cases_and_never_outside_ones(world, desk):
    for role in Role:
        response = world.clients[role].get(reverse("servicedesk:desk"))
        if not may(role, H):
            assert response.status_code == 404, role.value
            continue
        listed = {c.pk for c in response.context["cases"]}
        assert case_at(desk, world, role, "inside").pk in listed, role.value
        assert case_at(desk, world, role, "outside").pk not in listed, role.value
        own = world.users[role].memberships.get().area.code
        assert all(desk[code].pk not in listed for code in desk if not code.startswith(own)), role.value


def test_a_department_officer_sees_only_their_department_s_items(world, desk):
    officer = world.users[Role.DEPARTMENT_OFFICER]
    inside = world.inside()
    other_department = open_case(inside, code="noise")  # routed to the environment department
    assert other_department.department != DEPARTMENT
    client = world.clients[Role.DEPARTMENT_OFFICER]
    listed = {c.pk for c in client.get(reverse("servicedesk:desk")).context["cases"]}
    assert desk[inside.grid.code].pk in listed and other_department.pk not in listed
    assert client.get(reverse("servicedesk:desk_case", args=[other_department.pk])).status_code == 404
    Membership.objects.filter(user=officer).update(department="")
    client = Client()
    from conftest import login_staff

    login_staff(client, officer)
    assert client.get(reverse("servicedesk:desk")).context["cases"] == []


def test_files_download_only_for_the_case_s_handlers_and_its_resident(world, desk, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from linli.servicedesk.models import CaseFile

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    stored = {
        code: CaseFile.objects.create(
            case=case,
            file=SimpleUploadedFile("p.png", png),
            original_name="p.png",
            content_type="image/png",
            size=len(png),
            uploaded_at=case.submitted_at,
        )
        for code, case in desk.items()
    }
    for role in Role:
        for where in ("outside", "inside"):
            place = place_for(world, role, where)
            response = world.clients[role].get(reverse("servicedesk:file", args=[stored[place.grid.code].pk]))
            expected = 200 if where == "inside" and may(role, H) else 404
            assert response.status_code == expected, (role.value, where)
    resident_client = Client()
    resident_client.force_login(resident_account(world.inside().resident))
    outside_code = next(code for code in desk if code != world.inside().grid.code)
    assert (
        resident_client.get(
            reverse("servicedesk:file", args=[stored[world.inside().grid.code].pk])
        ).status_code
        == 200
    )
    assert resident_client.get(reverse("servicedesk:file", args=[stored[outside_code].pk])).status_code == 404
    assert Client().get(reverse("servicedesk:file", args=[stored[outside_code].pk])).status_code == 404


def test_residents_see_only_their_own_cases(world, desk):
    inside = world.inside()
    own = desk[inside.grid.code]
    other = next(case for code, case in desk.items() if code != inside.grid.code)
    client = Client()
    client.force_login(resident_account(inside.resident))
    assert [c.pk for c in client.get(reverse("servicedesk:my_cases")).context["cases"]] == [own.pk]
    assert client.get(reverse("servicedesk:my_case", args=[own.number])).status_code == 200
    assert client.get(reverse("servicedesk:my_case", args=[other.number])).status_code == 404
    Case.objects.filter(pk__in=[own.pk, other.pk]).update(status="done")
    assert client.post(reverse("servicedesk:rate", args=[other.number]), {"level": 5}).status_code == 404
    assert client.post(reverse("servicedesk:rate", args=[own.number]), {"level": 5}).status_code == 302
    Case.objects.filter(pk__in=[own.pk, other.pk]).update(status="needs_info")
    assert client.post(reverse("servicedesk:resubmit", args=[other.number]), {"note": "x"}).status_code == 404
    assert (
        client.post(reverse("servicedesk:resubmit", args=[own.number]), {"note": "补充"}).status_code == 302
    )
    assert client.get(reverse("servicedesk:apply", args=["street_lamp"])).status_code == 200
    # Staff have no resident pages; anonymous visitors are sent to the resident login.
    for role in Role:
        staff = world.clients[role]
        assert staff.get(reverse("servicedesk:my_cases")).status_code == 404
        assert staff.get(reverse("servicedesk:my_case", args=[own.number])).status_code == 404
        assert staff.get(reverse("servicedesk:apply", args=["street_lamp"])).status_code == 404
        assert staff.post(reverse("servicedesk:rate", args=[own.number]), {"level": 1}).status_code == 404
        assert (
            staff.post(reverse("servicedesk:resubmit", args=[own.number]), {"note": "x"}).status_code == 404
        )
    anonymous = Client().get(reverse("servicedesk:my_cases"))
    assert anonymous.status_code == 302 and "/accounts/resident" in anonymous["Location"]


def test_the_catalogue_is_public(world):
    for client in (Client(), *world.clients.values()):
        assert client.get(reverse("servicedesk:catalogue")).status_code == 200
        assert client.get(reverse("servicedesk:item", args=["street_lamp"])).status_code == 200
        assert client.get("/api/v1/services/items").status_code == 200


def test_on_behalf_is_for_residents_of_the_worker_s_area(world):
    for role in Role:
        client = world.clients[role]
        start = client.get(reverse("servicedesk:on_behalf") + "?q=王")
        if not may(role, Capability.APPLY_ON_BEHALF):
            assert start.status_code == 404, role.value
        else:
            listed = {r.pk for r in start.context["residents"]}
            assert world.inside().resident.pk in listed, role.value
            assert world.outside(role).resident.pk not in listed, role.value
        for where in ("outside", "inside"):
            resident = place_for(world, role, where).resident
            url = reverse("servicedesk:on_behalf_apply", args=[resident.pk, "residence_certificate"])
            ok = where == "inside" and may(role, Capability.APPLY_ON_BEHALF)
            assert client.get(url).status_code == (200 if ok else 404), (role.value, where)
            posted = client.post(url, {"f_purpose": "school", "consent_method": "signed"})
            assert posted.status_code == (302 if ok else 404), (role.value, where)


def rated_everywhere(world, desk, level=1):
    for place in world.places.values():
        case = desk[place.grid.code]
        Case.objects.filter(pk=case.pk).update(status="done")
        case.refresh_from_db()
        ratings.rate_case(actor=resident_account(place.resident), case=case, level=level, comment="慢")


def test_satisfaction_counts_only_ratings_in_scope(world, desk):
    rated_everywhere(world, desk)
    for role in Role:
        response = world.clients[role].get(reverse("servicedesk:satisfaction") + "?by=community")
        if not may(role, Capability.VIEW_SATISFACTION):
            assert response.status_code == 404, role.value
            continue
        own = world.users[role].memberships.get().area.code
        expected = sum(1 for code in desk if code.startswith(own))
        assert sum(r.ratings for r in response.context["rows"]) == expected, role.value


def test_rectification_tasks_answer_inside_and_404_outside(world, desk):
    rated_everywhere(world, desk)
    tasks = {t.case.area_code: t for t in Rectification.objects.select_related("case")}
    for role in Role:
        client = world.clients[role]
        listing = client.get(reverse("servicedesk:rectifications"))
        capable = may(role, Capability.RECTIFY_RATINGS)
        assert listing.status_code == (200 if capable else 404), role.value
        for where in ("outside", "inside"):
            task = tasks[place_for(world, role, where).grid.code]
            ok = where == "inside" and capable
            if capable:
                assert (task in listing.context["tasks"]) is ok, (role.value, where)
            url = reverse("servicedesk:rectification", args=[task.pk])
            assert client.get(url).status_code == (200 if ok else 404), (role.value, where)
            call = client.post(url, {"step": "call", "reached": "on", "summary": "已回访"})
            assert call.status_code == (302 if ok else 404), (role.value, where)


def test_proactive_candidates_are_listed_and_confirmed_inside_only(world):
    proactive.evaluate_proactive_items()
    by_grid = {c.area_code: c for c in ProactiveCandidate.objects.filter(item__code="disability_subsidies")}
    assert set(by_grid) == set(world.places)
    for role in Role:
        client = world.clients[role]
        capable = may(role, Capability.CONFIRM_PROACTIVE)
        page = client.get(reverse("servicedesk:proactive"))
        assert page.status_code == (200 if capable else 404), role.value
        outside = by_grid[world.outside(role).grid.code]
        inside = by_grid[world.inside().grid.code]
        if capable:
            assert inside in page.context["candidates"] and outside not in page.context["candidates"]
        response = client.post(
            reverse("servicedesk:proactive"), {"candidate": [outside.pk], "decision": "confirm"}
        )
        assert response.status_code == (302 if capable else 404), role.value
        outside.refresh_from_db()
        assert outside.status == "pending", role.value


def test_the_api_serves_cases_inside_and_404_outside(world, desk):
    for role in Role:
        listed = api(world, role, "get", "/api/v1/services/cases")
        if not may(role, H):
            assert listed.status_code == 404, role.value
        else:
            ids = {c["id"] for c in listed.json()}
            assert case_at(desk, world, role, "inside").pk in ids, role.value
            assert case_at(desk, world, role, "outside").pk not in ids, role.value
        for where in ("outside", "inside"):
            case = case_at(desk, world, role, where)
            ok = where == "inside" and may(role, H)
            got = api(world, role, "get", f"/api/v1/services/cases/{case.pk}")
            assert got.status_code == (200 if ok else 404), (role.value, where)
            moved = api(
                world, role, "post", f"/api/v1/services/cases/{case.pk}/transitions", {"action": "accept"}
            )
            assert moved.status_code == (200 if ok else 404), (role.value, where)
            if ok:
                Case.objects.filter(pk=case.pk).update(status="submitted", handler=None)
            resident = place_for(world, role, where).resident
            created = api(
                world,
                role,
                "post",
                "/api/v1/services/cases",
                {
                    "item": "residence_certificate",
                    "resident_id": resident.pk,
                    "answers": {"purpose": "school"},
                },
            )
            window_ok = ok and may(role, Capability.VIEW_RESIDENTS)
            assert created.status_code == (201 if window_ok else 404), (
                role.value,
                where,
                created.content[:200],
            )
