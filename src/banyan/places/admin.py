from django.contrib import admin

from banyan.places import models


@admin.register(models.District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(models.Town)
class TownAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "district"]
    list_filter = ["kind"]


@admin.register(models.Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "full_name", "kind", "town"]
    list_filter = ["kind", "town"]
    search_fields = ["name", "full_name", "code"]


@admin.register(models.Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent", "community"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    raw_id_fields = ["parent", "community", "cooperative"]


@admin.register(models.Cooperative, models.IndustrialPark, models.Estate)
class NamedPlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "community"]
    search_fields = ["name"]
    raw_id_fields = ["community"]


@admin.register(models.Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["name", "estate", "use", "community", "grid"]
    search_fields = ["name", "address"]
    raw_id_fields = ["community", "grid", "estate", "cooperative"]


@admin.register(models.Dwelling)
class DwellingAdmin(admin.ModelAdmin):
    list_display = ["number", "building", "community"]
    search_fields = ["number"]
    raw_id_fields = ["community", "grid", "building"]
