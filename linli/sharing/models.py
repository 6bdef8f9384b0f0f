"""Data shared with departments: clients, grants, access log and change feed."""

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.append_only import AppendOnlyModel


class DepartmentClient(models.Model):
    """A department's system that reads residents through the sharing API, with tokens of its own.

    ``area`` is the area whose officers manage the client; its grants lie inside that area.
    """

    name = models.CharField(_("name"), max_length=100)
    department = models.CharField(_("department"), max_length=64)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    area = models.ForeignKey("core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
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
        ordering = ["department", "name", "id"]
        verbose_name = _("department client")
        verbose_name_plural = _("department clients")

    def __str__(self) -> str:
        return f"{self.department} · {self.name}"


class ClientToken(models.Model):
    """A bearer token of a department client; only its hash is stored, the token is shown once.

    A token works until ``revoked_at`` (stopped at once) or ``expires_at`` (set when a newer token is
    issued: the old one keeps working for a grace period while the department switches over).
    """

    client = models.ForeignKey(
        DepartmentClient, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("client")
    )
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
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("client token")
        verbose_name_plural = _("client tokens")

    def __str__(self) -> str:
        return f"{self.prefix}…"

    def is_valid(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class GrantStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REVOKED = "revoked", _("Revoked")


class Grant(models.Model):
    """What one client may read: these fields, of residents in this area, for this purpose, until then."""

    client = models.ForeignKey(
        DepartmentClient, on_delete=models.PROTECT, related_name="grants", verbose_name=_("client")
    )
    # Keys of the shareable-field catalogue (linli.sharing.catalogue), e.g. "name", "phone", "tag:disability".
    fields = models.JSONField(_("fields"), default=list)
    area = models.ForeignKey("core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    purpose = models.TextField(_("purpose"))
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    expires_at = models.DateTimeField(_("expires"))
    status = models.CharField(
        _("status"), max_length=16, choices=GrantStatus.choices, default=GrantStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        constraints: ClassVar[list[Any]] = [
            # Four eyes: whoever asked for a grant cannot approve it.
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True)
                | ~models.Q(approved_by=models.F("requested_by")),
                name="grant_approver_is_not_requester",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(approved_by__isnull=False),
                name="approved_grant_has_approver",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.client}"

    def is_expired(self, now: Any = None) -> bool:
        return self.expires_at <= (now or timezone.now())


class GrantEvent(AppendOnlyModel):
    """One transition of a grant: appended, never edited."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="events", verbose_name=_("grant"))
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=GrantStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("grant event")
        verbose_name_plural = _("grant events")

    def __str__(self) -> str:
        return f"{self.grant_id}: {self.from_status} → {self.to_status}"


class AccessLog(AppendOnlyModel):
    """One call of a department client: who read what, under which grant, and how many records.

    Refused calls are logged too (status 403, no records). Appended, never edited.
    """

    client = models.ForeignKey(
        DepartmentClient, on_delete=models.PROTECT, related_name="+", verbose_name=_("client")
    )
    # Null when the call named a grant that does not exist or belongs to another client.
    grant = models.ForeignKey(
        Grant, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("grant")
    )
    token = models.ForeignKey(
        ClientToken,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("token"),
    )
    endpoint = models.CharField(_("endpoint"), max_length=32)
    purpose = models.TextField(_("purpose"), blank=True)
    fields = models.JSONField(_("fields"), default=list)
    record_count = models.PositiveIntegerField(_("records"), default=0)
    cursor_from = models.BigIntegerField(_("cursor from"), null=True, blank=True)
    cursor_to = models.BigIntegerField(_("cursor to"), null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(_("status"), default=200)
    refusal = models.CharField(_("refusal"), max_length=32, blank=True)
    remote_addr = models.GenericIPAddressField(_("remote address"), null=True, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["client", "at"], name="access_by_client"),
            models.Index(fields=["grant", "at"], name="access_by_grant"),
            models.Index(fields=["at"], name="access_by_time"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.endpoint} {self.at:%Y-%m-%d %H:%M}"
