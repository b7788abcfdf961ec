"""The figures of cases (cases/stats.py) as a page with charts, /cases/figures/, and as JSON, /api/case-figures/.
Thin: the selectors read through the access door; a bad period or grouping is told in Chinese (400), never a 500.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from banyan.accounts.roles import Action, Level
from banyan.cases.models import Case
from banyan.cases.stats import GROUPINGS, case_figures_by, case_figures_for, period_from
from banyan.core.scoping import can, user_assignments


def grouping_labels() -> dict:
    return {"community": _("社区"), "grid": _("网格"), "category": _("分类"), "unit": _("承办单位"),
            "month": _("月份")}


def default_grouping(user) -> str:
    """By community for who sees several (a town, the district); by grid for a community's or a grid's people."""
    if user.is_superuser:
        return "community"
    levels = {a.level for a in user_assignments(user)}
    return "grid" if levels and levels <= {Level.COMMUNITY, Level.GRID} else "community"


def _percent(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _hours(value) -> str:
    return "—" if value is None else f"{value:.1f}"


def _cells(row: dict) -> list[dict]:
    """The table's cells of one row, each with its column's name (a phone shows them as labelled values)."""
    return [
        {"label": _("受理"), "value": row["received"]},
        {"label": _("响应率"), "value": _percent(row["response_rate"])},
        {"label": _("办结率"), "value": _percent(row["resolution_rate"])},
        {"label": _("满意率"), "value": _percent(row["satisfaction_rate"])},
        {"label": _("平均时长(小时)"), "value": _hours(row["avg_hours"])},
        {"label": _("90%时长(小时)"), "value": _hours(row["p90_hours"])},
        {"label": _("超期"), "value": row["overdue"]},
        {"label": _("上报"), "value": row["escalated"]},
    ]


def _chart_data(figures: dict, months: dict) -> dict:
    """What static/banyan/case-figures.js draws: the months' trend and the chosen grouping's volumes."""
    groups = [r for r in figures["rows"] if r["received"]][:15] if figures["by"] != "month" else []
    return {
        "labels": {"received": _("受理"), "resolution_rate": _("办结率"), "satisfaction_rate": _("满意率"),
                   "response_rate": _("响应率"), "overdue": _("超期"), "escalated": _("上报"),
                   "rate_axis": _("比率(%)")},
        "months": {"names": [r["label"] for r in months["rows"]],
                   "received": [r["received"] for r in months["rows"]],
                   "response_rate": [_pct(r["response_rate"]) for r in months["rows"]],
                   "resolution_rate": [_pct(r["resolution_rate"]) for r in months["rows"]],
                   "satisfaction_rate": [_pct(r["satisfaction_rate"]) for r in months["rows"]]},
        "groups": {"names": [r["label"] for r in groups], "received": [r["received"] for r in groups],
                   "overdue": [r["overdue"] for r in groups], "escalated": [r["escalated"] for r in groups]},
    }


def _pct(rate):
    return None if rate is None else round(rate * 100, 1)


@login_required
def case_figures_page(request):
    user = request.user
    if not can(user, Action.VIEW, Case):
        raise PermissionDenied(_("您的角色不能查看民情诉求。"))
    by = (request.GET.get("by") or default_grouping(user)).strip()
    context = {"by": by, "groupings": grouping_labels().items(), "from": request.GET.get("from", "").strip(),
               "to": request.GET.get("to", "").strip(), "title": _("诉求办理情况统计"),
               "crumbs": [{"label": _("首页"), "url": reverse("home")}, {"label": _("诉求办理情况统计")}]}
    try:
        start, end = period_from(request.GET)
        found = case_figures_by(user, [by] if by == "month" else [by, "month"], start=start, end=end)
        figures, months = found[by], found["month"]
    except ValidationError as error:
        context["error"] = " ".join(error.messages)
        return render(request, "cases/figures.html", context, status=400)
    context.update({
        # The month fields show the period looked at (a day given in the address: its month).
        "from": context["from"][:7] or start.strftime("%Y-%m"),
        "to": context["to"][:7] or figures["to"][:7],
        "figures": figures,
        "total": figures["total"], "total_cells": _cells(figures["total"]),
        "rows": [{**r, "cells": _cells(r)} for r in figures["rows"]],
        "group_label": grouping_labels()[by],
        "chart_data": _chart_data(figures, months),
        "cases_url": reverse("record-list", args=["cases"]),
    })
    return render(request, "cases/figures.html", context)


# ---------------------------------------------------------------------------------------------------------------
# The API.

@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}], "nullable": True})
class GroupKeyField(serializers.Field):
    """A community's, grid's, category's or unit's id, or a month as YYYY-MM."""

    def to_representation(self, value):
        return value


_ROW_FIELDS = {
    "key": GroupKeyField(allow_null=True, help_text=(
        "分组的键：社区、网格、分类、承办单位的编号（整数），或月份 YYYY-MM；无网格、未分类、未派单为 null")),
    "label": serializers.CharField(help_text="分组名称"),
    "received": serializers.IntegerField(help_text="受理量（不含已合并的重复诉求）"),
    "responded": serializers.IntegerField(help_text="24小时内响应的（特急：期限内）"),
    "response_rate": serializers.FloatField(allow_null=True, help_text="响应率，0–1"),
    "resolved": serializers.IntegerField(help_text="已答复、已回访或已办结的"),
    "resolution_rate": serializers.FloatField(allow_null=True, help_text="办结率，0–1"),
    "rated": serializers.IntegerField(help_text="有满意度评价的"),
    "satisfied": serializers.IntegerField(help_text="满意或基本满意的"),
    "satisfaction_rate": serializers.FloatField(allow_null=True, help_text="满意率，0–1；无评价为 null"),
    "replied": serializers.IntegerField(help_text="已答复的（计入办理时长）"),
    "avg_hours": serializers.FloatField(allow_null=True, help_text="平均办理时长（小时，受理到答复）"),
    "p90_hours": serializers.FloatField(allow_null=True, help_text="办理时长的90百分位（小时，连续插值）"),
    "overdue": serializers.IntegerField(help_text="超期：未办结且已过期限，或在期限后答复"),
    "escalated": serializers.IntegerField(help_text="上报过的"),
    "open": serializers.IntegerField(help_text="办理中的"),
    "merged": serializers.IntegerField(help_text="已合并的重复诉求（不计入其他数字）"),
}


CaseFigureRowSerializer = type("CaseFigureRowSerializer", (serializers.Serializer,), dict(_ROW_FIELDS))


class CaseFiguresView(APIView):
    """The figures of the cases the user may see: in total and by community, grid, category, unit or month."""

    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="诉求办理情况统计（响应率、办结率、满意率、办理时长、超期、上报）",
        description=("统计期内受理的、当前用户可见的诉求（默认最近12个月，含本月）。"
                     "响应率 = 受理后24小时内响应的（特急诉求须在期限内）/ 受理量；"
                     "办结率 = 已答复、已回访或已办结的 / 受理量；"
                     "满意率 =（满意 + 基本满意）/ 有评价的；"
                     "办理时长 = 答复时间 − 受理时间（小时），给出平均值与90百分位；"
                     "超期 = 未办结且已过期限的 + 在期限后答复的；上报 = 上报过至少一次的。"
                     "已合并的重复诉求不计入。"),
        parameters=[
            OpenApiParameter("by", OpenApiTypes.STR, enum=list(GROUPINGS),
                             description="分组：community 社区（默认）、grid 网格、category 一级分类、unit 承办单位、"
                                         "month 受理月份"),
            OpenApiParameter("from", OpenApiTypes.STR, description="开始：YYYY-MM 或 YYYY-MM-DD（含）"),
            OpenApiParameter("to", OpenApiTypes.STR, description="结束：YYYY-MM 或 YYYY-MM-DD（含）"),
        ],
        responses={
            200: inline_serializer("CaseFigures", fields={
                "by": serializers.CharField(help_text="分组：community、grid、category、unit 或 month"),
                "from": serializers.DateField(help_text="统计期第一天"),
                "to": serializers.DateField(help_text="统计期最后一天"),
                "total": CaseFigureRowSerializer(),
                "rows": CaseFigureRowSerializer(many=True),
            }),
            400: OpenApiResponse(inline_serializer("CaseFiguresError", fields={"detail": serializers.CharField()}),
                                 description="参数无效（中文说明）"),
            403: OpenApiResponse(description="角色不能查看民情诉求"),
        },
    )
    def get(self, request):
        if not can(request.user, Action.VIEW, Case):
            raise PermissionDenied(_("您的角色不能查看民情诉求。"))
        try:
            return Response(case_figures_for(request.user, request.query_params))
        except ValidationError as error:
            return Response({"detail": " ".join(error.messages)}, status=400)
