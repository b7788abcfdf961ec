"""The pages: the home dashboard, and the same routes for every entry of the registry.

Each route serves the entry's own view class when its app names one (`Entry.views`), else the generic one.
"""

from django.urls import path, register_converter

from banyan.core import views
from banyan.core.registry import BY_SLUG, Entry


class EntryConverter:
    """A registry slug in the URL, handed to the view as its Entry; any other word does not match (404)."""

    regex = "|".join(sorted(BY_SLUG, key=len, reverse=True))

    def to_python(self, value: str) -> Entry:
        return BY_SLUG[value]

    def to_url(self, value) -> str:
        return value.slug if isinstance(value, Entry) else value


register_converter(EntryConverter, "entry")


def entry_view(kind: str, default: type):
    """The view of one route: the entry's own class for `kind` if it has one, else `default`."""
    served = {entry.slug: entry.view_classes.get(kind, default).as_view() for entry in BY_SLUG.values()}

    def view(request, entry: Entry, **kwargs):
        return served[entry.slug](request, entry=entry, **kwargs)

    return view


urlpatterns = [
    path("", views.home, name="home"),
    path("<entry:entry>/", entry_view("list", views.RecordList), name="record-list"),
    path("<entry:entry>/export.csv", entry_view("export", views.RecordExport), {"fmt": "csv"},
         name="record-export"),
    path("<entry:entry>/export.xlsx", entry_view("export", views.RecordExport), {"fmt": "xlsx"},
         name="record-export-xlsx"),
    path("<entry:entry>/pick/", entry_view("pick", views.RecordPick), name="record-pick"),
    path("<entry:entry>/new/", entry_view("form", views.RecordFormView), name="record-create"),
    path("<entry:entry>/<int:pk>/", entry_view("detail", views.RecordDetail), name="record-detail"),
    path("<entry:entry>/<int:pk>/history/", entry_view("history", views.RecordHistory), name="record-history"),
    path("<entry:entry>/<int:pk>/edit/", entry_view("form", views.RecordFormView), name="record-update"),
    path("<entry:entry>/<int:pk>/delete/", entry_view("delete", views.RecordDelete), name="record-delete"),
    path("<entry:entry>/<int:pk>/reveal/", entry_view("reveal", views.RecordReveal), name="record-reveal"),
]
