"""Workers' pages of the service desk: the queue by due time, a case with its transitions as buttons,
on-behalf applications, reassignment, satisfaction, rectification tasks and proactive candidates."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from linli.accounts.access import has_capability, staff_required
from linli.accounts.models import Membership, User
from linli.accounts.roles import ROLE_CAPABILITIES, Capability, Role
from linli.core.errors import DomainError
from linli.core.phones import mask_phone
from linli.registry.access import access_resident
from linli.registry.selectors import search_residents
from linli.servicedesk import proactive, ratings, selectors, services
from linli.servicedesk.access import access_case, access_rectification, may_on_case
from linli.servicedesk.forms import CloseRectificationForm, FollowUpCallForm, OnBehalfForm, TransitionForm
from linli.servicedesk.models import Case, Queue
from linli.servicedesk.views import attach_error, shown_facts, uploads_for
from linli.servicedesk.workflow import ACTION_LABELS, CONSENT_LABELS, TRANSITIONS, allowed_actions


@staff_required(Capability.HANDLE_CASES)
def queue(request: HttpRequest) -> HttpResponse:
    """Open cases in the worker's area (and department), the soonest due first."""
    mine = request.GET.get("mine") == "1"
    cases = selectors.queue_rows(user=request.user, mine=mine, status=request.GET.get("status", ""))
    context = {
        "cases": cases,
        "case_url": reverse("servicedesk:desk_case", args=[0]).removesuffix("0/"),
        "mine": mine,
        "can_apply_on_behalf": has_capability(request.user, Capability.APPLY_ON_BEHALF),
        "can_view_satisfaction": has_capability(request.user, Capability.VIEW_SATISFACTION),
        "can_rectify": has_capability(request.user, Capability.RECTIFY_RATINGS),
        "can_confirm_proactive": has_capability(request.user, Capability.CONFIRM_PROACTIVE),
    }
    return render(request, "servicedesk/desk_queue.html", context)


def _handlers_for(case: Case) -> list[User]:
    """Staff who could handle this case: HANDLE_CASES over its area (and department)."""
    roles = [r for r in Role if Capability.HANDLE_CASES in ROLE_CAPABILITIES[r]]
    prefixes = [case.area_code[:n] for n in (6, 9, 12, 15) if len(case.area_code) >= n]
    memberships = Membership.objects.filter(role__in=roles, area__code__in=prefixes).select_related("user")
    users = {m.user.pk: m.user for m in memberships if m.user.is_active}
    return sorted(
        (u for u in users.values() if may_on_case(u, case, Capability.HANDLE_CASES)), key=lambda u: u.username
    )


@staff_required(Capability.HANDLE_CASES)
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(request.user, case_id)
    user: Any = request.user
    is_director = may_on_case(user, case, Capability.REASSIGN_CASES)
    buttons = []
    for action in allowed_actions(case.status):
        by = TRANSITIONS[action].by
        if "staff" in by or ("director" in by and is_director):
            buttons.append((action, ACTION_LABELS[action], TRANSITIONS[action].note_required))
    known = selectors.known_facts(item=case.item, resident=case.resident) if case.resident is not None else {}
    context = {
        "case": case,
        "events": selectors.case_history(case=case),
        "files": list(case.files.all()),
        "buttons": buttons,
        "queues": Queue.objects.exclude(pk=case.queue_id),
        "handlers": _handlers_for(case) if is_director else [],
        "is_director": is_director,
        "known": shown_facts(case.item, known),
        "answers": [
            (f.label, case.answers.get(f.code)) for f in case.item.fields.all() if f.code in case.answers
        ],
        "consent_label": CONSENT_LABELS.get(case.consent_method, case.consent_method),
        "masked_phone": mask_phone(case.requester_phone) if case.requester_phone else "",
        "overdue": case.due_at < timezone.now() and not case.is_closed,
        "rating": getattr(case, "rating", None),
    }
    return render(request, "servicedesk/desk_case.html", context)


@require_POST
@staff_required(Capability.HANDLE_CASES)
def case_act(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(request.user, case_id)
    form = TransitionForm(request.POST)
    if form.is_valid():
        target = (
            Queue.objects.filter(code=form.cleaned_data["queue"]).first()
            if form.cleaned_data["queue"]
            else None
        )
        try:
            services.transition_case(
                actor=request.user,
                case=case,
                action=form.cleaned_data["action"],
                note=form.cleaned_data["note"],
                queue=target,
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Saved."))
    return redirect("servicedesk:desk_case", case_id=case.pk)


@require_POST
@staff_required(Capability.HANDLE_CASES)
def case_assign(request: HttpRequest, case_id: int) -> HttpResponse:
    """A director reassigns; a worker may take the case themselves."""
    case = access_case(request.user, case_id)
    handler_id = request.POST.get("handler", "")
    handler = User.objects.filter(pk=handler_id, kind="staff").first() if handler_id.isdigit() else None
    try:
        services.assign_case(
            actor=request.user, case=case, handler=handler, note=request.POST.get("note", "")
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Assigned."))
    return redirect("servicedesk:desk_case", case_id=case.pk)


@require_POST
@staff_required(Capability.HANDLE_CASES)
def case_note(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(request.user, case_id)
    try:
        services.add_case_note(
            actor=request.user,
            case=case,
            note=request.POST.get("note", ""),
            public=request.POST.get("public") == "1",
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("servicedesk:desk_case", case_id=case.pk)


@staff_required(Capability.APPLY_ON_BEHALF)
def on_behalf_start(request: HttpRequest) -> HttpResponse:
    """Find the resident (in the worker's area) and the service, then fill in the form for them."""
    query = request.GET.get("q", "").strip()
    residents = search_residents(user=request.user, query=query, limit=20) if query else []
    items = selectors.catalogue(channel="on_behalf", location_based=False)
    return render(
        request, "servicedesk/on_behalf_start.html", {"query": query, "residents": residents, "items": items}
    )


@staff_required(Capability.APPLY_ON_BEHALF)
def on_behalf_apply(request: HttpRequest, resident_id: int, code: str) -> HttpResponse:
    """代办: the worker applies for a resident of their area and records how the resident agreed."""
    resident = access_resident(request.user, resident_id, capability=Capability.VIEW_RESIDENTS)
    if not has_capability(request.user, Capability.APPLY_ON_BEHALF, resident.area.code):
        raise Http404
    item = selectors.item_by_code(code)
    if item is None or not item.accepts("on_behalf"):
        raise Http404
    known = selectors.known_facts(item=item, resident=resident)
    form = OnBehalfForm(request.POST or None, request.FILES or None, item=item, known=known)
    eligible = selectors.is_eligible(item=item, resident=resident)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.submit_case(
                actor=request.user,
                item=item,
                answers=form.answers(),
                channel="on_behalf",
                resident=resident,
                description=form.cleaned_data.get("description", ""),
                files=uploads_for(item, form),
                consent_method=form.cleaned_data["consent_method"],
                consent_note=form.cleaned_data["consent_note"],
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("Submitted as case %(number)s.") % {"number": case.number})
            return redirect("servicedesk:desk_case", case_id=case.pk)
    context = {
        "item": item,
        "resident": resident,
        "form": form,
        "known": shown_facts(item, known),
        "eligible": eligible,
    }
    return render(request, "servicedesk/on_behalf_apply.html", context)


@staff_required(Capability.VIEW_SATISFACTION)
def satisfaction(request: HttpRequest) -> HttpResponse:
    by = request.GET.get("by", "item")
    if by not in ("item", "handler", "community"):
        by = "item"
    rows = selectors.satisfaction(user=request.user, by=by)
    return render(request, "servicedesk/satisfaction.html", {"rows": rows, "by": by})


@staff_required(Capability.RECTIFY_RATINGS)
def rectification_list(request: HttpRequest) -> HttpResponse:
    tasks = selectors.rectifications(user=request.user, open_only=request.GET.get("all") != "1")
    return render(request, "servicedesk/rectifications.html", {"tasks": tasks, "today": timezone.localdate()})


@staff_required(Capability.RECTIFY_RATINGS)
def rectification_page(request: HttpRequest, rectification_id: int) -> HttpResponse:
    task = access_rectification(request.user, rectification_id)
    call_form = FollowUpCallForm(request.POST if request.POST.get("step") == "call" else None)
    close_form = CloseRectificationForm(request.POST if request.POST.get("step") == "close" else None)
    if request.method == "POST":
        try:
            if request.POST.get("step") == "call" and call_form.is_valid():
                ratings.record_follow_up_call(
                    actor=request.user,
                    rectification=task,
                    reached=call_form.cleaned_data["reached"],
                    summary=call_form.cleaned_data["summary"],
                )
                messages.success(request, _("Call recorded."))
                return redirect("servicedesk:rectification", rectification_id=task.pk)
            if request.POST.get("step") == "close" and close_form.is_valid():
                ratings.close_rectification(
                    actor=request.user, rectification=task, outcome=close_form.cleaned_data["outcome"]
                )
                messages.success(request, _("Rectification closed."))
                return redirect("servicedesk:rectifications")
        except DomainError as error:
            attach_error(close_form if request.POST.get("step") == "close" else call_form, error)
    context = {
        "task": task,
        "calls": list(task.calls.select_related("caller")),
        "call_form": call_form,
        "close_form": close_form,
    }
    return render(request, "servicedesk/rectification.html", context)


@staff_required(Capability.CONFIRM_PROACTIVE)
def proactive_list(request: HttpRequest) -> HttpResponse:
    """Residents the daily evaluation found eligible for a proactive service; confirm them in bulk."""
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("candidate") if v.isdigit()]
        if request.POST.get("decision") == "dismiss":
            count = proactive.dismiss_proactive_candidates(actor=request.user, candidate_ids=ids)
            messages.success(
                request,
                ngettext("%(count)d resident set aside.", "%(count)d residents set aside.", count)
                % {"count": count},
            )
        else:
            cases = proactive.confirm_proactive_candidates(actor=request.user, candidate_ids=ids)
            messages.success(
                request,
                ngettext(
                    "%(count)d case created; the resident is told by SMS.",
                    "%(count)d cases created; the residents are told by SMS.",
                    len(cases),
                )
                % {"count": len(cases)},
            )
        return redirect(request.get_full_path())
    item_code = request.GET.get("item", "")
    candidates = list(selectors.proactive_candidates(user=request.user, item_code=item_code)[:500])
    items = selectors.catalogue()
    return render(
        request,
        "servicedesk/proactive.html",
        {"candidates": candidates, "items": [i for i in items if i.is_proactive], "item_code": item_code},
    )
