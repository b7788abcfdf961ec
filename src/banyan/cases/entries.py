"""The registry entries of cases: how its records are listed, searched and edited (see core/registry.py)."""

from django.utils.translation import gettext_noop as _

from banyan.core.registry import Entry

ENTRIES = (
    # A case changes only through its services (received, dispatched, replied ...): no generic writes anywhere.
    Entry("cases.case", "cases",
          ("tracking_code", "title", "category", "state", "unit", "due_at", "address", "received_at", "community",
           "grid", "contact_phone"),
          search_fields=("description", "title", "address", "tracking_code"),
          filter_fields=("community", "grid", "state", "category", "kind", "channel", "unit", "difficult"),
          related=("community", "grid", "category", "unit"), menu=_("民情诉求"), writes=(), pii=("contact_phone",),
          views={"detail": "banyan.cases.views.CaseDetail", "list": "banyan.cases.views.CaseList"},
          viewset="banyan.cases.api.CaseViewSet"),
    # A unit takes its town from its community; the town's own departments (no community) are kept by the demo
    # and the admin.
    Entry("cases.unit", "case-units", ("name", "kind", "town", "community", "grid", "active"),
          ("community", "grid", "kind", "name", "contact_name", "active"),
          filter_fields=("community", "kind", "active"), related=("town", "community", "grid"),
          menu=_("民情诉求")),
    Entry("cases.deliberation", "deliberations", ("title", "held_at", "venue", "convener", "community"),
          ("community", "cooperative", "title", "held_at", "venue", "convener", "participants", "minutes",
           "decisions"),
          search_fields=("title", "venue", "minutes", "decisions"), filter_fields=("community",),
          related=("community",), menu=_("民情诉求"),
          views={"detail": "banyan.cases.views.DeliberationDetail"}),
    Entry("cases.project", "projects", ("name", "owner", "status", "progress", "due_on", "community"),
          ("community", "deliberation", "name", "decision", "owner", "unit", "budget", "status", "progress",
           "started_on", "due_on", "finished_on", "public"),
          search_fields=("name", "owner", "decision"), filter_fields=("community", "status"),
          related=("community",), menu=_("民情诉求"),
          views={"detail": "banyan.cases.views.ProjectDetail"}),
)
