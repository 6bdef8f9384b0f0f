"""Import and review screens. Thin: forms in, services and selectors out."""

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.access import staff_required
from linli.accounts.roles import Capability
from linli.core.errors import DomainError, add_error_to_form
from linli.core.models import Area
from linli.core.services import record_audit_event
from linli.intake import reading, selectors, services
from linli.intake.access import access_batch, access_review
from linli.intake.forms import DecisionForm, LayoutForm, UploadForm
from linli.intake.models import BatchStatus, ReviewStatus
from linli.registry.access import area_condition
from linli.registry.models import Resident


def _import_areas(user: Any) -> Any:
    condition = area_condition(user, Capability.IMPORT_DATA, field="code")
    return Area.objects.filter(condition).order_by("code") if condition is not None else Area.objects.none()


@staff_required(Capability.IMPORT_DATA)
def imports(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, areas=_import_areas(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.create_batch(
                actor=request.user,
                area=form.cleaned_data["area"],
                upload=form.cleaned_data["file"],
                source_kind=form.cleaned_data["source_kind"],
                source_label=form.cleaned_data["source_label"],
                profile=form.cleaned_data["profile"],
            )
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            return redirect("intake:batch", batch_id=batch.pk)
    batches = selectors.batches_in_scope(user=request.user)[:50]
    return render(request, "intake/imports.html", {"form": form, "batches": batches})


def _layout_form(batch: Any, data: Any = None) -> LayoutForm:
    info = reading.inspect_file(Path(batch.file.path), filename=batch.filename)
    initial: dict[str, Any] = {
        "sheet": batch.sheet,
        "header_row": batch.header_row + 1,
        "constant_tags": batch.constant_tags,
    }
    for index, label in enumerate(batch.header):
        initial[f"column_{index}"] = batch.mapping.get(label, "ignore")
    return LayoutForm(data, initial=initial, sheets=list(info.sheets), header=batch.header)


@staff_required(Capability.IMPORT_DATA)
def batch_page(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = access_batch(request.user, batch_id)
    context: dict[str, Any] = {"batch": batch}
    if batch.status == BatchStatus.UPLOADED:
        context["form"] = _layout_form(batch)
        context["preview"] = selectors.batch_preview(batch=batch)
    return render(request, "intake/batch.html", context)


@require_POST
@staff_required(Capability.IMPORT_DATA)
def batch_layout(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = access_batch(request.user, batch_id)
    form = _layout_form(batch, request.POST)
    if form.is_valid():
        try:
            services.set_batch_layout(
                actor=request.user,
                batch=batch,
                sheet=form.cleaned_data["sheet"],
                header_row=form.cleaned_data["header_row"] - 1,
                mapping=form.mapping(),
                constant_tags=form.cleaned_data["constant_tags"],
                save_profile_as=form.cleaned_data["save_profile_as"],
            )
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, _("Mapping saved. Check the preview, then start the import."))
            return redirect("intake:batch", batch_id=batch.pk)
    preview = selectors.batch_preview(batch=batch)
    return render(request, "intake/batch.html", {"batch": batch, "form": form, "preview": preview})


@require_POST
@staff_required(Capability.IMPORT_DATA)
def batch_start(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = access_batch(request.user, batch_id)
    try:
        services.start_batch(actor=request.user, batch=batch)
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("intake:batch", batch_id=batch.pk)


@staff_required(Capability.IMPORT_DATA)
def batch_progress(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = access_batch(request.user, batch_id)
    return render(request, "intake/_progress.html", {"batch": batch})


@staff_required(Capability.IMPORT_DATA)
def batch_report(request: HttpRequest, batch_id: int) -> HttpResponseBase:
    batch = access_batch(request.user, batch_id)
    if not batch.report:
        raise Http404
    record_audit_event(
        actor=request.user,
        action="import.report_downloaded",
        object_type="import",
        object_id=batch.pk,
        area_code=batch.area.code,
    )
    return FileResponse(
        batch.report.open("rb"), as_attachment=True, filename=f"import-{batch.pk}-problems.xlsx"
    )


@staff_required(Capability.REVIEW_MATCHES)
def reviews(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ReviewStatus.OPEN)
    if status not in ReviewStatus.values:
        status = ReviewStatus.OPEN
    kind = request.GET.get("kind", "")
    items = selectors.review_queue(user=request.user, status=status, kind=kind)[:100]
    return render(
        request,
        "intake/reviews.html",
        {"items": items, "status": status, "kind": kind, "statuses": ReviewStatus.choices},
    )


@staff_required(Capability.REVIEW_MATCHES)
def review_page(request: HttpRequest, item_id: int) -> HttpResponse:
    item = access_review(request.user, item_id)
    detail = selectors.review_detail(item=item)
    return render(request, "intake/review.html", {"item": item, "form": DecisionForm(), **detail})


@require_POST
@staff_required(Capability.REVIEW_MATCHES)
def review_decide(request: HttpRequest, item_id: int) -> HttpResponse:
    item = access_review(request.user, item_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        decision = form.cleaned_data["decision"]
        reason = form.cleaned_data["reason"]
        try:
            if decision in ("keep_left", "keep_right"):
                keep: Resident | None = item.resident if decision == "keep_left" else item.other
                if keep is None:
                    raise DomainError("keep_one_of_pair", _("Keep one of the two records."))
                services.merge_duplicate(actor=request.user, item=item, keep=keep, reason=reason)
                messages.success(request, _("Merged. The merge can be undone from this page."))
            elif decision == "apart":
                services.keep_apart(actor=request.user, item=item, note=reason)
            elif decision == "choose":
                services.choose_offered_value(actor=request.user, item=item)
            elif decision == "current":
                services.keep_current_value(actor=request.user, item=item, note=reason)
            else:
                services.undo_merge(actor=request.user, item=item, reason=reason)
                messages.success(request, _("The merge was undone."))
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            return redirect("intake:review", item_id=item.pk)
    detail = selectors.review_detail(item=item)
    return render(request, "intake/review.html", {"item": item, "form": form, **detail}, status=200)
