from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from banyan.accounts.models import RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ["district", "town", "community", "grid"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [RoleAssignmentInline]
    list_display = ["username", "display_name", "is_active", "is_superuser"]
    fieldsets = [*BaseUserAdmin.fieldsets, ("Banyan", {"fields": ["display_name"]})]
