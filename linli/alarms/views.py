"""Pages of the alarm core: acknowledgement by link, management of policies, rosters, responders and devices
(MANAGE_ALARM_POLICIES), and the acknowledgement report (VIEW_CARE_REPORTS). The console is in
``console_views``."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.access import staff_required
from linli.accounts.roles import Capability
from linli.alarms import selectors, services
from linli.alarms.access import access_device, access_policy, access_responder, access_shift
from linli.alarms.escalation import DEFAULT_STEPS, StepSpec, policy_for_area_code
from linli.alarms.forms import DeviceForm, PolicyAreaForm, PolicyForm, ReportForm, ResponderForm, ShiftForm
from linli.alarms.models import AckVia, AlarmStatus
from linli.alarms.report import LOCAL, TARGET_60, TARGET_180, acknowledgement_report
from linli.core.errors import DomainError, add_error_to_form
from linli.core.models import Area
from linli.core.phones import mask_phone

MANAGE = Capability.MANAGE_ALARM_POLICIES


# --- acknowledgement by link ----------------------------------------------------------------------


def ack_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a responder's SMS: GET shows the alarm, POST acknowledges it. The token is the key."""
    if len(token) > 64:
        raise Http404
    notice = selectors.notice_for_token(token_hash=services.token_hash(token))
    if notice is None:
        raise Http404
    alarm = notice.alarm
    if request.method == "POST":
        alarm = services.acknowledge_alarm(alarm=alarm, via=AckVia.LINK, notice=notice)
        return redirect("alarms:ack_link", token=token)
    answerable = alarm.status in (AlarmStatus.PENDING, AlarmStatus.OPEN)
    context = {
        "alarm": alarm,
        "who": selectors.resident_name(alarm),
        "where": alarm.location_text or alarm.area.name,
        "answerable": answerable,
        "mine": alarm.acknowledged_by_label == notice.label and alarm.acknowledged_via != "",
    }
    return render(request, "alarms/ack.html", context)


# --- management -----------------------------------------------------------------------------------


def _area_in_scope(user: Any, code: str) -> Area:
    area = selectors.managed_area_by_code(user=user, code=code)
    if area is None:
        raise DomainError("alarm_area_scope", _("This area is not one of yours."), field="area_code")
    return area


@staff_required(MANAGE)
def manage_home(request: HttpRequest) -> HttpResponse:
    """The policies in scope, and a form to open the policy of another area."""
    form = PolicyAreaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            area = _area_in_scope(request.user, form.cleaned_data["area_code"])
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            return redirect("alarms:policy_edit", area_id=area.pk)
    context = {
        "policies": selectors.policies_in_scope(request.user),
        "form": form,
        "default_steps": DEFAULT_STEPS,
    }
    return render(request, "alarms/manage.html", context)


@staff_required(MANAGE)
def policy_edit(request: HttpRequest, area_id: int) -> HttpResponse:
    """Set the escalation steps of an area; until then the nearest ancestor's policy applies."""
    area = selectors.managed_area(user=request.user, area_id=area_id)
    if area is None:
        raise Http404
    applying = policy_for_area_code(area.code)
    own = applying if applying is not None and applying.area_code == area.code else None
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            steps = [StepSpec(kind, timeout, radius) for kind, timeout, radius in form.steps()]
            try:
                services.save_policy(
                    actor=request.user, area=area, name=form.cleaned_data["name"], steps=steps
                )
            except DomainError as error:
                add_error_to_form(form, error)
            else:
                messages.success(request, _("The escalation policy was saved."))
                return redirect("alarms:manage")
    else:
        source: list[Any] = (
            selectors.policy_steps(policy=applying) if applying is not None else list(DEFAULT_STEPS)
        )
        initial: dict[str, Any] = {"name": own.name if own else area.name}
        for i, step in enumerate(source):
            initial[f"kind_{i}"] = step.kind
            initial[f"timeout_{i}"] = step.timeout_seconds
            initial[f"radius_{i}"] = step.radius_m
        form = PolicyForm(initial=initial)
    context = {"area": area, "form": form, "own": own, "applying": applying}
    return render(request, "alarms/policy_edit.html", context)


@staff_required(MANAGE)
@require_POST
def policy_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = access_policy(request.user, policy_id)
    services.delete_policy(actor=request.user, policy=policy)
    messages.success(request, _("The area now follows the policy of the area above it."))
    return redirect("alarms:manage")


def _aware(value: dt.datetime) -> dt.datetime:
    return value if timezone.is_aware(value) else value.replace(tzinfo=LOCAL)


@staff_required(MANAGE)
def shift_list(request: HttpRequest) -> HttpResponse:
    """The duty roster in scope (current and coming shifts) and a form to add a shift."""
    form = ShiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            area = _area_in_scope(request.user, data["area_code"])
            user = None
            if data["username"]:
                user = selectors.staff_by_username(username=data["username"])
                if user is None:
                    raise DomainError(
                        "alarm_shift_user", _("No staff member has this user name."), field="username"
                    )
            services.add_duty_shift(
                actor=request.user,
                area=area,
                kind=data["kind"],
                starts_at=_aware(data["starts_at"]),
                ends_at=_aware(data["ends_at"]),
                user=user,
                name=data["name"],
                phone=data["phone"],
            )
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, _("The shift was added."))
            return redirect("alarms:shifts")
    shifts = [
        (shift, mask_phone(str(shift.phone))) for shift in selectors.shifts_in_scope(request.user)[:300]
    ]
    return render(request, "alarms/shifts.html", {"form": form, "shifts": shifts, "now": timezone.now()})


@staff_required(MANAGE)
@require_POST
def shift_end(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = access_shift(request.user, shift_id)
    services.end_duty_shift(actor=request.user, shift=shift)
    messages.success(request, _("The shift was ended."))
    return redirect("alarms:shifts")


def _resident_in_scope(user: Any, resident_id: int | None) -> Any:
    if resident_id is None:
        return None
    resident = selectors.resident_in_scope(user=user, resident_id=resident_id, capability=MANAGE)
    if resident is None:
        raise DomainError(
            "alarm_resident_scope", _("No resident with this number in your area."), field="resident_id"
        )
    return resident


def _save_responder_from(request: HttpRequest, form: ResponderForm, responder: Any = None) -> bool:
    data = form.cleaned_data
    try:
        services.save_responder(
            actor=request.user,
            area=_area_in_scope(request.user, data["area_code"]),
            kind=data["kind"],
            name=data["name"],
            phone=data["phone"],
            resident=_resident_in_scope(request.user, data["resident_id"]),
            relation=data["relation"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            responder=responder,
        )
    except DomainError as error:
        add_error_to_form(form, error)
        return False
    return True


@staff_required(MANAGE)
def responder_list(request: HttpRequest) -> HttpResponse:
    """Neighbours, volunteers and family contacts in scope, and a form to add one."""
    form = ResponderForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _save_responder_from(request, form):
        messages.success(request, _("The responder was saved."))
        return redirect("alarms:responders")
    responders = [(r, mask_phone(str(r.phone))) for r in selectors.responders_in_scope(request.user)[:500]]
    return render(request, "alarms/responders.html", {"form": form, "responders": responders})


@staff_required(MANAGE)
def responder_edit(request: HttpRequest, responder_id: int) -> HttpResponse:
    responder = access_responder(request.user, responder_id)
    initial = {
        "area_code": responder.area_code,
        "kind": responder.kind,
        "name": responder.name,
        "resident_id": responder.resident_id,
        "relation": responder.relation,
        "latitude": responder.latitude,
        "longitude": responder.longitude,
    }
    form = ResponderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _save_responder_from(request, form, responder):
        messages.success(request, _("The responder was saved."))
        return redirect("alarms:responders")
    context = {"form": form, "responder": responder, "phone": mask_phone(str(responder.phone))}
    return render(request, "alarms/responder_edit.html", context)


@staff_required(MANAGE)
@require_POST
def responder_remove(request: HttpRequest, responder_id: int) -> HttpResponse:
    responder = access_responder(request.user, responder_id)
    services.deactivate_responder(actor=request.user, responder=responder)
    messages.success(request, _("The responder was removed."))
    return redirect("alarms:responders")


@staff_required(MANAGE)
def device_list(request: HttpRequest) -> HttpResponse:
    """Alarm devices in scope; registering one shows its secret once, for the installer."""
    form = DeviceForm(request.POST or None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            resident = _resident_in_scope(request.user, form.cleaned_data["resident_id"])
            _device, secret = services.register_device(
                actor=request.user,
                resident=resident,
                device_id=form.cleaned_data["device_id"],
                label=form.cleaned_data["label"],
            )
        except DomainError as error:
            add_error_to_form(form, error)
        else:
            form = DeviceForm()
    devices = selectors.devices_in_scope(request.user)[:500]
    return render(request, "alarms/devices.html", {"form": form, "devices": devices, "secret": secret})


@staff_required(MANAGE)
@require_POST
def device_remove(request: HttpRequest, device_pk: int) -> HttpResponse:
    device = access_device(request.user, device_pk)
    services.deactivate_device(actor=request.user, device=device)
    messages.success(request, _("The device was removed."))
    return redirect("alarms:devices")


# --- report ---------------------------------------------------------------------------------------


@staff_required(Capability.VIEW_CARE_REPORTS)
def report(request: HttpRequest) -> HttpResponse:
    """Acknowledgement times per area and month against 97.5% within 60 s and 99% within 180 s."""
    form = ReportForm(request.GET or None)
    months, level = 3, 12
    if form.is_valid():
        months = form.cleaned_data["months"] or 3
        level = form.cleaned_data["level"] or 12
    now = timezone.now().astimezone(LOCAL)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for _i in range(months - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    rows = acknowledgement_report(
        request.user, since=start, until=now + dt.timedelta(seconds=1), level_length=level
    )
    context = {
        "form": form,
        "rows": rows,
        "target_60": TARGET_60,
        "target_180": TARGET_180,
        "since": start,
    }
    return render(request, "alarms/report.html", context)
