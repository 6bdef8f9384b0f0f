import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.accounts.roles import Role
from linli.core.fields import EncryptedTextField


class UserKind(models.TextChoices):
    STAFF = "staff", _("Staff")
    RESIDENT = "resident", _("Resident")


class User(AbstractUser):
    """A person who logs in: staff (password + TOTP) or a resident (phone + one-time code)."""

    kind = models.CharField(_("kind"), max_length=8, choices=UserKind.choices, default=UserKind.STAFF)
    phone = EncryptedTextField(_("phone"), context="user.phone", blank=True)
    phone_index = models.CharField(_("phone index"), max_length=64, blank=True, db_index=True)
    elder_mode = models.BooleanField(_("elder mode"), default=False)
    # Demo accounts may skip TOTP, but only where LINLI_ALLOW_DEMO_TOTP_SKIP is on.
    is_demo = models.BooleanField(_("demo account"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["phone_index"],
                condition=models.Q(kind="resident"),
                name="one_resident_account_per_phone",
            ),
        ]

    @property
    def is_resident(self) -> bool:
        return self.kind == UserKind.RESIDENT

    @property
    def is_staff_member(self) -> bool:
        return self.kind == UserKind.STAFF


class Membership(models.Model):
    """A staff user holds a role in an area (and below it)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    area = models.ForeignKey("core.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    department = models.CharField(_("department"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["user", "area", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} @ {self.area_id}"


class ApiToken(models.Model):
    """A staff user's bearer token for /api/v1; only its hash is stored."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=64)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class LoginAttempt(models.Model):
    """One login attempt not (yet) successful against an account or phone, keyed by a hash; recent ones
    throttle logins, and a successful login deletes them."""

    key = models.CharField(max_length=64)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["key", "at"])]

    def __str__(self) -> str:
        return f"login attempt at {self.at:%Y-%m-%d %H:%M}"


class LoginCode(models.Model):
    """A one-time code sent to a resident's phone; only its hash is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    phone_index = models.CharField(max_length=64, db_index=True)
    phone = EncryptedTextField(context="logincode.phone", blank=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"login code {self.id}"
