from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from linli.accounts.access import has_capability, second_factor_ok
from linli.accounts.roles import Capability
from linli.core.selectors import recent_local_sms


def outbox(request: HttpRequest) -> HttpResponse:
    """What the local SMS gateway 'sent': for administrators; for everyone in the demo (login codes)."""
    if not settings.LINLI_DEMO_OUTBOX_PUBLIC:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not second_factor_ok(request) or not has_capability(request.user, Capability.READ_OUTBOX):
            raise Http404
    return render(request, "core/outbox.html", {"messages_sent": recent_local_sms(limit=100)})


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for a load balancer: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
