"""Deadlines on the official calendar: the 2026 Spring Festival and its adjusted Saturdays (调休)."""

import datetime as dt

import pytest

from linli.core.selectors import calendar_overrides
from linli.core.workdays import CalendarNotPublished
from linli.servicedesk import sla

BEIJING = sla.LOCAL


@pytest.fixture
def overrides(db):
    return calendar_overrides()


def at(y, m, d, hour=10):
    return dt.datetime(y, m, d, hour, 0, tzinfo=BEIJING)


def test_ten_working_days_from_before_the_spring_festival_skip_the_holiday_and_count_the_saturday(overrides):
    # Thu 12 Feb 2026: Fri 13 (1), Sat 14 adjusted (2), holiday 15–23, Tue 24 … Fri 27 (3–6),
    # Sat 28 adjusted (7), Mon 2 – Wed 4 Mar (8–10).
    due = sla.due_time(at(2026, 2, 12), 10, "workdays", overrides)
    assert due == dt.datetime(2026, 3, 4, 18, 0, tzinfo=BEIJING)


def test_one_working_day_from_friday_before_the_festival_is_the_adjusted_saturday(overrides):
    due = sla.due_time(at(2026, 2, 13, 16), 1, "workdays", overrides)
    assert due == dt.datetime(2026, 2, 14, 18, 0, tzinfo=BEIJING)


def test_an_application_on_a_holiday_counts_from_the_first_day_back(overrides):
    due = sla.due_time(at(2026, 2, 17), 1, "workdays", overrides)
    assert due.date() == dt.date(2026, 2, 24)


def test_the_adjusted_saturday_after_the_festival_is_counted(overrides):
    # Thu 26 Feb: Fri 27 (1), Sat 28 adjusted (2).
    assert sla.due_time(at(2026, 2, 26), 2, "workdays", overrides).date() == dt.date(2026, 2, 28)


def test_the_local_day_decides_not_the_utc_day(overrides):
    # 23:30 on Friday 13 Feb in Beijing is 15:30 UTC the same day; late evening still counts from the 13th.
    start = dt.datetime(2026, 2, 13, 15, 30, tzinfo=dt.UTC)
    assert sla.due_time(start, 1, "workdays", overrides).date() == dt.date(2026, 2, 14)
    # 00:30 on Saturday 14 Feb in Beijing is still Friday in UTC: the count starts from the 14th.
    start = dt.datetime(2026, 2, 13, 16, 30, tzinfo=dt.UTC)
    assert sla.due_time(start, 1, "workdays", overrides).date() == dt.date(2026, 2, 24)


def test_hours_are_counted_on_the_clock_through_the_holiday(overrides):
    start = at(2026, 2, 16, 9)
    assert sla.due_time(start, 8, "hours", overrides) == at(2026, 2, 16, 17)


def test_a_naive_start_is_refused(overrides):
    with pytest.raises(ValueError, match="aware"):
        sla.due_time(dt.datetime(2026, 2, 12, 10), 1, "workdays", overrides)  # noqa: DTZ001


def test_past_the_published_calendar_the_count_raises_or_guesses(overrides):
    with pytest.raises(CalendarNotPublished):
        sla.due_time(at(2026, 12, 28), 10, "workdays", overrides, covered_until=dt.date(2026, 12, 31))
    due, guessed = sla.due_time_or_guess(
        at(2026, 12, 28), 10, "workdays", overrides, covered_until=dt.date(2026, 12, 31)
    )
    assert guessed and due.date() > dt.date(2026, 12, 31)


def test_reminder_is_at_the_opening_of_the_due_day(overrides):
    start = at(2026, 2, 12)
    due = sla.due_time(start, 10, "workdays", overrides)
    assert sla.reminder_time(start, due, "workdays", overrides) == dt.datetime(
        2026, 3, 4, 9, 0, tzinfo=BEIJING
    )


def test_reminder_for_an_hours_limit_comes_with_a_quarter_left(overrides):
    start = at(2026, 3, 4, 8)
    due = sla.due_time(start, 24, "hours", overrides)
    assert sla.reminder_time(start, due, "hours", overrides) == at(2026, 3, 5, 2)


def test_rectification_is_due_fifteen_working_days_after_a_bad_rating(overrides):
    # Mon 9 Feb 2026: 10–13 (4), Sat 14 (5), 24–27 (9), Sat 28 (10), 2–6 Mar (15).
    assert sla.rectification_due(dt.date(2026, 2, 9), overrides) == dt.date(2026, 3, 6)


def test_hours_left_counts_towards_the_deadline():
    due = at(2026, 3, 4, 18)
    assert sla.hours_left(due, at(2026, 3, 4, 15)) == 3
    assert sla.hours_left(due, at(2026, 3, 4, 19)) == -1
    assert sla.is_overdue(due, at(2026, 3, 4, 19))
