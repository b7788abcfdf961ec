from django.contrib import admin

from banyan.events.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The event log is append-only: readable here, never added, edited or deleted."""

    list_display = ["at", "user", "action", "model", "object_id", "object_repr", "note"]
    list_filter = ["action", "model"]
    search_fields = ["object_repr", "note", "user__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
