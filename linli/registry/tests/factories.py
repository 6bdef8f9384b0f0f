import datetime as dt

import factory

from linli.core.idnumbers import check_character, parse_id_number
from linli.core.phones import phone_blind_index
from linli.core.tests.factories import area_tree
from linli.registry.models import Building, Household, Resident
from linli.registry.services import id_number_index


def make_id_number(
    seq: int, *, birth: dt.date = dt.date(1950, 1, 1), male: bool = True, region: str = "110109"
) -> str:
    sequence = (seq * 2 + (1 if male else 0)) % 1000
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


class BuildingFactory(factory.django.DjangoModelFactory[Building]):
    class Meta:
        model = Building

    area = factory.LazyFunction(lambda: area_tree("110109001001001"))
    name = factory.Sequence(lambda n: f"{n}号楼")
    address = factory.LazyAttribute(lambda o: f"测试路{o.name}")
    latitude = 39.94
    longitude = 116.10


class HouseholdFactory(factory.django.DjangoModelFactory[Household]):
    class Meta:
        model = Household

    building = factory.SubFactory(BuildingFactory)
    area = factory.LazyAttribute(lambda o: o.building.area)
    room = factory.Sequence(lambda n: f"1单元{100 + n}")


class ResidentFactory(factory.django.DjangoModelFactory[Resident]):
    """A resident with a valid ID number and phone, their blind indexes filled as the services do."""

    class Meta:
        model = Resident

    household = factory.SubFactory(HouseholdFactory)
    area = factory.LazyAttribute(lambda o: o.household.area)
    name = factory.Sequence(lambda n: f"张{n}")
    id_number = factory.Sequence(lambda n: make_id_number(n))
    id_number_index = factory.LazyAttribute(lambda o: id_number_index(o.id_number) if o.id_number else "")
    birth_date = factory.LazyAttribute(
        lambda o: parse_id_number(o.id_number).birth_date if o.id_number else None
    )
    sex = factory.LazyAttribute(lambda o: parse_id_number(o.id_number).sex if o.id_number else "")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    phone_index = factory.LazyAttribute(lambda o: phone_blind_index(o.phone) if o.phone else "")
