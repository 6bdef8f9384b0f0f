"""Catalogue management in the admin: items with their fields and materials, queues, routing rules.

Cases, history and ratings are shown read-only: they change only through the services.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from linli.servicedesk.eligibility import parse_rule
from linli.servicedesk.models import (
    Case,
    CaseEvent,
    FormField,
    Material,
    Queue,
    Rating,
    RoutingRule,
    ServiceItem,
)
from linli.servicedesk.selectors import clear_calendar_cache


class FormFieldInline(admin.TabularInline[FormField, ServiceItem]):
    model = FormField
    extra = 0


class MaterialInline(admin.TabularInline[Material, ServiceItem]):
    model = Material
    extra = 0


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin[ServiceItem]):
    list_display = ("code", "name", "department", "sla_amount", "sla_unit", "is_proactive", "is_active")
    list_filter = ("department", "is_proactive", "is_location_based", "is_active")
    search_fields = ("code", "name", "name_en")
    inlines = (FormFieldInline, MaterialInline)

    def save_model(self, request: HttpRequest, obj: ServiceItem, form: Any, change: bool) -> None:
        parse_rule(obj.eligibility_rule)  # a rule that does not parse is refused before it is stored
        super().save_model(request, obj, form, change)
        clear_calendar_cache()


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin[Queue]):
    list_display = ("code", "name", "department")


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin[RoutingRule]):
    list_display = ("priority", "item", "area_prefix", "keywords", "queue", "handler", "is_active")


class ReadOnlyAdmin[M: Case | CaseEvent | Rating](admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin[Case]):
    list_display = ("number", "item", "status", "channel", "area_code", "due_at")
    list_filter = ("status", "channel")
    search_fields = ("number",)
    exclude = ("requester_phone", "requester_email", "requester_id_number")


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin[Rating]):
    list_display = ("case", "level", "rated_at")


# Open311 keys are managed beside the catalogue.
import linli.servicedesk.open311.admin  # noqa: E402, F401
