"""Admin for superusers. Personal numbers appear as masks only: revealing goes through the audited service."""

from django.contrib import admin

from banyan.people import models


class PlacedAdmin(admin.ModelAdmin):
    raw_id_fields = ["community", "grid"]
    list_select_related = ["community"]


@admin.register(models.Household)
class HouseholdAdmin(PlacedAdmin):
    list_display = ["number", "kind", "community", "grid"]
    search_fields = ["number"]
    raw_id_fields = [*PlacedAdmin.raw_id_fields, "dwelling"]


@admin.register(models.Resident)
class ResidentAdmin(PlacedAdmin):
    list_display = ["name", "sex", "id_number_masked", "phone_masked", "residency", "community"]
    list_filter = ["residency"]
    search_fields = ["name"]
    readonly_fields = ["id_number_masked", "phone_masked"]
    raw_id_fields = [*PlacedAdmin.raw_id_fields, "household", "dwelling"]


@admin.register(models.RentalProperty)
class RentalPropertyAdmin(PlacedAdmin):
    list_display = ["address", "landlord_name", "landlord_phone_masked", "use", "hazard", "community"]
    search_fields = ["address", "landlord_name"]
    readonly_fields = ["landlord_phone_masked"]
    raw_id_fields = [*PlacedAdmin.raw_id_fields, "building"]


@admin.register(models.RentalRoom)
class RentalRoomAdmin(PlacedAdmin):
    list_display = ["number", "rental_property", "capacity", "community"]
    raw_id_fields = [*PlacedAdmin.raw_id_fields, "rental_property"]


@admin.register(models.Tenancy)
class TenancyAdmin(PlacedAdmin):
    list_display = ["resident", "room", "moved_in", "moved_out"]
    raw_id_fields = [*PlacedAdmin.raw_id_fields, "room", "resident"]


@admin.register(models.Enterprise)
class EnterpriseAdmin(PlacedAdmin):
    list_display = ["name", "industry", "headcount", "park", "contact_phone_masked", "community"]
    search_fields = ["name", "credit_code"]
    readonly_fields = ["contact_phone_masked"]
    raw_id_fields = [*PlacedAdmin.raw_id_fields, "park"]


@admin.register(models.PropertyCompany)
class PropertyCompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_name", "contact_phone_masked", "community"]
    readonly_fields = ["contact_phone_masked"]
    raw_id_fields = ["community"]
