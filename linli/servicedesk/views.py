"""Residents' pages of the service desk: catalogue → item → apply → my cases → case → rate.

Written for a phone and for people over 70: one question per line, large buttons, plain words, few steps.
"""

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.access import resident_required, second_factor_ok
from linli.accounts.roles import Capability
from linli.core.errors import DomainError
from linli.core.idnumbers import mask_id_number
from linli.core.phones import mask_phone
from linli.core.services import record_audit_event
from linli.registry.models import Resident
from linli.servicedesk import ratings, selectors, services
from linli.servicedesk.access import cases_in_scope, resident_cases
from linli.servicedesk.forms import ApplicationForm, RatingForm, ResubmitForm
from linli.servicedesk.models import Case, CaseFile, Material, Prefill, ServiceItem


def attach_error(form: Any, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    if field is None and error.field and f"f_{error.field}" in form.fields:
        field = f"f_{error.field}"
    form.add_error(field, str(error.message))


def shown_facts(item: ServiceItem, known: dict[str, Any]) -> list[tuple[str, str]]:
    """The golden record's answers as the resident sees them: ID number and phone masked."""
    shown: list[tuple[str, str]] = []
    for field in item.fields.all():
        if field.code not in known:
            continue
        value = known[field.code]
        if field.prefill == Prefill.ID_NUMBER:
            value = mask_id_number(str(value))
        elif field.prefill == Prefill.PHONE:
            value = mask_phone(str(value))
        elif field.prefill == Prefill.SEX:
            value = {"male": _("Male"), "female": _("Female")}.get(str(value), value)
        shown.append((field.label, str(value)))
    return shown


def uploads_for(item: ServiceItem, form: ApplicationForm) -> list[tuple[Material | None, Any]]:
    materials = {m.pk: m for m in item.materials.all()}
    return [(materials.get(pk), upload) for pk, upload in form.uploads()]


def catalogue(request: HttpRequest) -> HttpResponse:
    """The catalogue, open to everyone: what the community can do for you."""
    items = selectors.catalogue()
    groups: dict[str, list[ServiceItem]] = {}
    for item in items:
        groups.setdefault(item.category or _("Other"), []).append(item)
    return render(request, "servicedesk/catalogue.html", {"groups": groups})


def item_page(request: HttpRequest, code: str) -> HttpResponse:
    item = selectors.item_by_code(code)
    if item is None:
        raise Http404
    return render(request, "servicedesk/item.html", {"item": item})


def _applicant(request: HttpRequest, persons: list[Resident]) -> Resident | None:
    chosen = request.GET.get("for") or request.POST.get("for")
    for person in persons:
        if chosen and str(person.pk) == chosen:
            return person
    return persons[0] if persons else None


@resident_required
def apply(request: HttpRequest, code: str) -> HttpResponse:
    """Apply online: facts Linli knows are shown, not asked; only the rest is asked, then the uploads."""
    item = selectors.item_by_code(code)
    if item is None or not item.accepts("online"):
        raise Http404
    persons = selectors.residents_of_account(user=request.user)
    resident = _applicant(request, persons)
    context: dict[str, Any] = {"item": item, "persons": persons, "resident": resident}
    if resident is None and not item.is_location_based:
        return render(request, "servicedesk/apply_unknown.html", context)
    if (
        resident is not None
        and not item.is_location_based
        and not selectors.is_eligible(item=item, resident=resident)
    ):
        return render(request, "servicedesk/apply_not_eligible.html", context)
    known = selectors.known_facts(item=item, resident=resident) if resident is not None else {}
    form = ApplicationForm(request.POST or None, request.FILES or None, item=item, known=known)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.submit_case(
                actor=request.user,
                item=item,
                answers=form.answers(),
                channel="online",
                resident=resident,
                description=form.cleaned_data.get("description", ""),
                address_string=form.cleaned_data.get("address_string", "") or "",
                latitude=form.cleaned_data.get("latitude"),
                longitude=form.cleaned_data.get("longitude"),
                files=uploads_for(item, form),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            messages.success(
                request,
                _("Submitted. Your case number is %(number)s; we have sent it to your phone.")
                % {"number": case.number},
            )
            return redirect("servicedesk:my_case", number=case.number)
    context.update({"form": form, "known": shown_facts(item, known)})
    return render(request, "servicedesk/apply.html", context)


@resident_required
def my_cases(request: HttpRequest) -> HttpResponse:
    return render(request, "servicedesk/my_cases.html", {"cases": selectors.my_cases(user=request.user)})


def _own_case(request: HttpRequest, number: str) -> Case:
    case = resident_cases(request.user).filter(number=number).select_related("item", "area").first()
    if case is None:
        raise Http404
    return case


@resident_required
def my_case(request: HttpRequest, number: str) -> HttpResponse:
    """A resident follows their case: where it is, what happened, and (once closed) the rating."""
    case = _own_case(request, number)
    rating = getattr(case, "rating", None) if case.is_closed else None
    context = {
        "case": case,
        "events": selectors.case_history(case=case, public_only=True),
        "files": list(case.files.all()),
        "rating": rating,
        "rating_form": RatingForm() if case.is_closed and rating is None else None,
        "resubmit_form": ResubmitForm() if case.status == "needs_info" else None,
    }
    return render(request, "servicedesk/my_case.html", context)


@require_POST
@resident_required
def rate(request: HttpRequest, number: str) -> HttpResponse:
    case = _own_case(request, number)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            ratings.rate_case(
                actor=request.user,
                case=case,
                level=form.cleaned_data["level"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Thank you for your rating."))
    else:
        messages.error(request, _("Please choose how satisfied you are."))
    return redirect("servicedesk:my_case", number=case.number)


@require_POST
@resident_required
def resubmit(request: HttpRequest, number: str) -> HttpResponse:
    case = _own_case(request, number)
    form = ResubmitForm(request.POST)
    if form.is_valid():
        uploads = [(None, f) for f in request.FILES.getlist("files")]
        try:
            services.transition_case(
                actor=request.user,
                case=case,
                action="resubmit",
                note=form.cleaned_data["note"],
                files=uploads,
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Sent. We will continue with your case."))
    else:
        messages.error(request, _("Please write your answer."))
    return redirect("servicedesk:my_case", number=case.number)


def file_download(request: HttpRequest, file_id: int) -> HttpResponseBase:
    """A case's uploaded material: for the resident whose case it is, or staff who handle the case."""
    user: Any = request.user
    stored = CaseFile.objects.filter(pk=file_id).select_related("case").first()
    if stored is None or not user.is_authenticated:
        raise Http404
    if getattr(user, "kind", None) == "resident":
        if not resident_cases(user).filter(pk=stored.case_id).exists():
            raise Http404
    else:
        if (
            not second_factor_ok(request)
            or not cases_in_scope(user, Capability.HANDLE_CASES).filter(pk=stored.case_id).exists()
        ):
            raise Http404
        record_audit_event(
            actor=user,
            action="case.file_download",
            object_type="case",
            object_id=stored.case_id,
            area_code=stored.case.area_code,
            data={"file": stored.pk},
        )
    response = FileResponse(stored.file.open("rb"), content_type=stored.content_type)
    extension = str(stored.file.name or "").rsplit(".", 1)[-1]
    response["Content-Disposition"] = f'attachment; filename="case-{stored.case_id}-{stored.pk}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
