"""Officers' pages for sharing: clients and tokens, grant requests and approvals, who read what. Thin."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.access import has_capability, staff_required, staff_with_any
from linli.accounts.roles import Capability
from linli.core.errors import DomainError, add_error_to_form
from linli.sharing import catalogue, selectors, services
from linli.sharing.access import GRANT_VIEWERS, access_client, access_client_token, access_grant
from linli.sharing.forms import (
    AccessLogFilterForm,
    ApproveForm,
    ClientActiveForm,
    ClientForm,
    GrantRequestForm,
    RevokeForm,
)
from linli.sharing.models import DepartmentClient, GrantStatus


def _nav(request: HttpRequest) -> dict[str, bool]:
    """Which sharing pages the user may open, for the links at the top of each page."""
    user = request.user
    return {
        "nav_clients": has_capability(user, Capability.MANAGE_SHARING),
        "nav_grants": any(has_capability(user, c) for c in GRANT_VIEWERS),
        "nav_access_log": has_capability(user, Capability.VIEW_ACCESS_LOG),
    }


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {**_nav(request), **context})


# Service arguments whose form field has another name.
FORM_FIELD = {"fields": "shared_fields", "expires_at": "expires_on"}


def _attach_error(form: Any, error: DomainError) -> None:
    add_error_to_form(form, error, field=FORM_FIELD.get(error.field or "", error.field))


@staff_with_any(*GRANT_VIEWERS, Capability.VIEW_ACCESS_LOG)
def index(request: HttpRequest) -> HttpResponse:
    """The entry point of the navigation: the first sharing page the user may open."""
    if any(has_capability(request.user, c) for c in GRANT_VIEWERS):
        return redirect("sharing:grants")
    return redirect("sharing:access_log")


@staff_required(Capability.MANAGE_SHARING)
def clients(request: HttpRequest) -> HttpResponse:
    areas = selectors.areas_in_scope(user=request.user, capability=Capability.MANAGE_SHARING)
    form = ClientForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.create_client(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("Client registered. Issue its first token below."))
            return redirect("sharing:client", client_id=client.pk)
    listed = selectors.clients_in_scope(user=request.user)
    return _render(request, "sharing/clients.html", {"clients": listed, "form": form})


def _client_page(
    request: HttpRequest, client: DepartmentClient, *, new_key: str | None = None
) -> HttpResponse:
    context = {
        "client": client,
        "tokens": selectors.client_tokens(client=client),
        "grants": selectors.grants_in_scope(user=request.user, client_id=client.pk),
        "new_key": new_key,
        "now": timezone.now(),
        "grace_days": services.token_grace_period().days,
    }
    return _render(request, "sharing/client.html", context)


@staff_required(Capability.MANAGE_SHARING)
def client_page(request: HttpRequest, client_id: int) -> HttpResponse:
    return _client_page(request, access_client(request.user, client_id))


@require_POST
@staff_required(Capability.MANAGE_SHARING)
def client_active(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id)
    form = ClientActiveForm(request.POST)
    form.is_valid()
    active = bool(form.cleaned_data.get("active"))
    services.set_client_active(actor=request.user, client=client, active=active)
    messages.success(request, _("Client switched on.") if active else _("Client switched off."))
    return redirect("sharing:client", client_id=client.pk)


@require_POST
@staff_required(Capability.MANAGE_SHARING)
def token_issue(request: HttpRequest, client_id: int) -> HttpResponse:
    """A new token, shown once on this response only; earlier tokens stop after the grace period."""
    client = access_client(request.user, client_id)
    _token, key = services.issue_client_token(actor=request.user, client=client)
    response = _client_page(request, client, new_key=key)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@staff_required(Capability.MANAGE_SHARING)
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = access_client_token(request.user, token_id)
    services.revoke_client_token(actor=request.user, token=token)
    messages.success(request, _("Token revoked; it stopped working at once."))
    return redirect("sharing:client", client_id=token.client_id)


@staff_with_any(*GRANT_VIEWERS)
def grants(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in GrantStatus.values else ""
    listed = selectors.grants_in_scope(user=request.user, status=status)
    context = {
        "grants": listed,
        "status": status,
        "statuses": GrantStatus.choices,
        "now": timezone.now(),
        "can_request": has_capability(request.user, Capability.REQUEST_GRANTS),
    }
    return _render(request, "sharing/grants.html", context)


@staff_required(Capability.REQUEST_GRANTS)
def grant_new(request: HttpRequest) -> HttpResponse:
    form = GrantRequestForm(
        request.POST or None,
        clients=selectors.clients_in_scope(user=request.user, capability=Capability.REQUEST_GRANTS).filter(
            active=True
        ),
        areas=selectors.areas_in_scope(user=request.user, capability=Capability.REQUEST_GRANTS),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Valid through the chosen day, in local time.
        expires_at = dt.datetime.combine(
            data["expires_on"] + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone()
        )
        try:
            grant = services.request_grant(
                actor=request.user,
                client=data["client"],
                fields=data["shared_fields"],
                area=data["area"],
                purpose=data["purpose"],
                legal_basis=data["legal_basis"],
                expires_at=expires_at,
            )
        except DomainError as error:
            _attach_error(form, error)
        else:
            messages.success(request, _("Grant requested; a district officer will review it."))
            return redirect("sharing:grant", grant_id=grant.pk)
    return _render(request, "sharing/grant_form.html", {"form": form})


@staff_with_any(*GRANT_VIEWERS)
def grant_page(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = access_grant(request.user, grant_id)
    now = timezone.now()
    can_manage = has_capability(request.user, Capability.MANAGE_SHARING, grant.area.code)
    context = {
        "grant": grant,
        "fields": [catalogue.CATALOGUE[key] for key in grant.fields if key in catalogue.CATALOGUE],
        "events": selectors.grant_history(grant=grant),
        "expired": grant.is_expired(now),
        "can_approve": can_manage
        and grant.status == GrantStatus.REQUESTED
        and grant.requested_by_id != request.user.pk,
        "can_revoke": can_manage and grant.status != GrantStatus.REVOKED,
        "approve_form": ApproveForm(),
        "revoke_form": RevokeForm(),
        "can_view_log": has_capability(request.user, Capability.VIEW_ACCESS_LOG, grant.client.area.code),
    }
    return _render(request, "sharing/grant.html", context)


@require_POST
@staff_required(Capability.MANAGE_SHARING)
def grant_approve(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = access_grant(request.user, grant_id, capabilities=(Capability.MANAGE_SHARING,))
    form = ApproveForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.approve_grant(actor=request.user, grant=grant, note=note)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Grant approved."))
    return redirect("sharing:grant", grant_id=grant.pk)


@require_POST
@staff_required(Capability.MANAGE_SHARING)
def grant_revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = access_grant(request.user, grant_id, capabilities=(Capability.MANAGE_SHARING,))
    form = RevokeForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError("revoke_reason_required", _("Please give a reason."))
        services.revoke_grant(actor=request.user, grant=grant, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Grant revoked; calls under it are refused from now on."))
    return redirect("sharing:grant", grant_id=grant.pk)


@staff_required(Capability.VIEW_ACCESS_LOG)
def access_log(request: HttpRequest) -> HttpResponse:
    """Who read what: each call of a department client, with totals."""
    clients_listed = selectors.clients_in_scope(user=request.user, capability=Capability.VIEW_ACCESS_LOG)
    form = AccessLogFilterForm(request.GET or None, clients=clients_listed)
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "client_id": data["client"].pk if data["client"] else None,
            "grant_id": data["grant"],
            "date_from": data["date_from"],
            "date_to": data["date_to"],
        }
    view = selectors.access_log(user=request.user, **filters)
    template = (
        "sharing/_access_log_rows.html" if request.headers.get("HX-Request") else "sharing/access_log.html"
    )
    return _render(request, template, {"form": form, "log": view})
