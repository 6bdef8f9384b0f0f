"""Adapters to the outside world. The local ones record what they would send, for the demo and tests."""

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class SmsGateway(Protocol):
    def send(self, *, phone: str, body: str, idempotency_key: str) -> str:
        """Send one SMS; return the gateway's reference. Must be safe to call twice with the same key."""
        ...


class LocalSmsGateway:
    """Records each message in ``LocalSmsMessage`` instead of sending it."""

    def send(self, *, phone: str, body: str, idempotency_key: str) -> str:
        from linli.core.models import LocalSmsMessage

        reference = f"local-{idempotency_key}"[:64]
        LocalSmsMessage.objects.get_or_create(reference=reference, defaults={"phone": phone, "body": body})
        return reference


def sms_gateway() -> SmsGateway:
    gateway: SmsGateway = import_string(settings.LINLI_SMS_GATEWAY)()
    return gateway
