"""Admin of Open311: apps and their keys, each item's request type, and the reports received.

Imported by ``linli/servicedesk/admin.py``. Every change goes through the services of this package, which
check who may act and write the audit trail; keys are shown once, when issued, and never again.
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linli.core.admin import ReadOnlyAdmin
from linli.core.errors import DomainError
from linli.servicedesk.open311 import services
from linli.servicedesk.open311.models import Open311ApiKey, Open311App, Open311Report, Open311Service


@admin.register(Open311App)
class Open311AppAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "contact", "active", "created_at")
    list_filter = ("active",)
    fields = ("name", "contact")
    actions = ("issue_key", "deactivate", "activate")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Open311App, form: Any, change: bool) -> None:
        app = services.register_app(actor=request.user, name=obj.name, contact=obj.contact)
        obj.pk = app.pk

    @admin.action(description=_("Issue a new API key (shown once)"))
    def issue_key(self, request: HttpRequest, queryset: QuerySet[Open311App]) -> None:
        for app in queryset:
            try:
                key = services.issue_api_key(actor=request.user, app=app)[1]
            except DomainError as error:
                self.message_user(request, str(error.message), messages.ERROR)
                return
            self.message_user(
                request,
                gettext("New api_key for %(app)s (copy it now, it is not shown again): %(key)s")
                % {"app": app.name, "key": key},
                messages.WARNING,
            )

    @admin.action(description=_("Stop the selected apps"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Open311App]) -> None:
        for app in queryset:
            services.set_app_active(actor=request.user, app=app, active=False)

    @admin.action(description=_("Restart the selected apps"))
    def activate(self, request: HttpRequest, queryset: QuerySet[Open311App]) -> None:
        for app in queryset:
            services.set_app_active(actor=request.user, app=app, active=True)


@admin.register(Open311ApiKey)
class Open311ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ("prefix", "app", "created_at", "last_used_at", "revoked_at")
    list_filter = ("app",)
    exclude = ("key_hash",)
    actions = ("revoke",)

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Open311ApiKey]) -> None:
        for api_key in queryset:
            services.revoke_api_key(actor=request.user, api_key=api_key)


@admin.register(Open311Service)
class Open311ServiceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("item", "request_type")
    list_filter = ("request_type",)
    raw_id_fields = ("item",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Open311Service, form: Any, change: bool) -> None:
        setting = services.set_request_type(actor=request.user, item=obj.item, request_type=obj.request_type)
        obj.pk = setting.pk


@admin.register(Open311Report)
class Open311ReportAdmin(ReadOnlyAdmin):
    list_display = ("token", "case", "app", "created_at")
    list_filter = ("app",)
    # The reporter's device and account ids are personal data: not shown here.
    fields = ("token", "case", "app", "created_at")
