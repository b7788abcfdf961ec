from django.contrib import admin

from banyan.party import models


@admin.register(models.PartyOrg)
class PartyOrgAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "parent", "community"]
    list_filter = ["level"]
    search_fields = ["name"]
    raw_id_fields = ["community", "parent", "cooperative"]


@admin.register(models.PartyMember)
class PartyMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "org", "phone_masked", "work_unit", "community"]
    list_filter = ["kind"]
    search_fields = ["name", "work_unit"]
    readonly_fields = ["id_number_masked", "phone_masked"]
    raw_id_fields = ["community", "grid", "org", "resident", "user"]
