"""The registry entries of places: how its records are listed, searched and edited (see core/registry.py)."""

from django.utils.translation import gettext_noop as _

from banyan.core.registry import Entry

PLACE_DETAIL = "banyan.places.views.PlaceDetail"  # a place's page, with its map

ENTRIES = (
    Entry("places.district", "districts", ("code", "name"), search_fields=("name", "code"), menu=_("地点"),
          views={"detail": PLACE_DETAIL}),
    Entry("places.town", "towns", ("code", "name", "kind", "district"), search_fields=("name", "code"),
          filter_fields=("kind", "district"), related=("district",),
          menu=_("地点"), views={"detail": PLACE_DETAIL}),
    Entry("places.community", "communities", ("code", "name", "kind", "town", "area_km2"),
          search_fields=("name", "full_name", "code"), filter_fields=("kind", "town"), related=("town",),
          menu=_("地点"), views={"detail": PLACE_DETAIL}),
    Entry("places.cooperative", "cooperatives", ("name", "community"), ("community", "name"),
          filter_fields=("community",), related=("community",),
          menu=_("地点")),
    Entry("places.grid", "grids", ("code", "name", "level", "parent", "community"),
          ("community", "level", "parent", "name", "code", "cooperative", "boundary"),
          search_fields=("name", "code"), filter_fields=("community", "level", "parent"),
          related=("community", "parent"),
          menu=_("地点"), views={"detail": PLACE_DETAIL, "form": "banyan.places.views.GridFormView"},
          widgets={"boundary": "banyan.places.widgets.BoundaryWidget"}),
    Entry("places.industrialpark", "industrial-parks", ("name", "area_mu", "community", "grid"),
          ("community", "grid", "name", "area_mu", "description"), filter_fields=("community",),
          related=("community", "grid"),
          menu=_("地点")),
    Entry("places.estate", "estates", ("name", "address", "property_company", "community", "grid"),
          ("community", "grid", "name", "address", "property_company"), search_fields=("name", "address"),
          filter_fields=("community", "grid", "property_company"),
          related=("community", "grid", "property_company"),
          menu=_("地点")),
    Entry("places.building", "buildings", ("name", "estate", "use", "floors", "community", "grid"),
          ("community", "grid", "estate", "cooperative", "name", "address", "use", "floors", "latitude",
           "longitude"),
          search_fields=("name", "address"), filter_fields=("community", "grid", "estate", "use"),
          related=("community", "grid", "estate"),
          menu=_("地点")),
    Entry("places.dwelling", "dwellings", ("building", "number", "area_m2", "community", "grid"),
          ("building", "number", "area_m2"), search_fields=("number", "building__name"),
          filter_fields=("community", "grid", "building"),
          related=("community", "grid", "building", "building__estate"),
          menu=_("地点")),
)
