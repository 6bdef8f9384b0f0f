"""Reads of meal assistance: the facts rules read, what a resident may order, the kitchen list and the
monthly subsidy statement."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from linli.core.phones import mask_phone
from linli.meals import pricing
from linli.meals.access import resident_orders
from linli.meals.models import MEAL_ORDER, Canteen, Dish, Order, OrderStatus, Sitting, SubsidyRule
from linli.registry.choices import ResidenceStatus, Tag
from linli.registry.models import Resident, TagAssignment
from linli.registry.selectors import residents_for_phone_account

# How far ahead residents may order.
ORDER_DAYS_AHEAD = 7


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def mask_address(text: str) -> str:
    """The street and building stay readable; the last characters (the room) are hidden."""
    text = text.strip()
    hidden = min(6, len(text) // 2)
    return text[: len(text) - hidden] + "*" * hidden


def area_prefixes(code: str) -> list[str]:
    """The codes of an area and every area above it (district, street, community, grid)."""
    return [code[:n] for n in (6, 9, 12, 15) if len(code) >= n]


# --- the facts rules read --------------------------------------------------------------------------


def resident_facts(*, resident: Resident, day: dt.date) -> pricing.ResidentFacts:
    """Age on the meal's day, tags valid that day, and the disability grade (the disability tag's level)."""
    tags = TagAssignment.objects.filter(
        Q(resident=resident),
        Q(ended_at__isnull=True),
        Q(valid_from__lte=day),
        Q(valid_to__isnull=True) | Q(valid_to__gte=day),
    ).values_list("tag", "level")
    names: set[str] = set()
    grade: int | None = None
    for tag, level in tags:
        names.add(tag)
        if tag == Tag.DISABILITY and level is not None:
            grade = level if grade is None else min(grade, level)
    return pricing.ResidentFacts(
        area_code=resident.area.code,
        age=pricing.age_on(resident.birth_date, day),
        tags=frozenset(names),
        ability_grade=grade,
    )


def rules_for_area(*, area_code: str) -> list[SubsidyRule]:
    """The rules in force in an area: its own and those of every area above it."""
    return list(
        SubsidyRule.objects.filter(is_active=True, area__code__in=area_prefixes(area_code)).select_related(
            "area"
        )
    )


@dataclass(frozen=True)
class Quote:
    price: pricing.Price
    delivery_by_rule: bool
    canteen_delivers: bool


def quote(*, resident: Resident, dish: Dish, delivery: bool = False) -> Quote:
    """What this resident would pay for this dish (and whether a rule lets them have it delivered)."""
    sitting = dish.sitting
    canteen = sitting.canteen
    facts = resident_facts(resident=resident, day=sitting.date)
    rules = rules_for_area(area_code=resident.area.code)
    fee = canteen.delivery_fee_fen if delivery and canteen.delivers else 0
    price = pricing.price_meal(
        rules=rules, facts=facts, day=sitting.date, base_fen=dish.price_fen, delivery_fee_fen=fee
    )
    return Quote(
        price=price,
        delivery_by_rule=pricing.may_have_delivery(rules, facts, sitting.date),
        canteen_delivers=canteen.delivers,
    )


def menu_prices(*, resident: Resident, sittings: list[Sitting]) -> dict[int, pricing.Price]:
    """What the resident would pay for each dish on these sittings' menus (without delivery)."""
    rules = rules_for_area(area_code=resident.area.code)
    facts: dict[dt.date, pricing.ResidentFacts] = {}
    prices: dict[int, pricing.Price] = {}
    for sitting in sittings:
        if sitting.date not in facts:
            facts[sitting.date] = resident_facts(resident=resident, day=sitting.date)
        for dish in sitting.menu:  # type: ignore[attr-defined]
            prices[dish.pk] = pricing.price_meal(
                rules=rules, facts=facts[sitting.date], day=sitting.date, base_fen=dish.price_fen
            )
    return prices


# --- what a resident may order ---------------------------------------------------------------------


def canteens_for_resident(*, resident: Resident) -> QuerySet[Canteen]:
    """Open canteens of the resident's street (or of an area above it) that admit the resident's age."""
    code = resident.area.code
    canteens = Canteen.objects.filter(
        Q(area__code__startswith=code[:9]) | Q(area__code__in=area_prefixes(code)), is_active=True
    ).select_related("area")
    age = pricing.age_on(resident.birth_date, timezone.localdate())
    if age is None:
        return canteens.filter(min_age__isnull=True)
    return canteens.filter(Q(min_age__isnull=True) | Q(min_age__lte=age))


def orderable_sittings(*, resident: Resident, now: dt.datetime | None = None) -> list[Sitting]:
    """Sittings the resident can still order for, soonest first, each with its available dishes."""
    now = now or timezone.now()
    today = timezone.localtime(now, local_zone()).date()
    canteens = canteens_for_resident(resident=resident)
    own_community = resident.area.code[:12]
    sittings: list[Sitting] = list(
        Sitting.objects.filter(
            canteen__in=canteens,
            orders_close_at__gt=now,
            date__lte=today + dt.timedelta(days=ORDER_DAYS_AHEAD),
        )
        .select_related("canteen__area")
        .prefetch_related(Prefetch("dishes", queryset=Dish.objects.filter(is_available=True), to_attr="menu"))
    )
    sittings = [s for s in sittings if getattr(s, "menu", None)]
    sittings.sort(
        key=lambda s: (
            s.date,
            MEAL_ORDER[s.meal],  # type: ignore[index]
            not s.canteen.area.code.startswith(own_community),
            s.canteen.name,
        )
    )
    return sittings


def ordered_sittings(*, resident: Resident, sittings: list[Sitting]) -> set[int]:
    """Of these sittings, those the resident already has a meal ordered for."""
    return set(
        Order.objects.filter(resident=resident, sitting__in=sittings, status=OrderStatus.PLACED).values_list(
            "sitting_id", flat=True
        )
    )


def persons_of_account(*, user: Any) -> list[Resident]:
    """Whom a resident's phone account may order for: the golden records behind the phone, living here."""
    return [
        r
        for r in residents_for_phone_account(user=user)
        if r.residence_status not in (ResidenceStatus.DECEASED, ResidenceStatus.MOVED_OUT)
    ]


def my_orders(*, user: Any, since: dt.date | None = None) -> list[Order]:
    """A resident's orders, the coming ones first."""
    orders = resident_orders(user).select_related("sitting__canteen", "dish", "resident")
    if since is not None:
        orders = orders.filter(sitting__date__gte=since)
    return list(orders.order_by("-sitting__date", "-sitting__opens_at", "-id")[:60])


# --- the kitchen list ------------------------------------------------------------------------------


@dataclass
class DishCount:
    name: str
    price_fen: int
    count: int


@dataclass
class DeliveryLine:
    number: str
    resident_name: str
    dish: str
    masked_phone: str
    masked_address: str
    note: str


@dataclass
class KitchenSitting:
    sitting: Sitting
    dishes: list[DishCount]
    total: int
    pickups: int
    deliveries: list[DeliveryLine]


def kitchen_list(*, canteen: Canteen, day: dt.date) -> list[KitchenSitting]:
    """For each meal of the day: portions per dish, and the delivery orders with masked phone and address."""
    sittings = list(Sitting.objects.filter(canteen=canteen, date=day))
    sittings.sort(key=lambda s: MEAL_ORDER[s.meal])  # type: ignore[index]
    result: list[KitchenSitting] = []
    for sitting in sittings:
        counts = {
            row["dish"]: row["n"]
            for row in Order.objects.filter(sitting=sitting, status=OrderStatus.PLACED)
            .values("dish")
            .annotate(n=Count("id"))
        }
        dishes = [
            DishCount(name=d.name, price_fen=d.price_fen, count=counts.get(d.pk, 0))
            for d in sitting.dishes.all().order_by("name")
            if d.is_available or counts.get(d.pk)
        ]
        deliveries = [
            DeliveryLine(
                number=o.number,
                resident_name=o.resident.name,
                dish=o.dish.name,
                masked_phone=mask_phone(o.delivery_phone) if o.delivery_phone else "",
                masked_address=mask_address(o.delivery_address) if o.delivery_address else "",
                note=o.note,
            )
            for o in Order.objects.filter(sitting=sitting, status=OrderStatus.PLACED)
            .exclude(delivery="")
            .select_related("resident", "dish")
            .order_by("delivery_address", "id")
        ]
        total = sum(counts.values())
        result.append(
            KitchenSitting(
                sitting=sitting,
                dishes=dishes,
                total=total,
                pickups=total - len(deliveries),
                deliveries=deliveries,
            )
        )
    return result


# --- the monthly subsidy statement -----------------------------------------------------------------


@dataclass
class StatementRow:
    rule_name: str
    orders: int = 0
    base_fen: int = 0
    subsidy_fen: int = 0
    # What residents paid for the meals (base price less subsidy); delivery fees are counted apart.
    pays_fen: int = 0
    delivery_fee_fen: int = 0
    residents: set[int] = field(default_factory=set)


@dataclass
class Statement:
    canteen: Canteen
    year: int
    month: int
    rows: list[StatementRow]
    total: StatementRow
    lines: list[Order]


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def monthly_statement(*, canteen: Canteen, year: int, month: int) -> Statement:
    """A canteen's meals of one month (not cancelled): subsidy per rule and the totals, with each order."""
    first, last = month_bounds(year, month)
    lines = list(
        Order.objects.filter(
            sitting__canteen=canteen, sitting__date__range=(first, last), status=OrderStatus.PLACED
        )
        .select_related("sitting", "dish", "resident")
        .order_by("sitting__date", "sitting__opens_at", "id")
    )
    # One line per rule (two areas may give their rules the same name); the name as it was when ordered.
    by_rule: dict[int | None, StatementRow] = {}
    total = StatementRow(rule_name="")
    for order in lines:
        row = by_rule.setdefault(order.rule_id, StatementRow(rule_name=order.rule_name))
        for target in (row, total):
            target.orders += 1
            target.base_fen += order.base_price_fen
            target.subsidy_fen += order.subsidy_fen
            target.pays_fen += order.pays_fen - order.delivery_fee_fen
            target.delivery_fee_fen += order.delivery_fee_fen
            target.residents.add(order.resident_id)
    rows = sorted(by_rule.values(), key=lambda r: (r.rule_name == "", -r.subsidy_fen, r.rule_name))
    return Statement(canteen=canteen, year=year, month=month, rows=rows, total=total, lines=lines)


# --- workers' views ---------------------------------------------------------------------------------


def worker_orders(*, orders: QuerySet[Order], day: dt.date) -> list[Order]:
    """Orders in scope for one day, by meal and canteen."""
    return list(
        orders.filter(sitting__date=day)
        .select_related("sitting__canteen", "dish", "resident", "ordered_by")
        .order_by("sitting__opens_at", "sitting__canteen__name", "resident__name")
    )


def canteen_overview(*, canteens: QuerySet[Canteen], day: dt.date) -> list[tuple[Canteen, list[Sitting]]]:
    """Each canteen in scope with its sittings of the day (booked and capacity)."""
    rows = []
    sittings: dict[int, list[Sitting]] = defaultdict(list)
    for sitting in Sitting.objects.filter(canteen__in=canteens, date=day):
        sittings[sitting.canteen_id].append(sitting)
    for canteen in canteens.order_by("area__code", "name"):
        rows.append((canteen, sorted(sittings[canteen.pk], key=lambda s: MEAL_ORDER[s.meal])))  # type: ignore[index]
    return rows
