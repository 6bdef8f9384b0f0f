"""The workers' alarm console: live alarms on a list and a map, one alarm with its timeline and actions, and
an alarm entered by hand for a phone call.

The list refreshes by htmx polling a fragment every second. Each poll sends the version of the list it shows
(a digest of the live alarms' id, status, step and trigger count, read from the partial index of live
alarms); when nothing changed the answer is an empty 204 and nothing is rendered. Polling was chosen over
server-sent events because it needs no long-lived connection per open console (the ASGI server runs few
workers, and SQLite has no notifications to wait on), survives proxies and reconnects by itself, and one
indexed query a second per open console is cheap.
"""

import datetime as dt
import hashlib
import os
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from linli.accounts.access import staff_required
from linli.accounts.roles import Capability
from linli.alarms import selectors, services
from linli.alarms.access import access_alarm
from linli.alarms.models import (
    LIVE_STATUSES,
    UNANSWERED_STATUSES,
    AckVia,
    Alarm,
    AlarmEvent,
    AlarmEventKind,
    AlarmOutcome,
    AlarmStatus,
    StepKind,
    TriggerSource,
)
from linli.core.errors import DomainError, add_error_to_form
from linli.core.models import Area
from linli.core.phones import mask_phone, normalize_mobile
from linli.registry.models import Resident

RESPOND = Capability.RESPOND_ALARMS


# --- the console -----------------------------------------------------------------------------------


def in_window(alarm_status: str, starts: dt.datetime, now: dt.datetime) -> bool:
    """Raised with the button and still inside the resident's cancel window."""
    return alarm_status == AlarmStatus.PENDING and now < starts


def console_version(user: Any, now: dt.datetime) -> str:
    """A digest of what the console list shows: changes when an alarm comes, goes, or changes state."""
    text = "|".join(
        f"{pk}:{status}:{step}:{count}:{int(in_window(status, starts, now))}"
        for pk, status, step, count, starts in selectors.live_alarm_states(user=user)
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _elapsed(seconds: int) -> str:
    minutes, rest = divmod(max(0, seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{rest:02d}" if hours else f"{minutes}:{rest:02d}"


def _step_label(kind: str) -> str:
    return str(StepKind(kind).label) if kind in StepKind.values else kind


def console_rows(user: Any, now: dt.datetime) -> list[dict[str, Any]]:
    """Live alarms in scope, those nobody answered first, newest first within each group."""
    alarms = selectors.live_alarms(user)
    runs = selectors.step_kinds(alarms=alarms)
    rows = []
    for alarm in alarms:
        row = selectors.alarm_summary(alarm, now=now)
        if in_window(alarm.status, alarm.escalation_starts_at, now):
            step = _("Cancel window")
        elif alarm.current_step >= 0:
            kind = runs.get((alarm.pk, alarm.current_step), "")
            step = _("Step %(number)s: %(kind)s") % {
                "number": alarm.current_step + 1,
                "kind": _step_label(kind),
            }
        else:
            step = _("Starting")
        row.update(
            step_label=step,
            answered=alarm.status not in UNANSWERED_STATUSES,
            elapsed=_elapsed(row["waiting_seconds"]),
            url=reverse("alarms:console_alarm", args=[alarm.pk]),
        )
        rows.append(row)
    rows.sort(key=lambda r: r["answered"])  # stable: newest first within each group
    return rows


def map_points(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": r["id"],
            "number": r["number"],
            "name": r["resident_name"],
            "status": r["status"],
            "status_label": r["status_label"],
            "lat": r["latitude"],
            "lon": r["longitude"],
            "url": r["url"],
        }
        for r in rows
        if r["latitude"] is not None and r["longitude"] is not None
    ]


def map_bounds(user: Any) -> list[list[float]] | None:
    """The box around the buildings of the user's area, else around its areas' centres; None if unknown."""
    box = selectors.scope_box(user=user)
    if box is None:
        return None
    south, west, north, east = box
    pad = 0.002
    return [[south - pad, west - pad], [north + pad, east + pad]]


def _tile_setting(name: str) -> str:
    return str(getattr(settings, name, "") or os.environ.get(name, ""))


def _live_context(user: Any) -> dict[str, Any]:
    now = timezone.now()
    rows = console_rows(user, now)
    return {
        "rows": rows,
        "points": map_points(rows),
        "version": console_version(user, now),
        "live_url": reverse("alarms:console_live"),
    }


@staff_required(RESPOND)
def console(request: HttpRequest) -> HttpResponse:
    """Live alarms in the worker's area, on a list and a map, updated without a reload."""
    context = _live_context(request.user)
    context["map"] = {
        # No tile server is needed: markers on a blank map with the area's bounds, unless one is configured.
        "tiles": _tile_setting("LINLI_MAP_TILE_URL"),
        "attribution": _tile_setting("LINLI_MAP_TILE_ATTRIBUTION"),
        "bounds": map_bounds(request.user),
    }
    return render(request, "alarms/console/console.html", context)


@staff_required(RESPOND)
def console_live(request: HttpRequest) -> HttpResponse:
    """The list fragment; 204 (no body, nothing swapped) while the version the console shows is current."""
    if request.GET.get("v") == console_version(request.user, timezone.now()):
        return HttpResponse(status=204)
    return render(request, "alarms/console/_live.html", _live_context(request.user))


# --- one alarm -------------------------------------------------------------------------------------


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("What happened"), choices=AlarmOutcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


def _event_detail(event: AlarmEvent) -> str:
    data = event.data or {}
    kind = event.kind
    if kind in (AlarmEventKind.TRIGGERED, AlarmEventKind.TRIGGER_JOINED):
        source = str(data.get("source", ""))
        parts = [str(TriggerSource(source).label) if source in TriggerSource.values else source]
        if data.get("note"):
            parts.append(str(data["note"]))
        return " · ".join(p for p in parts if p)
    if kind in (
        AlarmEventKind.STEP_STARTED,
        AlarmEventKind.STEP_SKIPPED_NO_RESPONDER,
        AlarmEventKind.NOTIFIED,
    ):
        text = _step_label(str(data.get("kind", "")))
        if kind == AlarmEventKind.STEP_STARTED and "recipients" in data:
            text += " · " + _("%(count)s notified") % {"count": data["recipients"]}
        return text
    if kind == AlarmEventKind.ACKNOWLEDGED:
        via = str(data.get("via", ""))
        text = str(AckVia(via).label) if via in AckVia.values else via
        if data.get("seconds") is not None:
            text += " · " + _("after %(seconds)s s") % {"seconds": round(float(data["seconds"]))}
        return text
    if kind == AlarmEventKind.OUTCOME:
        outcome = str(data.get("outcome", ""))
        text = str(AlarmOutcome(outcome).label) if outcome in AlarmOutcome.values else outcome
        return f"{text} · {data['note']}" if data.get("note") else text
    if kind == AlarmEventKind.NOTE:
        return str(data.get("text", ""))
    return ""


def timeline_rows(alarm: Alarm) -> list[dict[str, Any]]:
    """Every event of the alarm, with who (as labelled, never a phone) and what."""
    rows = []
    for event in selectors.timeline(alarm):
        who = event.label or (services.user_label(event.actor) if event.actor is not None else "")
        kind = str(AlarmEventKind(event.kind).label) if event.kind in AlarmEventKind.values else event.kind
        rows.append(
            {
                "at": event.at,
                "kind": event.kind,
                "kind_label": kind,
                "step": event.step + 1 if event.step is not None and event.step >= 0 else None,
                "who": who,
                "detail": _event_detail(event),
            }
        )
    return rows


def alarm_version(alarm: Alarm) -> str:
    """Changes with every new line on the timeline (and with the status)."""
    count, last = selectors.timeline_mark(alarm=alarm)
    return f"{alarm.status}-{count}-{last}"


def _person(alarm: Alarm) -> dict[str, Any]:
    """Who needs help, with the phone masked; the household's address, and the family contacts (masked)."""
    resident = alarm.resident
    if resident is None:
        return {
            "name": alarm.caller_name or _("Unknown caller"),
            "phone": mask_phone(alarm.caller_phone) if alarm.caller_phone else "",
            "address": alarm.location_text,
            "age": None,
            "family": [],
            "registered": False,
        }
    household = resident.household
    today = timezone.localdate()
    birth = resident.birth_date
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day)) if birth else None
    return {
        "name": resident.name,
        "phone": mask_phone(resident.phone) if resident.phone else "",
        "address": str(household) if household is not None else alarm.location_text,
        "age": age,
        "family": [
            {"name": f.name, "relation": f.relation, "phone": mask_phone(f.phone)}
            for f in selectors.family_contacts(resident=resident)
        ],
        "registered": True,
    }


def _alarm_context(alarm: Alarm) -> dict[str, Any]:
    return {
        "alarm": alarm,
        "events": timeline_rows(alarm),
        "version": alarm_version(alarm),
        "can_acknowledge": alarm.status in UNANSWERED_STATUSES,
        "is_live": alarm.status in LIVE_STATUSES,
        "in_window": in_window(alarm.status, alarm.escalation_starts_at, timezone.now()),
    }


@staff_required(RESPOND)
def alarm_page(request: HttpRequest, alarm_id: int) -> HttpResponse:
    """One alarm: the person and where, the timeline, and acknowledge / close / note."""
    alarm = access_alarm(request.user, alarm_id)
    if request.headers.get("HX-Request"):
        if request.GET.get("v") == alarm_version(alarm):
            return HttpResponse(status=204)
        return render(request, "alarms/console/_alarm_live.html", _alarm_context(alarm))
    context = _alarm_context(alarm)
    context.update(
        person=_person(alarm),
        steps=[
            {
                "number": s.step_index + 1,
                "kind": _step_label(s.kind),
                "due_at": s.due_at,
                "state": s.get_state_display(),
            }
            for s in selectors.step_runs(alarm=alarm)
        ],
        notices=selectors.notices(alarm),
        close_form=CloseForm(),
        note_form=NoteForm(),
    )
    return render(request, "alarms/console/alarm.html", context)


def _back(request: HttpRequest, alarm: Alarm) -> HttpResponse:
    if request.POST.get("next") == "console":
        return redirect("alarms:console")
    return redirect("alarms:console_alarm", alarm_id=alarm.pk)


@require_POST
@staff_required(RESPOND)
def acknowledge(request: HttpRequest, alarm_id: int) -> HttpResponse:
    """The worker has the alarm in hand: further escalation steps stop (the first acknowledgement counts)."""
    alarm = access_alarm(request.user, alarm_id)
    before = alarm.status
    alarm = services.acknowledge_alarm(alarm=alarm, via=AckVia.CONSOLE, user=request.user)
    if before in UNANSWERED_STATUSES:
        messages.success(request, _("Alarm %(number)s acknowledged.") % {"number": alarm.number})
    elif alarm.acknowledged_by_label:
        messages.info(
            request,
            _("Already acknowledged by %(who)s.") % {"who": alarm.acknowledged_by_label},
        )
    return _back(request, alarm)


@require_POST
@staff_required(RESPOND)
def call_back(request: HttpRequest, alarm_id: int) -> HttpResponse:
    """The full number of whoever needs help, to call them back; the reveal is audited."""
    alarm = access_alarm(request.user, alarm_id)
    try:
        phone = services.reveal_phone_to_call_back(alarm=alarm, actor=request.user)
    except DomainError as error:
        context: dict[str, Any] = {"alarm": alarm, "error": error.message}
        status = 400
    else:
        context, status = {"alarm": alarm, "phone": phone}, 200
    # Under htmx the number replaces the button; without script, a small page shows it.
    template = "_call_back.html" if request.headers.get("HX-Request") else "call_back.html"
    return render(request, f"alarms/console/{template}", context, status=status)


@require_POST
@staff_required(RESPOND)
def close(request: HttpRequest, alarm_id: int) -> HttpResponse:
    alarm = access_alarm(request.user, alarm_id)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.close_alarm(
                alarm=alarm,
                actor=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Alarm %(number)s closed.") % {"number": alarm.number})
    else:
        messages.error(request, _("Please choose what happened."))
    return redirect("alarms:console_alarm", alarm_id=alarm.pk)


@require_POST
@staff_required(RESPOND)
def note(request: HttpRequest, alarm_id: int) -> HttpResponse:
    alarm = access_alarm(request.user, alarm_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_note(alarm=alarm, actor=request.user, text=form.cleaned_data["text"])
        except DomainError as error:
            messages.error(request, str(error.message))
    else:
        messages.error(request, _("Please write the note."))
    return redirect("alarms:console_alarm", alarm_id=alarm.pk)


# --- a phone call entered by hand ------------------------------------------------------------------


def _resident_in_scope(user: Any, resident_id: str) -> Resident:
    """The resident picked from the search, if in the worker's alarm scope; else 404, as for a made-up id."""
    if not resident_id.isdigit():
        raise Http404
    resident = selectors.resident_in_scope(user=user, resident_id=int(resident_id), capability=RESPOND)
    if resident is None:
        raise Http404
    return resident


class SearchForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name (or its first characters)"), max_length=64, required=False
    )
    last4 = forms.RegexField(
        label=gettext_lazy("Last 4 digits of the phone (optional)"),
        regex=r"^\d{4}$",
        required=False,
        error_messages={"invalid": gettext_lazy("Enter 4 digits.")},
    )


class UnknownCallerForm(forms.Form):
    area = forms.ModelChoiceField(label=gettext_lazy("Area"), queryset=Area.objects.none())
    location_text = forms.CharField(label=gettext_lazy("Where is help needed"), max_length=200)
    caller_name = forms.CharField(
        label=gettext_lazy("Caller's name (if given)"), max_length=64, required=False
    )
    caller_phone = forms.CharField(
        label=gettext_lazy("Caller's phone (if known)"), max_length=20, required=False
    )
    note = forms.CharField(
        label=gettext_lazy("What the caller said"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["area"]
        field.queryset = selectors.areas_for_call(user=user)

    def clean_caller_phone(self) -> str:
        raw = str(self.cleaned_data.get("caller_phone", "")).strip()
        if not raw:
            return ""
        try:
            return normalize_mobile(raw)
        except DomainError as error:
            raise forms.ValidationError(str(error.message)) from error


@staff_required(RESPOND)
def console_new(request: HttpRequest) -> HttpResponse:
    """A phone call: find the caller among the residents of the area, or record an unknown caller's place."""
    user: Any = request.user
    search = SearchForm(request.GET or None)
    unknown = UnknownCallerForm(user=user)
    if request.method == "POST":
        note_text = request.POST.get("note", "").strip()[:500]
        if request.POST.get("who") == "resident":
            resident = _resident_in_scope(user, request.POST.get("resident", ""))
            alarm = services.trigger_alarm(
                source=TriggerSource.MANUAL, resident=resident, actor=user, note=note_text
            )
            return _raised(request, alarm)
        unknown = UnknownCallerForm(request.POST, user=user)
        if unknown.is_valid():
            data = unknown.cleaned_data
            try:
                alarm = services.trigger_alarm(
                    source=TriggerSource.MANUAL,
                    actor=user,
                    area=data["area"],
                    caller_name=data["caller_name"],
                    caller_phone=data["caller_phone"],
                    location_text=data["location_text"],
                    note=data["note"],
                )
            except DomainError as error:
                add_error_to_form(unknown, error)
            else:
                return _raised(request, alarm)
    found: list[Resident] = []
    searched = False
    if search.is_valid() and search.cleaned_data["name"]:
        searched = True
        found = selectors.residents_for_call(
            user=user, name=search.cleaned_data["name"], last4=search.cleaned_data["last4"]
        )
    results = [
        {
            "resident": r,
            "phone": mask_phone(r.phone) if r.phone else "",
            "address": str(r.household) if r.household_id else "",
        }
        for r in found
    ]
    return render(
        request,
        "alarms/console/new.html",
        {"search": search, "results": results, "searched": searched, "unknown": unknown},
    )


def _raised(request: HttpRequest, alarm: Alarm) -> HttpResponse:
    if getattr(alarm, "was_joined", False):
        messages.info(
            request,
            _("This person's alarm %(number)s is already open: the call was added to it.")
            % {"number": alarm.number},
        )
    else:
        messages.success(request, _("Alarm %(number)s raised.") % {"number": alarm.number})
    return redirect("alarms:console_alarm", alarm_id=alarm.pk)
