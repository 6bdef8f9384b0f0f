"""Ledger screens: the list, one ledger for an area (preview and export), coverage, the template editor.
Thin: access functions and selectors in, services out."""

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.accounts.access import has_capability, staff_required
from linli.accounts.roles import Capability
from linli.core.errors import DomainError
from linli.reports import selectors, services
from linli.reports.access import access_ledger_area, access_template
from linli.reports.forms import (
    NEW_TEMPLATE_COLUMNS,
    NEW_TEMPLATE_INITIAL,
    ColumnFormSet,
    TemplateForm,
    definition_from,
    initial_from,
)
from linli.reports.models import LedgerTemplate

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _area_code(request: HttpRequest, capability: Capability) -> str:
    code = request.GET.get("area") or selectors.default_area_code(user=request.user, capability=capability)
    if not code:
        raise Http404
    return code


def _page_number(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("page", "1"))
    except ValueError:
        return 1


@staff_required(Capability.VIEW_LEDGERS)
def ledger_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    context = {
        "templates": selectors.templates_for(user=user),
        "can_manage": has_capability(user, Capability.MANAGE_LEDGER_TEMPLATES),
    }
    return render(request, "reports/list.html", context)


@staff_required(Capability.VIEW_LEDGERS)
def ledger_page(request: HttpRequest, code: str) -> HttpResponse:
    template = access_template(request.user, code)
    area = access_ledger_area(request.user, _area_code(request, Capability.VIEW_LEDGERS))
    page = selectors.ledger_page(template=template, area=area, page=_page_number(request))
    context = {
        "template": template,
        "area": area,
        "page": page,
        "lines": selectors.preview_lines(page),
        "areas": selectors.ledger_areas(user=request.user),
        "can_export": has_capability(request.user, Capability.EXPORT_LEDGERS, area.code),
        "can_manage": has_capability(request.user, Capability.MANAGE_LEDGER_TEMPLATES),
    }
    name = "reports/_rows.html" if request.headers.get("HX-Request") else "reports/ledger.html"
    return render(request, name, context)


@staff_required(Capability.EXPORT_LEDGERS)
def ledger_export(request: HttpRequest, code: str) -> HttpResponseBase:
    """The ledger for the area as xlsx, ID numbers and phones masked; every export is recorded and audited."""
    template = access_template(request.user, code, capability=Capability.EXPORT_LEDGERS)
    area = access_ledger_area(
        request.user, _area_code(request, Capability.EXPORT_LEDGERS), capability=Capability.EXPORT_LEDGERS
    )
    exported = services.export_ledger(actor=request.user, template=template, area=area)
    return FileResponse(exported.file, as_attachment=True, filename=exported.filename, content_type=XLSX)


@staff_required(Capability.VIEW_LEDGERS)
def coverage(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/coverage.html", {"coverage": selectors.coverage(user=request.user)})


def _attach_error(form: TemplateForm, error: DomainError) -> list[str]:
    """Put the error beside its field; an error about the columns is returned, to show above them."""
    field = (error.field or "").rpartition(".")[2]
    if field in ("columns", "key", "label"):
        return [str(error.message)]
    form.add_error(field if field in form.fields else None, str(error.message))
    return []


def _editor(request: HttpRequest, template: LedgerTemplate | None) -> HttpResponse:
    if template is None:
        initial, columns = NEW_TEMPLATE_INITIAL, NEW_TEMPLATE_COLUMNS
    else:
        initial, columns = initial_from(template.parsed)
        initial = {
            **initial,
            "name": template.name,
            "department": template.department,
            "description": template.description,
            "active": template.active,
        }
    data = request.POST if request.method == "POST" else None
    form = TemplateForm(data, initial=initial, editing=template is not None)
    formset = ColumnFormSet(data, initial=columns, prefix="columns")
    column_errors: list[str] = []
    if data is not None and form.is_valid() and formset.is_valid():
        fields = {
            "name": form.cleaned_data["name"],
            "department": form.cleaned_data["department"],
            "description": form.cleaned_data["description"],
            "definition": definition_from(form, formset),
        }
        try:
            if template is None:
                template = services.create_template(
                    actor=request.user, code=form.cleaned_data["code"], **fields
                )
            else:
                template = services.update_template(
                    actor=request.user, template=template, active=form.cleaned_data["active"], **fields
                )
        except DomainError as error:
            column_errors = _attach_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("reports:ledger", code=template.code)
    return render(
        request,
        "reports/template_form.html",
        {"form": form, "formset": formset, "column_errors": column_errors, "template": template},
    )


@staff_required(Capability.MANAGE_LEDGER_TEMPLATES)
def template_new(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


@staff_required(Capability.MANAGE_LEDGER_TEMPLATES)
def template_edit(request: HttpRequest, code: str) -> HttpResponse:
    return _editor(
        request, access_template(request.user, code, capability=Capability.MANAGE_LEDGER_TEMPLATES)
    )
