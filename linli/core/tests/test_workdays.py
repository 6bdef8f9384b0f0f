import datetime as dt

import pytest

from linli.core.selectors import calendar_overrides
from linli.core.services import seed_calendar_from_package, set_calendar_day
from linli.core.workdays import add_workdays, is_workday, workdays_between


@pytest.fixture
def overrides(db):
    return calendar_overrides()


def test_spring_festival_2026_days_are_not_working_days(overrides):
    # 2026 Spring Festival holiday: 15–23 February (State Council notice).
    for day in range(15, 24):
        assert not is_workday(dt.date(2026, 2, day), overrides)


def test_adjusted_saturday_is_a_working_day(overrides):
    # 2026-02-28 (Saturday) and 2026-02-14 (Saturday) are adjusted workdays (调休).
    assert is_workday(dt.date(2026, 2, 28), overrides)
    assert is_workday(dt.date(2026, 2, 14), overrides)
    assert not is_workday(dt.date(2026, 3, 1), overrides)  # an ordinary Sunday


def test_three_working_days_from_the_friday_before_the_festival(overrides):
    # Fri 13 Feb → Sat 14 (adjusted workday) = 1, then the holiday to 23 Feb, Tue 24 = 2, Wed 25 = 3.
    assert add_workdays(dt.date(2026, 2, 13), 3, overrides) == dt.date(2026, 2, 25)


def test_counting_across_the_adjusted_saturday_after_the_festival(overrides):
    # Thu 26 Feb → Fri 27 = 1, Sat 28 (adjusted) = 2, Mon 2 Mar = 3.
    assert add_workdays(dt.date(2026, 2, 26), 3, overrides) == dt.date(2026, 3, 2)
    assert workdays_between(dt.date(2026, 2, 26), dt.date(2026, 3, 2), overrides) == 3


def test_fifteen_working_days_is_the_rectification_deadline(overrides):
    # A bad rating given on Mon 9 Feb 2026 must be rectified by... 10–13 (4), 14 Sat adj (5), 24–27 (9),
    # 28 Sat adj (10), 2–6 Mar (15).
    assert add_workdays(dt.date(2026, 2, 9), 15, overrides) == dt.date(2026, 3, 6)


def test_zero_days_is_the_same_day_and_negative_is_refused():
    assert add_workdays(dt.date(2026, 1, 5), 0, {}) == dt.date(2026, 1, 5)
    with pytest.raises(ValueError, match="negative"):
        add_workdays(dt.date(2026, 1, 5), -1, {})


def test_an_administrator_edit_survives_reseeding(db, django_user_model):
    admin = django_user_model.objects.create(username="admin1")
    set_calendar_day(actor=admin, date=dt.date(2026, 2, 28), is_workday=False, name="本区调整")

    seed_calendar_from_package()

    assert calendar_overrides()[dt.date(2026, 2, 28)] is False


def test_counting_past_the_published_calendar_is_refused_not_guessed(overrides):
    from linli.core.selectors import calendar_covered_until
    from linli.core.workdays import CalendarNotPublished

    covered = calendar_covered_until()
    assert covered is not None and covered.month == 12 and covered.day == 31

    with pytest.raises(CalendarNotPublished):
        add_workdays(covered - dt.timedelta(days=2), 5, overrides, covered_until=covered)
    assert add_workdays(dt.date(covered.year, 6, 1), 5, overrides, covered_until=covered).year == covered.year


def test_an_administrator_extends_the_calendar_into_the_next_year(db, django_user_model):
    from linli.core.selectors import calendar_covered_until

    admin = django_user_model.objects.create(username="admin2")
    covered = calendar_covered_until()
    assert covered is not None
    set_calendar_day(actor=admin, date=dt.date(covered.year + 1, 1, 1), is_workday=False, name="元旦")

    assert calendar_covered_until() == dt.date(covered.year + 1, 12, 31)
