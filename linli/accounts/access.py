"""Who may do what where: a staff user's scope is the area codes of the memberships granting a capability."""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from linli.accounts.roles import ROLE_CAPABILITIES, Capability, Role


def memberships_of(user: Any) -> list[Any]:
    """The user's memberships with their areas, read once per request (kept on the user object)."""
    cached: list[Any] | None = getattr(user, "_linli_memberships", None)
    if cached is None:
        cached = list(user.memberships.select_related("area").all())
        user._linli_memberships = cached
    return cached


def scope_prefixes(user: Any, capability: Capability) -> list[str]:
    """Area codes below which ``user`` holds ``capability``; empty for anyone else."""
    if not user.is_authenticated or not user.is_active or getattr(user, "kind", None) != "staff":
        return []
    cache: dict[Capability, list[str]] | None = getattr(user, "_linli_scope_cache", None)
    if cache is None:
        cache = {}
        memberships = memberships_of(user)
        for cap in Capability:
            codes = {m.area.code for m in memberships if cap in ROLE_CAPABILITIES[Role(m.role)]}
            # Drop codes already covered by a shorter one.
            cache[cap] = sorted(c for c in codes if not any(c != o and c.startswith(o) for o in codes))
        user._linli_scope_cache = cache
    return cache[capability]


def prefixes_condition(prefixes: Iterable[str], *, field: str) -> Q | None:
    """A filter for rows whose ``field`` starts with one of the area ``prefixes``; None when none."""
    condition: Q | None = None
    for prefix in prefixes:
        clause = Q(**{f"{field}__startswith": prefix})
        condition = clause if condition is None else condition | clause
    return condition


def scope_condition(user: Any, capability: Capability, *, field: str = "area_code") -> Q | None:
    """A filter for rows under the areas where the staff user holds ``capability``; None when empty."""
    return prefixes_condition(scope_prefixes(user, capability), field=field)


def has_capability(user: Any, capability: Capability, area_code: str | None = None) -> bool:
    """Whether the user holds the capability anywhere, or (with ``area_code``) over that area."""
    prefixes = scope_prefixes(user, capability)
    if area_code is None:
        return bool(prefixes)
    return any(area_code.startswith(p) for p in prefixes)


def second_factor_ok(request: HttpRequest) -> bool:
    """Staff sessions need a verified TOTP; demo accounts may skip it only where the setting allows."""
    user: Any = request.user
    if getattr(user, "kind", None) != "staff":
        return True
    if settings.LINLI_ALLOW_DEMO_TOTP_SKIP and user.is_demo:
        return True
    return bool(getattr(user, "is_verified", lambda: False)())


View = Callable[..., HttpResponseBase]


def staff_with_any(*capabilities: Capability) -> Callable[[View], View]:
    """Anonymous users, and staff without a verified second factor, go to the login page; anyone holding
    none of ``capabilities`` anywhere gets a 404."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated or not second_factor_ok(request):
                return redirect_to_login(request.get_full_path())
            if not any(has_capability(request.user, c) for c in capabilities):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def staff_required(capability: Capability) -> Callable[[View], View]:
    """``staff_with_any`` for one capability."""
    return staff_with_any(capability)


def resident_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url="accounts:resident_login")
        if getattr(request.user, "kind", None) != "resident":
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
