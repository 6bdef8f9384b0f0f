"""The network address a request came from, as far as it can be trusted."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's IP address: the socket's peer, or, behind ``LINLI_PROXY_COUNT`` reverse proxies, the
    address the outermost of them saw. Entries a client wrote into X-Forwarded-For itself lie further left
    and are never read; with no proxies configured the header is ignored."""
    proxies = int(settings.LINLI_PROXY_COUNT)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return str(forwarded[-proxies])
    return str(request.META.get("REMOTE_ADDR") or "")
