"""The figures a community is run by (办理情况统计): how fast cases are answered, how many are resolved, how
satisfied residents are, how long handling takes, and what is overdue or escalated; by community, grid, category,
unit or month. Selectors only: they read through the access door (`Case.objects.visible_to(user)`) and return
plain dicts and lists, for the page at /cases/figures/, the API at /api/case-figures/ and the home dashboard.

Definitions, over the cases received in the period (`received_at`, Asia/Shanghai; by default the last 12 months,
this month included) that the user may see. A merged duplicate (已合并) is handled on the case it repeats, so it
is left out of every figure and counted apart (`merged`).

- received (受理量): the cases received in the period.
- response rate (响应率): cases first responded to (`responded_at`: signed for by the unit, or answered) within
  24 hours of being received / received. An emergency case (特急) with a deadline counts only when responded to by
  that deadline (2 hours): a stricter test, not a longer one.
- resolution rate (办结率): cases answered, followed up or closed (已答复 / 已回访 / 已办结) / received.
- satisfaction rate (满意率): (满意 + 基本满意) / the cases rated (with a satisfaction); none rated: no rate.
- handling time (办理时长): `replied_at − received_at` in hours, over the cases answered; its mean and its 90th
  percentile (continuous, interpolated between the two nearest values as PostgreSQL's `percentile_cont` does).
- overdue (超期): open cases past their deadline now, plus cases answered after their deadline (the same test as
  `Case.overdue`).
- escalated (上报): cases escalated at least once (`escalations > 0`).
- open (办理中): cases still open (received, dispatched, in progress, returned or reopened).

Grouping: community; grid (none: 未划分网格); category at its top level (a category's parent if it has one, else
itself; none: 未分类); unit (none: 未派单); month of `received_at` in Asia/Shanghai, every month of the period
listed even when empty.

How it is computed, so that no request loads a district's rows: per grouping, one grouped query of plain
aggregates (counts, and the sum of handling seconds for the mean), which PostgreSQL runs in parallel; the total is
the groups added up. The 90th percentile is `percentile_cont(0.9) WITHIN GROUP (...)` on PostgreSQL, in a query of
its own over the answered cases (grouped, and once more for the total): an ordered-set aggregate cannot run in
parallel, and kept in the counts' query it made that one serial too (measured on a million cases over 12 months:
2.4 s for the combined query; 0.6 s for the counts plus 0.7 s for a percentile apart). SQLite has no percentile
aggregate; there (the embedded single-community deployment: a few thousand cases a year) the handling seconds of
the answered cases are read as one column with their group key, and mean and percentile taken in Python, by the
same formula.
"""

import math
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from banyan.cases.models import OPEN_STATES, Case, CaseState

TZ = ZoneInfo("Asia/Shanghai")
GROUPINGS = ("community", "grid", "category", "unit", "month")
RESPONSE_HOURS = 24
PERCENTILE = 0.9
MAX_MONTHS = 120  # a period of at most ten years: a bound on the work one request may ask for
RESOLVED_STATES = (CaseState.REPLIED, CaseState.FOLLOWED_UP, CaseState.CLOSED)
ANSWERED_STATES = RESOLVED_STATES  # where `Case.overdue` judges by the time of the answer
SATISFIED = (Case.Satisfaction.SATISFIED, Case.Satisfaction.MOSTLY)


# ---------------------------------------------------------------------------------------------------------------
# The period.


def _month_start(d: date) -> date:
    return d.replace(day=1)


def _add_months(d: date, n: int) -> date:
    months = d.year * 12 + d.month - 1 + n
    return date(months // 12, months % 12 + 1, 1)


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def _parse_bound(value: str, label: str, *, end: bool) -> date:
    """The first day a bound includes (from) or the first day after it (to): a month or a day."""
    value = value.strip()
    try:
        if m := _MONTH.match(value):
            first = date(int(m[1]), int(m[2]), 1)
            return _add_months(first, 1) if end else first
        if m := _DAY.match(value):
            day = date(int(m[1]), int(m[2]), int(m[3]))
            return day + timedelta(days=1) if end else day
    except ValueError:
        pass
    raise ValidationError(_("%(label)s“%(value)s”无效：请写成年-月（如 2026-01）或年-月-日（如 2026-01-15）。")
                          % {"label": label, "value": value[:20]})


def period_from(params, today: date | None = None) -> tuple[date, date]:
    """[start, end) days of the period a request asks for (`from`, `to`: YYYY-MM or YYYY-MM-DD); by default the
    12 months up to and including this one. Raises ValidationError with a message for the user."""
    today = today or timezone.localdate(timezone=TZ)
    raw_from, raw_to = (params.get("from") or "").strip(), (params.get("to") or "").strip()
    end = _parse_bound(raw_to, _("结束时间"), end=True) if raw_to else _add_months(_month_start(today), 1)
    # By default the twelve calendar months that end with the month of the period's last day.
    start = _parse_bound(raw_from, _("开始时间"), end=False) if raw_from \
        else _add_months(_month_start(end - timedelta(days=1)), -11)
    if start >= end:
        raise ValidationError(_("开始时间不能晚于结束时间。"))
    if (end.year - start.year) * 12 + end.month - start.month > MAX_MONTHS:
        raise ValidationError(_("统计区间最长为10年，请缩短开始或结束时间。"))
    return start, end


def day_start(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=TZ)


# ---------------------------------------------------------------------------------------------------------------
# The conditions and expressions of the figures.


def responded_in_time() -> Q:
    emergency = Q(priority=Case.Priority.EMERGENCY, due_at__isnull=False)
    return Q(responded_at__isnull=False) & (
        (emergency & Q(responded_at__lte=F("due_at")))
        | (~emergency & Q(responded_at__lte=F("received_at") + timedelta(hours=RESPONSE_HOURS))))


def overdue_q(now: datetime) -> Q:
    """The same test as `Case.overdue`: open and past the deadline now, or answered after the deadline."""
    return (Q(state__in=OPEN_STATES, due_at__lt=now)
            | Q(state__in=ANSWERED_STATES, replied_at__isnull=False, replied_at__gt=F("due_at")))


class Epoch(Func):
    """Seconds of an interval (PostgreSQL)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)::double precision"
    output_field = FloatField()


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: the continuous percentile of an expression."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile(values: list[float], fraction: float = PERCENTILE) -> float | None:
    """The continuous percentile of `values`, as PostgreSQL's percentile_cont computes it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _key_expression(by: str):
    if by == "community":
        return F("community_id")
    if by == "grid":
        return F("grid_id")
    if by == "category":
        return Coalesce("category__parent_id", "category_id")
    if by == "unit":
        return F("unit_id")
    return TruncMonth("received_at", tzinfo=TZ)


def _month_key(value) -> str:
    if isinstance(value, str):  # some backends hand a truncated date back as text
        return value[:7]
    return value.astimezone(TZ).strftime("%Y-%m") if isinstance(value, datetime) else value.strftime("%Y-%m")


# ---------------------------------------------------------------------------------------------------------------
# The figures.


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _hours(value) -> float | None:
    return None if value is None else round(value, 2)


def _row(key, label: str, counts: dict) -> dict:
    received, replied = counts["received"], counts["replied"]
    mean = counts["sum_seconds"] / replied / 3600 if replied else None
    p90 = counts["p90_seconds"] / 3600 if counts.get("p90_seconds") is not None else None
    return {
        "key": key, "label": label, "received": received,
        "responded": counts["responded"], "response_rate": _rate(counts["responded"], received),
        "resolved": counts["resolved"], "resolution_rate": _rate(counts["resolved"], received),
        "rated": counts["rated"], "satisfied": counts["satisfied"],
        "satisfaction_rate": _rate(counts["satisfied"], counts["rated"]),
        "replied": replied, "avg_hours": _hours(mean), "p90_hours": _hours(p90),
        "overdue": counts["overdue"], "escalated": counts["escalated"], "open": counts["open"],
        "merged": counts["merged"],
    }


COUNT_KEYS = ("received", "responded", "resolved", "rated", "satisfied", "replied", "overdue", "escalated", "open",
              "merged")
HANDLED = Q(replied_at__isnull=False) & ~Q(state=CaseState.MERGED)  # the cases whose handling time is counted


def _counts(now: datetime) -> dict:
    kept = ~Q(state=CaseState.MERGED)
    return {
        "received": Count("pk", filter=kept),
        "responded": Count("pk", filter=kept & responded_in_time()),
        "resolved": Count("pk", filter=Q(state__in=RESOLVED_STATES)),
        "rated": Count("pk", filter=kept & ~Q(satisfaction="")),
        "satisfied": Count("pk", filter=kept & Q(satisfaction__in=SATISFIED)),
        "replied": Count("pk", filter=HANDLED),
        "overdue": Count("pk", filter=overdue_q(now)),
        "escalated": Count("pk", filter=kept & Q(escalations__gt=0)),
        "open": Count("pk", filter=Q(state__in=OPEN_STATES)),
        "merged": Count("pk", filter=Q(state=CaseState.MERGED)),
    }


def _seconds():
    return Epoch(F("replied_at") - F("received_at"))


def _groups(qs, by: str, now: datetime, hours: dict | None) -> dict:
    """{group key: counts, sum of handling seconds and their 90th percentile}.

    PostgreSQL: the counts and sums in one grouped query (plain aggregates, which it runs in parallel), the
    percentiles in a second over the answered cases only (an ordered-set aggregate sorts; kept apart, it does not
    hold the counts back from running in parallel). Elsewhere: the counts in SQL; the answered cases' handling
    seconds read as (key, seconds), one pass, and kept in `hours` (by key) for the total's percentile."""
    key = _key_expression(by)
    postgres = connection.vendor == "postgresql"
    aggregates = {**_counts(now), **({"sum_seconds": Sum(_seconds(), filter=HANDLED)} if postgres else {})}
    found = {r.pop("group"): r for r in qs.values(group=key).annotate(**aggregates).order_by()}
    if postgres:
        p90 = dict(qs.filter(HANDLED).values(group=key).annotate(p90=PercentileCont(_seconds(), PERCENTILE))
                   .order_by().values_list("group", "p90"))
        for group, row in found.items():
            row["sum_seconds"] = row["sum_seconds"] or 0.0
            row["p90_seconds"] = p90.get(group)
        return found
    values: dict = {}
    pairs = qs.filter(HANDLED).values_list(key, "received_at", "replied_at").order_by()
    for group, received_at, replied_at in pairs.iterator(chunk_size=2000):
        values.setdefault(group, []).append((replied_at - received_at).total_seconds())
    for group, row in found.items():
        row["sum_seconds"] = sum(values.get(group, ()))
        row["p90_seconds"] = percentile(values.get(group, []))
    if hours is not None:
        hours.update(values)
    return found


def _total(qs, groups: dict, hours: dict) -> dict:
    """The total: the groups' counts and sums added up; the percentile over all the answered cases."""
    total = {k: sum(g[k] for g in groups.values()) for k in (*COUNT_KEYS, "sum_seconds")}
    if connection.vendor == "postgresql":
        total["p90_seconds"] = qs.filter(HANDLED).aggregate(p90=PercentileCont(_seconds(), PERCENTILE))["p90"]
    else:
        total["p90_seconds"] = percentile([v for values in hours.values() for v in values])
    return total


def _labels(by: str, keys) -> dict:
    from banyan.cases.models import Category, Unit
    from banyan.places.models import Community, Grid

    ids = [k for k in keys if k is not None]
    model = {"community": Community, "grid": Grid, "category": Category, "unit": Unit}[by]
    return {pk: name for pk, name in model.objects.filter(pk__in=ids).values_list("pk", "name")}


NONE_LABELS = {"community": "", "grid": gettext_noop("未划分网格"), "category": gettext_noop("未分类"),
               "unit": gettext_noop("未派单")}


def _rows(by: str, groups: dict, start: date, end: date) -> list[dict]:
    rows = []
    if by == "month":
        by_month = {_month_key(k): v for k, v in groups.items()}
        month = _month_start(start)
        empty = {**{k: 0 for k in COUNT_KEYS}, "sum_seconds": 0.0, "p90_seconds": None}
        while month < end:
            key = month.strftime("%Y-%m")
            rows.append(_row(key, _("%(y)d年%(m)d月") % {"y": month.year, "m": month.month},
                             by_month.get(key, empty)))
            month = _add_months(month, 1)
        return rows
    labels = _labels(by, groups)
    for key, counts in groups.items():
        label = labels.get(key) or (_(NONE_LABELS[by]) if key is None and NONE_LABELS[by] else str(key))
        rows.append(_row(key, label, counts))
    rows.sort(key=lambda r: (-r["received"], r["key"] is None, r["label"]))
    return rows


def case_figures_by(user, groupings, *, start: date, end: date, now: datetime | None = None) -> dict:
    """{grouping: figures} for each of `groupings`, sharing one total (see `case_figures`)."""
    for by in groupings:
        if by not in GROUPINGS:
            raise ValidationError(_("分组方式“%(by)s”无效：可选 community（社区）、grid（网格）、category（分类）、"
                                    "unit（承办单位）或 month（月份）。") % {"by": str(by)[:20]})
    now = now or timezone.now()
    qs = Case.objects.visible_to(user).filter(received_at__gte=day_start(start), received_at__lt=day_start(end))
    hours: dict = {}
    grouped = {by: _groups(qs, by, now, hours if i == 0 else None) for i, by in enumerate(groupings)}
    total = _row(None, _("合计"), _total(qs, grouped[groupings[0]], hours))
    return {by: {"by": by, "from": start.isoformat(), "to": (end - timedelta(days=1)).isoformat(), "total": total,
                 "rows": _rows(by, groups, start, end)} for by, groups in grouped.items()}


def case_figures(user, *, by: str = "community", start: date, end: date, now: datetime | None = None) -> dict:
    """The figures of the cases `user` may see that were received in [start, end), in total and by `by`:
    {"by", "from", "to" (the period's first and last days), "total": row, "rows": [row, ...]}."""
    return case_figures_by(user, [by], start=start, end=end, now=now)[by]


def case_figures_for(user, params, *, today: date | None = None) -> dict:
    """The figures a request asks for (`by`, `from`, `to`); ValidationError with the user's message if bad."""
    by = (params.get("by") or "community").strip()
    start, end = period_from(params, today)
    return case_figures(user, by=by, start=start, end=end)
