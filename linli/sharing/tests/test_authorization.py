"""Authorization matrix of sharing: every page and API operation, every staff role, inside and outside.

Inside objects belong to the district of the shared ``world`` (110109); outside objects to the neighbouring
district (110105), which is outside every role's area. A page answers as the role's capabilities allow for
an inside object and 404 for an outside one; the API takes department-client tokens only, never staff
tokens, and serves only what the client's grant covers.
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from linli.accounts.roles import Capability, Role
from linli.accounts.tests.factories import staff_with_role
from linli.core.models import Area
from linli.registry.services import record_changes
from linli.sharing import services
from linli.sharing.access import GRANT_VIEWERS
from linli.sharing.models import AccessLog, ClientToken, DepartmentClient, Grant, GrantStatus
from linli.sharing.tests.factories import DepartmentClientFactory, make_grant
from tests.matrix import INSIDE_GRID, OUTSIDE_GRID, World, allowed

MANAGE = (Capability.MANAGE_SHARING,)
REQUEST = (Capability.REQUEST_GRANTS,)
LOG = (Capability.VIEW_ACCESS_LOG,)
OUTSIDE_DISTRICT_GRID = OUTSIDE_GRID[Role.DISTRICT_OFFICER]  # 110105…, outside every role of the world


@dataclass
class Side:
    """A department client with a token and an approved grant, on one side of the area boundary."""

    district: Area
    grid: Area
    client: DepartmentClient
    key: str
    grant: Grant
    requester: Any
    approver: Any

    def fresh_grant(self, *, approve: bool = False) -> Grant:
        return make_grant(
            client=self.client,
            fields=["name", "household"],
            area=self.grid.parent,  # type: ignore[arg-type]
            approve=approve,
            requester=self.requester,
            approver=self.approver,
        )

    def fresh_token(self) -> ClientToken:
        return services.issue_client_token(actor=self.approver, client=self.client)[0]


def make_side(grid_code: str, label: str) -> Side:
    grid = Area.objects.get(code=grid_code)
    district = Area.objects.get(code=grid_code[:6])
    requester = staff_with_role(Role.DEPARTMENT_OFFICER, district, username=f"sharing-requester-{label}")
    approver = staff_with_role(Role.DISTRICT_OFFICER, district, username=f"sharing-approver-{label}")
    client = DepartmentClientFactory(area=district, name=f"交换系统{label}")
    key = services.issue_client_token(actor=approver, client=client)[1]
    grant = make_grant(
        client=client,
        fields=["name", "household"],
        area=grid.parent,  # type: ignore[arg-type]
        requester=requester,
        approver=approver,
    )
    side = Side(district, grid, client, key, grant, requester, approver)
    api_get(side.key, "residents", grant=side.grant.pk)  # a row in the access log
    return side


@dataclass
class Sides:
    inside: Side
    outside: Side

    def get(self, where: str) -> Side:
        return self.inside if where == "inside" else self.outside


@pytest.fixture
def sides(world: World) -> Sides:
    return Sides(inside=make_side(INSIDE_GRID, "in"), outside=make_side(OUTSIDE_DISTRICT_GRID, "out"))


def api_get(key: str, path: str, **params: Any):
    return Client().get(f"/api/v1/sharing/{path}", params, headers={"Authorization": f"Bearer {key}"})


def may(role: Role, capabilities: tuple[Capability, ...]) -> bool:
    return any(allowed(role, c) for c in capabilities)


# --- pages about one object --------------------------------------------------------------------------


@dataclass
class ObjectCase:
    """``target`` gives the object (a fresh one where the request changes it); ``done`` says whether the
    request took effect."""

    method: str
    target: Callable[[Side], Model]
    url: Callable[[Model], str]
    capabilities: tuple[Capability, ...]
    ok: int
    data: dict[str, Any] | None = None
    done: Callable[[Model], bool] | None = None


def _reloaded[M: Model](obj: M) -> M:
    return type(obj)._default_manager.get(pk=obj.pk)


OBJECT_CASES: dict[str, ObjectCase] = {
    "sharing:client": ObjectCase(
        "get", lambda s: s.client, lambda c: reverse("sharing:client", args=[c.pk]), MANAGE, 200
    ),
    "sharing:client_active": ObjectCase(
        "post",
        lambda s: DepartmentClientFactory(area=s.district),
        lambda c: reverse("sharing:client_active", args=[c.pk]),
        MANAGE,
        302,
        {},
        lambda c: not _reloaded(c).active,  # type: ignore[attr-defined]
    ),
    "sharing:token_issue": ObjectCase(
        "post",
        lambda s: DepartmentClientFactory(area=s.district),
        lambda c: reverse("sharing:token_issue", args=[c.pk]),
        MANAGE,
        200,
        {},
        lambda c: ClientToken.objects.filter(client_id=c.pk).exists(),
    ),
    "sharing:token_revoke": ObjectCase(
        "post",
        lambda s: s.fresh_token(),
        lambda t: reverse("sharing:token_revoke", args=[t.pk]),
        MANAGE,
        302,
        {},
        lambda t: _reloaded(t).revoked_at is not None,  # type: ignore[attr-defined]
    ),
    "sharing:grant": ObjectCase(
        "get", lambda s: s.grant, lambda g: reverse("sharing:grant", args=[g.pk]), GRANT_VIEWERS, 200
    ),
    "sharing:grant_approve": ObjectCase(
        "post",
        lambda s: s.fresh_grant(),
        lambda g: reverse("sharing:grant_approve", args=[g.pk]),
        MANAGE,
        302,
        {"note": "同意"},
        lambda g: _reloaded(g).status == GrantStatus.APPROVED,  # type: ignore[attr-defined]
    ),
    "sharing:grant_revoke": ObjectCase(
        "post",
        lambda s: s.fresh_grant(approve=True),
        lambda g: reverse("sharing:grant_revoke", args=[g.pk]),
        MANAGE,
        302,
        {"reason": "停止共享"},
        lambda g: _reloaded(g).status == GrantStatus.REVOKED,  # type: ignore[attr-defined]
    ),
}


@pytest.mark.parametrize("route", sorted(OBJECT_CASES))
def test_object_pages_answer_as_the_role_allows_inside_and_404_outside(world, sides, route):
    case = OBJECT_CASES[route]
    for role in Role:
        for where in ("outside", "inside"):
            target = case.target(sides.get(where))
            client = world.clients[role]
            response = getattr(client, case.method)(case.url(target), data=case.data or {})
            permitted = where == "inside" and may(role, case.capabilities)
            assert response.status_code == (case.ok if permitted else 404), (
                route,
                role.value,
                where,
                response.content[:300],
            )
            if case.done is not None:
                assert case.done(target) is permitted, (route, role.value, where)


# --- lists ---------------------------------------------------------------------------------------------


@dataclass
class ListCase:
    url: str
    capabilities: tuple[Capability, ...]
    listed: Callable[[Any], set[int]]
    key: Callable[[Side], int]


LIST_CASES: dict[str, ListCase] = {
    "sharing:clients": ListCase(
        "sharing:clients", MANAGE, lambda r: {c.pk for c in r.context["clients"]}, lambda s: s.client.pk
    ),
    "sharing:grants": ListCase(
        "sharing:grants", GRANT_VIEWERS, lambda r: {g.pk for g in r.context["grants"]}, lambda s: s.grant.pk
    ),
    "sharing:access_log": ListCase(
        "sharing:access_log",
        LOG,
        lambda r: {e.client_id for e in r.context["log"].entries},
        lambda s: s.client.pk,
    ),
}


@pytest.mark.parametrize("route", sorted(LIST_CASES))
def test_lists_show_inside_objects_and_never_outside_ones(world, sides, route):
    case = LIST_CASES[route]
    for role in Role:
        response = world.clients[role].get(reverse(case.url))
        if not may(role, case.capabilities):
            assert response.status_code == 404, (route, role.value)
            continue
        assert response.status_code == 200, (route, role.value)
        listed = case.listed(response)
        assert case.key(sides.inside) in listed, (route, role.value)
        assert case.key(sides.outside) not in listed, (route, role.value)


def test_client_registration_offers_only_areas_in_scope(world, sides):
    for role in Role:
        client = world.clients[role]
        before = DepartmentClient.objects.count()
        for side, should_create in ((sides.outside, False), (sides.inside, True)):
            data = {"department": "卫健委", "name": f"系统{role.value}", "area": side.district.pk}
            response = client.post(reverse("sharing:clients"), data)
            if not may(role, MANAGE):
                assert response.status_code == 404, role.value
                continue
            assert response.status_code == (302 if should_create else 200), (role.value, side.district.code)
        created = DepartmentClient.objects.count() - before
        assert created == (1 if may(role, MANAGE) else 0), role.value


def test_grant_request_offers_only_clients_and_areas_in_scope(world, sides):
    for role in Role:
        client = world.clients[role]
        page = client.get(reverse("sharing:grant_new"))
        if not may(role, REQUEST):
            assert page.status_code == 404, role.value
            assert client.post(reverse("sharing:grant_new"), {}).status_code == 404
            continue
        assert page.status_code == 200
        form = page.context["form"]
        clients = set(form.fields["client"].queryset.values_list("pk", flat=True))
        areas = set(form.fields["area"].queryset.values_list("code", flat=True))
        assert sides.inside.client.pk in clients and sides.outside.client.pk not in clients, role.value
        assert INSIDE_GRID in areas and OUTSIDE_DISTRICT_GRID not in areas, role.value
        before = Grant.objects.count()
        for side, should_create in ((sides.outside, False), (sides.inside, True)):
            data = {
                "client": side.client.pk,
                "shared_fields": ["name", "phone"],
                "area": side.grid.pk,
                "purpose": "核对高龄津贴对象",
                "legal_basis": "地方性法规",
                "expires_on": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
            }
            response = client.post(reverse("sharing:grant_new"), data)
            assert response.status_code == (302 if should_create else 200), (role.value, side.grid.code)
        assert Grant.objects.count() == before + 1, role.value


def test_anonymous_users_are_sent_to_login(sides):
    client = Client()
    for route, case in OBJECT_CASES.items():
        response = getattr(client, case.method)(case.url(case.target(sides.inside)), data=case.data or {})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], route
    for route in (*LIST_CASES, "sharing:grant_new"):
        response = client.get(reverse(route))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], route


def test_residents_cannot_open_any_sharing_page(sides, client):
    from linli.accounts.models import User

    client.force_login(User.objects.create(username="sharing-resident", kind="resident"))
    for route, case in OBJECT_CASES.items():
        response = getattr(client, case.method)(case.url(case.target(sides.inside)), data=case.data or {})
        assert response.status_code == 404, route
    for route in (*LIST_CASES, "sharing:grant_new"):
        assert client.get(reverse(route)).status_code == 404, route


# --- the API -------------------------------------------------------------------------------------------

API_OPERATIONS = {
    "api:sharing_residents": "residents",
    "api:sharing_households": "households",
    "api:sharing_changes": "changes",
}


@pytest.mark.parametrize("route", sorted(API_OPERATIONS))
def test_api_takes_client_tokens_only_and_serves_only_its_own_grant_area(world, sides, route):
    path = API_OPERATIONS[route]
    assert reverse(route) == f"/api/v1/sharing/{path}"
    inside, outside = sides.inside, sides.outside
    # Every staff role's token is refused, whatever its capabilities.
    for role in Role:
        response = api_get(world.tokens[role], path, grant=inside.grant.pk)
        assert response.status_code == 401, (route, role.value)
    # Every resident of the world has a change in the feed; a client reads its own grant, and only its area.
    for place in world.places.values():
        record_changes(place.resident, [("name", place.resident.name)], source="test")
    own = api_get(inside.key, path, grant=inside.grant.pk)
    assert own.status_code == 200
    body = json.dumps(own.json(), ensure_ascii=False)
    assert world.places[INSIDE_GRID].resident.name in body or path == "households"
    for place_code, place in world.places.items():
        if not place_code.startswith(inside.grant.area.code):
            assert place.resident.name not in body, (route, place_code)
            if path == "households":
                assert place.household.pk not in [h["id"] for h in own.json()["results"]]
    if path == "households":
        assert world.places[INSIDE_GRID].household.pk in [h["id"] for h in own.json()["results"]]
    # Another client's grant is refused, both ways.
    assert api_get(inside.key, path, grant=outside.grant.pk).status_code == 403
    assert api_get(outside.key, path, grant=inside.grant.pk).status_code == 403
    refused = AccessLog.objects.filter(status_code=403, endpoint=path)
    assert refused.count() == 2 and not refused.filter(grant__isnull=False).exists()


def test_the_sharing_entry_page_leads_each_role_to_a_page_it_may_open(world):
    for role in Role:
        response = world.clients[role].get(reverse("sharing:index"))
        if not may(role, (*GRANT_VIEWERS, Capability.VIEW_ACCESS_LOG)):
            assert response.status_code == 404, role.value
            continue
        assert response.status_code == 302, role.value
        assert world.clients[role].get(response["Location"]).status_code == 200, role.value
    assert Client().get(reverse("sharing:index")).status_code == 302
