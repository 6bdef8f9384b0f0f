"""The demo district: real streets, towns, communities and villages of 门头沟区, with made-up residents.

One ``random.Random(seed)`` drives every choice in a fixed order, so a seed always gives the same district.
All writes go through services: ``upsert_area``, ``bulk_register_households`` and ``create_staff_user``.
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from linli.alarms.demo import create_demo_alarms
from linli.care.demo import create_demo_care
from linli.core.models import Area, AreaKind, AreaLevel
from linli.core.services import upsert_area
from linli.demo import divisions
from linli.demo.accounts import COMMUNITY_CODE, create_demo_accounts
from linli.demo.households import TAG_SOURCES, HouseholdMaker, PlannedHousehold, tag_household, tag_valid_from
from linli.demo.layout import (
    HIGH_RISE,
    MID_RISE,
    WALK_UP,
    PlannedBuilding,
    offset,
    split_into_grids,
    urban_buildings,
    village_plots,
)
from linli.demo.people import MIGRANT_PROVINCES, Person, Registry
from linli.demo.places import (
    DISTRICT_CENTRE,
    DISTRICT_CODE,
    STREET_CENTRES,
    community_kind,
    grid_name,
    short_name,
    street_kind,
)
from linli.homecare.demo import create_demo_home_care
from linli.meals.demo import create_demo_meals
from linli.registry.bulk import BuildingSpec, HouseholdSpec, MemberSpec, TagSpec, bulk_register_households
from linli.servicedesk.demo import create_demo_cases

DEFAULT_SEED = 2026
DEFAULT_RESIDENTS = 50_000
SOURCE = "演示数据"

# Share of households without local hukou, by kind of place.
MIGRANT_SHARE = {
    AreaKind.URBAN_COMMUNITY: 0.19,
    AreaKind.RELOCATION_COMMUNITY: 0.03,
    AreaKind.VILLAGE: 0.03,
}
# Relative size of a place: a mountain village has far fewer people than an estate of flats.
SIZE_WEIGHT = {AreaKind.URBAN_COMMUNITY: 1.0, AreaKind.RELOCATION_COMMUNITY: 1.2, AreaKind.VILLAGE: 0.4}
# The demo accounts' community is made large enough to have several grids, so that a grid worker and a
# community worker see different lists.
FEATURED_COMMUNITY_WEIGHT = 3.5
ADDRESS_PREFIX = "北京市门头沟区"


@dataclass(frozen=True)
class Summary:
    streets: int
    communities: int
    grids: int
    households: int
    residents: int
    tags: int
    seconds: float


def district_exists() -> bool:
    return Area.objects.filter(code=DISTRICT_CODE).exists()


class DistrictBuilder:
    """Plans each street's households from the random stream, then registers them in one bulk call."""

    def __init__(self, *, residents: int, seed: int, progress: Callable[[str], None]) -> None:
        self.rng = random.Random(seed)
        self.target = residents
        self.progress = progress
        self.registry = Registry(self.rng)
        counties = divisions.counties_of({province for province, _share in MIGRANT_PROVINCES})
        self.maker = HouseholdMaker(self.rng, self.registry, counties)
        self.street_count = self.community_count = 0
        self.grids = self.households = self.residents = self.tags = 0

    def build(self) -> None:
        rng = self.rng
        district = divisions.district(DISTRICT_CODE)
        district_area = upsert_area(
            code=DISTRICT_CODE,
            name=district.name,
            level=AreaLevel.DISTRICT,
            kind=AreaKind.DISTRICT,
            parent=None,
            latitude=DISTRICT_CENTRE[0],
            longitude=DISTRICT_CENTRE[1],
        )
        streets = [s for s in divisions.streets_of(DISTRICT_CODE) if s.code in STREET_CENTRES]
        communities = divisions.communities_of({s.code for s in streets})
        # Share the residents out first, so a community's size does not depend on the order of work.
        weights = [
            SIZE_WEIGHT[community_kind(c.code)]
            * rng.uniform(0.6, 1.5)
            * (FEATURED_COMMUNITY_WEIGHT if c.code == COMMUNITY_CODE else 1)
            for c in communities
        ]
        total_weight = sum(weights)
        targets = {
            c.code: max(3, round(self.target * w / total_weight))
            for c, w in zip(communities, weights, strict=True)
        }
        for street in streets:
            started = time.monotonic()
            kind = street_kind(street.code)
            street_area = upsert_area(
                code=street.code,
                name=street.name,
                level=AreaLevel.STREET,
                kind=kind,
                parent=district_area,
                latitude=STREET_CENTRES[street.code][0],
                longitude=STREET_CENTRES[street.code][1],
            )
            specs: list[HouseholdSpec] = []
            own = [c for c in communities if c.parent_code == street.code]
            grids_before = self.grids
            for community in own:
                specs += self._community(community, street_area, targets[community.code])
            result = bulk_register_households(actor=None, households=specs, source=SOURCE)
            self.households += result.households
            self.residents += result.residents
            self.tags += result.tags
            self.progress(
                _(
                    "%(street)s: %(communities)d communities and villages, %(grids)d grids, %(households)d "
                    "households, %(residents)d residents (%(seconds).1f s)"
                )
                % {
                    "street": street.name,
                    "communities": len(own),
                    "grids": self.grids - grids_before,
                    "households": result.households,
                    "residents": result.residents,
                    "seconds": time.monotonic() - started,
                }
            )
        self.street_count = len(streets)
        self.community_count = len(communities)

    def _community(
        self, community: divisions.Division, street_area: Area, target: int
    ) -> list[HouseholdSpec]:
        rng = self.rng
        kind = community_kind(community.code)
        name = short_name(community.name, kind)
        rural = kind == AreaKind.VILLAGE
        street_centre = (
            street_area.latitude or DISTRICT_CENTRE[0],
            street_area.longitude or DISTRICT_CENTRE[1],
        )
        spread = 4500 if rural else (1500 if street_area.kind == AreaKind.STREET else 900)
        centre = offset(rng, *street_centre, metres=spread)
        community_area = upsert_area(
            code=community.code,
            name=name,
            level=AreaLevel.COMMUNITY,
            kind=kind,
            parent=street_area,
            latitude=centre[0],
            longitude=centre[1],
        )

        # Old clans: a village's families often share two or three surnames.
        clans = tuple(rng.sample(("韩", "刘", "王", "张", "李", "谭", "杨", "赵", "高", "马", "崔", "孙"), 3))
        households: list[PlannedHousehold] = []
        people = 0
        while people < target:
            migrant = rng.random() < MIGRANT_SHARE[kind]
            household = self.maker.make(rural=rural, migrant=migrant, village_surnames=clans if rural else ())
            households.append(household)
            people += len(household.members)

        address_prefix = f"{ADDRESS_PREFIX}{street_area.name}"
        buildings: list[PlannedBuilding]
        if rural:
            buildings = village_plots(
                rng, households=len(households), village=name, address_prefix=address_prefix, centre=centre
            )
        else:
            style = (
                HIGH_RISE
                if kind == AreaKind.RELOCATION_COMMUNITY
                else rng.choice((WALK_UP, WALK_UP, MID_RISE, HIGH_RISE))
            )
            buildings = urban_buildings(
                rng,
                households=len(households),
                estate=name.removesuffix("社区"),
                address_prefix=address_prefix,
                centre=centre,
                style=style,
            )

        specs: list[HouseholdSpec] = []
        planned = iter(households)
        for number, grid_buildings in enumerate(split_into_grids(buildings), start=1):
            grid_area = upsert_area(
                code=f"{community.code}{number:03d}",
                name=grid_name(name, number),
                level=AreaLevel.GRID,
                kind=AreaKind.GRID,
                parent=community_area,
                latitude=round(sum(b.latitude for b in grid_buildings) / len(grid_buildings), 6),
                longitude=round(sum(b.longitude for b in grid_buildings) / len(grid_buildings), 6),
            )
            self.grids += 1
            for building in grid_buildings:
                place = BuildingSpec(
                    area=grid_area,
                    name=building.name,
                    address=building.address,
                    latitude=building.latitude,
                    longitude=building.longitude,
                )
                for room in building.rooms:
                    specs.append(self._household_spec(next(planned), place, room))
        return specs

    def _household_spec(self, household: PlannedHousehold, place: BuildingSpec, room: str) -> HouseholdSpec:
        self.maker.number(household)
        tag_household(self.rng, household)
        return HouseholdSpec(building=place, room=room, members=[self._member(m) for m in household.members])

    def _member(self, person: Person) -> MemberSpec:
        tags = [
            TagSpec(
                tag=tag,
                level=level,
                source=TAG_SOURCES[tag],
                valid_from=tag_valid_from(self.rng, person, tag),
            )
            for tag, level in person.tags
        ]
        return MemberSpec(
            name=person.name,
            relation_to_head=person.relation,
            id_number=person.id_number,
            phone=person.phone,
            hukou_status=person.hukou,
            ethnicity=person.ethnicity,
            residence_status=person.residence,
            tags=tags,
        )


def generate(
    *, residents: int = DEFAULT_RESIDENTS, seed: int = DEFAULT_SEED, progress: Callable[[str], None] = print
) -> Summary | None:
    """Build the demo district once: returns None, writing nothing, if the district is already there."""
    started = time.monotonic()
    # One transaction: a run that fails half-way leaves no half district behind, and a second run that
    # starts meanwhile waits and then finds the district.
    with transaction.atomic():
        if district_exists():
            return None
        builder = DistrictBuilder(residents=residents, seed=seed, progress=progress)
        builder.build()
        create_demo_accounts()
        # A live service desk for the visitor: a dozen cases in every state, made through the desk's services.
        create_demo_cases()
        # Care: visit plans and the past weeks' visits, canteens with menus and orders, home-care orders.
        progress(_("Care plans and visits, canteens and home-care orders"))
        create_demo_care(seed=seed)
        create_demo_meals(seed=seed)
        create_demo_home_care()
        # The alarm: the district's escalation policy, duty rosters, responders and past alarms.
        create_demo_alarms(seed=seed)
    return Summary(
        streets=builder.street_count,
        communities=builder.community_count,
        grids=builder.grids,
        households=builder.households,
        residents=builder.residents,
        tags=builder.tags,
        seconds=time.monotonic() - started,
    )
