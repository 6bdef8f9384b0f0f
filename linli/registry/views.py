"""Worker screens for the registry and the resident's own page. Thin: forms in, services and selectors out."""

import csv
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.access import has_capability, resident_required, second_factor_ok, staff_required
from linli.accounts.roles import Capability
from linli.core.errors import DomainError, add_error_to_form
from linli.core.idnumbers import mask_id_number
from linli.core.phones import mask_phone
from linli.core.services import record_audit_event
from linli.registry import selectors, services
from linli.registry.access import access_household, access_resident, access_tag
from linli.registry.forms import (
    EndTagForm,
    HouseholdEditForm,
    HouseholdForm,
    MemberForm,
    ResidentEditForm,
    RevealForm,
    TagForm,
)

RESIDENT_FIELDS = ("name", "id_number", "phone", "hukou_status", "ethnicity", "residence_status")
PERSONAL = services.PERSONAL_FIELDS


def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not user.is_authenticated:
        return render(request, "registry/landing.html")
    if getattr(user, "kind", None) == "resident":
        return redirect("registry:me")
    if not second_factor_ok(request):
        return redirect("accounts:login")
    counts = selectors.area_counts(user=user) if has_capability(user, Capability.VIEW_RESIDENTS) else None
    return render(request, "registry/home.html", {"counts": counts})


@resident_required
def my_record(request: HttpRequest) -> HttpResponse:
    residents = selectors.residents_for_phone_account(user=request.user)
    return render(request, "registry/me.html", {"residents": residents})


@staff_required(Capability.VIEW_RESIDENTS)
def resident_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    residents = selectors.search_residents(user=request.user, query=query) if query.strip() else []
    context = {
        "query": query,
        "residents": residents,
        "searched": bool(query.strip()),
        "more_than_shown": len(residents) >= settings.LINLI_PAGE_SIZE,
        "can_export": has_capability(request.user, Capability.EXPORT_RESIDENTS),
        "can_create": has_capability(request.user, Capability.EDIT_RESIDENTS),
    }
    template = "registry/_results.html" if request.headers.get("HX-Request") else "registry/search.html"
    return render(request, template, context)


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (=, +, -, @ at the start)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value: str) -> str:
        return value


@staff_required(Capability.EXPORT_RESIDENTS)
def resident_export(request: HttpRequest) -> HttpResponseBase:
    """The search results as CSV, masked; every export is audited."""
    query = request.GET.get("q", "")
    residents = (
        selectors.search_residents(user=request.user, query=query, limit=10_000) if query.strip() else []
    )
    record_audit_event(
        actor=request.user,
        action="residents.exported",
        object_type="resident_list",
        data={"query_kind": selectors.classify_query(query).kind, "count": len(residents)},
    )
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield "\ufeff"  # so that spreadsheet programs read the file as UTF-8
        yield writer.writerow([_("Name"), _("Sex"), _("Birth date"), _("ID number"), _("Phone"), _("Grid")])
        for r in residents:
            yield writer.writerow(
                [
                    _cell(r.name),
                    r.get_sex_display(),
                    r.birth_date or "",
                    mask_id_number(r.id_number) if r.id_number else "",
                    mask_phone(r.phone) if r.phone else "",
                    r.area.name,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="residents.csv"'
    return response


@staff_required(Capability.VIEW_RESIDENTS)
def resident_page(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = access_resident(request.user, resident_id)
    area_code = resident.area.code
    context = {
        "resident": resident,
        **selectors.resident_detail(resident=resident),
        "can_edit": has_capability(request.user, Capability.EDIT_RESIDENTS, area_code),
        "can_tag": has_capability(request.user, Capability.MANAGE_TAGS, area_code),
        "can_reveal": has_capability(request.user, Capability.REVEAL_PERSONAL_DATA, area_code),
        "tag_form": TagForm(),
        "masked_id": mask_id_number(resident.id_number) if resident.id_number else "",
        "masked_phone": mask_phone(resident.phone) if resident.phone else "",
    }
    return render(request, "registry/resident.html", context)


@staff_required(Capability.EDIT_RESIDENTS)
def resident_edit(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = access_resident(request.user, resident_id, capability=Capability.EDIT_RESIDENTS)
    # Personal fields are never sent back in clear: they show masked, and left blank they stay as they are.
    initial = {
        name: getattr(resident, name)
        for name in (*RESIDENT_FIELDS, "relation_to_head")
        if name not in PERSONAL
    }
    is_head = resident.household is not None and resident.household.head_id == resident.pk
    form = ResidentEditForm(
        request.POST or None,
        initial=initial,
        is_head=is_head,
        masked={
            "id_number": mask_id_number(resident.id_number) if resident.id_number else "",
            "phone": mask_phone(resident.phone) if resident.phone else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if not (k in PERSONAL and not v.strip())}
        try:
            services.update_resident(actor=request.user, resident=resident, changes=changes)
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("registry:resident", resident_id=resident.pk)
    return render(request, "registry/resident_form.html", {"form": form, "resident": resident})


@require_POST
@staff_required(Capability.REVEAL_PERSONAL_DATA)
def resident_reveal(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = access_resident(request.user, resident_id, capability=Capability.REVEAL_PERSONAL_DATA)
    form = RevealForm(request.POST)
    value = error = None
    if form.is_valid():
        try:
            value = services.reveal_personal_data(
                actor=request.user,
                resident=resident,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            error = str(exc.message)
    else:
        error = _("Please give the reason for viewing.")
    return render(
        request,
        "registry/_revealed.html",
        {"resident": resident, "field": request.POST.get("field", ""), "value": value, "error": error},
        status=200 if value is not None else 400,
    )


@require_POST
@staff_required(Capability.MANAGE_TAGS)
def tag_add(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = access_resident(request.user, resident_id, capability=Capability.MANAGE_TAGS)
    form = TagForm(request.POST)
    if form.is_valid():
        try:
            services.add_tag(actor=request.user, resident=resident, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Tag added."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
    return redirect("registry:resident", resident_id=resident.pk)


@require_POST
@staff_required(Capability.MANAGE_TAGS)
def tag_end(request: HttpRequest, tag_id: int) -> HttpResponse:
    assignment = access_tag(request.user, tag_id)
    form = EndTagForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError("end_reason_required", _("Please give a reason for ending this tag."))
        services.end_tag(actor=request.user, assignment=assignment, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Tag ended."))
    return redirect("registry:resident", resident_id=assignment.resident_id)


@staff_required(Capability.VIEW_RESIDENTS)
def household_page(request: HttpRequest, household_id: int) -> HttpResponse:
    household = access_household(request.user, household_id)
    members = selectors.household_members(household=household)
    return render(
        request,
        "registry/household.html",
        {
            "household": household,
            "members": members,
            "can_edit": has_capability(request.user, Capability.EDIT_RESIDENTS, household.area.code),
        },
    )


@staff_required(Capability.EDIT_RESIDENTS)
def household_new(request: HttpRequest) -> HttpResponse:
    buildings = selectors.buildings_in_scope(user=request.user)
    form = HouseholdForm(request.POST or None, buildings=buildings)
    duplicates = None
    if request.method == "POST" and form.is_valid():
        duplicates = _unconfirmed_duplicates(request, form)
    if request.method == "POST" and form.is_valid() and not duplicates:
        head = {k: form.cleaned_data[k] for k in RESIDENT_FIELDS}
        try:
            household = services.create_household(
                actor=request.user,
                building=form.cleaned_data["building"],
                room=form.cleaned_data["room"],
                head=head,
            )
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, _("Household registered."))
            return redirect("registry:household", household_id=household.pk)
    return render(request, "registry/household_form.html", {"form": form, "duplicates": duplicates})


@staff_required(Capability.EDIT_RESIDENTS)
def household_edit(request: HttpRequest, household_id: int) -> HttpResponse:
    household = access_household(request.user, household_id, capability=Capability.EDIT_RESIDENTS)
    form = HouseholdEditForm(
        request.POST or None,
        members=household.members.all(),
        initial={"room": household.room, "head": household.head_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_household(
                actor=request.user,
                household=household,
                room=form.cleaned_data["room"],
                head=form.cleaned_data["head"],
            )
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("registry:household", household_id=household.pk)
    return render(request, "registry/household_edit.html", {"form": form, "household": household})


@staff_required(Capability.EDIT_RESIDENTS)
def member_new(request: HttpRequest, household_id: int) -> HttpResponse:
    household = access_household(request.user, household_id, capability=Capability.EDIT_RESIDENTS)
    form = MemberForm(request.POST or None)
    duplicates = None
    if request.method == "POST" and form.is_valid():
        duplicates = _unconfirmed_duplicates(request, form)
    if request.method == "POST" and form.is_valid() and not duplicates:
        data = {k: v for k, v in form.cleaned_data.items() if k != "confirm_new"}
        try:
            resident = services.register_resident(actor=request.user, household=household, **data)
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, _("Resident registered."))
            return redirect("registry:resident", resident_id=resident.pk)
    return render(
        request, "registry/member_form.html", {"form": form, "household": household, "duplicates": duplicates}
    )


def _unconfirmed_duplicates(request: HttpRequest, form: Any) -> selectors.PossibleDuplicates | None:
    """Records that may be this person, unless the worker has seen them and confirmed a new person."""
    if form.cleaned_data.get("confirm_new"):
        return None
    found = selectors.possible_duplicates(
        user=request.user,
        name=form.cleaned_data["name"],
        id_number=form.cleaned_data.get("id_number", ""),
        phone=form.cleaned_data.get("phone", ""),
    )
    if not found:
        return None
    form.reveal_confirmation()
    return found
