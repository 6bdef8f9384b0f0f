import datetime as dt
import itertools

from linli.registry.models import Household, Resident, TagAssignment
from linli.registry.tests.factories import HouseholdFactory, ResidentFactory, make_id_number

TODAY = dt.date(2025, 6, 30)
_sequence = itertools.count(1)


def household_in(grid, *, room: str = "1-101", address: str = "") -> Household:
    kwargs = {"building__area": grid, "area": grid, "room": room}
    if address:
        kwargs["building__address"] = address
    return HouseholdFactory(**kwargs)


def person(
    household: Household | None,
    name: str,
    *,
    birth: dt.date,
    male: bool = True,
    seq: int | None = None,
    area=None,
    head: bool = False,
    **fields,
) -> Resident:
    """A resident born on ``birth`` with a valid ID number carrying that date."""
    seq = seq if seq is not None else next(_sequence) % 400
    fields.setdefault("id_number", make_id_number(seq, birth=birth, male=male))
    resident = ResidentFactory(
        household=household,
        area=area if area is not None else household.area,  # type: ignore[union-attr]
        name=name,
        relation_to_head="head" if head else fields.pop("relation_to_head", "child"),
        **fields,
    )
    if head and household is not None:
        household.head = resident
        household.save(update_fields=["head"])
    return resident


def tag(resident: Resident, kind: str, *, level: int | None = None, **fields) -> TagAssignment:
    return TagAssignment.objects.create(
        resident=resident,
        tag=kind,
        level=level,
        source=fields.pop("source", "民政局名单"),
        valid_from=fields.pop("valid_from", dt.date(2024, 1, 1)),
        **fields,
    )
