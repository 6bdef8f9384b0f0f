"""Workers' meal pages: canteens, their meals and menus, subsidy rules, the kitchen list, the monthly
statement (page and xlsx), and ordering for a resident on their behalf."""

import datetime as dt
import io
from typing import Any

import xlsxwriter
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from linli.accounts.access import has_capability, scope_prefixes, staff_required
from linli.accounts.roles import Capability
from linli.core.errors import DomainError, add_error_to_form
from linli.meals import selectors, services
from linli.meals.access import (
    access_canteen,
    access_dish,
    access_order,
    access_rule,
    canteens_in_scope,
    orders_in_scope,
    rules_visible,
)
from linli.meals.forms import (
    CanteenForm,
    CopyMenuForm,
    DishForm,
    MealForm,
    RuleForm,
    WorkerOrderForm,
    parse_day,
    parse_month,
)
from linli.meals.models import Canteen, CanteenMeal, Dish, Meal, Sitting
from linli.meals.pricing import yuan
from linli.registry.access import access_resident
from linli.registry.selectors import search_residents

M, ORDER = Capability.MANAGE_MEALS, Capability.ORDER_CARE


# --- canteens -------------------------------------------------------------------------------------


@staff_required(M)
def manage(request: HttpRequest) -> HttpResponse:
    """The canteens in the worker's area with the day's bookings."""
    day = parse_day(request.GET.get("day"), timezone.localdate())
    rows = selectors.canteen_overview(canteens=canteens_in_scope(request.user), day=day)
    return render(request, "meals/manage.html", {"rows": rows, "day": day})


@staff_required(M)
def canteen_new(request: HttpRequest) -> HttpResponse:
    form = CanteenForm(request.POST or None, user=request.user, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            canteen = services.create_canteen(actor=request.user, **form.values())
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, _("Canteen added. Now set its meals."))
            return redirect("meals:canteen", canteen_id=canteen.pk)
    return render(request, "meals/canteen_form.html", {"form": form, "canteen": None})


@staff_required(M)
def canteen_edit(request: HttpRequest, canteen_id: int) -> HttpResponse:
    canteen = access_canteen(request.user, canteen_id)
    initial = {
        **{f: getattr(canteen, f) for f in services.CANTEEN_FIELDS},
        "delivery_fee": yuan(canteen.delivery_fee_fen),
    }
    form = CanteenForm(request.POST or None, user=request.user, initial=initial, current_area=canteen.area)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_canteen(actor=request.user, canteen=canteen, **form.values())
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("meals:canteen", canteen_id=canteen.pk)
    return render(request, "meals/canteen_form.html", {"form": form, "canteen": canteen})


def _canteen_url(canteen_id: int, day: dt.date) -> str:
    return f"{reverse('meals:canteen', args=[canteen_id])}?day={day.isoformat()}"


def _canteen_context(canteen: Canteen, day: dt.date, **forms: Any) -> dict[str, Any]:
    sittings = list(
        Sitting.objects.filter(canteen=canteen, date=day).prefetch_related("dishes").order_by("opens_at")
    )
    return {
        "canteen": canteen,
        "day": day,
        "meals": list(CanteenMeal.objects.filter(canteen=canteen)),
        "sittings": sittings,
        "meal_form": forms.get("meal_form") or MealForm(),
        "dish_form": forms.get("dish_form") or DishForm(initial={"day": day, "meal": Meal.LUNCH}),
        "copy_form": forms.get("copy_form")
        or CopyMenuForm(initial={"from_day": day, "to_day": day + dt.timedelta(days=1)}),
        "next_day": day + dt.timedelta(days=1),
        "previous_day": day - dt.timedelta(days=1),
    }


@staff_required(M)
def canteen_page(request: HttpRequest, canteen_id: int) -> HttpResponse:
    """A canteen: its meals (hours, capacity, cut-off) and the menu of a day."""
    canteen = access_canteen(request.user, canteen_id)
    day = parse_day(request.GET.get("day"), timezone.localdate())
    return render(request, "meals/canteen.html", _canteen_context(canteen, day))


@require_POST
@staff_required(M)
def canteen_meal(request: HttpRequest, canteen_id: int) -> HttpResponse:
    canteen = access_canteen(request.user, canteen_id)
    form = MealForm(request.POST)
    if form.is_valid():
        try:
            services.set_canteen_meal(actor=request.user, canteen=canteen, **form.cleaned_data)
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("meals:canteen", canteen_id=canteen.pk)
    context = _canteen_context(canteen, timezone.localdate(), meal_form=form)
    return render(request, "meals/canteen.html", context, status=400)


@require_POST
@staff_required(M)
def dish_add(request: HttpRequest, canteen_id: int) -> HttpResponse:
    canteen = access_canteen(request.user, canteen_id)
    form = DishForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_dish(
                actor=request.user,
                canteen=canteen,
                day=data["day"],
                meal=data["meal"],
                name=data["name"],
                description=data["description"],
                price_fen=data["price"],
                is_set_meal=data["is_set_meal"],
            )
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, _("Added to the menu."))
            return redirect(_canteen_url(canteen.pk, data["day"]))
    context = _canteen_context(canteen, form.cleaned_data.get("day") or timezone.localdate(), dish_form=form)
    return render(request, "meals/canteen.html", context, status=400)


@require_POST
@staff_required(M)
def dish_withdraw(request: HttpRequest, dish_id: int) -> HttpResponse:
    dish: Dish = access_dish(request.user, dish_id)
    services.withdraw_dish(actor=request.user, dish=dish)
    messages.success(request, _("Taken off the menu. Orders already placed stay."))
    return redirect(_canteen_url(dish.sitting.canteen_id, dish.sitting.date))


@require_POST
@staff_required(M)
def menu_copy(request: HttpRequest, canteen_id: int) -> HttpResponse:
    canteen = access_canteen(request.user, canteen_id)
    form = CopyMenuForm(request.POST)
    if form.is_valid():
        try:
            made = services.copy_menu(actor=request.user, canteen=canteen, **form.cleaned_data)
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            messages.success(
                request,
                ngettext("%(count)d dish copied.", "%(count)d dishes copied.", made) % {"count": made},
            )
            return redirect(_canteen_url(canteen.pk, form.cleaned_data["to_day"]))
    context = _canteen_context(canteen, timezone.localdate(), copy_form=form)
    return render(request, "meals/canteen.html", context, status=400)


# --- kitchen list and statement -------------------------------------------------------------------


@staff_required(M)
def kitchen(request: HttpRequest, canteen_id: int) -> HttpResponse:
    """The day's kitchen list: portions per dish and meal, and the deliveries (phone and address masked)."""
    canteen = access_canteen(request.user, canteen_id)
    day = parse_day(request.GET.get("day"), timezone.localdate())
    context = {
        "canteen": canteen,
        "day": day,
        "sittings": selectors.kitchen_list(canteen=canteen, day=day),
        "next_day": day + dt.timedelta(days=1),
        "previous_day": day - dt.timedelta(days=1),
    }
    return render(request, "meals/kitchen.html", context)


@staff_required(M)
def statement(request: HttpRequest, canteen_id: int) -> HttpResponse:
    """A canteen's monthly subsidy statement: orders, subsidy per rule, totals."""
    canteen = access_canteen(request.user, canteen_id)
    year, month = parse_month(request.GET.get("month"), timezone.localdate())
    report = selectors.monthly_statement(canteen=canteen, year=year, month=month)
    return render(request, "meals/statement.html", {"statement": report, "month": f"{year:04d}-{month:02d}"})


@staff_required(M)
def statement_xlsx(request: HttpRequest, canteen_id: int) -> HttpResponse:
    """The statement as xlsx: a summary sheet per rule and a sheet of every order; the export is audited."""
    canteen = access_canteen(request.user, canteen_id)
    year, month = parse_month(request.GET.get("month"), timezone.localdate())
    report = selectors.monthly_statement(canteen=canteen, year=year, month=month)
    buffer = io.BytesIO()
    # Names typed by people (dishes, rules, residents) are text, never formulas.
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    money = book.add_format({"num_format": "0.00"})
    bold = book.add_format({"bold": True})
    summary = book.add_worksheet(_("Summary"))
    summary.write_row(0, 0, [canteen.name, f"{year:04d}-{month:02d}"], bold)
    headers = [
        _("Subsidy rule"),
        _("Number of meals"),
        _("Residents"),
        _("Base price"),
        _("Subsidy"),
        _("Residents paid"),
        _("Delivery fees"),
    ]
    summary.write_row(2, 0, headers, bold)
    row_index = 3
    for row in [*report.rows, report.total]:
        is_total = row is report.total
        summary.write(
            row_index,
            0,
            _("Total") if is_total else (row.rule_name or _("No subsidy")),
            bold if is_total else None,
        )
        summary.write_number(row_index, 1, row.orders)
        summary.write_number(row_index, 2, len(row.residents))
        for col, fen in enumerate(
            (row.base_fen, row.subsidy_fen, row.pays_fen, row.delivery_fee_fen), start=3
        ):
            summary.write_number(row_index, col, fen / 100, money)
        row_index += 1
    summary.set_column(0, 0, 24)
    summary.set_column(1, 6, 12)
    lines = book.add_worksheet(_("Orders"))
    lines.write_row(
        0,
        0,
        [
            _("Date"),
            _("Meal"),
            _("Order number"),
            _("Resident"),
            _("Dish"),
            _("Subsidy rule"),
            _("Base price"),
            _("Subsidy"),
            _("Delivery fee"),
            _("Resident paid"),
        ],
        bold,
    )
    for index, order in enumerate(report.lines, start=1):
        lines.write_row(
            index,
            0,
            [
                order.sitting.date.isoformat(),
                str(order.sitting.get_meal_display()),
                order.number,
                order.resident.name,
                order.dish.name,
                order.rule_name,
            ],
        )
        for col, fen in enumerate(
            (order.base_price_fen, order.subsidy_fen, order.delivery_fee_fen, order.pays_fen), start=6
        ):
            lines.write_number(index, col, fen / 100, money)
    lines.set_column(0, 5, 14)
    book.close()
    services.record_statement_export(
        actor=request.user, canteen=canteen, year=year, month=month, orders=len(report.lines)
    )
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="meal-statement-{canteen.pk}-{year:04d}-{month:02d}.xlsx"'
    )
    return response


# --- subsidy rules --------------------------------------------------------------------------------


@staff_required(M)
def rules(request: HttpRequest) -> HttpResponse:
    """The subsidy rules that reach the worker's areas; new rules for areas they manage."""
    form = RuleForm(
        request.POST or None, user=request.user, initial={"kind": "age", "valid_from": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.create_subsidy_rule(actor=request.user, **form.values())
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, _("Rule added. It prices orders placed from now on."))
            return redirect("meals:rules")
    prefixes = scope_prefixes(request.user, M)
    listed = list(rules_visible(request.user, prefixes).order_by("-is_active", "area__code", "kind", "name"))
    editable = {r.pk for r in listed if any(r.area.code.startswith(p) for p in prefixes)}
    return render(request, "meals/rules.html", {"form": form, "rules": listed, "editable": editable})


@require_POST
@staff_required(M)
def rule_end(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = access_rule(request.user, rule_id)
    services.end_subsidy_rule(actor=request.user, rule=rule)
    messages.success(request, _("Rule ended. Orders already placed keep their subsidy."))
    return redirect("meals:rules")


# --- ordering on a resident's behalf --------------------------------------------------------------


@staff_required(ORDER)
def orders(request: HttpRequest) -> HttpResponse:
    """The day's orders of residents in the worker's area; find a resident to order for."""
    day = parse_day(request.GET.get("day"), timezone.localdate())
    query = request.GET.get("q", "").strip()
    found = [
        r
        for r in (search_residents(user=request.user, query=query, limit=20) if query else [])
        if has_capability(request.user, ORDER, r.area.code)
    ]
    context = {
        "day": day,
        "orders": selectors.worker_orders(orders=orders_in_scope(request.user), day=day),
        "query": query,
        "residents": found,
        "next_day": day + dt.timedelta(days=1),
        "previous_day": day - dt.timedelta(days=1),
        "now": timezone.now(),
    }
    return render(request, "meals/orders.html", context)


@staff_required(ORDER)
def order_for(request: HttpRequest, resident_id: int) -> HttpResponse:
    """Order a meal for a resident of the worker's area (recorded as ordered by the worker)."""
    resident = access_resident(request.user, resident_id, capability=ORDER)
    form = WorkerOrderForm(request.POST or None)
    if request.method == "POST":
        dish = (
            Dish.objects.filter(pk=form.cleaned_data["dish"]).select_related("sitting__canteen__area").first()
            if form.is_valid()
            else None
        )
        if dish is None:
            messages.error(request, _("Please choose a dish from the menu."))
            return redirect("meals:order_for", resident_id=resident.pk)
        try:
            placed = services.place_order(
                actor=request.user,
                resident=resident,
                dish=dish,
                delivery=form.cleaned_data["delivery"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(
                request,
                _("Ordered %(dish)s for %(name)s; the resident pays %(pays)s yuan.")
                % {"dish": dish.name, "name": resident.name, "pays": yuan(placed.pays_fen)},
            )
            return redirect(f"{reverse('meals:orders')}?day={dish.sitting.date.isoformat()}")
    sittings = selectors.orderable_sittings(resident=resident)
    quotes = selectors.menu_prices(resident=resident, sittings=sittings)
    context = {
        "resident": resident,
        "sittings": sittings,
        "quotes": quotes,
        "ordered": selectors.ordered_sittings(resident=resident, sittings=sittings),
        "form": form,
    }
    return render(request, "meals/order_for.html", context)


@require_POST
@staff_required(ORDER)
def order_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    placed = access_order(request.user, order_id)
    try:
        services.cancel_order(actor=request.user, order=placed)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Cancelled."))
    return redirect(f"{reverse('meals:orders')}?day={placed.sitting.date.isoformat()}")
