"""The resident's alarm button: one tap raises the alarm at once (stored before the answer, so a dropped phone
still calls for help), then a short window to cancel a mistaken press, then the alarm's state as it changes.

Plain forms work without JavaScript (the state page refreshes itself); with htmx the state refreshes in place.
"""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.accounts.access import resident_required
from linli.alarms import selectors
from linli.alarms.access import access_own_alarm
from linli.alarms.models import LIVE_STATUSES, Alarm, AlarmStatus, TriggerSource
from linli.alarms.services import cancel_alarm, cancel_window_seconds, trigger_alarm
from linli.core.errors import DomainError
from linli.registry.models import Resident
from linli.registry.selectors import residents_for_phone_account


def alarm_state(alarm: Alarm, now: dt.datetime) -> str:
    """What the resident is told: cancellable still, help being called, answered, closed or cancelled."""
    if alarm.status == AlarmStatus.PENDING and now < alarm.escalation_starts_at:
        return "window"
    if alarm.status in (AlarmStatus.PENDING, AlarmStatus.OPEN):
        return "calling"
    return str(alarm.status)


def _chosen_person(request: HttpRequest, persons: list[Resident]) -> Resident | None:
    """The person the alarm is for: one phone may belong to several registered people (a couple)."""
    chosen = request.POST.get("for", "")
    for person in persons:
        if str(person.pk) == chosen:
            return person
    return persons[0] if persons else None


@resident_required
def help_page(request: HttpRequest) -> HttpResponse:
    """GET: the big button (and any alarm still running). POST: raise the alarm now, then show its state."""
    user: Any = request.user
    persons = residents_for_phone_account(user=user)
    if request.method == "POST":
        person = _chosen_person(request, persons)
        if person is None:
            raise Http404
        try:
            alarm = trigger_alarm(
                source=TriggerSource.BUTTON,
                resident=person,
                actor=user,
                cancel_window_seconds=cancel_window_seconds(),
            )
        except DomainError as error:
            messages.error(request, str(error.message))
            return redirect("alarms:help")
        return redirect("alarms:help_alarm", alarm_id=alarm.pk)
    running = selectors.my_open_alarm(user)
    return render(
        request,
        "alarms/resident/help.html",
        {"persons": persons, "running": running, "window_seconds": cancel_window_seconds()},
    )


@resident_required
def help_alarm(request: HttpRequest, alarm_id: int) -> HttpResponse:
    """The alarm's state for the resident; htmx asks again every few seconds while it is live."""
    alarm = access_own_alarm(request.user, alarm_id)
    now = timezone.now()
    state = alarm_state(alarm, now)
    seconds_left = max(0.0, (alarm.escalation_starts_at - now).total_seconds())
    context = {
        "alarm": alarm,
        "state": state,
        "seconds_left": seconds_left,
        # While the window runs, ask once when it has passed (a poll would redraw the Cancel button mid-tap).
        "refresh_ms": int(seconds_left * 1000) + 300,
        "live": alarm.status in LIVE_STATUSES,
    }
    if request.headers.get("HX-Request"):
        return render(request, "alarms/resident/_state.html", context)
    return render(request, "alarms/resident/alarm.html", context)


@require_POST
@resident_required
def help_cancel(request: HttpRequest, alarm_id: int) -> HttpResponse:
    """Cancel a mistaken press inside the window; afterwards help has been called and this is refused."""
    alarm = access_own_alarm(request.user, alarm_id)
    try:
        cancel_alarm(alarm=alarm, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("alarms:help_alarm", alarm_id=alarm.pk)
