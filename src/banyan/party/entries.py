"""The registry entries of party: how its records are listed, searched and edited (see core/registry.py)."""

from django.utils.translation import gettext_noop as _

from banyan.core.registry import Entry

ENTRIES = (
    Entry("party.partyorg", "party-orgs", ("name", "level", "parent", "community"),
          ("community", "parent", "level", "name", "cooperative"), filter_fields=("community", "level", "parent"),
          related=("community", "parent"),
          menu=_("党建")),
    Entry("party.partymember", "party-members",
          ("name", "kind", "org", "phone", "work_unit", "community", "grid"),
          ("community", "grid", "org", "kind", "name", "sex", "id_number", "phone", "joined_on", "work_unit"),
          pii=("id_number", "phone"), search_fields=("name", "work_unit"),
          filter_fields=("community", "grid", "org", "kind"), related=("community", "grid", "org"),
          menu=_("党建")),
)
