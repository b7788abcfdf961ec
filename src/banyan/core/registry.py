"""The registry objects Banyan exposes on pages and in the API, and how each is listed, searched and edited.

Each app declares its entries in its own `entries.py` (`ENTRIES = (Entry(...), ...)`); this module gathers them
in the order of INSTALLED_APPS. The generic page views, API viewsets, forms, filters and the access-matrix test
are all driven from these entries, so a model added to one is scoped, masked and tested everywhere at once. An
entry may name its own view classes and viewset (subclasses of the generic ones), turn the generic create /
edit / delete off when its records change only through services, and carry actions on its viewset.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from importlib import import_module

from django.apps import apps
from django.utils.module_loading import import_string

WRITES = ("create", "update", "delete")


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: entries key caches of generated classes
class Entry:
    label: str  # "people.resident"
    slug: str  # URL segment: /residents/, /api/residents/
    list_fields: tuple[str, ...]  # columns of lists and exports (masked names for personal numbers)
    form_fields: tuple[str, ...] = ()  # editable fields; empty: read-only everywhere
    pii: tuple[str, ...] = ()  # personal attributes: "id_number", "phone", "contact_phone", ...
    search_fields: tuple[str, ...] = ("name",)
    filter_fields: tuple[str, ...] = ()
    related: tuple[str, ...] = field(default=())  # select_related for lists
    menu: str = ""  # the menu group it is listed under (a Chinese message id)
    # The generic writes this entry allows; () when its records change only through its services.
    writes: tuple[str, ...] = WRITES
    # Kinds that leave only through their own workflow (a resident moves away): deleting one is for a mistake,
    # by who entered it, within a day.
    delete_mistakes_only: bool = False
    views: dict[str, str] = field(default_factory=dict)  # "list" / "detail" / "form" / "delete": dotted class
    viewset: str = ""  # dotted path of a viewset class (a subclass of the generic ones) with this entry's actions
    widgets: dict[str, str] = field(default_factory=dict)  # form field name → dotted widget class

    @property
    def model(self):
        return apps.get_model(self.label)

    def allows(self, write: str) -> bool:
        return bool(self.form_fields) and write in self.writes

    @cached_property
    def view_classes(self) -> dict[str, type]:
        return {kind: import_string(path) for kind, path in self.views.items()}


@dataclass(frozen=True)
class MenuLink:
    """A page of an app beyond its registries (figures, a tool), listed in the menu group `group` for users that
    `allowed(user)` admits."""

    group: str  # a menu group's Chinese message id, as entries name theirs
    label: str
    url_name: str
    allowed: Callable


MENU_LINKS: list[MenuLink] = []


def menu_link(link: MenuLink) -> None:
    """Register a menu link (an app's `ready()`)."""
    MENU_LINKS.append(link)


def _gather() -> tuple[Entry, ...]:
    found = []
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.entries")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.entries":
                raise
            continue
        found.extend(module.ENTRIES)
    return tuple(found)


# Gathered once, when first imported (after the apps are loaded): an app's entries.py imports `Entry` from this
# module, which is defined by then.
ENTRIES: tuple[Entry, ...] = _gather()
BY_SLUG = {e.slug: e for e in ENTRIES}
BY_LABEL = {e.label: e for e in ENTRIES}
