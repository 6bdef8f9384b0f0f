"""Residents' meal pages, for a phone and for people over 70: the coming meals with their dishes as big
buttons (one tap), a confirmation with the price to pay (second tap), and my orders with a cancel button."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from linli.accounts.access import resident_required
from linli.core.errors import DomainError
from linli.meals import selectors, services
from linli.meals.access import access_own_order
from linli.meals.models import Dish
from linli.registry.models import Resident


def _person(request: HttpRequest, persons: list[Resident]) -> Resident | None:
    """The person chosen (?for=), who must be behind the account's phone; the first one when none is."""
    chosen = request.GET.get("for") or request.POST.get("for")
    if not chosen:
        return persons[0] if persons else None
    for person in persons:
        if str(person.pk) == chosen:
            return person
    raise Http404


@resident_required
def home(request: HttpRequest) -> HttpResponse:
    """The meals the resident can still order, soonest first, each dish a big button."""
    persons = selectors.persons_of_account(user=request.user)
    person = _person(request, persons)
    sittings = selectors.orderable_sittings(resident=person) if person is not None else []
    ordered = selectors.ordered_sittings(resident=person, sittings=sittings) if person is not None else set()
    context: dict[str, Any] = {
        "persons": persons,
        "person": person,
        "sittings": sittings,
        "ordered": ordered,
        "prices": selectors.menu_prices(resident=person, sittings=sittings) if person is not None else {},
    }
    return render(request, "meals/home.html", context)


def _own_dish(request: HttpRequest, dish_id: int, person: Resident) -> Dish:
    dish = Dish.objects.filter(pk=dish_id, is_available=True).select_related("sitting__canteen__area").first()
    if (
        dish is None
        or not selectors.canteens_for_resident(resident=person).filter(pk=dish.sitting.canteen_id).exists()
    ):
        raise Http404
    return dish


@resident_required
def order(request: HttpRequest, dish_id: int) -> HttpResponse:
    """Confirm one dish: what it costs, what the subsidy takes off, pick-up or delivery; then order."""
    persons = selectors.persons_of_account(user=request.user)
    person = _person(request, persons)
    if person is None:
        raise Http404
    dish = _own_dish(request, dish_id, person)
    delivery = request.POST.get("delivery") == "1" or request.GET.get("delivery") == "1"
    offer = selectors.quote(resident=person, dish=dish, delivery=delivery and dish.sitting.canteen.delivers)
    if request.method == "POST":
        try:
            placed = services.place_order(actor=request.user, resident=person, dish=dish, delivery=delivery)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(
                request,
                _("Ordered: %(dish)s. Order number %(number)s.")
                % {"dish": dish.name, "number": placed.number},
            )
            return redirect("meals:my_orders")
    context = {
        "person": person,
        "persons": persons,
        "dish": dish,
        "sitting": dish.sitting,
        "offer": offer,
        "delivery": delivery,
        "may_deliver": dish.sitting.canteen.delivers and offer.delivery_by_rule,
    }
    return render(request, "meals/order.html", context)


@resident_required
def my_orders(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    orders = selectors.my_orders(user=request.user, since=today - dt.timedelta(days=30))
    now = timezone.now()
    cancellable = {order.pk for order in orders if services.is_cancellable(order, now=now)}
    return render(request, "meals/my_orders.html", {"orders": orders, "cancellable": cancellable})


@require_http_methods(["GET", "POST"])
@resident_required
def cancel_own(request: HttpRequest, number: str) -> HttpResponse:
    """Cancelling takes two taps: a page asks "cancel this meal?" first, so a slip loses no lunch."""
    placed = access_own_order(request.user, number)
    if request.method == "GET":
        if not services.is_cancellable(placed, now=timezone.now()):
            return redirect("meals:my_orders")
        return render(request, "meals/cancel_confirm.html", {"order": placed})
    try:
        services.cancel_order(actor=request.user, order=placed)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Cancelled."))
    return redirect("meals:my_orders")
