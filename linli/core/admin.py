from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from linli.core.models import Area, AuditEvent, CalendarDay
from linli.core.services import set_calendar_day


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """History is appended by the services only: the admin may read it, never change it."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "level", "kind")
    list_filter = ("level", "kind")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Administrators extend the official calendar (e.g. next year's notice) or correct a day."""

    list_display = ("date", "is_workday", "name", "source")
    list_filter = ("is_workday", "source")
    date_hierarchy = "date"
    fields = ("date", "is_workday", "name")

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        saved = set_calendar_day(actor=request.user, date=obj.date, is_workday=obj.is_workday, name=obj.name)
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor", "action", "object_type", "object_id", "area_code", "reason")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "area_code", "reason")
