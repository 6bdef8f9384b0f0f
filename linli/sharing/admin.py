from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin
from linli.sharing.models import AccessLog, ClientToken, DepartmentClient, Grant, GrantEvent

# Read-only: clients, tokens and grants change through the sharing pages, whose services check who may act
# and write the audit trail; the access log and grant history are appended, never edited.


@admin.register(DepartmentClient)
class DepartmentClientAdmin(ReadOnlyAdmin):
    list_display = ("department", "name", "area", "active", "created_at")
    list_filter = ("active", "department")


@admin.register(ClientToken)
class ClientTokenAdmin(ReadOnlyAdmin):
    list_display = ("prefix", "client", "created_at", "expires_at", "revoked_at", "last_used_at")
    exclude = ("key_hash",)


@admin.register(Grant)
class GrantAdmin(ReadOnlyAdmin):
    list_display = ("id", "client", "area", "status", "expires_at", "requested_by", "approved_by")
    list_filter = ("status",)


@admin.register(GrantEvent)
class GrantEventAdmin(ReadOnlyAdmin):
    list_display = ("grant", "from_status", "to_status", "actor", "at")


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "client", "grant", "endpoint", "record_count", "status_code", "refusal")
    list_filter = ("endpoint", "status_code")
