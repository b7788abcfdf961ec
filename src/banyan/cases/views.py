"""Pages of cases, deliberations and projects. Thin: the services change state, the selectors read."""

from banyan.core.views import RecordDetail, RecordList


class CaseList(RecordList):
    pass


class CaseDetail(RecordDetail):
    pass


class DeliberationDetail(RecordDetail):
    pass


class ProjectDetail(RecordDetail):
    pass
