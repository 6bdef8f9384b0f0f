"""Meal assistance (助餐): canteens, their meals, daily menus, sittings with capacity, orders, subsidy rules.

Money is stored in integer fen (1 yuan = 100 fen) and shown in yuan.
"""

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.append_only import AppendOnlyModel
from linli.core.fields import EncryptedTextField
from linli.registry.choices import Tag


class CanteenKind(models.TextChoices):
    COMMUNITY = "community", _("Community canteen")
    SCHOOL = "school", _("School canteen opened to residents")
    UNIT = "unit", _("Unit canteen opened to residents")


class Meal(models.TextChoices):
    BREAKFAST = "breakfast", _("Breakfast")
    LUNCH = "lunch", _("Lunch")
    DINNER = "dinner", _("Dinner")


MEAL_ORDER = {Meal.BREAKFAST: 0, Meal.LUNCH: 1, Meal.DINNER: 2}


class Canteen(models.Model):
    """Where residents eat: a community canteen, or a school or unit canteen opened to residents."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=16, choices=CanteenKind.choices, default=CanteenKind.COMMUNITY
    )
    area = models.ForeignKey("core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    address = models.CharField(_("address"), max_length=200)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    phone = models.CharField(_("canteen phone"), max_length=32, blank=True)
    # School and unit canteens are often opened to older residents only.
    min_age = models.PositiveSmallIntegerField(_("open to residents aged at least"), null=True, blank=True)
    delivers = models.BooleanField(_("delivers meals"), default=False)
    delivery_fee_fen = models.PositiveIntegerField(_("delivery fee (fen)"), default=0)
    is_active = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["area__code", "name"]
        verbose_name = _("canteen")
        verbose_name_plural = _("canteens")

    def __str__(self) -> str:
        return self.name


class CanteenMeal(models.Model):
    """One meal a canteen serves: its hours, its daily capacity, and how long before it orders close."""

    canteen = models.ForeignKey(
        Canteen, on_delete=models.CASCADE, related_name="meals", verbose_name=_("canteen")
    )
    meal = models.CharField(_("meal"), max_length=16, choices=Meal.choices)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    capacity = models.PositiveIntegerField(_("portions per day"))
    # Orders and cancellations close this many minutes before the meal opens (e.g. 120: lunch at 11:00
    # closes at 09:00; breakfast at 07:00 with 600 closes at 21:00 the evening before).
    cutoff_minutes = models.PositiveIntegerField(_("orders close (minutes before opening)"), default=120)

    class Meta:
        ordering = ["canteen", "opens_at"]
        verbose_name = _("canteen meal")
        verbose_name_plural = _("canteen meals")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["canteen", "meal"], name="meals_one_meal_kind_per_canteen"),
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="meals_hours_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.canteen} {self.get_meal_display()}"


class Sitting(models.Model):
    """One meal of one canteen on one day: the capacity and the portions booked, counted under a lock."""

    canteen = models.ForeignKey(
        Canteen, on_delete=models.PROTECT, related_name="sittings", verbose_name=_("canteen")
    )
    date = models.DateField(_("date"))
    meal = models.CharField(_("meal"), max_length=16, choices=Meal.choices)
    # Copied from the canteen's meal when the day's menu is made, and kept in step while orders are open.
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    orders_close_at = models.DateTimeField(_("orders close at"))
    capacity = models.PositiveIntegerField(_("portions"))
    booked = models.PositiveIntegerField(_("booked"), default=0)

    class Meta:
        ordering = ["date", "canteen", "meal"]
        verbose_name = _("sitting")
        verbose_name_plural = _("sittings")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["canteen", "date", "meal"], name="meals_one_sitting_per_day_meal"
            ),
            # The last line of defence against overbooking: the database refuses it.
            models.CheckConstraint(
                condition=models.Q(booked__lte=models.F("capacity")), name="meals_not_overbooked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.canteen} {self.date} {self.get_meal_display()}"

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.booked, 0)


class Dish(models.Model):
    """A dish or set meal on a sitting's menu, with its base price before any subsidy."""

    sitting = models.ForeignKey(
        Sitting, on_delete=models.PROTECT, related_name="dishes", verbose_name=_("sitting")
    )
    name = models.CharField(_("dish"), max_length=100)
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_set_meal = models.BooleanField(_("set meal"), default=True)
    price_fen = models.PositiveIntegerField(_("base price (fen)"))
    is_available = models.BooleanField(_("available"), default=True)

    class Meta:
        ordering = ["sitting", "price_fen", "name"]
        verbose_name = _("dish")
        verbose_name_plural = _("dishes")

    def __str__(self) -> str:
        return self.name


class RuleKind(models.TextChoices):
    AGE = "age", _("Age band")
    TAG = "tag", _("Registry tag")
    ABILITY = "ability", _("Disability grade")


class SubsidyRule(models.Model):
    """A meal subsidy as data: who it applies to (age band, tag or disability grade, within an area), how
    much, and whether it lets the resident have meals delivered."""

    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey("core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    kind = models.CharField(_("applies by"), max_length=16, choices=RuleKind.choices)
    min_age = models.PositiveSmallIntegerField(_("from age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("up to age"), null=True, blank=True)
    tag = models.CharField(_("tag"), max_length=32, choices=Tag.choices, blank=True)
    # Disability grade: the disability certificate's level, 1 (most severe) to 4; the rule covers grades up to
    # this one (1 = grade 1 only, 2 = grades 1 and 2, ...).
    max_grade = models.PositiveSmallIntegerField(_("grades up to"), null=True, blank=True)
    amount_fen = models.PositiveIntegerField(_("subsidy per meal (fen)"), default=0)
    percent = models.PositiveSmallIntegerField(_("subsidy (percent of the price)"), default=0)
    grants_delivery = models.BooleanField(_("may have meals delivered"), default=False)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_active = models.BooleanField(_("in force"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["area__code", "kind", "name"]
        verbose_name = _("subsidy rule")
        verbose_name_plural = _("subsidy rules")
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(condition=models.Q(percent__lte=100), name="meals_rule_percent_range"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="age", min_age__isnull=False)
                    | models.Q(kind="tag", tag__gt="")
                    | models.Q(kind="ability", max_grade__isnull=False)
                ),
                name="meals_rule_has_its_condition",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def area_code(self) -> str:
        return self.area.code


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("Ordered")
    CANCELLED = "cancelled", _("Cancelled")


class OrderChannel(models.TextChoices):
    RESIDENT = "resident", _("By the resident")
    WORKER = "worker", _("By a worker on the resident's behalf")


class DeliveryBasis(models.TextChoices):
    NONE = "", _("Picked up")
    RULE = "rule", _("Delivery by subsidy rule")
    WORKER = "worker", _("Delivery marked by a worker")


class Order(models.Model):
    """One meal for one resident at one sitting, priced when ordered: base price, subsidy, what the resident
    pays, and the rule that gave the subsidy (so the month's statement reads it back unchanged)."""

    number = models.CharField(_("order number"), max_length=24, unique=True)
    resident = models.ForeignKey(
        "registry.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("resident")
    )
    # The resident's grid when ordering: workers' scope over orders.
    area = models.ForeignKey("core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    sitting = models.ForeignKey(
        Sitting, on_delete=models.PROTECT, related_name="orders", verbose_name=_("sitting")
    )
    dish = models.ForeignKey(Dish, on_delete=models.PROTECT, related_name="orders", verbose_name=_("dish"))
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.PLACED
    )
    channel = models.CharField(_("ordered"), max_length=16, choices=OrderChannel.choices)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("ordered by")
    )
    base_price_fen = models.PositiveIntegerField(_("base price (fen)"))
    subsidy_fen = models.PositiveIntegerField(_("subsidy (fen)"))
    delivery_fee_fen = models.PositiveIntegerField(_("delivery fee (fen)"), default=0)
    pays_fen = models.PositiveIntegerField(_("resident pays (fen)"))
    rule = models.ForeignKey(
        SubsidyRule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("subsidy rule"),
    )
    rule_name = models.CharField(_("subsidy rule"), max_length=100, blank=True)
    delivery = models.CharField(
        _("delivery"), max_length=16, choices=DeliveryBasis.choices, blank=True, default=DeliveryBasis.NONE
    )
    # Where and whom to deliver to, copied when ordering; shown masked.
    delivery_address = EncryptedTextField(_("delivery address"), context="meals.order.address", blank=True)
    delivery_phone = EncryptedTextField(_("delivery phone"), context="meals.order.phone", blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("ordered at"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("meal order")
        verbose_name_plural = _("meal orders")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["sitting", "status"], name="meals_order_sitting")
        ]
        constraints: ClassVar[list[Any]] = [
            # One meal per person per sitting; also stops a double tap from booking twice.
            models.UniqueConstraint(
                fields=["resident", "sitting"],
                condition=models.Q(status="placed"),
                name="meals_one_order_per_resident_sitting",
            ),
            models.CheckConstraint(
                condition=models.Q(subsidy_fen__lte=models.F("base_price_fen")),
                name="meals_subsidy_within_price",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    pays_fen=models.F("base_price_fen")
                    - models.F("subsidy_fen")
                    + models.F("delivery_fee_fen")
                ),
                name="meals_pays_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_delivery(self) -> bool:
        return bool(self.delivery)


class OrderEventKind(models.TextChoices):
    PLACED = "placed", _("Ordered")
    CANCELLED = "cancelled", _("Cancelled")


class OrderEvent(AppendOnlyModel):
    """The history of an order, appended, never edited."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="events", verbose_name=_("meal order")
    )
    kind = models.CharField(_("what happened"), max_length=16, choices=OrderEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("time"))
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"
