"""Workers' pages of home care: the orders of their area, an order with its history, ordering on a
resident's behalf (ORDER_CARE); providers with their bad ratings (MANAGE_HOME_CARE)."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.access import has_capability, staff_required
from linli.accounts.roles import Capability
from linli.core.errors import DomainError, add_error_to_form
from linli.core.phones import mask_phone
from linli.homecare import selectors, services
from linli.homecare.access import access_order, access_provider, may_manage_provider
from linli.homecare.forms import ProviderForm, RatingForm, WorkerOrderForm
from linli.homecare.models import OrderStatus
from linli.homecare.views import act_on_order, buttons, place_from_form, rate_from_form
from linli.registry.access import access_resident
from linli.registry.selectors import search_residents

ORDER, MANAGE = Capability.ORDER_CARE, Capability.MANAGE_HOME_CARE
FILTER_YEARS = (2000, 2100)


def _filters(request: HttpRequest) -> selectors.OrderFilters:
    status = request.GET.get("status", "")
    provider = request.GET.get("provider", "")
    # ASCII digits only ("²".isdigit() is true), and short enough for the database's integers.
    provider_ok = provider.isascii() and provider.isdigit() and len(provider) < 10
    try:
        day: dt.date | None = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = None
    if day is not None and not FILTER_YEARS[0] <= day.year <= FILTER_YEARS[1]:
        day = None  # the calendar's ends overflow once moved to UTC
    return selectors.OrderFilters(
        status=status if status in OrderStatus.values else "",
        provider_id=int(provider) if provider_ok else None,
        date=day,
    )


@staff_required(ORDER)
def orders(request: HttpRequest) -> HttpResponse:
    """Orders of residents in the worker's area, the latest first; filter by state, provider, day."""
    filters = _filters(request)
    context = {
        "orders": selectors.worker_orders(user=request.user, filters=filters),
        "filters": filters,
        "statuses": OrderStatus.choices,
        "providers": selectors.providers_of_orders_in_scope(user=request.user),
        "can_manage": has_capability(request.user, MANAGE),
    }
    return render(request, "homecare/desk_orders.html", context)


@staff_required(ORDER)
def order_page(request: HttpRequest, order_id: int) -> HttpResponse:
    order = access_order(request.user, order_id)
    rating = getattr(order, "rating", None)
    context = {
        "order": order,
        "events": selectors.order_history(order=order),
        "buttons": buttons(order, "worker"),
        "rating": rating,
        "rating_form": RatingForm() if order.status == OrderStatus.COMPLETED and rating is None else None,
        "when": services.window_text(order),
        "masked_phone": mask_phone(str(order.phone)) if order.phone else "",
    }
    return render(request, "homecare/desk_order.html", context)


@require_POST
@staff_required(ORDER)
def order_act(request: HttpRequest, order_id: int) -> HttpResponse:
    order = access_order(request.user, order_id)
    act_on_order(request, order, success=_("Saved."))
    return redirect("homecare:order", order_id=order.pk)


@require_POST
@staff_required(ORDER)
def order_rate(request: HttpRequest, order_id: int) -> HttpResponse:
    """A worker records the rating the resident gave (on a visit or the phone)."""
    order = access_order(request.user, order_id)
    rate_from_form(
        request,
        order,
        thanks=_("Rating recorded."),
        unchosen=_("Please choose how satisfied the resident is."),
    )
    return redirect("homecare:order", order_id=order.pk)


@staff_required(ORDER)
def order_for(request: HttpRequest) -> HttpResponse:
    """Find the resident (in the worker's area) to order home care for."""
    query = request.GET.get("q", "").strip()
    found = search_residents(user=request.user, query=query, limit=20) if query else []
    residents = [r for r in found if has_capability(request.user, ORDER, r.area.code)]
    return render(request, "homecare/order_for.html", {"query": query, "residents": residents})


@staff_required(ORDER)
def order_for_resident(request: HttpRequest, resident_id: int) -> HttpResponse:
    """Order for a resident: pick the service, then the provider and the time window."""
    resident = access_resident(request.user, resident_id, capability=ORDER)
    service_type = selectors.service_type_by_code(request.GET.get("type", ""))
    context: dict[str, Any] = {
        "resident": resident,
        "types": selectors.service_types(),
        "service_type": service_type,
        "address": services.address_of(resident),
    }
    if service_type is None:
        if request.method == "POST":
            raise Http404
        return render(request, "homecare/order_for_resident.html", context)
    providers = selectors.providers_for(resident=resident, service_type=service_type)
    form = WorkerOrderForm(request.POST or None, providers=providers)
    order = place_from_form(request, form, resident=resident, service_type=service_type)
    if order is not None:
        messages.success(request, _("Ordered as %(number)s.") % {"number": order.number})
        return redirect("homecare:order", order_id=order.pk)
    context.update({"form": form, "providers": providers})
    return render(request, "homecare/order_for_resident.html", context)


# --- providers ------------------------------------------------------------------------------------


@staff_required(MANAGE)
def providers(request: HttpRequest) -> HttpResponse:
    return render(
        request, "homecare/providers.html", {"providers": selectors.manager_providers(user=request.user)}
    )


def _save_provider(request: HttpRequest, form: ProviderForm, provider: Any = None) -> Any:
    data = form.cleaned_data
    return services.save_provider(
        actor=request.user,
        provider=provider,
        name=data["name"],
        area=data["area"],
        service_types=data["service_types"],
        served_areas=data["served_areas"],
        phone=data["phone"] or (str(provider.phone) if provider is not None else ""),
        contact_name=data["contact_name"],
        is_active=data["is_active"],
    )


@staff_required(MANAGE)
def provider_new(request: HttpRequest) -> HttpResponse:
    form = ProviderForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            provider = _save_provider(request, form)
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, _("Provider saved."))
            return redirect("homecare:provider", provider_id=provider.pk)
    return render(request, "homecare/provider_form.html", {"form": form, "provider": None})


@staff_required(MANAGE)
def provider_page(request: HttpRequest, provider_id: int) -> HttpResponse:
    """A provider: what it offers and where, and its ratings in the manager's area, bad ones listed."""
    provider = access_provider(request.user, provider_id)
    context = {
        "provider": provider,
        "ratings": selectors.provider_ratings(user=request.user, provider=provider),
        "masked_phone": mask_phone(str(provider.phone)),
        "can_edit": may_manage_provider(request.user, provider),
        "types": list(provider.service_types.all()),
        "served": list(provider.served_areas.all()),
    }
    return render(request, "homecare/provider.html", context)


@staff_required(MANAGE)
def provider_edit(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = access_provider(request.user, provider_id, for_write=True)
    initial = {
        "name": provider.name,
        "contact_name": provider.contact_name,
        "area": provider.area,
        "service_types": list(provider.service_types.all()),
        "served_areas": list(provider.served_areas.all()),
        "is_active": provider.is_active,
    }
    form = ProviderForm(request.POST or None, user=request.user, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            _save_provider(request, form, provider)
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, _("Provider saved."))
            return redirect("homecare:provider", provider_id=provider.pk)
    return render(request, "homecare/provider_form.html", {"form": form, "provider": provider})
