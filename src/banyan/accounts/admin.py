from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from banyan.accounts.models import PiiAudit, RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ["district", "town", "community", "grid"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [RoleAssignmentInline]
    list_display = ["username", "display_name", "is_active", "is_superuser"]
    fieldsets = [*BaseUserAdmin.fieldsets, ("Banyan", {"fields": ["display_name"]})]


@admin.register(PiiAudit)
class PiiAuditAdmin(admin.ModelAdmin):
    """The audit log is append-only: readable here, never edited or deleted."""

    list_display = ["at", "user", "action", "model", "object_id", "subject", "field", "rows", "reason"]
    list_filter = ["action", "model"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
