"""The pages: the home dashboard, and the same seven routes for every entry of the registry."""

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

urlpatterns = [
    path("", views.home, name="home"),
    path("<entry:entry>/", views.RecordList.as_view(), name="record-list"),
    path("<entry:entry>/export.csv", views.RecordExport.as_view(), {"fmt": "csv"}, name="record-export"),
    path("<entry:entry>/export.xlsx", views.RecordExport.as_view(), {"fmt": "xlsx"}, name="record-export-xlsx"),
    path("<entry:entry>/pick/", views.RecordPick.as_view(), name="record-pick"),
    path("<entry:entry>/new/", views.RecordFormView.as_view(), name="record-create"),
    path("<entry:entry>/<int:pk>/", views.RecordDetail.as_view(), name="record-detail"),
    path("<entry:entry>/<int:pk>/edit/", views.RecordFormView.as_view(), name="record-update"),
    path("<entry:entry>/<int:pk>/delete/", views.RecordDelete.as_view(), name="record-delete"),
    path("<entry:entry>/<int:pk>/reveal/", views.RecordReveal.as_view(), name="record-reveal"),
]
