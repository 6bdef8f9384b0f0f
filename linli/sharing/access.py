"""Who may see what: officers reach clients and grants of their area (404 otherwise); a department client
reaches data only through an approved, unexpired grant of its own (403 otherwise)."""

import datetime as dt
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from linli.accounts.roles import Capability
from linli.registry.access import area_condition
from linli.sharing.models import ClientToken, DepartmentClient, Grant, GrantStatus

# Who may open a grant's page: the department officers who request grants and the officers who approve them.
GRANT_VIEWERS = (Capability.REQUEST_GRANTS, Capability.MANAGE_SHARING)


def any_condition(user: Any, capabilities: tuple[Capability, ...], *, field: str) -> Q | None:
    """Rows in the user's scope for any of ``capabilities``; None when that scope is empty."""
    combined: Q | None = None
    for capability in capabilities:
        condition = area_condition(user, capability, field=field)
        if condition is not None:
            combined = condition if combined is None else combined | condition
    return combined


def _get_in_scope[M: Model](queryset: QuerySet[M], condition: Q | None, pk: int) -> M:
    # Missing and out of scope answer alike, so a 404 reveals nothing about other areas.
    found = queryset.filter(condition, pk=pk).first() if condition is not None else None
    if found is None:
        raise Http404
    return found


def access_client(
    user: Any, client_id: int, *, capability: Capability = Capability.MANAGE_SHARING
) -> DepartmentClient:
    """The client if the user holds ``capability`` over the client's area, else Http404."""
    condition = area_condition(user, capability)
    return _get_in_scope(DepartmentClient.objects.select_related("area"), condition, client_id)


def access_client_token(user: Any, token_id: int) -> ClientToken:
    """The token if the user manages sharing over its client's area, else Http404."""
    condition = area_condition(user, Capability.MANAGE_SHARING, field="client__area__code")
    return _get_in_scope(ClientToken.objects.select_related("client__area"), condition, token_id)


def access_grant(user: Any, grant_id: int, *, capabilities: tuple[Capability, ...] = GRANT_VIEWERS) -> Grant:
    """The grant if the user holds one of ``capabilities`` over the grant's area, else Http404."""
    condition = any_condition(user, capabilities, field="area__code")
    queryset = Grant.objects.select_related("area", "client", "requested_by", "approved_by", "revoked_by")
    return _get_in_scope(queryset, condition, grant_id)


class GrantRefused(Exception):
    """A client's call under a grant it may not use: answered 403 with ``code`` and ``message``."""

    def __init__(self, code: str, message: str | Promise, grant: Grant | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.grant = grant


def grant_for_client(token: ClientToken, grant_id: int, now: dt.datetime) -> Grant:
    """The grant a call names, if it belongs to the token's client, is approved and has not expired."""
    grant = Grant.objects.select_related("area").filter(pk=grant_id, client_id=token.client_id).first()
    if grant is None:
        # Another client's grant answers like a missing one.
        raise GrantRefused("grant_unknown", _("This grant does not exist or is not yours."))
    if grant.status == GrantStatus.REVOKED:
        raise GrantRefused("grant_revoked", _("This grant has been revoked."), grant)
    if grant.status != GrantStatus.APPROVED:
        raise GrantRefused("grant_not_approved", _("This grant has not been approved yet."), grant)
    if grant.is_expired(now):
        raise GrantRefused("grant_expired", _("This grant has expired."), grant)
    return grant
