"""Bearer tokens of department clients: the sharing API's own authentication, apart from staff tokens."""

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from linli.sharing.models import ClientToken
from linli.sharing.services import TOKEN_PREFIX, token_hash, touch_token


def client_token_for_key(key: str) -> ClientToken | None:
    """The token a key belongs to, if it is neither revoked nor past its grace period and its client is
    active; None otherwise."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = (
        ClientToken.objects.select_related("client")
        .filter(key_hash=token_hash(key), revoked_at__isnull=True, client__active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if token is not None:
        touch_token(token, now)
    return token


class ClientTokenAuth(HttpBearer):
    """``Authorization: Bearer lls_…``: the request then acts as the department client; staff tokens do not
    work here, nor client tokens anywhere else."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return client_token_for_key(token)
