"""The Django admin, behind the same login as the rest of Linli (password, TOTP, throttling)."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from linli.accounts.access import second_factor_ok


class LinliAdminSite(admin.AdminSite):
    site_header = "Linli"

    def has_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return (
            super().has_permission(request)
            and getattr(user, "kind", None) == "staff"
            and second_factor_ok(request)
        )

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        # One login for everything: the admin's own form would skip the second factor and the throttle.
        return redirect_to_login(request.GET.get("next") or "/admin/")
