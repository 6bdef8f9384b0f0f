from django.contrib import admin

from linli.care.models import CarePlan, CareRule, Visit, Volunteer
from linli.core.admin import ReadOnlyAdmin


@admin.register(CareRule)
class CareRuleAdmin(ReadOnlyAdmin):
    """Rules are set on the rules page, through the service that brings the plans in line."""

    list_display = ("area_code", "tag", "max_level", "interval_days", "is_active", "updated_at")
    list_filter = ("tag", "is_active")
    search_fields = ("area_code",)


@admin.register(CarePlan)
class CarePlanAdmin(ReadOnlyAdmin):
    list_display = (
        "resident_id",
        "area_code",
        "interval_days",
        "assignee",
        "volunteer",
        "next_due",
        "ended_on",
    )
    list_filter = ("interval_days",)
    search_fields = ("area_code",)


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("plan_id", "area_code", "visited_on", "method", "outcome", "visitor")
    list_filter = ("outcome", "method")
    exclude = ("photo",)


@admin.register(Volunteer)
class VolunteerAdmin(ReadOnlyAdmin):
    list_display = ("name", "area_code", "is_active")
    exclude = ("phone",)
