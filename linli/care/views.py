"""Pages of the care app. Visitors use a phone: "my visits due" (overdue first, large rows), then the visit
form with one tap per answer. Directors reassign and set rules; officers read overdue lists and coverage."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.access import has_capability, staff_required, staff_with_any
from linli.accounts.models import User
from linli.accounts.roles import Capability
from linli.care import selectors, services
from linli.care.access import PLAN_READERS, access_plan, access_rule, access_visit
from linli.care.forms import AssignForm, RuleForm, VisitForm, VolunteerForm
from linli.care.models import CarePlan, VisitOutcome
from linli.care.needs import NEEDS, Need
from linli.core.errors import DomainError, add_error_to_form
from linli.core.phones import mask_phone
from linli.core.services import record_audit_event
from linli.registry.choices import Tag
from linli.servicedesk import selectors as desk_selectors


def _nav(request: HttpRequest, current: str) -> dict[str, Any]:
    """What the care pages' tabs need: which of them this user may open."""
    return {
        "current": current,
        "can_visit": has_capability(request.user, Capability.RECORD_VISITS),
        "can_report": has_capability(request.user, Capability.VIEW_CARE_REPORTS),
        "can_plan": has_capability(request.user, Capability.MANAGE_CARE_PLANS),
    }


def _status(plan: CarePlan, today: dt.date) -> tuple[str, str]:
    days = (plan.next_due - today).days
    if days < 0:
        return "overdue", _("%(days)d days overdue") % {"days": -days}
    if days == 0:
        return "today", _("Due today")
    return "soon", _("Due in %(days)d days") % {"days": days}


@staff_required(Capability.RECORD_VISITS)
def my_visits(request: HttpRequest) -> HttpResponse:
    """The visits due within a week, overdue first: the worker's own, or all in their area."""
    today = timezone.localdate()
    mine = request.GET.get("who") != "area"
    plans = selectors.visits_due(user=request.user, mine=mine, today=today)
    rows = [(plan, *_status(plan, today)) for plan in plans]
    context = {
        "rows": rows,
        "mine": mine,
        "overdue": sum(1 for _plan, state, _text in rows if state == "overdue"),
        **_nav(request, "mine"),
    }
    return render(request, "care/my_visits.html", context)


def _offered_needs(plan: CarePlan) -> list[Need]:
    """The needs whose service this resident may have and a worker may apply for on their behalf."""
    offered = []
    for need in NEEDS:
        item = desk_selectors.item_by_code(need.item_code)
        if (
            item is not None
            and item.accepts("on_behalf")
            and desk_selectors.is_eligible(item=item, resident=plan.resident)
        ):
            offered.append(need)
    return offered


def _plan_context(plan: CarePlan) -> dict[str, Any]:
    resident = plan.resident
    today = timezone.localdate()
    tags = list(resident.tags.filter(selectors.active_tag_condition(today)))
    household = resident.household
    return {
        "plan": plan,
        "resident": resident,
        "masked_phone": mask_phone(resident.phone) if resident.phone else "",
        "address": str(household) if household is not None else "",
        "tags": tags,
        "state": _status(plan, today),
    }


@staff_with_any(*PLAN_READERS)
def plan_page(request: HttpRequest, plan_id: int) -> HttpResponse:
    """A resident's plan: why and how often, who visits, the visits so far; reassignment for directors."""
    plan = access_plan(request.user, plan_id)
    may_assign = has_capability(request.user, Capability.MANAGE_CARE_PLANS, plan.area_code)
    context = {
        **_plan_context(plan),
        "visits": selectors.plan_visits(plan=plan),
        "may_visit": has_capability(request.user, Capability.RECORD_VISITS, plan.area_code),
        "may_assign": may_assign,
        "visitors": selectors.visitors_for(plan) if may_assign else [],
        "volunteers": selectors.volunteers_for(plan) if may_assign else [],
    }
    return render(request, "care/plan.html", context)


@staff_required(Capability.RECORD_VISITS)
def visit_new(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Record a visit or a call: how, how it went, the help needed, a note and a photo."""
    plan = access_plan(request.user, plan_id, capabilities=[Capability.RECORD_VISITS])
    needs = _offered_needs(plan)
    form = VisitForm(request.POST or None, request.FILES or None, needs=needs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = services.record_visit(
                actor=request.user,
                plan=plan,
                method=data["method"],
                outcome=data["outcome"],
                needs=data.get("needs") or [],
                note=data["note"],
                photo=data["photo"] or None,
                visited_on=data["visited_on"],
            )
        except DomainError as error:
            if error.code == "visit_duplicate":  # a repeated tap: the first one was saved
                messages.info(request, str(error.message))
                return redirect("care:my_visits")
            add_error_to_form(form, error)
        else:
            plan.refresh_from_db()
            if visit.outcome == VisitOutcome.NOT_REACHED:
                messages.warning(
                    request,
                    _("Not reached: the visit stays due (since %(date)s). Please try again soon.")
                    % {"date": plan.next_due.isoformat()},
                )
            else:
                cases = visit.needs.count()
                messages.success(
                    request,
                    _("Visit saved. Next visit due %(date)s. Cases opened: %(cases)d.")
                    % {"date": plan.next_due.isoformat(), "cases": cases},
                )
            return redirect("care:my_visits")
    return render(request, "care/visit_form.html", {**_plan_context(plan), "form": form})


@require_POST
@staff_required(Capability.MANAGE_CARE_PLANS)
def plan_assign(request: HttpRequest, plan_id: int) -> HttpResponse:
    """A director gives the plan to another worker or to a volunteer."""
    plan = access_plan(request.user, plan_id, capabilities=[Capability.MANAGE_CARE_PLANS])
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the visitor."))
        return redirect("care:plan", plan_id=plan.pk)
    choice = form.cleaned_data["visitor"]
    assignee = volunteer = None
    if choice.startswith("u"):
        assignee = User.objects.filter(pk=int(choice[1:]), kind="staff").first()
        if assignee is None:
            raise Http404
    else:
        # The volunteers the plan page offers: those whose area covers the resident (a street's too).
        wanted = int(choice[1:])
        volunteer = next((v for v in selectors.volunteers_for(plan) if v.pk == wanted), None)
        if volunteer is None:
            raise Http404
    try:
        services.assign_care_plan(actor=request.user, plan=plan, assignee=assignee, volunteer=volunteer)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Assigned."))
    return redirect("care:plan", plan_id=plan.pk)


@staff_with_any(*selectors.OVERDUE_READERS)
def overdue(request: HttpRequest) -> HttpResponse:
    """Overdue visits in the user's areas, counted per grid and per community, and listed."""
    today = timezone.localdate()
    area_code = request.GET.get("area", "").strip()
    if area_code and not area_code.isdigit():
        area_code = ""
    by_grid, by_community = selectors.overdue_counts(user=request.user, today=today)
    plans = list(selectors.overdue_plans(user=request.user, today=today, area_code=area_code)[:200])
    rows = [(plan, (today - plan.next_due).days) for plan in plans]
    context = {
        "by_grid": by_grid,
        "by_community": by_community,
        "total": sum(c.count for c in by_grid),
        "rows": rows,
        "area_code": area_code,
        **_nav(request, "overdue"),
    }
    return render(request, "care/overdue.html", context)


# No care plan is older than this: earlier months are not worth a page (and year 1 has no month before).
FIRST_MONTH = dt.date(2000, 1, 1)


def _month(raw: str, today: dt.date) -> dt.date:
    try:
        month = dt.date.fromisoformat(f"{raw}-01") if raw else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)
    return max(month, FIRST_MONTH)


@staff_required(Capability.VIEW_CARE_REPORTS)
def coverage(request: HttpRequest) -> HttpResponse:
    """Visit coverage per grid for a month, with the communities' totals."""
    today = timezone.localdate()
    month = min(_month(request.GET.get("month", ""), today), today.replace(day=1))
    grids, communities = selectors.coverage(user=request.user, month=month, today=today)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    context = {
        "month": month,
        "measured_on": selectors.month_bounds(month, today)[1],
        "grids": grids,
        "communities": communities,
        "previous": previous if month > FIRST_MONTH else None,
        "following": following if following <= today else None,
        **_nav(request, "coverage"),
    }
    return render(request, "care/coverage.html", context)


@staff_required(Capability.MANAGE_CARE_PLANS)
def rules(request: HttpRequest) -> HttpResponse:
    """The rules in force in one area, where each is set, and a form to set the area's own rule."""
    areas = selectors.planning_areas(user=request.user)
    code = request.GET.get("area") or request.POST.get("area") or ""
    area = areas.filter(code=code).first() if code else areas.first()
    if area is None:
        raise Http404
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_care_rule(
                actor=request.user,
                area=area,
                tag=form.cleaned_data["tag"],
                max_level=form.cleaned_data["max_level"],
                interval_days=form.cleaned_data["interval_days"],
                is_active=form.cleaned_data["is_active"],
            )
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, _("Rule saved; the plans of this area were brought up to date."))
            return redirect(f"{request.path}?area={area.code}")
    tag_labels = dict(Tag.choices)
    context = {
        "area": area,
        "areas": list(areas[:500]),
        "lines": [(line, tag_labels.get(line.tag, line.tag)) for line in selectors.rules_for_area(area=area)],
        "form": form,
        **_nav(request, "rules"),
    }
    return render(request, "care/rules.html", context)


@require_POST
@staff_required(Capability.MANAGE_CARE_PLANS)
def rule_remove(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Remove an area's own rule: the rule above it holds again."""
    rule = access_rule(request.user, rule_id)
    code = rule.area_code
    try:
        services.remove_care_rule(actor=request.user, rule=rule)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The area's own rule was removed."))
    return redirect(reverse("care:rules") + f"?area={code}")


@staff_required(Capability.MANAGE_CARE_PLANS)
def volunteers(request: HttpRequest) -> HttpResponse:
    """Volunteers who visit in the user's areas (a stand-in until the volunteers app exists)."""
    form = VolunteerForm(request.POST or None, areas=selectors.planning_areas(user=request.user, grids=True))
    if request.method == "POST" and form.is_valid():
        try:
            services.register_volunteer(
                actor=request.user,
                area=form.cleaned_data["area"],
                name=form.cleaned_data["name"],
                phone=form.cleaned_data["phone"],
            )
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, _("Volunteer registered."))
            return redirect("care:volunteers")
    rows = [(v, mask_phone(v.phone) if v.phone else "") for v in selectors.volunteers(user=request.user)]
    return render(
        request, "care/volunteers.html", {"rows": rows, "form": form, **_nav(request, "volunteers")}
    )


@staff_with_any(*PLAN_READERS)
def visit_photo(request: HttpRequest, visit_id: int) -> HttpResponseBase:
    """A visit's photo, for those who may open the resident's plan; each download is audited."""
    visit = access_visit(request.user, visit_id)
    if not visit.photo or not visit.photo.storage.exists(str(visit.photo.name)):
        raise Http404
    record_audit_event(
        actor=request.user,
        action="care.photo_download",
        object_type="care_visit",
        object_id=visit.pk,
        area_code=visit.area_code,
    )
    response = FileResponse(visit.photo.open("rb"), content_type=visit.photo_type or "image/jpeg")
    extension = str(visit.photo.name or "").rsplit(".", 1)[-1]
    response["Content-Disposition"] = f'inline; filename="visit-{visit.pk}.{extension}"'
    return response
