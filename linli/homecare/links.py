"""The provider's link to one order: a signed token, so a provider acts without a staff account.

The token is signed with the site's secret key and carries the order's id, the order's ``link_key`` and an
expiry. It opens that one order only: a token of another order, an edited token, an expired one, or one
issued before the order's key was changed is refused, and the pages answer 404 alike.
"""

import datetime as dt
import secrets

from django.conf import settings
from django.core import signing
from django.utils import timezone

from linli.homecare.models import Order

SALT = "linli.homecare.provider-link"


def link_valid_after_window() -> dt.timedelta:
    """How long after the end of the time window a link still works (to mark the service finished)."""
    return dt.timedelta(days=int(getattr(settings, "LINLI_HOMECARE_LINK_DAYS", 3)))


def new_link_key() -> str:
    return secrets.token_urlsafe(18)


def make_token(order: Order) -> str:
    expires = order.ends_at + link_valid_after_window()
    return signing.dumps({"o": order.pk, "k": order.link_key, "e": int(expires.timestamp())}, salt=SALT)


def order_id_of(token: str) -> int | None:
    """The order a well-signed token names (expiry and key not yet checked), or None."""
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("o"), int):
        return None
    return int(payload["o"])


def token_opens(token: str, order: Order, *, now: dt.datetime | None = None) -> bool:
    """Whether the token was issued for this order, with its current key, and has not expired."""
    now = now or timezone.now()
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return False
    if not isinstance(payload, dict):
        return False
    return (
        payload.get("o") == order.pk
        and isinstance(payload.get("k"), str)
        and secrets.compare_digest(str(payload["k"]), order.link_key)
        and isinstance(payload.get("e"), int)
        and now.timestamp() < payload["e"]
    )
