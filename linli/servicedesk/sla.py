"""Deadline arithmetic of the service desk. Pure functions: no ORM; the calendar comes in as data.

An SLA of N working days ends at the close of the N-th working day after the day of submission, on the
official calendar (holidays and adjusted workdays, 调休). An SLA in hours is counted on the clock: it
is for urgent reports (a missing manhole cover) that do not wait for Monday.
"""

import datetime as dt
import math
from zoneinfo import ZoneInfo

from linli.core.workdays import CalendarNotPublished, Overrides, add_workdays, is_workday

LOCAL = ZoneInfo("Asia/Shanghai")
# The close of a working day: a case due "on day N" may be finished until then.
CLOSE_OF_DAY = dt.time(18, 0)
# Reminders go out at the opening of a day.
START_OF_DAY = dt.time(9, 0)
# Bad ratings are rectified within 15 working days (国办发〔2019〕51号).
RECTIFICATION_WORKDAYS = 15


def due_time(
    start: dt.datetime,
    amount: int,
    unit: str,
    overrides: Overrides,
    *,
    covered_until: dt.date | None = None,
) -> dt.datetime:
    """When a case started at ``start`` is due, as an aware datetime (in Asia/Shanghai).

    Raises CalendarNotPublished when a working-day count runs past ``covered_until``.
    """
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    if unit == "hours":
        return (start + dt.timedelta(hours=amount)).astimezone(LOCAL)
    local_day = start.astimezone(LOCAL).date()
    day = add_workdays(local_day, amount, overrides, covered_until=covered_until)
    return dt.datetime.combine(day, CLOSE_OF_DAY, tzinfo=LOCAL)


def due_time_or_guess(
    start: dt.datetime, amount: int, unit: str, overrides: Overrides, *, covered_until: dt.date | None
) -> tuple[dt.datetime, bool]:
    """Like ``due_time``; past the published calendar it counts Monday to Friday and says it guessed."""
    try:
        return due_time(start, amount, unit, overrides, covered_until=covered_until), False
    except CalendarNotPublished:
        return due_time(start, amount, unit, overrides), True


def reminder_time(start: dt.datetime, due: dt.datetime, unit: str, overrides: Overrides) -> dt.datetime:
    """When the handler is reminded: the opening of the due day's working day, or with a quarter of an
    hours-SLA left (at least one hour before)."""
    if unit == "hours":
        quarter = max((due - start) / 4, dt.timedelta(hours=1))
        return max(start, due - quarter)
    local_due = due.astimezone(LOCAL)
    day = local_due.date()
    # A due day is a working day by construction; walk back if an administrator has since moved it.
    while not is_workday(day, overrides) and day > start.astimezone(LOCAL).date():
        day -= dt.timedelta(days=1)
    return max(start, dt.datetime.combine(day, START_OF_DAY, tzinfo=LOCAL))


def rectification_due(
    rated_on: dt.date, overrides: Overrides, *, covered_until: dt.date | None = None
) -> dt.date:
    """A bad rating is rectified within 15 working days of the rating."""
    try:
        return add_workdays(rated_on, RECTIFICATION_WORKDAYS, overrides, covered_until=covered_until)
    except CalendarNotPublished:
        return add_workdays(rated_on, RECTIFICATION_WORKDAYS, overrides)


def is_overdue(due: dt.datetime, now: dt.datetime) -> bool:
    return now > due


def hours_left(due: dt.datetime, now: dt.datetime) -> int:
    """Whole hours until ``due`` (negative when overdue), rounded towards the deadline."""
    seconds = (due - now).total_seconds()
    return math.floor(seconds / 3600) if seconds >= 0 else -math.ceil(-seconds / 3600)
