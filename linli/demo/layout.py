"""Where households live: flats in urban buildings, house plots in villages, grids of a few hundred homes."""

import math
import random
from dataclasses import dataclass, field

# Metres per degree near 40°N, to spread buildings over plausible distances.
METRES_PER_DEGREE_LAT = 111_000.0
METRES_PER_DEGREE_LON = 85_000.0
# One grid per about this many households (grids are "a few hundred households").
HOUSEHOLDS_PER_GRID = 300

CHINESE_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class BuildingStyle:
    floors: int
    units: int
    flats_per_floor: int

    @property
    def flats(self) -> int:
        return self.floors * self.units * self.flats_per_floor


# Six-storey walk-ups of the 1980s–90s, mid-rise blocks, and the high-rises of newer estates.
WALK_UP = BuildingStyle(floors=6, units=3, flats_per_floor=2)
MID_RISE = BuildingStyle(floors=11, units=2, flats_per_floor=2)
HIGH_RISE = BuildingStyle(floors=18, units=2, flats_per_floor=3)


@dataclass
class PlannedBuilding:
    number: int
    name: str
    address: str
    latitude: float
    longitude: float
    rooms: list[str] = field(default_factory=list)


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (for grid names, up to 99)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CHINESE_DIGITS[ones]
    return ("" if tens == 1 else CHINESE_DIGITS[tens]) + "十" + (CHINESE_DIGITS[ones] if ones else "")


def offset(rng: random.Random, latitude: float, longitude: float, metres: float) -> tuple[float, float]:
    """A point scattered around a centre, about ``metres`` away at most."""
    distance = metres * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    return (
        round(latitude + distance * math.sin(angle) / METRES_PER_DEGREE_LAT, 6),
        round(longitude + distance * math.cos(angle) / METRES_PER_DEGREE_LON, 6),
    )


def urban_buildings(
    rng: random.Random,
    *,
    households: int,
    estate: str,
    address_prefix: str,
    centre: tuple[float, float],
    style: BuildingStyle,
) -> list[PlannedBuilding]:
    """Enough buildings of one style for the households, some flats left empty, laid out in rows."""
    buildings: list[PlannedBuilding] = []
    columns = 4
    remaining = households
    number = 0
    while remaining > 0:
        number += 1
        row, column = divmod(number - 1, columns)
        # Rows of buildings 70 m apart, 50 m between neighbours, with a little jitter.
        latitude = centre[0] + (row * 70 + rng.uniform(-8, 8)) / METRES_PER_DEGREE_LAT
        longitude = centre[1] + ((column - columns / 2) * 50 + rng.uniform(-8, 8)) / METRES_PER_DEGREE_LON
        building = PlannedBuilding(
            number=number,
            name=f"{number}号楼",
            address=f"{address_prefix}{estate}{number}号楼",
            latitude=round(latitude, 6),
            longitude=round(longitude, 6),
        )
        for unit in range(1, style.units + 1):
            for floor in range(1, style.floors + 1):
                for flat in range(1, style.flats_per_floor + 1):
                    # About one flat in twelve is empty or let out without registration.
                    if remaining > 0 and rng.random() > 0.08:
                        building.rooms.append(f"{unit}单元{floor}{flat:02d}")
                        remaining -= 1
        buildings.append(building)
    return buildings


def village_plots(
    rng: random.Random, *, households: int, village: str, address_prefix: str, centre: tuple[float, float]
) -> list[PlannedBuilding]:
    """One house plot per household, numbered as the village numbers its courtyards."""
    plots: list[PlannedBuilding] = []
    for number in range(1, households + 1):
        latitude, longitude = offset(rng, *centre, metres=450)
        plots.append(
            PlannedBuilding(
                number=number,
                name=f"{number}号",
                address=f"{address_prefix}{village}{number}号",
                latitude=latitude,
                longitude=longitude,
                rooms=[""],
            )
        )
    return plots


def split_into_grids(buildings: list[PlannedBuilding]) -> list[list[PlannedBuilding]]:
    """Whole buildings in each grid, consecutive by number, with about HOUSEHOLDS_PER_GRID households each."""
    total = sum(len(b.rooms) for b in buildings)
    count = max(1, round(total / HOUSEHOLDS_PER_GRID))
    per_grid = math.ceil(total / count)
    grids: list[list[PlannedBuilding]] = [[]]
    filled = 0
    for building in buildings:
        if filled >= per_grid and len(grids) < count:
            grids.append([])
            filled = 0
        grids[-1].append(building)
        filled += len(building.rooms)
    return grids
