"""Seed the working-day calendar from chinese_calendar (holidays and adjusted workdays)."""

from django.db import migrations


def seed(apps, schema_editor):
    import chinese_calendar

    CalendarDay = apps.get_model("core", "CalendarDay")
    days = {day: (False, str(name)) for day, name in chinese_calendar.holidays.items()}
    days.update({day: (True, str(name)) for day, name in chinese_calendar.workdays.items()})
    existing = set(CalendarDay.objects.values_list("date", flat=True))
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(date=day, is_workday=is_workday, name=name, source="chinese_calendar")
            for day, (is_workday, name) in sorted(days.items())
            if day not in existing
        ],
        batch_size=500,
    )


def unseed(apps, schema_editor):
    apps.get_model("core", "CalendarDay").objects.filter(source="chinese_calendar").delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_areas_audit_calendar_outbox")]
    operations = [migrations.RunPython(seed, unseed)]
