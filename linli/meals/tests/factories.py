"""Canteens, menus and residents for the meal tests, made through the services."""

import datetime as dt

from linli.accounts.models import User
from linli.core.models import Area
from linli.core.phones import phone_blind_index
from linli.meals import services
from linli.meals.models import Canteen, Dish
from linli.registry.models import Resident
from linli.registry.services import add_tag
from linli.registry.tests.factories import ResidentFactory, make_id_number

# A Wednesday in March 2026; times below are Beijing time unless they say otherwise.
DAY = dt.date(2026, 3, 4)
BEIJING = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """An aware instant at a Beijing wall-clock time."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=BEIJING)


def canteen(
    area: Area, *, name: str = "社区长者食堂", capacity: int = 50, delivers: bool = True, **kw
) -> Canteen:
    made = services.create_canteen(
        actor=None,
        area=area,
        name=name,
        kind=kw.pop("kind", "community"),
        address=kw.pop("address", "测试路1号"),
        delivers=delivers,
        delivery_fee_fen=kw.pop("delivery_fee_fen", 300 if delivers else 0),
        **kw,
    )
    services.set_canteen_meal(
        actor=None,
        canteen=made,
        meal="lunch",
        opens_at=dt.time(11, 0),
        closes_at=dt.time(13, 0),
        capacity=capacity,
        cutoff_minutes=120,
        now=at(DAY, 6),
    )
    services.set_canteen_meal(
        actor=None,
        canteen=made,
        meal="dinner",
        opens_at=dt.time(17, 0),
        closes_at=dt.time(18, 30),
        capacity=capacity,
        cutoff_minutes=180,
        now=at(DAY, 6),
    )
    return made


def dish(
    place: Canteen, *, day: dt.date = DAY, meal: str = "lunch", name: str = "红烧肉套餐", price: int = 1500
) -> Dish:
    return services.add_dish(actor=None, canteen=place, day=day, meal=meal, name=name, price_fen=price)


def resident(area: Area, *, n: int, birth: dt.date = dt.date(1950, 6, 1), **kw) -> Resident:
    return ResidentFactory(
        household__building__area=area,
        id_number=make_id_number(700 + n, birth=birth),
        phone=f"139{n:08d}",
        **kw,
    )


def tag(person: Resident, name: str, level: int | None = None) -> None:
    add_tag(actor=None, resident=person, tag=name, level=level, source="test", valid_from=dt.date(2020, 1, 1))


def account(person: Resident) -> User:
    found, _created = User.objects.get_or_create(
        kind="resident",
        phone_index=phone_blind_index(person.phone),
        defaults={"username": f"resident-{person.pk}", "phone": person.phone},
    )
    return found
