"""Authorization matrix: every URL pattern and API route, every staff role, inside and outside its area.

The test enumerates the routes itself: a route added without a case here makes
``test_every_route_has_an_authorization_case`` fail. For each role, an object inside the role's area
answers as the role allows, and an object in the neighbouring area at the role's own level answers 404.
"""

import datetime as dt
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from linli.accounts.models import ApiToken, User
from linli.accounts.roles import Capability, Role
from linli.registry.models import Household, Resident, TagAssignment
from tests.matrix import (  # noqa: F401 - re-exported for the apps' matrix tests
    INSIDE_GRID,
    OUTSIDE_GRID,
    ROLE_AREA_LENGTH,
    Place,
    World,
    allowed,
    make_place,
    place_for,
)

# --- the cases ------------------------------------------------------------------------------------

Where = Callable[[World, Role, str], Place]  # which place a request is about: "inside" or "outside"


@dataclass
class ObjectCase:
    """A request about one object; ``ok`` is the status when the role may act on it."""

    method: str
    url: Callable[[Place], str]
    capability: Capability
    ok: int
    data: Callable[[Place], dict[str, Any]] | None = None
    api: bool = False


@dataclass
class ListCase:
    """A list or export: the inside resident is listed, the outside one never."""

    url: Callable[[Place], str]
    capability: Capability
    api: bool = False


def resident_form(place: Place) -> dict[str, Any]:
    return {
        "name": place.resident.name,
        "id_number": place.resident.id_number,
        "phone": place.resident.phone,
        "hukou_status": "registered",
        "ethnicity": "01",
        "residence_status": "living_here",
        "relation_to_head": "head",
    }


def new_member_form(place: Place) -> dict[str, Any]:
    return {
        "name": "新成员",
        "id_number": "",
        "phone": "",
        "hukou_status": "registered",
        "ethnicity": "01",
        "residence_status": "living_here",
        "relation_to_head": "child",
    }


def new_household_form(place: Place) -> dict[str, Any]:
    return {
        "building": place.building.pk,
        "room": "9-901",
        "name": "新户主",
        "id_number": "",
        "phone": "",
        "hukou_status": "registered",
        "ethnicity": "01",
        "residence_status": "living_here",
    }


V, E, T, R, X = (
    Capability.VIEW_RESIDENTS,
    Capability.EDIT_RESIDENTS,
    Capability.MANAGE_TAGS,
    Capability.REVEAL_PERSONAL_DATA,
    Capability.EXPORT_RESIDENTS,
)

OBJECT_CASES: dict[str, list[ObjectCase]] = {
    "registry:resident": [
        ObjectCase("get", lambda p: reverse("registry:resident", args=[p.resident.pk]), V, 200)
    ],
    "registry:resident_edit": [
        ObjectCase("get", lambda p: reverse("registry:resident_edit", args=[p.resident.pk]), E, 200),
        ObjectCase(
            "post", lambda p: reverse("registry:resident_edit", args=[p.resident.pk]), E, 302, resident_form
        ),
    ],
    "registry:resident_reveal": [
        ObjectCase(
            "post",
            lambda p: reverse("registry:resident_reveal", args=[p.resident.pk]),
            R,
            200,
            lambda p: {"field": "id_number", "reason": "核对身份"},
        )
    ],
    "registry:tag_add": [
        ObjectCase(
            "post",
            lambda p: reverse("registry:tag_add", args=[p.resident.pk]),
            T,
            302,
            lambda p: {"tag": "minimum_allowance", "source": "测试", "valid_from": "2024-01-01"},
        )
    ],
    "registry:tag_end": [
        ObjectCase(
            "post",
            lambda p: reverse("registry:tag_end", args=[p.tag.pk]),
            T,
            302,
            lambda p: {"reason": "复核"},
        )
    ],
    "registry:household": [
        ObjectCase("get", lambda p: reverse("registry:household", args=[p.household.pk]), V, 200)
    ],
    "registry:household_edit": [
        ObjectCase("get", lambda p: reverse("registry:household_edit", args=[p.household.pk]), E, 200),
        ObjectCase(
            "post",
            lambda p: reverse("registry:household_edit", args=[p.household.pk]),
            E,
            302,
            lambda p: {"room": "2-202", "head": p.resident.pk},
        ),
    ],
    "registry:member_new": [
        ObjectCase("get", lambda p: reverse("registry:member_new", args=[p.household.pk]), E, 200),
        ObjectCase(
            "post", lambda p: reverse("registry:member_new", args=[p.household.pk]), E, 302, new_member_form
        ),
    ],
    "api:get_resident": [ObjectCase("get", lambda p: f"/api/v1/residents/{p.resident.pk}", V, 200, api=True)],
    "api:update_resident": [
        ObjectCase(
            "patch",
            lambda p: f"/api/v1/residents/{p.resident.pk}",
            E,
            200,
            lambda p: {"ethnicity": "03"},
            True,
        )
    ],
    "api:reveal": [
        ObjectCase(
            "post",
            lambda p: f"/api/v1/residents/{p.resident.pk}/reveal",
            R,
            200,
            lambda p: {"field": "phone", "reason": "电话回访"},
            True,
        )
    ],
    "api:create_resident": [
        ObjectCase(
            "post",
            lambda p: "/api/v1/residents",
            E,
            201,
            lambda p: {"household_id": p.household.pk, "name": "接口新成员", "relation_to_head": "child"},
            True,
        )
    ],
    "api:get_household": [
        ObjectCase("get", lambda p: f"/api/v1/households/{p.household.pk}", V, 200, api=True)
    ],
    "api:update_household": [
        ObjectCase(
            "patch",
            lambda p: f"/api/v1/households/{p.household.pk}",
            E,
            200,
            lambda p: {"room": "3-303"},
            True,
        )
    ],
    "api:create_household": [
        ObjectCase(
            "post",
            lambda p: "/api/v1/households",
            E,
            201,
            lambda p: {"building_id": p.building.pk, "room": "8-808", "head": {"name": "接口户主"}},
            True,
        )
    ],
}

LIST_CASES: dict[str, ListCase] = {
    "registry:search": ListCase(lambda p: reverse("registry:search") + f"?q={p.resident.name}", V),
    "registry:export": ListCase(lambda p: reverse("registry:export") + f"?q={p.resident.name}", X),
    "api:search_residents": ListCase(lambda p: f"/api/v1/residents?q={p.resident.name}", V, api=True),
    "api:list_households": ListCase(lambda p: "/api/v1/households?limit=200", V, api=True),
}

# Routes with no area object, each checked by its own test below.
OTHER_ROUTES = {
    "home": "test_home_shows_counts_of_own_area_only",
    "registry:household_new": "test_household_new_offers_only_buildings_in_scope",
    "registry:me": "test_resident_page_is_for_residents_only",
    "core:outbox": "test_outbox_is_for_administrators_unless_the_demo_opens_it",
    "accounts:api_tokens": "test_api_tokens_page_shows_only_own_tokens",
    "accounts:revoke_token": "test_a_token_can_be_revoked_only_by_its_owner",
}
# Routes anyone may open: the login flow, language and elder-mode switches, health, API docs.
PUBLIC_ROUTES = {
    "accounts:login",
    "accounts:totp",
    "accounts:totp_setup",
    "accounts:logout",
    "accounts:resident_login",
    "accounts:resident_code",
    "accounts:elder_mode",
    "set_language",
    "core:healthz",
    "api:openapi-json",
    "api:openapi-view",
    "api:api-root",
}


def all_route_names() -> Iterator[str]:
    def walk(patterns: list[Any], namespace: str | None) -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = namespace
                if pattern.namespace:
                    ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern.url_patterns, ns)
            elif isinstance(pattern, URLPattern):
                name = pattern.name or str(pattern.pattern)
                yield f"{namespace}:{name}" if namespace else name

    yield from walk(get_resolver().url_patterns, None)


# Apps past the registry keep their matrix beside their code: ``linli/<app>/tests/authz_routes.py`` maps each
# of the app's routes to the test module and function that walks it through the roles inside and outside.
APPS_WITH_OWN_MATRIX = ("intake", "reports", "sharing", "servicedesk", "care", "meals", "homecare", "alarms")


def app_matrix_routes() -> dict[str, str]:
    covered: dict[str, str] = {}
    for app in APPS_WITH_OWN_MATRIX:
        module = importlib.import_module(f"linli.{app}.tests.authz_routes")
        covered.update(module.COVERED)
    return covered


def test_every_app_matrix_names_a_test_that_exists():
    for route, target in app_matrix_routes().items():
        module_name, _sep, function = target.partition("::")
        module = importlib.import_module(module_name)
        assert callable(getattr(module, function, None)), f"{route}: {target} does not exist"


def test_every_route_has_an_authorization_case():
    covered = (
        set(OBJECT_CASES) | set(LIST_CASES) | set(OTHER_ROUTES) | PUBLIC_ROUTES | set(app_matrix_routes())
    )
    missing = sorted(
        name for name in set(all_route_names()) if name not in covered and not name.startswith("admin:")
    )
    assert not missing, f"routes without an authorization case: {missing}"


def send(
    world: World, role: Role, case: ObjectCase | ListCase, url: str, data: dict[str, Any] | None, method: str
):
    client = world.clients[role]
    if case.api:
        headers = {"Authorization": f"Bearer {world.tokens[role]}"}
        if method == "get":
            return client.get(url, headers=headers)
        return getattr(client, method)(url, data=data or {}, content_type="application/json", headers=headers)
    return getattr(client, method)(url, data=data or {})


@pytest.mark.parametrize("route", sorted(OBJECT_CASES))
def test_object_routes_answer_as_the_role_allows_inside_and_404_outside(world, route):
    for case in OBJECT_CASES[route]:
        for role in Role:
            for where in ("outside", "inside"):
                place = place_for(world, role, where)
                data = case.data(place) if case.data else None
                response = send(world, role, case, case.url(place), data, case.method)
                expected = case.ok if where == "inside" and allowed(role, case.capability) else 404
                assert response.status_code == expected, (
                    route,
                    case.method,
                    role.value,
                    where,
                    response.content[:300],
                )


@pytest.mark.parametrize("route", sorted(LIST_CASES))
def test_lists_show_inside_residents_and_never_outside_ones(world, route):
    case = LIST_CASES[route]
    for role in Role:
        inside, outside = world.inside(), world.outside(role)
        for place, should_see in ((inside, True), (outside, False)):
            response = send(world, role, case, case.url(place), None, "get")
            if not allowed(role, case.capability):
                assert response.status_code == 404, (route, role.value)
                continue
            assert response.status_code == 200, (route, role.value)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            marker = place.resident.name.encode()
            if route == "api:list_households":
                ids = [h["id"] for h in response.json()]
                assert (place.household.pk in ids) is should_see, (route, role.value)
            elif route == "registry:search":
                listed = [r.pk for r in response.context["residents"]]
                assert (place.resident.pk in listed) is should_see, (route, role.value)
            elif case.api:
                names = [r["name"] for r in response.json()]
                assert (place.resident.name in names) is should_see, (route, role.value)
            else:
                assert (marker in body) is should_see, (route, role.value, place.grid.code)


def test_anonymous_users_are_sent_to_login_or_refused_by_the_api(world):
    client = Client()
    for route, cases in OBJECT_CASES.items():
        for case in cases:
            url = case.url(world.inside())
            response = send_anonymous(client, case, url)
            assert response.status_code in ((401,) if case.api else (302,)), route
            if not case.api:
                assert "/accounts/login/" in response["Location"]


def send_anonymous(client: Client, case: ObjectCase, url: str):
    if case.method == "get":
        return client.get(url)
    return getattr(client, case.method)(url, data={}, content_type="application/json")


def test_a_revoked_token_is_refused(world):
    token = ApiToken.objects.filter(user=world.users[Role.COMMUNITY_WORKER]).get()
    token.revoked_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    token.save(update_fields=["revoked_at"])
    response = Client().get(
        f"/api/v1/residents/{world.inside().resident.pk}",
        headers={"Authorization": f"Bearer {world.tokens[Role.COMMUNITY_WORKER]}"},
    )
    assert response.status_code == 401


def test_home_shows_counts_of_own_area_only(world):
    for role in Role:
        response = world.clients[role].get(reverse("home"))
        assert response.status_code == 200, role.value
        counts = response.context["counts"]
        if not allowed(role, V):
            assert counts is None
            continue
        # Each role sees its one resident inside; grid workers' neighbours are not counted.
        expected = Resident.objects.filter(
            area__code__startswith=world.users[role].memberships.get().area.code
        )
        assert counts.residents == expected.count(), role.value
    assert Client().get(reverse("home")).status_code == 200  # the landing page


def test_household_new_offers_only_buildings_in_scope(world):
    for role in Role:
        client = world.clients[role]
        inside, outside = world.inside(), world.outside(role)
        page = client.get(reverse("registry:household_new"))
        if not allowed(role, E):
            assert page.status_code == 404, role.value
            assert (
                client.post(reverse("registry:household_new"), new_household_form(inside)).status_code == 404
            )
            continue
        assert page.status_code == 200
        offered = set(page.context["form"].fields["building"].queryset.values_list("pk", flat=True))
        assert inside.building.pk in offered and outside.building.pk not in offered, role.value
        before = Household.objects.count()
        refused = client.post(reverse("registry:household_new"), new_household_form(outside))
        assert refused.status_code == 200 and Household.objects.count() == before, role.value
        created = client.post(reverse("registry:household_new"), new_household_form(inside))
        assert created.status_code == 302 and Household.objects.count() == before + 1, role.value


def test_resident_page_is_for_residents_only(world, client):
    for role in Role:
        assert world.clients[role].get(reverse("registry:me")).status_code == 404
    assert client.get(reverse("registry:me")).status_code == 302
    resident_user = User.objects.create(
        username="r1", kind="resident", phone_index=world.inside().resident.phone_index
    )
    client.force_login(resident_user)
    page = client.get(reverse("registry:me"))
    assert page.status_code == 200
    assert [r.pk for r in page.context["residents"]] == [world.inside().resident.pk]


def test_residents_cannot_open_any_staff_route(world, client):
    resident_user = User.objects.create(username="r2", kind="resident")
    client.force_login(resident_user)
    for route, cases in OBJECT_CASES.items():
        for case in cases:
            if case.api:
                continue
            response = getattr(client, case.method)(case.url(world.inside()), data={})
            assert response.status_code == 404, route
    for route, list_case in LIST_CASES.items():
        if not list_case.api:
            assert client.get(list_case.url(world.inside())).status_code == 404, route
    assert client.get(reverse("accounts:api_tokens")).status_code == 404


def test_outbox_is_for_administrators_unless_the_demo_opens_it(world, client, settings):
    settings.LINLI_DEMO_OUTBOX_PUBLIC = False
    for role in Role:
        expected = 200 if allowed(role, Capability.READ_OUTBOX) else 404
        assert world.clients[role].get(reverse("core:outbox")).status_code == expected, role.value
    assert client.get(reverse("core:outbox")).status_code == 302
    settings.LINLI_DEMO_OUTBOX_PUBLIC = True
    assert client.get(reverse("core:outbox")).status_code == 200


def test_api_tokens_page_shows_only_own_tokens(world, client):
    for role in Role:
        page = world.clients[role].get(reverse("accounts:api_tokens"))
        assert page.status_code == 200
        assert {t.user_id for t in page.context["tokens"]} == {world.users[role].pk}
    assert client.get(reverse("accounts:api_tokens")).status_code == 302


def test_a_token_can_be_revoked_only_by_its_owner(world):
    owner, other = world.users[Role.GRID_WORKER], world.users[Role.ADMINISTRATOR]
    token = ApiToken.objects.get(user=owner)
    refused = world.clients[Role.ADMINISTRATOR].post(reverse("accounts:revoke_token", args=[token.pk]))
    assert refused.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None and other.pk != owner.pk
    done = world.clients[Role.GRID_WORKER].post(reverse("accounts:revoke_token", args=[token.pk]))
    assert done.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_community_worker_of_a_cannot_reach_a_resident_of_b_by_any_route(world):
    """Find, open, edit, reveal, tag, export: every screen and API call answers 404 or leaves B out."""
    worker = Role.COMMUNITY_WORKER
    b = world.places["110109001002001"]
    before = (b.resident.name, b.resident.ethnicity, b.household.room, TagAssignment.objects.count())
    for route, cases in OBJECT_CASES.items():
        for case in cases:
            response = send(
                world, worker, case, case.url(b), case.data(b) if case.data else None, case.method
            )
            assert response.status_code == 404, route
    for route, list_case in LIST_CASES.items():
        response = send(world, worker, list_case, list_case.url(b), None, "get")
        if route == "registry:search":
            assert response.status_code == 200 and response.context["residents"] == [], route
        elif route == "registry:export":
            body = b"".join(response.streaming_content)
            assert b.resident.name.encode() not in body, route
        else:
            assert b.resident.name not in response.content.decode("unicode_escape"), route
    b.resident.refresh_from_db()
    b.household.refresh_from_db()
    assert (b.resident.name, b.resident.ethnicity, b.household.room, TagAssignment.objects.count()) == before


def test_admin_site_is_for_administrators_only(world):
    for role in Role:
        response = world.clients[role].get(reverse("admin:index"))
        assert response.status_code == (200 if role == Role.ADMINISTRATOR else 302), role.value


def test_admin_needs_the_second_factor_and_has_no_login_of_its_own(world, client):
    admin_user = world.users[Role.ADMINISTRATOR]
    client.force_login(admin_user)  # a password-only session

    assert client.get(reverse("admin:index")).status_code == 302
    login = Client().get(reverse("admin:login") + "?next=/admin/")
    assert login.status_code == 302 and login["Location"].startswith("/accounts/login/")


def test_admin_hides_totp_secrets(world):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=world.users[Role.GRID_WORKER]).first()
    page = world.clients[Role.ADMINISTRATOR].get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert page.status_code == 200
    assert device.key not in page.content.decode()
