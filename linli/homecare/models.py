"""Home care (居家养老): service types, providers (a stand-in until the providers app exists), orders with
their append-only history, and the resident's rating of a completed order."""

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from linli.core.append_only import AppendOnlyModel
from linli.core.fields import EncryptedTextField
from linli.core.ratings import BAD_RATINGS, RatingLevel


class ServiceType(models.Model):
    """A kind of home-care service (助浴, 助洁, 助医 …): data, so a district can add its own."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("home-care service type")
        verbose_name_plural = _("home-care service types")

    def __str__(self) -> str:
        return self.name

    @property
    def local_name(self) -> str:
        """The name in the reader's language: the English one on English pages, when there is one."""
        return self.name_en if self.name_en and (get_language() or "").startswith("en") else self.name


class Provider(models.Model):
    """A home-care provider: what it offers and where.

    A stand-in, kept small on purpose: the providers app (purchase list, contracts, performance) will own
    providers; until then this table holds just what an order needs. ``area`` is the area whose staff manage
    the provider (scope for editing); ``served_areas`` are where it takes orders.
    """

    name = models.CharField(_("name"), max_length=100)
    service_types = models.ManyToManyField(
        ServiceType, related_name="providers", verbose_name=_("service types offered")
    )
    area = models.ForeignKey(
        "core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("managed by area")
    )
    area_code = models.CharField(_("area code"), max_length=15)
    served_areas = models.ManyToManyField("core.Area", related_name="+", verbose_name=_("areas served"))
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    # Where order links are sent by SMS.
    phone = EncryptedTextField(_("contact phone"), context="homecare.provider.phone")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("home-care provider")
        verbose_name_plural = _("home-care providers")

    def __str__(self) -> str:
        return self.name


class OrderStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the provider")
    CONFIRMED = "confirmed", _("Confirmed by the provider")
    DECLINED = "declined", _("Declined by the provider")
    IN_SERVICE = "in_service", _("In service")
    FINISHED = "finished", _("Finished, waiting for confirmation")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


CLOSED_STATUSES = (OrderStatus.DECLINED, OrderStatus.COMPLETED, OrderStatus.CANCELLED)


class OrderChannel(models.TextChoices):
    ONLINE = "online", _("By the resident")
    ON_BEHALF = "on_behalf", _("By a worker on the resident's behalf")


class Order(models.Model):
    """One home-care order: a service of a provider for a resident, at their address, in a time window."""

    number = models.CharField(_("order number"), max_length=24, unique=True)
    status = models.CharField(
        _("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.REQUESTED
    )
    channel = models.CharField(_("channel"), max_length=10, choices=OrderChannel.choices)
    resident = models.ForeignKey(
        "registry.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("resident")
    )
    area = models.ForeignKey("core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    # Denormalised from the resident's area at ordering time, for the scope filters.
    area_code = models.CharField(_("area code"), max_length=15)
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="orders", verbose_name=_("provider")
    )
    service_type = models.ForeignKey(
        ServiceType, on_delete=models.PROTECT, related_name="orders", verbose_name=_("service")
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    # Copied from the golden record when ordered: where and whom the provider goes to.
    address = EncryptedTextField(_("address"), context="homecare.order.address")
    phone = EncryptedTextField(_("phone"), context="homecare.order.phone", blank=True)
    note = models.TextField(_("note"), blank=True)
    # The resident's login account when they ordered themselves.
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resident account"),
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ordered by"),
    )
    # Part of every provider link's signature: changing it revokes the links sent so far.
    link_key = models.CharField(max_length=32)
    created_at = models.DateTimeField(_("ordered"))
    updated_at = models.DateTimeField(_("updated"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("home-care order")
        verbose_name_plural = _("home-care orders")
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="homecare_order_window"
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["area_code", "starts_at"], name="homecare_order_area_start"),
            models.Index(fields=["provider", "starts_at"], name="homecare_order_provider"),
            models.Index(fields=["resident", "starts_at"], name="homecare_order_resident"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class EventBy(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    WORKER = "worker", _("Worker")
    PROVIDER = "provider", _("Provider")
    # Linli itself, for an order nobody confirmed before its time (``lapse_unconfirmed_orders``).
    SYSTEM = "system", _("Linli (automatic)")


class OrderEvent(AppendOnlyModel):
    """One step of an order's history, appended under the order's row lock; never edited."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("time"))
    # A provider acts through its link and has no account: ``by`` says who acted, ``actor`` which account.
    by = models.CharField(_("by"), max_length=10, choices=EventBy.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=16)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")

    def __str__(self) -> str:
        return f"{self.order_id} {self.action}"

    @property
    def status_label(self) -> str:
        return str(OrderStatus(self.to_status).label) if self.to_status in OrderStatus.values else ""


class OrderRating(models.Model):
    """The one rating of a completed order, given by the resident or recorded for them by a worker."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="rating")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="ratings")
    level = models.PositiveSmallIntegerField(_("rating"), choices=RatingLevel.choices)
    comment = models.TextField(_("comment"), blank=True)
    by = models.CharField(_("by"), max_length=10, choices=EventBy.choices)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rated_at = models.DateTimeField(_("rated"))
    area_code = models.CharField(_("area code"), max_length=15)

    class Meta:
        ordering = ["-rated_at", "-id"]
        verbose_name = _("home-care rating")
        verbose_name_plural = _("home-care ratings")
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="homecare_rating_level_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.level}"

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_RATINGS
