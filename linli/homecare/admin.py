"""Service types are data, edited in the admin. Providers, orders and ratings are shown read-only: they
change only through the services (and the providers' screens)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from linli.homecare.models import Order, OrderRating, Provider, ServiceType


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin[ServiceType]):
    list_display = ("code", "name", "name_en", "order", "is_active")
    list_editable = ("order", "is_active")


class ReadOnlyAdmin[M: Provider | Order | OrderRating](admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Provider)
class ProviderAdmin(ReadOnlyAdmin[Provider]):
    list_display = ("name", "area_code", "is_active")
    exclude = ("phone",)


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin[Order]):
    list_display = ("number", "service_type", "provider", "status", "area_code", "starts_at")
    list_filter = ("status", "channel")
    search_fields = ("number",)
    exclude = ("address", "phone", "link_key")


@admin.register(OrderRating)
class OrderRatingAdmin(ReadOnlyAdmin[OrderRating]):
    list_display = ("order", "provider", "level", "rated_at")
