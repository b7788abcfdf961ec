"""The reference data of cases that superusers configure: time limits and the category tree. Each save and
deletion leaves its event, as a page's would."""

from django.contrib import admin

from banyan.cases import models
from banyan.events.models import Event
from banyan.events.services import deleted_changes, event_record, record_changes


class EventedAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        before = type(obj).objects.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        changes = record_changes(before, obj)
        if before is None or changes:
            event_record(by=request.user, action=Event.Action.CHANGED if change else Event.Action.CREATED,
                         obj=obj, changes=changes, note="admin")

    def delete_model(self, request, obj):
        event_record(by=request.user, action=Event.Action.DELETED, obj=obj, changes=deleted_changes(obj), note="admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(models.TimeLimit)
class TimeLimitAdmin(EventedAdmin):
    list_display = ["name", "code", "hours", "days", "working_days", "extension_days", "remind_before_hours"]


@admin.register(models.Category)
class CategoryAdmin(EventedAdmin):
    list_display = ["name", "code", "parent", "source", "time_limit", "public", "order"]
    list_filter = ["source", "public", "time_limit"]
    search_fields = ["name", "code"]
    raw_id_fields = ["parent"]
