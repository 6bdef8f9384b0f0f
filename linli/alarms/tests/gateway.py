"""A local SMS gateway that also counts raw calls by idempotency key, to tell retries from duplicates."""

from collections import Counter

from linli.core.gateways import LocalSmsGateway

CALLS: Counter[str] = Counter()


class CountingGateway(LocalSmsGateway):
    def send(self, *, phone: str, body: str, idempotency_key: str) -> str:
        CALLS[idempotency_key] += 1
        return super().send(phone=phone, body=body, idempotency_key=idempotency_key)
