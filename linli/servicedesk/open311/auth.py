"""``api_key`` of POST requests: a key of an active app, not revoked. Staff and department tokens do not
work here, and Open311 keys work nowhere else."""

import datetime as dt

from django.utils import timezone

from linli.servicedesk.open311.models import Open311ApiKey
from linli.servicedesk.open311.services import KEY_PREFIX, api_key_hash


def api_key_for(key: str) -> Open311ApiKey | None:
    """The key record of a working api_key, or None."""
    if not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    api_key = (
        Open311ApiKey.objects.select_related("app")
        .filter(key_hash=api_key_hash(key), revoked_at__isnull=True, app__active=True)
        .first()
    )
    if api_key is None:
        return None
    now = timezone.now()
    # Recorded to the minute: a write on every call would cost more than the call.
    if api_key.last_used_at is None or now - api_key.last_used_at > dt.timedelta(minutes=1):
        Open311ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
