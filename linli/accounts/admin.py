from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from linli.accounts.models import ApiToken, Membership, User


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0
    raw_id_fields = ("area",)


@admin.register(User)
class LinliUserAdmin(UserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "first_name", "kind", "is_active", "is_demo", "last_login")
    list_filter = ("kind", "is_active", "is_demo")
    inlines = (MembershipInline,)
    fieldsets = (
        (None, {"fields": ("username", "password", "first_name", "kind", "is_active", "is_demo")}),
        (_("Permissions"), {"fields": ("is_staff", "is_superuser")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "user", "name", "created_at", "last_used_at")
    fields = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")

    def has_add_permission(self, request: object) -> bool:
        return False
