import datetime as dt

from linli.core.models import Area
from linli.registry.models import Resident
from linli.registry.services import add_tag
from linli.registry.tests.factories import BuildingFactory, HouseholdFactory, ResidentFactory

# Monday 2 March 2026 in Beijing.
TODAY = dt.date(2026, 3, 2)
NOON = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)


def resident_in(grid: Area, *tags: str | tuple[str, int], name: str = "", birth_year: int = 1950) -> Resident:
    """A resident living in ``grid`` with the given open tags (a tag with a level as (tag, level))."""
    from linli.registry.tests.factories import make_id_number

    household = HouseholdFactory(building=BuildingFactory(area=grid), area=grid)
    extra = {"name": name} if name else {}
    seq = Resident.objects.count() + 500
    resident = ResidentFactory(
        household=household,
        area=grid,
        id_number=make_id_number(seq, birth=dt.date(birth_year, 5, 1)),
        **extra,
    )
    household.head = resident
    household.save(update_fields=["head"])
    for tag in tags:
        code, level = tag if isinstance(tag, tuple) else (tag, None)
        add_tag(
            actor=None,
            resident=resident,
            tag=code,
            level=level,
            source="test",
            valid_from=dt.date(2020, 1, 1),
        )
    return resident
