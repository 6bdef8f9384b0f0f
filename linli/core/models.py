from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.append_only import AppendOnlyModel
from linli.core.fields import EncryptedTextField


class AreaLevel(models.TextChoices):
    DISTRICT = "district", _("District")
    STREET = "street", _("Street or town")
    COMMUNITY = "community", _("Community or village")
    GRID = "grid", _("Grid")


# Length of the statistical code at each level (GB/T 2260 + the NBS urban-rural codes, grids append 3).
CODE_LENGTH = {
    AreaLevel.DISTRICT: 6,
    AreaLevel.STREET: 9,
    AreaLevel.COMMUNITY: 12,
    AreaLevel.GRID: 15,
}


class AreaKind(models.TextChoices):
    DISTRICT = "district", _("District or county")
    STREET = "street", _("Street (urban)")
    TOWN = "town", _("Town or township (rural)")
    URBAN_COMMUNITY = "urban_community", _("Urban community")
    VILLAGE = "village", _("Village")
    RELOCATION_COMMUNITY = "relocation_community", _("Relocation community")
    GRID = "grid", _("Grid")


class Area(models.Model):
    """A node of the district's area tree; scope is a prefix match on ``code``."""

    code = models.CharField(_("statistical code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=AreaLevel.choices)
    kind = models.CharField(_("kind"), max_length=24, choices=AreaKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    # Centre for maps and distance rules; optional because official codes come without coordinates.
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=(
                    models.Q(level="district", code__regex=r"^[0-9]{6}$")
                    | models.Q(level="street", code__regex=r"^[0-9]{9}$")
                    | models.Q(level="community", code__regex=r"^[0-9]{12}$")
                    | models.Q(level="grid", code__regex=r"^[0-9]{15}$")
                ),
                name="area_code_matches_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class AuditEvent(AppendOnlyModel):
    """An append-only record of something that happened, who did it, and why."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    area_code = models.CharField(_("area code"), max_length=15, blank=True, db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"


class CalendarDay(models.Model):
    """A date whose working status differs from Monday–Friday: a holiday or an adjusted workday (调休)."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("is a working day"))
    name = models.CharField(_("name"), max_length=64, blank=True)
    source = models.CharField(_("source"), max_length=32, default="chinese_calendar")

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date} {'workday' if self.is_workday else 'holiday'} {self.name}"


class NotificationChannel(models.TextChoices):
    SMS = "sms", _("SMS")


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """The outbox: a message to send, written in the same transaction as the fact that caused it."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    channel = models.CharField(_("channel"), max_length=8, choices=NotificationChannel.choices)
    recipient = EncryptedTextField(_("recipient"), context="notification.recipient")
    body = EncryptedTextField(_("message"), context="notification.body")
    purpose = models.CharField(_("purpose"), max_length=64)
    # Sending twice is harmless: the same key is delivered once.
    idempotency_key = models.CharField(_("idempotency key"), max_length=128, unique=True)
    status = models.CharField(
        _("status"), max_length=8, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    gateway_reference = models.CharField(_("gateway reference"), max_length=128, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["created_at"], condition=~models.Q(status="sent"), name="notification_unsent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.purpose} {self.status}"


class LocalSmsMessage(models.Model):
    """What the local SMS gateway would have sent: the demo's and tests' view of the phone network."""

    sent_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)
    phone = EncryptedTextField(_("phone"), context="localsms.phone")
    body = EncryptedTextField(_("message"), context="localsms.body")
    reference = models.CharField(_("gateway reference"), max_length=64, unique=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("local SMS message")
        verbose_name_plural = _("local SMS messages")

    def __str__(self) -> str:
        return self.reference
