"""The API under /api/: one endpoint per registry entry (/api/residents/, ...), token, me, summary, schema, docs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.routers import DefaultRouter

from banyan.core.api.views import DocsView, MeView, SummaryView, TokenView, record_viewset
from banyan.core.registry import ENTRIES

app_name = "api"

router = DefaultRouter(root_renderers=[JSONRenderer])
for entry in ENTRIES:
    router.register(entry.slug, record_viewset(entry), basename=entry.slug)

urlpatterns = [
    path("token/", TokenView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    path("summary/", SummaryView.as_view(), name="summary"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
