"""What cases add to the dashboard: the cases open now, those past their deadline, those escalated, this month's
intake and residents' satisfaction; the towns' comparison gets open and overdue cases per community.

Figures of now (what needs doing), unlike the period figures of cases/stats.py: overdue here is open and past the
deadline, escalated is open and escalated at least once. Satisfaction is over the cases received in the last 12
months, as on /cases/figures/ by default (satisfied or mostly satisfied / rated; null when none are rated).
The overdue and escalated parts of the tile carry no link: the case list has no filter for them (yet).
"""

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from banyan.core.dashboard import DashboardPart, Tile


def _open() -> Q:
    from banyan.cases.models import OPEN_STATES

    return Q(state__in=OPEN_STATES)


def figures(rows) -> dict:
    from banyan.cases.models import Case, CaseState
    from banyan.cases.stats import SATISFIED, TZ, day_start, period_from

    now = timezone.now()
    start, end = period_from({})
    month_start = timezone.localdate(now, timezone=TZ).replace(day=1)
    kept = ~Q(state=CaseState.MERGED)
    in_period = kept & Q(received_at__gte=day_start(start), received_at__lt=day_start(end))
    f = rows(Case).aggregate(
        open_cases=Count("pk", filter=_open()),
        cases_waiting=Count("pk", filter=Q(state=CaseState.RECEIVED)),
        overdue_cases=Count("pk", filter=_open() & Q(due_at__lt=now)),
        escalated_cases=Count("pk", filter=_open() & Q(escalations__gt=0)),
        cases_this_month=Count("pk", filter=kept & Q(received_at__gte=day_start(month_start))),
        rated=Count("pk", filter=in_period & ~Q(satisfaction="")),
        satisfied=Count("pk", filter=in_period & Q(satisfaction__in=SATISFIED)),
    )
    rated, satisfied = f.pop("rated"), f.pop("satisfied")
    f["satisfaction_rate"] = round(satisfied / rated, 4) if rated else None
    return f


def tiles(f: dict) -> list[Tile]:
    from banyan.cases.models import CaseState

    rate = f.get("satisfaction_rate")
    return [
        Tile("cases.case", "cases", _("办理中的诉求"), "open_cases", (
            (_("待派单"), "cases_waiting", {"state": CaseState.RECEIVED}),
            (_("超期"), "overdue_cases"),
            (_("已上报"), "escalated_cases"),
            (_("本月受理"), "cases_this_month"),
            (_("满意率"), f"{rate * 100:.1f}%" if rate is not None else "—"),
        )),
    ]


def by_community(rows) -> dict:
    from banyan.cases.models import Case

    now = timezone.now()
    counts = (rows(Case).values_list("community_id")
              .annotate(open=Count("pk", filter=_open()), overdue=Count("pk", filter=_open() & Q(due_at__lt=now)))
              .order_by())
    out = {"open_cases": {}, "overdue_cases": {}}
    for community_id, open_n, overdue_n in counts:
        out["open_cases"][community_id] = open_n
        out["overdue_cases"][community_id] = overdue_n
    return out


PART = DashboardPart(
    name="cases", figures=figures, order=40,
    keys=("open_cases", "cases_waiting", "overdue_cases", "escalated_cases", "cases_this_month", "satisfaction_rate"),
    floats=("satisfaction_rate",),
    tiles=tiles, by_community=by_community,
    columns=(("open_cases", gettext_lazy("办理中诉求")), ("overdue_cases", gettext_lazy("超期诉求"))),
)
