"""Working-day arithmetic on China's official calendar (调休 included). Pure functions: no ORM.

``overrides`` maps a date to whether it is a working day where that differs from the rule
"Monday to Friday work, Saturday and Sunday rest": statutory holidays and adjusted workdays.
"""

from collections.abc import Mapping
from datetime import date, timedelta

Overrides = Mapping[date, bool]


def is_workday(day: date, overrides: Overrides) -> bool:
    """A day works if the calendar says so, else Monday to Friday."""
    if day in overrides:
        return overrides[day]
    return day.weekday() < 5


class CalendarNotPublished(ValueError):
    """The count ran past the last year whose official calendar is known (it is published each winter)."""


def add_workdays(start: date, days: int, overrides: Overrides, *, covered_until: date | None = None) -> date:
    """The date that is ``days`` working days after ``start`` (the start day itself is not counted).

    This is how an SLA of N working days is read: an application made on any day is due at the end
    of the N-th working day after it. With ``covered_until``, counting past that date raises
    CalendarNotPublished instead of guessing that next year's holidays fall on no weekday.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if covered_until is not None and current > covered_until:
            raise CalendarNotPublished(f"the working-day calendar ends on {covered_until.isoformat()}")
        if is_workday(current, overrides):
            remaining -= 1
    return current


def workdays_between(start: date, end: date, overrides: Overrides) -> int:
    """Working days in (start, end]: how many working days have passed from ``start`` to ``end``."""
    if end <= start:
        return 0
    return sum(
        1 for offset in range(1, (end - start).days + 1) if is_workday(start + timedelta(offset), overrides)
    )
