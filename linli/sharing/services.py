"""Writes of the sharing app: department clients and their tokens, grants and their history, access log."""

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.accounts.access import has_capability
from linli.accounts.roles import Capability
from linli.core.errors import DomainError
from linli.core.models import Area
from linli.core.services import record_audit_event
from linli.sharing import catalogue
from linli.sharing.models import AccessLog, ClientToken, DepartmentClient, Grant, GrantEvent, GrantStatus
from linli.sharing.workflow import can_transition

TOKEN_PREFIX = "lls_"  # noqa: S105 (a marker, not a secret)


def token_grace_period() -> dt.timedelta:
    """How long a token keeps working after a newer one is issued to its client."""
    return dt.timedelta(days=getattr(settings, "LINLI_SHARING_TOKEN_GRACE_DAYS", 7))


def max_grant_duration() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "LINLI_SHARING_MAX_GRANT_DAYS", 366))


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _require(actor: Any, capability: Capability, area_code: str) -> None:
    if not has_capability(actor, capability, area_code):
        raise DomainError("not_permitted", _("You may not do this for this area."))


def create_client(
    *, actor: Any, name: str, department: str, area: Area, contact: str = ""
) -> DepartmentClient:
    """Register a department's system; the actor manages sharing over the client's area."""
    _require(actor, Capability.MANAGE_SHARING, area.code)
    name, department = name.strip(), department.strip()
    if not name:
        raise DomainError("name_required", _("Please enter the name."), field="name")
    if not department:
        raise DomainError("department_required", _("Please enter the department."), field="department")
    with transaction.atomic():
        client = DepartmentClient.objects.create(
            name=name, department=department, area=area, contact=contact.strip(), created_by=actor
        )
        record_audit_event(
            actor=actor,
            action="sharing.client_created",
            object_type="department_client",
            object_id=client.pk,
            area_code=area.code,
            data={"department": department},
        )
    return client


def set_client_active(*, actor: Any, client: DepartmentClient, active: bool) -> DepartmentClient:
    """Switch a client off (every token stops at once) or on again."""
    _require(actor, Capability.MANAGE_SHARING, client.area.code)
    with transaction.atomic():
        locked = DepartmentClient.objects.select_for_update().select_related("area").get(pk=client.pk)
        if locked.active != active:
            locked.active = active
            locked.save(update_fields=["active"])
            record_audit_event(
                actor=actor,
                action="sharing.client_activated" if active else "sharing.client_deactivated",
                object_type="department_client",
                object_id=locked.pk,
                area_code=locked.area.code,
            )
    return locked


def issue_client_token(*, actor: Any, client: DepartmentClient) -> tuple[ClientToken, str]:
    """A new token for the client, shown once; tokens issued before it stop after the grace period."""
    _require(actor, Capability.MANAGE_SHARING, client.area.code)
    key = f"{TOKEN_PREFIX}{secrets.token_urlsafe(32)}"
    now = timezone.now()
    grace_end = now + token_grace_period()
    with transaction.atomic():
        # Locked, so that two rotations at once both leave a single token without an end.
        DepartmentClient.objects.select_for_update().filter(pk=client.pk).first()
        rotated = list(
            ClientToken.objects.filter(client=client, revoked_at__isnull=True)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=grace_end))
            .values_list("pk", flat=True)
        )
        ClientToken.objects.filter(pk__in=rotated).update(expires_at=grace_end)
        token = ClientToken.objects.create(
            client=client, key_hash=token_hash(key), prefix=key[:10], created_by=actor, created_at=now
        )
        record_audit_event(
            actor=actor,
            action="sharing.token_issued",
            object_type="department_client",
            object_id=client.pk,
            area_code=client.area.code,
            data={"token": token.pk, "prefix": token.prefix, "rotated": rotated},
        )
    return token, key


def revoke_client_token(*, actor: Any, token: ClientToken) -> ClientToken:
    """Stop a token at once, whatever its grace period."""
    client = token.client
    _require(actor, Capability.MANAGE_SHARING, client.area.code)
    with transaction.atomic():
        locked = ClientToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.revoked_by = actor
            locked.save(update_fields=["revoked_at", "revoked_by"])
            record_audit_event(
                actor=actor,
                action="sharing.token_revoked",
                object_type="department_client",
                object_id=client.pk,
                area_code=client.area.code,
                data={"token": locked.pk, "prefix": locked.prefix},
            )
    return locked


def _append_event(grant: Grant, *, from_status: str, actor: Any, note: str = "") -> GrantEvent:
    return GrantEvent.objects.create(
        grant=grant, from_status=from_status, to_status=grant.status, actor=actor, note=note
    )


def request_grant(
    *,
    actor: Any,
    client: DepartmentClient,
    fields: list[str],
    area: Area,
    purpose: str,
    legal_basis: str,
    expires_at: dt.datetime,
) -> Grant:
    """Ask for a grant: catalogue fields only, an area inside the client's and the requester's, a stated
    purpose and legal basis, and an end date within the longest duration allowed."""
    _require(actor, Capability.REQUEST_GRANTS, area.code)
    if not fields:
        raise DomainError("fields_required", _("Please choose at least one field."), field="fields")
    unknown = catalogue.unknown_fields(fields)
    if unknown:
        raise DomainError(
            "unknown_field",
            _("These fields cannot be shared: %s") % ", ".join(unknown),
            field="fields",
        )
    if not area.code.startswith(client.area.code):
        raise DomainError(
            "area_outside_client", _("The area must lie within the client's area."), field="area"
        )
    purpose, legal_basis = purpose.strip(), legal_basis.strip()
    if len(purpose) < 4:
        raise DomainError("purpose_required", _("Please state what the data is used for."), field="purpose")
    if len(legal_basis) < 4:
        raise DomainError(
            "legal_basis_required", _("Please state the legal basis for sharing."), field="legal_basis"
        )
    now = timezone.now()
    if expires_at <= now:
        raise DomainError("expiry_in_past", _("The end date must be in the future."), field="expires_at")
    if expires_at > now + max_grant_duration():
        raise DomainError(
            "expiry_too_far",
            _("A grant may last at most %(days)d days.") % {"days": max_grant_duration().days},
            field="expires_at",
        )
    with transaction.atomic():
        grant = Grant.objects.create(
            client=client,
            fields=catalogue.ordered(fields),
            area=area,
            purpose=purpose,
            legal_basis=legal_basis,
            expires_at=expires_at,
            requested_by=actor,
            requested_at=now,
        )
        _append_event(grant, from_status="", actor=actor)
        record_audit_event(
            actor=actor,
            action="sharing.grant_requested",
            object_type="sharing_grant",
            object_id=grant.pk,
            area_code=area.code,
            data={"client": client.pk, "fields": grant.fields},
        )
    return grant


def _lock_grant(grant: Grant) -> Grant:
    return Grant.objects.select_for_update().select_related("area", "client").get(pk=grant.pk)


def approve_grant(*, actor: Any, grant: Grant, note: str = "") -> Grant:
    """Approve a requested grant: the approver manages sharing over its area and is not its requester."""
    with transaction.atomic():
        locked = _lock_grant(grant)
        _require(actor, Capability.MANAGE_SHARING, locked.area.code)
        if not can_transition(locked.status, GrantStatus.APPROVED):
            raise DomainError("grant_not_requested", _("Only a requested grant can be approved."))
        if locked.requested_by_id == actor.pk:
            raise DomainError("approver_is_requester", _("A grant cannot be approved by its requester."))
        now = timezone.now()
        if locked.is_expired(now):
            raise DomainError("grant_expired", _("This grant has expired; please request a new one."))
        previous = locked.status
        locked.status = GrantStatus.APPROVED
        locked.approved_by = actor
        locked.approved_at = now
        locked.save(update_fields=["status", "approved_by", "approved_at"])
        _append_event(locked, from_status=previous, actor=actor, note=note.strip())
        record_audit_event(
            actor=actor,
            action="sharing.grant_approved",
            object_type="sharing_grant",
            object_id=locked.pk,
            area_code=locked.area.code,
            data={"client": locked.client_id, "fields": locked.fields},
        )
    return locked


def revoke_grant(*, actor: Any, grant: Grant, reason: str) -> Grant:
    """Refuse a request or withdraw an approved grant, with a reason; calls under it get 403 from now on."""
    reason = reason.strip()
    if len(reason) < 2:
        raise DomainError("revoke_reason_required", _("Please give a reason."), field="reason")
    with transaction.atomic():
        locked = _lock_grant(grant)
        _require(actor, Capability.MANAGE_SHARING, locked.area.code)
        if not can_transition(locked.status, GrantStatus.REVOKED):
            raise DomainError("grant_already_revoked", _("This grant has already been revoked."))
        previous = locked.status
        locked.status = GrantStatus.REVOKED
        locked.revoked_by = actor
        locked.revoked_at = timezone.now()
        locked.revoke_reason = reason
        locked.save(update_fields=["status", "revoked_by", "revoked_at", "revoke_reason"])
        _append_event(locked, from_status=previous, actor=actor, note=reason)
        record_audit_event(
            actor=actor,
            action="sharing.grant_revoked",
            object_type="sharing_grant",
            object_id=locked.pk,
            area_code=locked.area.code,
            reason=reason,
            data={"client": locked.client_id, "from": previous},
        )
    return locked


def record_access(
    *,
    token: ClientToken,
    grant: Grant | None,
    endpoint: str,
    fields: list[str],
    record_count: int,
    personal_count: int = 0,
    cursor_from: int | None = None,
    cursor_to: int | None = None,
    status_code: int = 200,
    refusal: str = "",
    remote_addr: str | None = None,
) -> AccessLog:
    """Append the access-log row of one call; a read of ID numbers or phones also writes an audit event.

    Called inside the transaction of the read it records, so that no data leaves without its row.
    """
    entry = AccessLog.objects.create(
        client_id=token.client_id,
        grant=grant,
        token=token,
        endpoint=endpoint,
        purpose=grant.purpose if grant is not None else "",
        fields=fields,
        record_count=record_count,
        cursor_from=cursor_from,
        cursor_to=cursor_to,
        status_code=status_code,
        refusal=refusal,
        remote_addr=remote_addr,
    )
    personal = [f for f in fields if f in catalogue.PERSONAL_FIELDS]
    if grant is not None and personal and personal_count:
        record_audit_event(
            actor=None,
            action="sharing.personal_data_read",
            object_type="sharing_grant",
            object_id=grant.pk,
            area_code=grant.area.code,
            reason=grant.purpose,
            data={
                "client": token.client_id,
                "access_log": entry.pk,
                "endpoint": endpoint,
                "fields": personal,
                "records": personal_count,
            },
        )
    return entry


def touch_token(token: ClientToken, now: dt.datetime) -> None:
    """Record when a token was last used, to the minute (a write on every call would cost more)."""
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ClientToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
