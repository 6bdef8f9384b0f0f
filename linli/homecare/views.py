"""Residents' and providers' pages of home care.

Residents (often over 70, on a phone): my orders → order (pick the service, then day, time and provider on
one page) → the order, where they cancel, confirm it was done and rate it. Providers have no account: the
SMS link carries a signed token that opens its one order.
"""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.access import resident_required
from linli.core.errors import DomainError, add_error_to_form
from linli.core.phones import mask_phone
from linli.homecare import links, selectors, services
from linli.homecare.access import access_own_order
from linli.homecare.forms import ActForm, RatingForm, ResidentOrderForm
from linli.homecare.models import Order, OrderStatus, ServiceType
from linli.homecare.workflow import TRANSITIONS, allowed_actions
from linli.registry.models import Resident


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def place_from_form(
    request: HttpRequest, form: Any, *, resident: Resident, service_type: ServiceType
) -> Order | None:
    """Place the order a posted form describes, for the resident or by a worker for them; None (with the
    refusal shown on the form) when nothing was placed."""
    if request.method != "POST" or not form.is_valid():
        return None
    starts_at, ends_at = form.window()
    try:
        return services.place_order(
            actor=request.user,
            resident=resident,
            service_type=service_type,
            provider=form.cleaned_data["provider"],
            starts_at=starts_at,
            ends_at=ends_at,
            note=form.cleaned_data["note"],
            base_url=base_url(request),
        )
    except DomainError as error:
        add_error_to_form(form, error)
        return None


def buttons(order: Order, by: str) -> list[tuple[str, Any, bool]]:
    """The actions ``by`` may take on the order now: (action, label, needs a reason)."""
    return [
        (action, TRANSITIONS[action].label, TRANSITIONS[action].note_required)
        for action in allowed_actions(order.status, by)
    ]


def _person(request: HttpRequest, persons: list[Resident]) -> Resident | None:
    chosen = request.GET.get("for") or request.POST.get("for")
    for person in persons:
        if chosen and str(person.pk) == chosen:
            return person
    return persons[0] if persons else None


@resident_required
def my_orders(request: HttpRequest) -> HttpResponse:
    """The resident's orders, with one big button to order home care."""
    return render(request, "homecare/my_orders.html", {"orders": selectors.my_orders(user=request.user)})


@resident_required
def order_start(request: HttpRequest) -> HttpResponse:
    """Step one: which service (large buttons, one per line)."""
    persons = selectors.residents_of_account(user=request.user)
    context = {
        "types": selectors.service_types(),
        "persons": persons,
        "person": _person(request, persons),
    }
    return render(request, "homecare/order_start.html", context)


@resident_required
def order_new(request: HttpRequest, code: str) -> HttpResponse:
    """Step two: day, morning or afternoon, and who comes; the address is the one Linli has on record."""
    service_type = selectors.service_type_by_code(code)
    if service_type is None:
        raise Http404
    persons = selectors.residents_of_account(user=request.user)
    person = _person(request, persons)
    if person is None:
        return render(request, "homecare/order_unknown.html", {"service_type": service_type})
    providers = selectors.providers_for(resident=person, service_type=service_type)
    form = ResidentOrderForm(request.POST or None, providers=providers)
    order = place_from_form(request, form, resident=person, service_type=service_type)
    if order is not None:
        told = _("Ordered. %(provider)s will confirm; we will send you an SMS.")
        messages.success(request, told % {"provider": order.provider.name})
        return redirect("homecare:my_order", number=order.number)
    context = {
        "service_type": service_type,
        "person": person,
        "persons": persons,
        "providers": providers,
        "form": form,
        "address": services.address_of(person),
    }
    return render(request, "homecare/order_new.html", context)


@resident_required
def my_order(request: HttpRequest, number: str) -> HttpResponse:
    order = access_own_order(request.user, number)
    rating = getattr(order, "rating", None)
    context = {
        "order": order,
        "events": selectors.order_history(order=order),
        "buttons": buttons(order, "resident"),
        "rating": rating,
        "rating_form": RatingForm() if order.status == OrderStatus.COMPLETED and rating is None else None,
        "when": services.window_text(order),
    }
    return render(request, "homecare/my_order.html", context)


def act_on_order(request: HttpRequest, order: Any, *, success: str) -> None:
    """Apply the posted action to the order for whoever is signed in; the outcome goes to the messages."""
    form = ActForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.first_error())
        return
    try:
        services.transition_order(
            order=order,
            action=form.cleaned_data["action"],
            actor=request.user,
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, success)


@require_POST
@resident_required
def my_order_act(request: HttpRequest, number: str) -> HttpResponse:
    order = access_own_order(request.user, number)
    act_on_order(request, order, success=_("Done."))
    return redirect("homecare:my_order", number=order.number)


def rate_from_form(request: HttpRequest, order: Order, *, thanks: str, unchosen: str) -> None:
    """Record the posted rating of an order (by its resident, or by a worker for them); the outcome is a
    message for the next page."""
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, unchosen)
        return
    try:
        services.rate_order(
            actor=request.user,
            order=order,
            level=form.cleaned_data["level"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, thanks)


@require_POST
@resident_required
def my_order_rate(request: HttpRequest, number: str) -> HttpResponse:
    order = access_own_order(request.user, number)
    rate_from_form(
        request,
        order,
        thanks=_("Thank you for your rating."),
        unchosen=_("Please choose how satisfied you are."),
    )
    return redirect("homecare:my_order", number=order.number)


# --- the provider's link --------------------------------------------------------------------------


def _linked_order(number: str, token: str) -> Order:
    """The order the link opens, or 404: a wrong, edited, expired or other order's token alike."""
    order_id = links.order_id_of(token)
    order = (
        Order.objects.filter(pk=order_id, number=number)
        .select_related("provider", "service_type", "resident", "area")
        .first()
        if order_id is not None
        else None
    )
    if order is None or not links.token_opens(token, order):
        raise Http404
    return order


def mask_name(name: str) -> str:
    """王** : the surname is enough to greet the resident at the door."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def provider_link(request: HttpRequest, number: str, token: str) -> HttpResponse:
    """The order as its provider sees it. The full address and phone only once the provider has confirmed,
    while the order is open: before that, and after it, they stay masked."""
    order = _linked_order(number, token)
    reveal = order.status in (OrderStatus.CONFIRMED, OrderStatus.IN_SERVICE, OrderStatus.FINISHED)
    services.record_provider_view(order=order, revealed=reveal)
    context = {
        "order": order,
        "token": token,
        "when": services.window_text(order),
        "resident_name": mask_name(order.resident.name),
        "address": str(order.address) if reveal else "",
        "phone": str(order.phone) if reveal else mask_phone(str(order.phone)) if order.phone else "",
        "revealed": reveal,
        "buttons": buttons(order, "provider"),
        "events": selectors.order_history(order=order),
        "now": timezone.now(),
    }
    response = render(request, "homecare/provider_link.html", context)
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def provider_act(request: HttpRequest, number: str, token: str) -> HttpResponse:
    order = _linked_order(number, token)
    form = ActForm(request.POST)
    if form.is_valid():
        try:
            services.transition_order(
                order=order,
                action=form.cleaned_data["action"],
                provider_token=token,
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Thank you. Saved."))
    else:
        messages.error(request, form.first_error())
    return redirect("homecare:provider_link", number=order.number, token=token)
