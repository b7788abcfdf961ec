"""The registry entries of people: how its records are listed, searched and edited (see core/registry.py)."""

from django.utils.translation import gettext_noop as _

from banyan.core.registry import Entry

ENTRIES = (
    Entry("people.household", "households", ("number", "kind", "address", "community", "grid"),
          ("community", "grid", "number", "kind", "dwelling", "address"), search_fields=("number", "address"),
          filter_fields=("community", "grid", "kind"), related=("community", "grid"),
          menu=_("人口与房屋"), views={"detail": "banyan.people.views.HouseholdDetail"}),
    # A resident leaves by moving out or dying (status changes through people/services.py); deleting one is only
    # for a record entered by mistake.
    Entry("people.resident", "residents",
          ("name", "sex", "birth_date", "id_number", "phone", "residency", "community", "grid", "status"),
          ("community", "grid", "household", "dwelling", "name", "id_number", "phone", "sex", "birth_date",
           "ethnicity", "residency", "relation", "political_status", "registered_address", "current_address",
           "inflow_reason", "permit_type", "residence_type", "arrived_on"),
          pii=("id_number", "phone"), search_fields=("name", "current_address"),
          filter_fields=("community", "grid", "residency", "sex", "household", "status"),
          related=("community", "grid"), menu=_("人口与房屋"), delete_mistakes_only=True,
          views={"list": "banyan.people.views.ResidentList", "export": "banyan.people.views.ResidentExport",
                 "detail": "banyan.people.views.ResidentDetail", "form": "banyan.people.views.ResidentFormView",
                 "delete": "banyan.people.views.ResidentDelete"},
          viewset="banyan.people.api.ResidentViewSet"),
    # Changed only by its services (asked for, accepted, refused, withdrawn): no generic writes. Its list shows
    # only what both sides may read; the page adds the rest to who may see it.
    Entry("people.transferrequest", "transfer-requests",
          ("id_number_masked", "reason", "to_community", "status", "created_at"), search_fields=("reason",),
          filter_fields=("status",), related=("to_community",), menu=_("人口与房屋"), writes=(),
          views={"detail": "banyan.people.views.TransferRequestDetail"},
          viewset="banyan.people.api.TransferRequestViewSet"),
    Entry("people.rentalproperty", "rental-properties",
          ("address", "landlord_name", "landlord_phone", "use", "hazard", "community", "grid"),
          ("community", "grid", "address", "building", "landlord_name", "landlord_phone", "attendant_name", "use",
           "hazard"),
          pii=("landlord_phone",), search_fields=("address", "landlord_name"),
          filter_fields=("community", "grid", "use", "hazard"), related=("community", "grid"),
          menu=_("人口与房屋")),
    Entry("people.rentalroom", "rental-rooms", ("rental_property", "number", "capacity", "community", "grid"),
          ("rental_property", "number", "capacity", "area_m2"), search_fields=("number", "rental_property__address"),
          filter_fields=("community", "grid", "rental_property"),
          related=("community", "grid", "rental_property"),
          menu=_("人口与房屋")),
    Entry("people.tenancy", "tenancies", ("resident", "room", "moved_in", "moved_out", "community", "grid"),
          ("room", "resident", "moved_in", "moved_out"), search_fields=("resident__name", "room__number"),
          filter_fields=("community", "grid", "room", "resident"),
          related=("community", "grid", "resident", "room", "room__rental_property"),
          menu=_("人口与房屋")),
    Entry("people.enterprise", "enterprises",
          ("name", "industry", "headcount", "park", "contact_name", "contact_phone", "community"),
          ("community", "grid", "park", "name", "credit_code", "industry", "headcount", "address", "contact_name",
           "contact_phone"),
          pii=("contact_phone",), search_fields=("name", "credit_code", "industry"),
          filter_fields=("community", "grid", "park", "industry"), related=("community", "park"),
          menu=_("单位")),
    Entry("people.propertycompany", "property-companies", ("name", "contact_name", "contact_phone", "community"),
          ("community", "name", "credit_code", "contact_name", "contact_phone"), pii=("contact_phone",),
          filter_fields=("community",), related=("community",),
          menu=_("单位")),
)
