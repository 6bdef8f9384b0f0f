"""Open311's own tables: the apps that post reports, their keys, how each item answers a POST, and the
report behind each case that came in through Open311.

Imported by ``linli/servicedesk/models.py`` so that Django finds them in the servicedesk app.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.fields import EncryptedTextField

__all__ = ["Open311ApiKey", "Open311App", "Open311Report", "Open311Service", "RequestType"]


class Open311App(models.Model):
    """An application that posts service requests (a city app, a partner's kiosk): keys are issued to it."""

    name = models.CharField(_("name"), max_length=100)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("Open311 app")
        verbose_name_plural = _("Open311 apps")

    def __str__(self) -> str:
        return self.name


class Open311ApiKey(models.Model):
    """An app's ``api_key`` for POST requests; only its hash is stored, the key is shown once.

    A key lets an app create reports, nothing more: the GET methods are public and never carry personal
    data, with or without a key.
    """

    app = models.ForeignKey(Open311App, on_delete=models.CASCADE, related_name="keys", verbose_name=_("app"))
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=12)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.app_id})"


class RequestType(models.TextChoices):
    """GeoReport v2 service ``type``: what a POST answers with."""

    REALTIME = "realtime", _("Realtime: the request id at once")
    BATCH = "batch", _("Batch: a token, exchanged for the id later")
    BLACKBOX = "blackbox", _("Blackbox: neither id nor token")


class Open311Service(models.Model):
    """How a location-based item is offered over Open311, where it differs from the default (realtime)."""

    item = models.OneToOneField(
        "servicedesk.ServiceItem", on_delete=models.CASCADE, related_name="+", verbose_name=_("service item")
    )
    request_type = models.CharField(
        _("request type"), max_length=8, choices=RequestType.choices, default=RequestType.REALTIME
    )

    class Meta:
        verbose_name = _("Open311 service setting")
        verbose_name_plural = _("Open311 service settings")

    def __str__(self) -> str:
        return f"{self.item_id}: {self.request_type}"


class Open311Report(models.Model):
    """The Open311 side of a case that came in through ``POST requests``: which app sent it, its token,
    and the reporter's device and account ids (personal data: encrypted, never returned)."""

    case = models.OneToOneField(
        "servicedesk.Case", on_delete=models.PROTECT, related_name="open311_report", verbose_name=_("case")
    )
    app = models.ForeignKey(
        Open311App, on_delete=models.PROTECT, related_name="reports", verbose_name=_("app")
    )
    token = models.CharField(_("token"), max_length=32, unique=True)
    device_id = EncryptedTextField(_("device id"), context="open311.device_id", blank=True)
    account_id = EncryptedTextField(_("account id"), context="open311.account_id", blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Open311 report")
        verbose_name_plural = _("Open311 reports")

    def __str__(self) -> str:
        return self.token
