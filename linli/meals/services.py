"""Writes of meal assistance: canteens and their meals, menus, subsidy rules, orders and cancellations.

Capacity is counted on the sitting row: an order locks it (``select_for_update``) and books a portion with a
conditional update (``booked < capacity``) in the same transaction as the order, so two residents racing for
the last portion cannot both have it; a check constraint in the database refuses overbooking as well.
"""

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

from linli.accounts.access import has_capability
from linli.accounts.roles import Capability
from linli.core.errors import DomainError
from linli.core.models import Area
from linli.core.services import queue_sms, record_audit_event
from linli.meals import pricing
from linli.meals.models import (
    Canteen,
    CanteenKind,
    CanteenMeal,
    DeliveryBasis,
    Dish,
    Meal,
    Order,
    OrderChannel,
    OrderEvent,
    OrderEventKind,
    OrderStatus,
    RuleKind,
    Sitting,
    SubsidyRule,
)
from linli.meals.selectors import canteens_for_resident, local_zone, quote
from linli.registry.choices import ResidenceStatus, Tag
from linli.registry.models import Resident


def _require_meals_manager(actor: Any, area: Area) -> None:
    if actor is not None and not has_capability(actor, Capability.MANAGE_MEALS, area.code):
        raise DomainError("meals_area_out_of_scope", _("You do not manage meals in this area."), field="area")


def orders_close_at(day: dt.date, opens_at: dt.time, cutoff_minutes: int) -> dt.datetime:
    """When orders for a meal close: the given minutes before it opens, on Beijing time."""
    opening = dt.datetime.combine(day, opens_at, tzinfo=local_zone())
    return (opening - dt.timedelta(minutes=cutoff_minutes)).astimezone(dt.UTC)


# --- canteens -------------------------------------------------------------------------------------

CANTEEN_FIELDS = (
    "name",
    "kind",
    "area",
    "address",
    "latitude",
    "longitude",
    "phone",
    "min_age",
    "delivers",
    "delivery_fee_fen",
    "is_active",
)


def _check_canteen(values: dict[str, Any]) -> None:
    if not str(values.get("name", "")).strip():
        raise DomainError("canteen_name_required", _("Please enter the canteen's name."), field="name")
    if values.get("kind") not in CanteenKind.values:
        raise DomainError("canteen_bad_kind", _("Unknown kind of canteen."), field="kind")
    lat, lon = values.get("latitude"), values.get("longitude")
    if lat is None and lon is None:
        return
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise DomainError(
            "canteen_bad_location", _("Give both latitude and longitude, or neither."), field="latitude"
        )


@transaction.atomic
def create_canteen(*, actor: Any, area: Area, name: str, kind: str, address: str, **values: Any) -> Canteen:
    """A new canteen in an area the actor manages meals for."""
    _require_meals_manager(actor, area)
    values = {"area": area, "name": name.strip(), "kind": kind, "address": address.strip(), **values}
    _check_canteen(values)
    canteen = Canteen.objects.create(**{k: v for k, v in values.items() if k in CANTEEN_FIELDS})
    record_audit_event(
        actor=actor,
        action="meals.canteen_created",
        object_type="canteen",
        object_id=canteen.pk,
        area_code=area.code,
    )
    return canteen


@transaction.atomic
def update_canteen(*, actor: Any, canteen: Canteen, **values: Any) -> Canteen:
    """Change a canteen's details; a new area must also be one the actor manages."""
    _require_meals_manager(actor, canteen.area)
    if "area" in values:
        _require_meals_manager(actor, values["area"])
    merged = {f: getattr(canteen, f) for f in CANTEEN_FIELDS} | values
    _check_canteen(merged)
    changed = [f for f in CANTEEN_FIELDS if f in values and getattr(canteen, f) != values[f]]
    for name in changed:
        setattr(canteen, name, values[name])
    if changed:
        canteen.save(update_fields=changed)
        record_audit_event(
            actor=actor,
            action="meals.canteen_updated",
            object_type="canteen",
            object_id=canteen.pk,
            area_code=canteen.area.code,
            data={"fields": changed},
        )
    return canteen


@transaction.atomic
def set_canteen_meal(
    *,
    actor: Any,
    canteen: Canteen,
    meal: str,
    opens_at: dt.time,
    closes_at: dt.time,
    capacity: int,
    cutoff_minutes: int,
    now: dt.datetime | None = None,
) -> CanteenMeal:
    """Set a meal's hours, daily capacity and order cut-off; sittings still open for orders follow (their
    capacity never below what is already booked)."""
    _require_meals_manager(actor, canteen.area)
    if meal not in Meal.values:
        raise DomainError("meal_unknown", _("Unknown meal."), field="meal")
    if closes_at <= opens_at:
        raise DomainError("meal_hours", _("The meal must close after it opens."), field="closes_at")
    if capacity < 1:
        raise DomainError("meal_capacity", _("A meal serves at least one portion a day."), field="capacity")
    if not 0 <= cutoff_minutes <= 48 * 60:
        raise DomainError(
            "meal_cutoff", _("Orders close between 0 and 48 hours before the meal."), field="cutoff_minutes"
        )
    served, _created = CanteenMeal.objects.update_or_create(
        canteen=canteen,
        meal=meal,
        defaults={
            "opens_at": opens_at,
            "closes_at": closes_at,
            "capacity": capacity,
            "cutoff_minutes": cutoff_minutes,
        },
    )
    now = now or timezone.now()
    for sitting in Sitting.objects.select_for_update().filter(
        canteen=canteen, meal=meal, orders_close_at__gt=now
    ):
        Sitting.objects.filter(pk=sitting.pk).update(
            opens_at=opens_at,
            closes_at=closes_at,
            orders_close_at=orders_close_at(sitting.date, opens_at, cutoff_minutes),
            capacity=Greatest(F("booked"), capacity),
        )
    record_audit_event(
        actor=actor,
        action="meals.meal_set",
        object_type="canteen",
        object_id=canteen.pk,
        area_code=canteen.area.code,
        data={"meal": meal, "capacity": capacity, "cutoff_minutes": cutoff_minutes},
    )
    return served


# --- menus ----------------------------------------------------------------------------------------


def _sitting_for(canteen: Canteen, day: dt.date, meal: str) -> Sitting:
    served = CanteenMeal.objects.filter(canteen=canteen, meal=meal).first()
    if served is None:
        raise DomainError(
            "meal_not_served", _("Set this meal's hours and capacity for the canteen first."), field="meal"
        )
    sitting, _created = Sitting.objects.get_or_create(
        canteen=canteen,
        date=day,
        meal=meal,
        defaults={
            "opens_at": served.opens_at,
            "closes_at": served.closes_at,
            "orders_close_at": orders_close_at(day, served.opens_at, served.cutoff_minutes),
            "capacity": served.capacity,
        },
    )
    return sitting


@transaction.atomic
def add_dish(
    *,
    actor: Any,
    canteen: Canteen,
    day: dt.date,
    meal: str,
    name: str,
    price_fen: int,
    description: str = "",
    is_set_meal: bool = True,
) -> Dish:
    """Put a dish or set meal on the canteen's menu for a day and meal."""
    _require_meals_manager(actor, canteen.area)
    if not name.strip():
        raise DomainError("dish_name_required", _("Please enter the dish."), field="name")
    if price_fen < 0:
        raise DomainError("dish_price", _("The price cannot be negative."), field="price")
    sitting = _sitting_for(canteen, day, meal)
    return Dish.objects.create(
        sitting=sitting,
        name=name.strip(),
        description=description.strip(),
        price_fen=price_fen,
        is_set_meal=is_set_meal,
    )


@transaction.atomic
def withdraw_dish(*, actor: Any, dish: Dish) -> Dish:
    """Take a dish off the menu: no new orders; those already placed stay."""
    _require_meals_manager(actor, dish.sitting.canteen.area)
    if dish.is_available:
        dish.is_available = False
        dish.save(update_fields=["is_available"])
    return dish


@transaction.atomic
def copy_menu(*, actor: Any, canteen: Canteen, from_day: dt.date, to_day: dt.date) -> int:
    """Copy a day's available dishes to another day (meals the canteen still serves); returns how many."""
    _require_meals_manager(actor, canteen.area)
    made = 0
    served = set(CanteenMeal.objects.filter(canteen=canteen).values_list("meal", flat=True))
    for dish in Dish.objects.filter(
        sitting__canteen=canteen, sitting__date=from_day, is_available=True
    ).select_related("sitting"):
        if dish.sitting.meal not in served:
            continue
        target = _sitting_for(canteen, to_day, dish.sitting.meal)
        if target.dishes.filter(name=dish.name).exists():
            continue
        Dish.objects.create(
            sitting=target,
            name=dish.name,
            description=dish.description,
            price_fen=dish.price_fen,
            is_set_meal=dish.is_set_meal,
        )
        made += 1
    return made


# --- subsidy rules --------------------------------------------------------------------------------


@transaction.atomic
def create_subsidy_rule(
    *,
    actor: Any,
    area: Area,
    name: str,
    kind: str,
    valid_from: dt.date,
    amount_fen: int = 0,
    percent: int = 0,
    min_age: int | None = None,
    max_age: int | None = None,
    tag: str = "",
    max_grade: int | None = None,
    grants_delivery: bool = False,
    valid_to: dt.date | None = None,
) -> SubsidyRule:
    """A subsidy rule for an area the actor manages: by age band, by tag, or by disability grade."""
    _require_meals_manager(actor, area)
    if not name.strip():
        raise DomainError("rule_name_required", _("Please name the rule."), field="name")
    if kind == RuleKind.AGE:
        if min_age is None:
            raise DomainError("rule_age_required", _("Give the age the rule starts at."), field="min_age")
        if max_age is not None and max_age < min_age:
            raise DomainError("rule_age_band", _("The age band ends before it starts."), field="max_age")
        tag, max_grade = "", None
    elif kind == RuleKind.TAG:
        if tag not in Tag.values:
            raise DomainError("rule_tag_required", _("Choose the tag the rule applies to."), field="tag")
        min_age = max_age = max_grade = None
    elif kind == RuleKind.ABILITY:
        if max_grade is None or not 1 <= max_grade <= 4:
            raise DomainError("rule_grade_required", _("Choose a grade from 1 to 4."), field="max_grade")
        min_age = max_age = None
        tag = ""
    else:
        raise DomainError("rule_kind", _("Unknown kind of rule."), field="kind")
    if not 0 <= percent <= 100:
        raise DomainError("rule_percent", _("A percentage is between 0 and 100."), field="percent")
    if amount_fen < 0:
        raise DomainError("rule_amount", _("The amount cannot be negative."), field="amount")
    if amount_fen == 0 and percent == 0 and not grants_delivery:
        raise DomainError("rule_empty", _("The rule gives neither a subsidy nor delivery."), field="amount")
    if valid_to is not None and valid_to < valid_from:
        raise DomainError("rule_validity", _("The rule ends before it starts."), field="valid_to")
    rule = SubsidyRule.objects.create(
        name=name.strip(),
        area=area,
        kind=kind,
        min_age=min_age,
        max_age=max_age,
        tag=tag,
        max_grade=max_grade,
        amount_fen=amount_fen,
        percent=percent,
        grants_delivery=grants_delivery,
        valid_from=valid_from,
        valid_to=valid_to,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    record_audit_event(
        actor=actor,
        action="meals.rule_created",
        object_type="subsidy_rule",
        object_id=rule.pk,
        area_code=area.code,
    )
    return rule


@transaction.atomic
def end_subsidy_rule(*, actor: Any, rule: SubsidyRule) -> SubsidyRule:
    """Stop a rule for orders placed from now on; orders already priced keep their subsidy."""
    _require_meals_manager(actor, rule.area)
    if rule.is_active:
        rule.is_active = False
        rule.save(update_fields=["is_active"])
        record_audit_event(
            actor=actor,
            action="meals.rule_ended",
            object_type="subsidy_rule",
            object_id=rule.pk,
            area_code=rule.area.code,
        )
    return rule


# --- orders ---------------------------------------------------------------------------------------


def _new_number(day: dt.date) -> str:
    """A fresh order number: the meal's day and eight random hex digits, drawn again on a clash."""
    while True:
        number = f"M{day:%y%m%d}-{secrets.token_hex(4).upper()}"
        if not Order.objects.filter(number=number).exists():
            return number


def _check_orderer(actor: Any, resident: Resident) -> str:
    """Residents order for the records behind their phone; staff with ORDER_CARE over the resident's area."""
    if getattr(actor, "kind", None) == "resident":
        if not actor.phone_index or actor.phone_index != resident.phone_index:
            raise DomainError("order_not_yours", _("You can order only for yourself."))
        return OrderChannel.RESIDENT
    if actor is None or not has_capability(actor, Capability.ORDER_CARE, resident.area.code):
        raise DomainError("order_out_of_scope", _("You cannot order for this resident."))
    return OrderChannel.WORKER


def _delivery_address(resident: Resident) -> str:
    if resident.household_id is not None and resident.household is not None:
        return str(resident.household)
    return str(resident.address or "")


@transaction.atomic
def place_order(
    *,
    actor: Any,
    resident: Resident,
    dish: Dish,
    delivery: bool = False,
    note: str = "",
    now: dt.datetime | None = None,
    notify: bool = True,
) -> Order:
    """Order one meal for a resident before the cut-off, while portions are left, priced by the best rule.

    Delivery needs a canteen that delivers, and either a rule that grants it to the resident or a worker
    ordering on the resident's behalf (the worker's mark is recorded as the basis). A resident ordered for
    by a worker is told by SMS (``notify``: off only for back-filled history such as the demo's).
    """
    now = now or timezone.now()
    channel = _check_orderer(actor, resident)
    if resident.merged_into_id is not None or resident.residence_status in (
        ResidenceStatus.DECEASED,
        ResidenceStatus.MOVED_OUT,
    ):
        raise DomainError("order_resident_gone", _("This resident no longer lives here."))
    sitting = dish.sitting
    canteen = sitting.canteen
    if not dish.is_available:
        raise DomainError("dish_unavailable", _("This dish is no longer on the menu."), field="dish")
    if not canteens_for_resident(resident=resident).filter(pk=canteen.pk).exists():
        raise DomainError(
            "canteen_not_for_resident", _("This canteen does not serve this resident."), field="dish"
        )
    if now >= sitting.orders_close_at:
        raise DomainError(
            "order_cutoff_passed",
            _("Orders for this meal have closed. Please choose a later meal."),
            field="dish",
        )
    offer = quote(resident=resident, dish=dish, delivery=delivery)
    basis = DeliveryBasis.NONE
    if delivery:
        if not canteen.delivers:
            raise DomainError("delivery_not_offered", _("This canteen does not deliver."), field="delivery")
        if offer.delivery_by_rule:
            basis = DeliveryBasis.RULE
        elif channel == OrderChannel.WORKER:
            basis = DeliveryBasis.WORKER
        else:
            raise DomainError(
                "delivery_not_allowed",
                _("Delivery is for residents who cannot come. Please ask your community worker."),
                field="delivery",
            )
    address = _delivery_address(resident) if basis else ""
    if basis and not address.strip():
        raise DomainError(
            "delivery_no_address",
            _("There is no home address on record for this resident; add it before ordering delivery."),
            field="delivery",
        )
    # The lock makes the capacity check and the one-order-per-person check one step.
    locked = Sitting.objects.select_for_update().get(pk=sitting.pk)
    if Order.objects.filter(resident=resident, sitting=locked, status=OrderStatus.PLACED).exists():
        raise DomainError("order_exists", _("There is already an order for this meal."), field="dish")
    booked = Sitting.objects.filter(pk=locked.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1)
    if not booked:
        raise DomainError("meal_full", _("This meal is fully booked. Please choose another."), field="dish")
    locked.booked += 1
    price = offer.price
    rule: Any = price.rule
    order = Order.objects.create(
        number=_new_number(sitting.date),
        resident=resident,
        area=resident.area,
        sitting=locked,
        dish=dish,
        channel=channel,
        ordered_by=actor,
        base_price_fen=price.base_fen,
        subsidy_fen=price.subsidy_fen,
        delivery_fee_fen=price.delivery_fee_fen,
        pays_fen=price.pays_fen,
        rule=rule,
        rule_name=rule.name if rule is not None else "",
        delivery=basis,
        delivery_address=address,
        delivery_phone=resident.phone if basis else "",
        note=note.strip()[:200],
        created_at=now,
    )
    OrderEvent.objects.create(
        order=order,
        kind=OrderEventKind.PLACED,
        actor=actor,
        at=now,
        data={"channel": channel, "delivery": basis, "rule": rule.pk if rule is not None else None},
    )
    if channel == OrderChannel.WORKER:
        record_audit_event(
            actor=actor,
            action="meals.order_on_behalf",
            object_type="meal_order",
            object_id=order.pk,
            area_code=resident.area.code,
            data={"resident": resident.pk, "delivery": basis},
        )
        if resident.phone and notify:
            with override("zh-hans"):
                body = gettext(
                    "[Linli] A %(meal)s on %(date)s at %(canteen)s is ordered for you; you pay %(pays)s yuan."
                ) % {
                    "meal": Meal(sitting.meal).label,
                    "date": f"{sitting.date:%m-%d}",
                    "canteen": canteen.name,
                    "pays": pricing.yuan(order.pays_fen),
                }
            queue_sms(
                phone=resident.phone,
                body=body,
                purpose="meals.order",
                idempotency_key=f"meals:order:{order.number}",
            )
    return order


@transaction.atomic
def is_cancellable(order: Order, *, now: dt.datetime) -> bool:
    """Whether an order may still be cancelled: it stands, and orders for its meal have not closed."""
    return order.status == OrderStatus.PLACED and now < order.sitting.orders_close_at


def cancel_order(*, actor: Any, order: Order, now: dt.datetime | None = None) -> Order:
    """Cancel an order before the meal's cut-off; its portion is free again."""
    now = now or timezone.now()
    # Lock the order row only: locking the joined rows too (the resident's area) would hold up every order
    # placed in that grid.
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("sitting__canteen", "resident__area")
        .get(pk=order.pk)
    )
    channel = _check_orderer(actor, order.resident)
    if order.status != OrderStatus.PLACED:
        raise DomainError("order_not_open", _("This order is already cancelled."))
    if now >= order.sitting.orders_close_at:
        raise DomainError(
            "cancel_cutoff_passed", _("Orders for this meal have closed; it can no longer be cancelled.")
        )
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = now
    order.save(update_fields=["status", "cancelled_at"])
    Sitting.objects.filter(pk=order.sitting_id, booked__gt=0).update(booked=F("booked") - 1)
    OrderEvent.objects.create(order=order, kind=OrderEventKind.CANCELLED, actor=actor, at=now)
    if channel == OrderChannel.WORKER:
        # The resident must not come for a meal a worker cancelled: they are told, as when ordered for.
        resident = order.resident
        record_audit_event(
            actor=actor,
            action="meals.order_cancelled_on_behalf",
            object_type="meal_order",
            object_id=order.pk,
            area_code=resident.area.code,
            data={"resident": resident.pk},
        )
        if resident.phone:
            sitting = order.sitting
            with override("zh-hans"):
                body = gettext("[Linli] Your %(meal)s on %(date)s at %(canteen)s is cancelled.") % {
                    "meal": Meal(sitting.meal).label,
                    "date": f"{sitting.date:%m-%d}",
                    "canteen": sitting.canteen.name,
                }
            queue_sms(
                phone=resident.phone,
                body=body,
                purpose="meals.order",
                idempotency_key=f"meals:cancel:{order.number}",
            )
    return order


def record_statement_export(*, actor: Any, canteen: Canteen, year: int, month: int, orders: int) -> None:
    """Every download of a subsidy statement (it names residents) is an audit event."""
    record_audit_event(
        actor=actor,
        action="meals.statement_export",
        object_type="canteen",
        object_id=canteen.pk,
        area_code=canteen.area.code,
        data={"month": f"{year:04d}-{month:02d}", "orders": orders},
    )
