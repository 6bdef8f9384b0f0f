"""The world of the authorization matrix: one place inside every role's area and one just outside it.

Registered as a pytest plugin in the root conftest, so any app's matrix test can ask for ``world``.
"""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.test import Client

from conftest import login_staff
from linli.accounts.models import User
from linli.accounts.roles import ROLE_CAPABILITIES, Capability, Role
from linli.accounts.services import issue_api_token
from linli.accounts.tests.factories import staff_with_role
from linli.core.models import Area
from linli.core.tests.factories import area_tree
from linli.registry.models import Building, Household, Resident, TagAssignment
from linli.registry.services import add_tag
from linli.registry.tests.factories import HouseholdFactory, ResidentFactory

# Where each role sits, and the grid of an object just outside it (a sibling at the role's level).
INSIDE_GRID = "110109001001001"
OUTSIDE_GRID = {
    Role.GRID_WORKER: "110109001001002",  # another grid of the same community
    Role.COMMUNITY_WORKER: "110109001002001",  # another community of the same street
    Role.COMMUNITY_DIRECTOR: "110109001002001",
    Role.STREET_OFFICER: "110109002001001",  # another street of the same district
    Role.DISTRICT_OFFICER: "110105001001001",  # another district
    Role.DEPARTMENT_OFFICER: "110105001001001",
    Role.ADMINISTRATOR: "110105001001001",
}
ROLE_AREA_LENGTH = {
    Role.GRID_WORKER: 15,
    Role.COMMUNITY_WORKER: 12,
    Role.COMMUNITY_DIRECTOR: 12,
    Role.STREET_OFFICER: 9,
    Role.DISTRICT_OFFICER: 6,
    Role.DEPARTMENT_OFFICER: 6,
    Role.ADMINISTRATOR: 6,
}


@dataclass
class Place:
    grid: Area
    building: Building
    household: Household
    resident: Resident
    tag: TagAssignment


@dataclass
class World:
    places: dict[str, Place]
    users: dict[Role, User]
    tokens: dict[Role, str]
    clients: dict[Role, Client] = field(default_factory=dict)

    def inside(self) -> Place:
        return self.places[INSIDE_GRID]

    def outside(self, role: Role) -> Place:
        return self.places[OUTSIDE_GRID[role]]


def make_place(code: str, n: int) -> Place:
    grid = area_tree(code)
    household = HouseholdFactory(building__area=grid, area=grid)
    resident = ResidentFactory(household=household, area=grid, name=f"王{code}")
    household.head = resident
    household.save(update_fields=["head"])
    tag = add_tag(
        actor=None,
        resident=resident,
        tag="disability",
        level=2,
        source="test",
        valid_from=dt.date(2020, 1, 1),
    )
    return Place(grid=grid, building=household.building, household=household, resident=resident, tag=tag)


@pytest.fixture
def world(db) -> World:
    places = {code: make_place(code, i) for i, code in enumerate({INSIDE_GRID, *OUTSIDE_GRID.values()})}
    users: dict[Role, User] = {}
    tokens: dict[Role, str] = {}
    inside = Area.objects.get(code=INSIDE_GRID)
    for role in Role:
        area = inside
        while len(area.code) > ROLE_AREA_LENGTH[role]:
            area = area.parent  # type: ignore[assignment]
        users[role] = staff_with_role(role, area, username=f"matrix-{role.value}")
        tokens[role] = issue_api_token(user=users[role], name="matrix")[1]
    built = World(places=places, users=users, tokens=tokens)
    for role, user in users.items():
        built.clients[role] = login_staff(Client(), user)
    return built


def allowed(role: Role, capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES[role]


def place_for(world: World, role: Role, where: str) -> Place:
    return world.inside() if where == "inside" else world.outside(role)
