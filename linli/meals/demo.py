"""Meal assistance in the demo district, made through the services: canteens, rules, menus and orders.

Call ``create_demo_meals()`` after the demo's accounts and residents exist (``linli load_demo``, after
``create_demo_accounts()``). It opens three canteens in 大峪街道 (the demo community's canteen, a middle
school's canteen opened to residents aged 60 and over, and a unit canteen), the district's subsidy rules,
menus from two weeks ago to a week ahead, and the orders of the past two weeks, today and tomorrow
(a few hundred; a few seconds).
It does nothing if canteens exist, and returns the number of orders made.
"""

import datetime as dt
import random
import uuid
from typing import Any

from django.db.models import Q
from django.utils import timezone

from linli.accounts.models import User
from linli.core.errors import DomainError
from linli.core.models import Area
from linli.meals import services
from linli.meals.models import Canteen, Dish, Meal
from linli.meals.pricing import age_on
from linli.meals.selectors import local_zone
from linli.registry.choices import ResidenceStatus
from linli.registry.models import Resident

DISTRICT_CODE = "110109"
STREET_CODE = "110109001"  # 大峪街道
COMMUNITY_CODE = "110109001001"  # 德露苑社区
PAST_DAYS = 14
AHEAD_DAYS = 6

LUNCHES = [
    ("红烧肉套餐", "红烧肉、醋溜白菜、米饭、紫菜蛋花汤", 1500),
    ("清蒸鱼套餐", "清蒸鲈鱼、蒜蓉西兰花、米饭、冬瓜汤", 1600),
    ("番茄炒蛋套餐", "番茄炒蛋、土豆丝、米饭、小米粥", 1200),
    ("软烂炖菜套餐", "白菜豆腐炖粉条、肉末茄子、软米饭（适合牙口不好的老人）", 1300),
    ("少盐少油套餐", "清炒时蔬、鸡胸肉、杂粮饭（适合高血压、糖尿病老人）", 1400),
]
DINNERS = [
    ("炸酱面", "手擀面、肉末炸酱、黄瓜丝", 1000),
    ("馄饨", "猪肉荠菜馄饨一碗", 900),
    ("菜包子套餐", "素菜包子两个、小米粥、咸菜", 800),
]
BREAKFASTS = [("早餐套餐", "鸡蛋、豆浆、花卷、小菜", 500)]


def _rules(district: Area) -> None:
    start = dt.date(2025, 1, 1)
    plans: list[dict[str, Any]] = [
        {"name": "60至79周岁老人助餐补贴", "kind": "age", "min_age": 60, "max_age": 79, "amount_fen": 200},
        {"name": "80周岁以上老人助餐补贴", "kind": "age", "min_age": 80, "amount_fen": 500},
        {"name": "低保老人助餐补贴", "kind": "tag", "tag": "minimum_allowance", "percent": 50},
        {
            "name": "特困人员免费用餐",
            "kind": "tag",
            "tag": "extreme_poverty",
            "percent": 100,
            "grants_delivery": True,
        },
        {"name": "独居老人送餐上门", "kind": "tag", "tag": "elderly_living_alone", "grants_delivery": True},
        {
            "name": "一二级残疾人助餐",
            "kind": "ability",
            "max_grade": 2,
            "amount_fen": 600,
            "grants_delivery": True,
        },
    ]
    for plan in plans:
        services.create_subsidy_rule(actor=None, area=district, valid_from=start, **plan)


def _canteens(street: Area, community: Area) -> list[Canteen]:
    community_canteen = services.create_canteen(
        actor=None,
        area=community,
        name=f"{community.name}长者食堂",
        kind="community",
        address="大峪街道德露苑小区12号楼底商",
        latitude=39.9407,
        longitude=116.1016,
        phone="010-69841234",
        delivers=True,
        delivery_fee_fen=300,
    )
    school = services.create_canteen(
        actor=None,
        area=street,
        name="大峪中学食堂（敬老餐桌）",
        kind="school",
        address="大峪街道新桥南大街大峪中学东门",
        latitude=39.9378,
        longitude=116.1049,
        min_age=60,
    )
    unit = services.create_canteen(
        actor=None,
        area=street,
        name="大峪街道办事处职工食堂",
        kind="unit",
        address="大峪街道新桥大街55号",
        latitude=39.9421,
        longitude=116.0989,
        delivers=True,
        delivery_fee_fen=500,
    )
    hours = {
        Meal.BREAKFAST: (dt.time(7, 0), dt.time(8, 30), 600),
        Meal.LUNCH: (dt.time(11, 0), dt.time(12, 30), 120),
        Meal.DINNER: (dt.time(17, 0), dt.time(18, 30), 180),
    }
    served = {community_canteen: {Meal.BREAKFAST: 40, Meal.LUNCH: 80, Meal.DINNER: 50}}
    served[school] = {Meal.LUNCH: 30}
    served[unit] = {Meal.LUNCH: 40, Meal.DINNER: 30}
    for canteen, meals in served.items():
        for meal, capacity in meals.items():
            opens, closes, cutoff = hours[meal]
            services.set_canteen_meal(
                actor=None,
                canteen=canteen,
                meal=meal,
                opens_at=opens,
                closes_at=closes,
                capacity=capacity,
                cutoff_minutes=cutoff,
            )
    return [community_canteen, school, unit]


def _menus(
    canteens: list[Canteen], days: list[dt.date], rng: random.Random
) -> dict[tuple[int, dt.date, str], list[Dish]]:
    menus: dict[tuple[int, dt.date, str], list[Dish]] = {}
    offered = {Meal.BREAKFAST: BREAKFASTS, Meal.LUNCH: LUNCHES, Meal.DINNER: DINNERS}
    for canteen in canteens:
        meals = list(canteen.meals.values_list("meal", flat=True))
        for day in days:
            for meal in meals:
                choices = offered[Meal(meal)]
                picked = choices if len(choices) == 1 else rng.sample(choices, k=min(3, len(choices)))
                menus[(canteen.pk, day, meal)] = [
                    services.add_dish(
                        actor=None,
                        canteen=canteen,
                        day=day,
                        meal=meal,
                        name=name,
                        description=text,
                        price_fen=price + (200 if canteen.kind == "unit" else 0),
                    )
                    for name, text, price in picked
                ]
    return menus


def _account(resident: Resident) -> User:
    """The resident's phone account, as the phone login would have made it."""
    account, created = User.objects.get_or_create(
        kind="resident",
        phone_index=resident.phone_index,
        defaults={"username": f"resident-{uuid.uuid4().hex[:20]}", "phone": resident.phone},
    )
    if created:
        account.set_unusable_password()
        account.save(update_fields=["password"])
    return account


def create_demo_meals(*, seed: int = 2026) -> int:
    """Canteens, rules, menus and orders in the demo street (none if canteens exist); returns orders made."""
    if Canteen.objects.exists():
        return 0
    worker = User.objects.filter(username="community_worker").first()
    street = Area.objects.filter(code=STREET_CODE).first()
    community = Area.objects.filter(code=COMMUNITY_CODE).first()
    district = Area.objects.filter(code=DISTRICT_CODE).first()
    if worker is None or street is None or community is None or district is None:
        return 0
    rng = random.Random(seed)  # noqa: S311 - picks demo diners, not secrets
    today = timezone.localdate()
    _rules(district)
    canteens = _canteens(street, community)
    days = [today + dt.timedelta(days=n) for n in range(-PAST_DAYS, AHEAD_DAYS + 1)]
    menus = _menus(canteens, days, rng)
    elderly = [
        r
        for r in Resident.objects.filter(
            Q(area__code__startswith=COMMUNITY_CODE),
            merged_into__isnull=True,
            residence_status=ResidenceStatus.LIVING_HERE,
            birth_date__lte=dt.date(today.year - 60, today.month, min(today.day, 28)),
        )
        .exclude(phone_index="")
        .select_related("area", "household__building")
        .order_by("id")[:400]
        if (age_on(r.birth_date, today) or 0) >= 60
    ]
    if not elderly:
        return 0
    regulars = rng.sample(elderly, k=min(40, len(elderly)))
    self_ordering = {r.pk: _account(r) for r in regulars[:15]}
    alone = set(
        Resident.objects.filter(
            pk__in=[r.pk for r in regulars], tags__tag="elderly_living_alone", tags__ended_at__isnull=True
        ).values_list("pk", flat=True)
    )
    made = 0
    for day in days[: PAST_DAYS + 2]:  # the past two weeks, today and tomorrow
        for canteen in canteens:
            for meal in canteen.meals.values_list("meal", flat=True):
                dishes = menus[(canteen.pk, day, meal)]
                share = {Meal.LUNCH: 0.35, Meal.DINNER: 0.15, Meal.BREAKFAST: 0.08}[Meal(meal)]
                if canteen.kind != "community":
                    share /= 3
                diners = [r for r in regulars if rng.random() < share]
                for diner in diners:
                    made += _order(diner, rng.choice(dishes), worker, self_ordering, alone, day, rng)
    return made


def _order(
    diner: Resident,
    dish: Dish,
    worker: User,
    self_ordering: dict[int, User],
    alone: set[int],
    day: dt.date,
    rng: random.Random,
) -> int:
    """One order, placed as it would have been: the evening before the meal, by the resident or a worker."""
    placed_at = dt.datetime.combine(
        day - dt.timedelta(days=1), dt.time(19, rng.randrange(60)), tzinfo=local_zone()
    )
    now = timezone.now()
    if placed_at > now:
        placed_at = now
    actor = self_ordering.get(diner.pk, worker)
    delivery = diner.pk in alone and dish.sitting.canteen.delivers
    try:
        services.place_order(
            actor=actor, resident=diner, dish=dish, delivery=delivery, now=placed_at, notify=False
        )
    except DomainError:  # full, closed, or not for this diner (a school canteen and a younger diner)
        return 0
    return 1
