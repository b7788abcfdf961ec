"""The cases API: lists and records through the access door; every change of state is an action of the case's
viewset that calls its service."""

from banyan.core.api.views import RecordReadViewSet


class CaseViewSet(RecordReadViewSet):
    pass
