"""The registry objects Banyan exposes on pages and in the API, and how each is listed, searched and edited.

One entry per model; the generic page views, API viewsets, forms, filters and the access-matrix test are all
driven from this list, so a model added here is scoped, masked and tested everywhere at once.
"""

from dataclasses import dataclass, field

from django.apps import apps


@dataclass(frozen=True)
class Entry:
    label: str  # "people.resident"
    slug: str  # URL segment: /residents/, /api/residents/
    list_fields: tuple[str, ...]  # columns of lists and exports (masked names for personal numbers)
    form_fields: tuple[str, ...] = ()  # editable fields; empty: read-only everywhere
    pii: tuple[str, ...] = ()  # personal attributes: "id_number", "phone", "contact_phone", ...
    search_fields: tuple[str, ...] = ("name",)
    filter_fields: tuple[str, ...] = ()
    related: tuple[str, ...] = field(default=())  # select_related for lists

    @property
    def model(self):
        return apps.get_model(self.label)


ENTRIES: tuple[Entry, ...] = (
    Entry("places.district", "districts", ("code", "name"), search_fields=("name", "code")),
    Entry("places.town", "towns", ("code", "name", "kind", "district"), search_fields=("name", "code"),
          filter_fields=("kind", "district"), related=("district",)),
    Entry("places.community", "communities", ("code", "name", "kind", "town", "area_km2"),
          search_fields=("name", "full_name", "code"), filter_fields=("kind", "town"), related=("town",)),
    Entry("places.cooperative", "cooperatives", ("name", "community"), ("community", "name"),
          filter_fields=("community",), related=("community",)),
    Entry("places.grid", "grids", ("code", "name", "level", "parent", "community"),
          ("community", "level", "parent", "name", "code", "cooperative", "boundary"),
          search_fields=("name", "code"), filter_fields=("community", "level", "parent"),
          related=("community", "parent")),
    Entry("places.industrialpark", "industrial-parks", ("name", "area_mu", "community", "grid"),
          ("community", "grid", "name", "area_mu", "description"), filter_fields=("community",),
          related=("community", "grid")),
    Entry("places.estate", "estates", ("name", "address", "property_company", "community", "grid"),
          ("community", "grid", "name", "address", "property_company"), search_fields=("name", "address"),
          filter_fields=("community", "grid", "property_company"),
          related=("community", "grid", "property_company")),
    Entry("places.building", "buildings", ("name", "estate", "use", "floors", "community", "grid"),
          ("community", "grid", "estate", "cooperative", "name", "address", "use", "floors", "latitude",
           "longitude"),
          search_fields=("name", "address"), filter_fields=("community", "grid", "estate", "use"),
          related=("community", "grid", "estate")),
    Entry("places.dwelling", "dwellings", ("building", "number", "area_m2", "community", "grid"),
          ("building", "number", "area_m2"), search_fields=("number", "building__name"),
          filter_fields=("community", "grid", "building"),
          related=("community", "grid", "building", "building__estate")),
    Entry("people.household", "households", ("number", "kind", "address", "community", "grid"),
          ("community", "grid", "number", "kind", "dwelling", "address"), search_fields=("number", "address"),
          filter_fields=("community", "grid", "kind"), related=("community", "grid")),
    Entry("people.resident", "residents",
          ("name", "sex", "birth_date", "id_number", "phone", "residency", "community", "grid"),
          ("community", "grid", "household", "dwelling", "name", "id_number", "phone", "sex", "birth_date",
           "ethnicity", "residency", "relation", "political_status", "registered_address", "current_address",
           "inflow_reason", "permit_type", "residence_type", "arrived_on"),
          pii=("id_number", "phone"), search_fields=("name", "current_address"),
          filter_fields=("community", "grid", "residency", "sex", "household"), related=("community", "grid")),
    Entry("people.rentalproperty", "rental-properties",
          ("address", "landlord_name", "landlord_phone", "use", "hazard", "community", "grid"),
          ("community", "grid", "address", "building", "landlord_name", "landlord_phone", "attendant_name", "use",
           "hazard"),
          pii=("landlord_phone",), search_fields=("address", "landlord_name"),
          filter_fields=("community", "grid", "use", "hazard"), related=("community", "grid")),
    Entry("people.rentalroom", "rental-rooms", ("rental_property", "number", "capacity", "community", "grid"),
          ("rental_property", "number", "capacity", "area_m2"), search_fields=("number", "rental_property__address"),
          filter_fields=("community", "grid", "rental_property"),
          related=("community", "grid", "rental_property")),
    Entry("people.tenancy", "tenancies", ("resident", "room", "moved_in", "moved_out", "community", "grid"),
          ("room", "resident", "moved_in", "moved_out"), search_fields=("resident__name", "room__number"),
          filter_fields=("community", "grid", "room", "resident"),
          related=("community", "grid", "resident", "room", "room__rental_property")),
    Entry("people.enterprise", "enterprises",
          ("name", "industry", "headcount", "park", "contact_name", "contact_phone", "community"),
          ("community", "grid", "park", "name", "credit_code", "industry", "headcount", "address", "contact_name",
           "contact_phone"),
          pii=("contact_phone",), search_fields=("name", "credit_code", "industry"),
          filter_fields=("community", "grid", "park", "industry"), related=("community", "park")),
    Entry("people.propertycompany", "property-companies", ("name", "contact_name", "contact_phone", "community"),
          ("community", "name", "credit_code", "contact_name", "contact_phone"), pii=("contact_phone",),
          filter_fields=("community",), related=("community",)),
    Entry("party.partyorg", "party-orgs", ("name", "level", "parent", "community"),
          ("community", "parent", "level", "name", "cooperative"), filter_fields=("community", "level", "parent"),
          related=("community", "parent")),
    Entry("party.partymember", "party-members",
          ("name", "kind", "org", "phone", "work_unit", "community", "grid"),
          ("community", "grid", "org", "kind", "name", "sex", "id_number", "phone", "joined_on", "work_unit"),
          pii=("id_number", "phone"), search_fields=("name", "work_unit"),
          filter_fields=("community", "grid", "org", "kind"), related=("community", "grid", "org")),
)

BY_SLUG = {e.slug: e for e in ENTRIES}
BY_LABEL = {e.label: e for e in ENTRIES}


def entry_for(model) -> Entry:
    return BY_LABEL[model._meta.label_lower]
