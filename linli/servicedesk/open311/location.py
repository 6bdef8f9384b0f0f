"""Where a report is: the area its case belongs to (and so its routing), from the location it gives.

- ``address_id`` is the id of a building of the registry, the district's address master;
- ``lat``/``long`` go to the nearest building or area centre in the district, if one lies within
  ``MAX_DISTANCE_M``; a point farther from all of them is outside the jurisdiction (unless the district
  has no coordinates yet);
- an ``address_string`` that is a building's address goes to that building; any other stays with the
  district itself, whose queue places it.
"""

import math
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from linli.core.models import Area, AreaLevel
from linli.registry.models import Building
from linli.servicedesk.open311.errors import Open311Error
from linli.servicedesk.open311.parsing import Location

MAX_DISTANCE_M = 5000.0
_SEARCH_BOX_DEG = 0.05  # about 5 km north-south
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0


@dataclass(frozen=True)
class Place:
    area: Area
    latitude: float | None
    longitude: float | None
    address: str = ""


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance in metres: exact enough within one district."""
    dx = (lon2 - lon1) * _M_PER_DEG_LON_EQUATOR * math.cos(math.radians((lat1 + lat2) / 2))
    dy = (lat2 - lat1) * _M_PER_DEG_LAT
    return math.hypot(dx, dy)


def _building_by_id(address_id: str, district: Area) -> Building | None:
    if not address_id.isascii() or not address_id.isdigit() or len(address_id) > 18:
        return None
    return (
        Building.objects.select_related("area")
        .filter(pk=int(address_id), area__code__startswith=district.code)
        .first()
    )


def _nearest(lat: float, long: float, district: Area) -> tuple[Area, float] | None:
    lon_box = _SEARCH_BOX_DEG / max(math.cos(math.radians(lat)), 0.1)
    box = {
        "latitude__gte": lat - _SEARCH_BOX_DEG,
        "latitude__lte": lat + _SEARCH_BOX_DEG,
        "longitude__gte": long - lon_box,
        "longitude__lte": long + lon_box,
    }
    found: list[tuple[float, int, Area]] = []
    buildings = Building.objects.filter(area__code__startswith=district.code, **box).select_related("area")
    for building in buildings.only("latitude", "longitude", "area__code", "area__name", "area__level"):
        found.append((distance_m(lat, long, building.latitude, building.longitude), 0, building.area))
    areas = Area.objects.filter(
        code__startswith=district.code, level__in=[AreaLevel.GRID, AreaLevel.COMMUNITY], **box
    )
    for area in areas:
        if area.latitude is not None and area.longitude is not None:
            found.append((distance_m(lat, long, area.latitude, area.longitude), 1, area))
    if not found:
        return None
    distance, _kind, area = min(found, key=lambda row: (row[0], row[1]))
    return area, distance


def _has_coordinates(district: Area) -> bool:
    return (
        Building.objects.filter(area__code__startswith=district.code).exists()
        or Area.objects.filter(code__startswith=district.code, latitude__isnull=False).exists()
    )


def locate(location: Location, *, district: Area) -> Place:
    """The area and coordinates of a report in ``district``; a 400 when the location is not in it."""
    if location.address_id:
        building = _building_by_id(location.address_id, district)
        if building is None:
            raise Open311Error(400, _("address_id is not an address of this jurisdiction."))
        if location.lat is not None and location.long is not None:
            return Place(building.area, location.lat, location.long, building.address)
        return Place(building.area, building.latitude, building.longitude, building.address)
    if location.lat is not None and location.long is not None:
        nearest = _nearest(location.lat, location.long, district)
        if nearest is not None and nearest[1] <= MAX_DISTANCE_M:
            return Place(nearest[0], location.lat, location.long)
        if _has_coordinates(district):
            raise Open311Error(400, _("lat and long lie outside this jurisdiction."))
        # A district whose map is not loaded yet: its own queue places the report.
        return Place(district, location.lat, location.long)
    building = (
        Building.objects.select_related("area")
        .filter(address=location.address_string, area__code__startswith=district.code)
        .first()
    )
    if building is not None:
        return Place(building.area, building.latitude, building.longitude, building.address)
    return Place(district, None, None)
