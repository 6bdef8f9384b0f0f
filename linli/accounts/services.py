"""Writes owned by accounts: staff users and memberships, login throttling, resident codes, API tokens."""

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from linli.accounts.models import ApiToken, LoginAttempt, LoginCode, Membership, User, UserKind
from linli.accounts.roles import Role
from linli.core import crypto
from linli.core.errors import DomainError
from linli.core.models import Area
from linli.core.phones import normalize_mobile
from linli.core.phones import phone_blind_index as phone_index
from linli.core.services import queue_sms, record_audit_event


def _throttle_key(kind: str, identifier: str) -> str:
    return crypto.blind_index(f"{kind}:{identifier.lower()}", context="login-throttle")


def _throttled() -> DomainError:
    return DomainError(
        "login_throttled",
        _("Too many failed attempts. Please try again in %(minutes)d minutes.")
        % {"minutes": settings.LINLI_LOGIN_LOCK_MINUTES},
    )


def _recent_attempts(key: str) -> int:
    since = timezone.now() - dt.timedelta(minutes=settings.LINLI_LOGIN_LOCK_MINUTES)
    return LoginAttempt.objects.filter(key=key, at__gte=since).count()


def ensure_not_throttled(*, kind: str, identifier: str) -> None:
    """Refuse when the account or phone already has too many unsuccessful attempts in the lock window."""
    if _recent_attempts(_throttle_key(kind, identifier)) >= settings.LINLI_LOGIN_MAX_FAILURES:
        raise _throttled()


def register_login_attempt(*, kind: str, identifier: str) -> None:
    """Count an attempt before checking its secret, and refuse it past the limit.

    The row is written first and committed at once, so parallel guesses each see the others: they cannot
    all pass a check made before any of them was recorded. A successful login clears the rows.
    """
    key = _throttle_key(kind, identifier)
    LoginAttempt.objects.create(key=key)
    if _recent_attempts(key) > settings.LINLI_LOGIN_MAX_FAILURES:
        raise _throttled()


def clear_login_attempts(*, kind: str, identifier: str) -> None:
    LoginAttempt.objects.filter(key=_throttle_key(kind, identifier)).delete()


def _code_hash(code: str, login_code_id: uuid.UUID) -> str:
    return crypto.blind_index(f"{login_code_id}:{code}", context="login-code")


def request_login_code(*, phone: str) -> LoginCode:
    """Send a 6-digit one-time code to a phone by SMS; at most one per resend interval per phone."""
    number = normalize_mobile(phone)
    index = phone_index(number)
    ensure_not_throttled(kind="phone", identifier=index)
    now = timezone.now()
    recent = LoginCode.objects.filter(
        phone_index=index,
        created_at__gte=now - dt.timedelta(seconds=settings.LINLI_LOGIN_CODE_RESEND_SECONDS),
    )
    if recent.exists():
        raise DomainError(
            "code_recently_sent",
            _("A code was just sent. Please wait a minute before asking for another."),
            field="phone",
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        # Only the newest code works: several live codes would multiply the odds of each guess.
        LoginCode.objects.filter(phone_index=index, used_at__isnull=True).update(used_at=now)
        login_code = LoginCode(
            phone_index=index,
            phone=number,
            expires_at=now + dt.timedelta(seconds=settings.LINLI_LOGIN_CODE_TTL_SECONDS),
        )
        login_code.code_hash = _code_hash(code, login_code.id)
        login_code.save()
        minutes = settings.LINLI_LOGIN_CODE_TTL_SECONDS // 60
        queue_sms(
            phone=number,
            body=str(
                _("[Linli] Your login code is %(code)s, valid for %(minutes)d minutes. Do not share it.")
            )
            % {"code": code, "minutes": minutes},
            purpose="login_code",
            idempotency_key=f"login_code:{login_code.id}",
        )
    return login_code


def verify_login_code(*, login_code_id: uuid.UUID | str, code: str) -> User:
    """Check the code sent by ``request_login_code``; on success return (creating if needed) the resident
    account of that phone. Every attempt counts against the phone until one succeeds."""
    login_code = LoginCode.objects.filter(pk=login_code_id).first()
    if login_code is None:
        raise DomainError("bad_code", _("The code is wrong or has expired."), field="code")
    index = login_code.phone_index
    register_login_attempt(kind="phone", identifier=index)
    now = timezone.now()
    valid = (
        login_code.used_at is None
        and login_code.expires_at > now
        and hmac.compare_digest(login_code.code_hash, _code_hash(code.strip(), login_code.id))
    )
    if not valid:
        raise DomainError("bad_code", _("The code is wrong or has expired."), field="code")
    with transaction.atomic():
        updated = LoginCode.objects.filter(pk=login_code.pk, used_at__isnull=True).update(used_at=now)
        if not updated:
            raise DomainError("bad_code", _("The code is wrong or has expired."), field="code")
        user, created = User.objects.get_or_create(
            kind=UserKind.RESIDENT,
            phone_index=index,
            defaults={"username": f"resident-{uuid.uuid4().hex[:20]}", "phone": login_code.phone},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        clear_login_attempts(kind="phone", identifier=index)
    return user


def create_staff_user(
    *,
    username: str,
    password: str,
    full_name: str,
    memberships: list[tuple[Area, Role]],
    phone: str = "",
    is_demo: bool = False,
    department: str = "",
) -> User:
    """Create a staff user with roles in areas; administrators also get the Django admin."""
    is_admin = any(role == Role.ADMINISTRATOR for _, role in memberships)
    with transaction.atomic():
        user = User(
            username=username,
            first_name=full_name,
            kind=UserKind.STAFF,
            is_demo=is_demo,
            is_staff=is_admin,
            is_superuser=is_admin,
        )
        if phone:
            number = normalize_mobile(phone)
            user.phone = number
            user.phone_index = phone_index(number)
        user.set_password(password)
        user.save()
        for area, role in memberships:
            Membership.objects.create(user=user, area=area, role=role, department=department)
    return user


def set_elder_mode(*, user: Any, enabled: bool) -> None:
    """Elder mode (large type, high contrast) is kept on the account so it stays on across devices."""
    if user.is_authenticated:
        User.objects.filter(pk=user.pk).update(elder_mode=enabled)
        user.elder_mode = enabled


def start_totp_enrollment(*, user: User) -> TOTPDevice:
    """A fresh, unconfirmed TOTP device for the user to add to an authenticator app."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="default", confirmed=False)


def confirm_totp_device(*, device: TOTPDevice, token: str) -> bool:
    if not device.verify_token(token.strip()):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record_audit_event(
        actor=device.user, action="totp.enrolled", object_type="user", object_id=device.user_id
    )
    return True


def _token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a bearer token; the plaintext is returned once and never stored."""
    if not user.is_staff_member:
        raise DomainError("not_staff", _("Only staff may hold API tokens."))
    key = f"ll_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=user, name=name, key_hash=_token_hash(key), prefix=key[:8])
    record_audit_event(actor=user, action="api_token.issued", object_type="api_token", object_id=token.pk)
    return token, key


def user_for_api_key(key: str) -> User | None:
    """The active staff user a bearer token belongs to, or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_token_hash(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Recorded to the minute: a write on every call would cost more than the read it accompanies.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def revoke_api_token(*, token: ApiToken, actor: Any) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    record_audit_event(actor=actor, action="api_token.revoked", object_type="api_token", object_id=token.pk)
