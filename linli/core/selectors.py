"""Reads owned by core."""

import datetime as dt

from linli.core.models import CalendarDay, LocalSmsMessage
from linli.core.workdays import Overrides


def calendar_overrides(*, start: dt.date | None = None, end: dt.date | None = None) -> Overrides:
    """Holidays and adjusted workdays, as the pure working-day functions take them."""
    days = CalendarDay.objects.all()
    if start:
        days = days.filter(date__gte=start)
    if end:
        days = days.filter(date__lte=end)
    return dict(days.values_list("date", "is_workday"))


def calendar_covered_until() -> dt.date | None:
    """The last day of the last year the official calendar has entries for (None when it is empty)."""
    last = CalendarDay.objects.order_by("-date").values_list("date", flat=True).first()
    return dt.date(last.year, 12, 31) if last else None


def recent_local_sms(*, limit: int = 100) -> list[LocalSmsMessage]:
    return list(LocalSmsMessage.objects.all()[:limit])
