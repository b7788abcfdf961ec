"""The figures of cases (cases/stats.py), their page /cases/figures/, their API /api/case-figures/ and the cases
part of the home dashboard: each rate and the 90th percentile exactly, from cases with known timestamps; only the
user's own cases; bad parameters told in Chinese."""

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from banyan.accounts.roles import Role
from banyan.cases.dashboard import PART
from banyan.cases.models import Case, CaseState, Category, Unit
from banyan.cases.stats import case_figures, percentile
from banyan.core.testing import GridFactory, community, make_user, text
from banyan.places.selectors import place_rows

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
BASE = datetime(2026, 3, 10, 9, 0, tzinfo=TZ)
MARCH = {"start": date(2026, 3, 1), "end": date(2026, 5, 1)}  # March and April 2026


def h(hours: float) -> datetime:
    return BASE + timedelta(hours=hours)


def make_case(place, *, received_at=BASE, grid=None, **fields) -> Case:
    """A case written directly with the timestamps a test needs (the services stamp the real time)."""
    case = Case.objects.create(community=place, grid=grid, channel=Case.Channel.PHONE, description="楼道灯坏了")
    fields = {"received_at": received_at, "due_at": received_at + timedelta(days=7), **fields}
    Case.objects.filter(pk=case.pk).update(**fields)
    return case


@pytest.fixture
def world():
    dl = community("东联")
    g1, g2 = GridFactory(community=dl, name="一网格"), GridFactory(community=dl, name="二网格")
    unit = Unit.objects.create(town=dl.town, community=dl, kind=Unit.Kind.COMMUNITY_OFFICE, name="东联社区办公室")
    light, building = Category.objects.get(code="C-LIGHT"), Category.objects.get(code="H01")
    noise = Category.objects.get(code="C-NOISE")
    cases = {
        # answered in 10 h, responded in 2 h, closed, satisfied
        "c1": make_case(dl, grid=g1, unit=unit, category=light, responded_at=h(2), replied_at=h(10),
                        state=CaseState.CLOSED, satisfaction=Case.Satisfaction.SATISFIED),
        # responded late (30 h), answered after its one-day deadline: overdue; mostly satisfied
        "c2": make_case(dl, grid=g1, unit=unit, category=building, responded_at=h(30), replied_at=h(40),
                        due_at=h(24), state=CaseState.FOLLOWED_UP, satisfaction=Case.Satisfaction.MOSTLY),
        # responded in 1 h, answered in 100 h, escalated once, not rated
        "c3": make_case(dl, grid=g2, category=noise, responded_at=h(1), replied_at=h(100), state=CaseState.REPLIED,
                        escalations=1),
        # open, never responded, past its deadline, escalated twice
        "c4": make_case(dl, grid=g2, state=CaseState.IN_PROGRESS, due_at=h(48), escalations=2),
        # an emergency responded in 3 h: within a day but past its 2 h deadline, so not in time; answered in 5 h,
        # rated dissatisfied and reopened: open and past its deadline
        "c5": make_case(dl, priority=Case.Priority.EMERGENCY, due_at=h(2), responded_at=h(3), replied_at=h(5),
                        state=CaseState.REOPENED, satisfaction=Case.Satisfaction.DISSATISFIED),
        # a merged duplicate: in no figure
        "c6": make_case(dl, grid=g1, state=CaseState.MERGED, responded_at=h(1), replied_at=h(1),
                        satisfaction=Case.Satisfaction.SATISFIED),
        # received the day before the period
        "c7": make_case(dl, grid=g1, received_at=datetime(2026, 2, 28, 23, 59, tzinfo=TZ), responded_at=h(1),
                        state=CaseState.CLOSED, satisfaction=Case.Satisfaction.DISSATISFIED),
    }
    luohu = community("罗湖")
    cases["other"] = make_case(luohu, responded_at=h(1), replied_at=h(3), state=CaseState.CLOSED,
                               satisfaction=Case.Satisfaction.SATISFIED)
    return {"dl": dl, "g1": g1, "g2": g2, "unit": unit, "cases": cases, "luohu": luohu,
            "secretary": make_user(Role.COMMUNITY_SECRETARY, dl),
            "grid_worker": make_user(Role.GRID_WORKER, g1),
            "other": make_user(Role.COMMUNITY_SECRETARY, luohu)}


def test_percentile_interpolates_as_percentile_cont():
    assert percentile([5, 10, 40, 100]) == pytest.approx(82.0)
    assert percentile([7]) == 7
    assert percentile([]) is None
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == pytest.approx(9.1)


def test_each_figure_over_the_period(world):
    total = case_figures(world["secretary"], by="community", **MARCH)["total"]
    assert total["received"] == 5 and total["merged"] == 1
    assert total["responded"] == 2 and total["response_rate"] == 0.4
    assert total["resolved"] == 3 and total["resolution_rate"] == 0.6
    assert (total["rated"], total["satisfied"], total["satisfaction_rate"]) == (3, 2, 0.6667)
    # answered in 5, 10, 40 and 100 hours
    assert total["replied"] == 4 and total["avg_hours"] == 38.75 and total["p90_hours"] == 82.0
    assert total["overdue"] == 3 and total["escalated"] == 2 and total["open"] == 2


def test_overdue_agrees_with_the_cases_own_test(world):
    received = [c for key, c in world["cases"].items() if key in ("c1", "c2", "c3", "c4", "c5")]
    expected = sum(Case.objects.get(pk=c.pk).overdue for c in received)
    assert case_figures(world["secretary"], **MARCH)["total"]["overdue"] == expected == 3


def test_by_grid_category_unit_and_month(world):
    user = world["secretary"]
    grids = {r["label"]: r for r in case_figures(user, by="grid", **MARCH)["rows"]}
    assert set(grids) == {"一网格", "二网格", "未划分网格"}
    assert grids["一网格"]["received"] == 2 and grids["一网格"]["p90_hours"] == 37.0  # 10 + 0.9 × (40 − 10)
    assert grids["二网格"]["escalated"] == 2 and grids["二网格"]["resolution_rate"] == 0.5
    assert grids["未划分网格"]["key"] is None and grids["未划分网格"]["satisfaction_rate"] == 0.0

    categories = {r["label"]: r["received"] for r in case_figures(user, by="category", **MARCH)["rows"]}
    assert categories == {"城乡建设": 2, "环境保护": 1, "未分类": 2}  # 路灯 counts under 城乡建设

    units = {r["label"]: r["received"] for r in case_figures(user, by="unit", **MARCH)["rows"]}
    assert units == {"东联社区办公室": 2, "未派单": 3}

    months = case_figures(user, by="month", **MARCH)["rows"]
    assert [(r["key"], r["received"]) for r in months] == [("2026-03", 5), ("2026-04", 0)]
    assert months[0]["p90_hours"] == 82.0 and months[1]["response_rate"] is None


def test_a_month_is_counted_in_shanghai_time(world):
    # 1 April 00:30 in Shanghai is still 31 March in UTC.
    make_case(world["dl"], received_at=datetime(2026, 4, 1, 0, 30, tzinfo=TZ))
    months = case_figures(world["secretary"], by="month", **MARCH)["rows"]
    assert [(r["key"], r["received"]) for r in months] == [("2026-03", 5), ("2026-04", 1)]


def test_another_community_sees_none_of_these_cases(world):
    figures = case_figures(world["other"], by="grid", **MARCH)
    assert figures["total"]["received"] == 1 and figures["total"]["merged"] == 0
    assert {r["label"] for r in figures["rows"]} == {"未划分网格"}
    by_community = case_figures(world["other"], by="community", **MARCH)["rows"]
    assert [r["label"] for r in by_community] == ["罗湖"]


def test_a_grid_worker_counts_their_grid_only(world):
    total = case_figures(world["grid_worker"], **MARCH)["total"]
    assert (total["received"], total["resolved"], total["overdue"], total["p90_hours"]) == (2, 2, 1, 37.0)


# ---------------------------------------------------------------------------------------------------------------
# The API and the page.


def test_api_answers_the_figures(client, world):
    client.force_login(world["secretary"])
    response = client.get("/api/case-figures/", {"by": "unit", "from": "2026-03", "to": "2026-04"})
    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"], body["by"]) == ("2026-03-01", "2026-04-30", "unit")
    assert body["total"]["p90_hours"] == 82.0 and body["total"]["satisfaction_rate"] == 0.6667
    assert {r["label"]: r["key"] for r in body["rows"]} == {"东联社区办公室": world["unit"].pk, "未派单": None}


def test_api_dates_bound_the_period_by_day(client, world):
    client.force_login(world["secretary"])
    body = client.get("/api/case-figures/", {"from": "2026-02-28", "to": "2026-03-09"}).json()
    assert body["total"]["received"] == 1  # c7 only: the others came on 10 March


@pytest.mark.parametrize("params, words", [
    ({"by": "street"}, "分组方式“street”无效"),
    ({"from": "2026-13"}, "开始时间“2026-13”无效"),
    ({"to": "last year"}, "结束时间“last year”无效"),
    ({"from": "2026-02-30"}, "开始时间“2026-02-30”无效"),
    ({"from": "2026-05", "to": "2026-03"}, "开始时间不能晚于结束时间"),
    ({"from": "1990-01", "to": "2026-03"}, "统计区间最长为10年"),
])
def test_bad_parameters_are_told_in_chinese(client, world, params, words):
    client.force_login(world["secretary"])
    response = client.get("/api/case-figures/", params)
    assert response.status_code == 400 and words in response.json()["detail"]
    page = client.get("/cases/figures/", params)
    assert page.status_code == 400 and words in text(page)


def test_api_needs_a_login_and_a_role_that_sees_cases(client, world):
    assert client.get("/api/case-figures/").status_code in (401, 403)
    volunteer = make_user(Role.VOLUNTEER, world["dl"])
    client.force_login(volunteer)
    assert client.get("/api/case-figures/").status_code == 403
    assert client.get("/cases/figures/").status_code == 403


def test_api_is_in_the_schema(client, world):
    client.force_login(world["secretary"])
    schema = text(client.get("/api/schema/", {"format": "json"}))
    assert "/api/case-figures/" in schema and "CaseFigureRow" in schema


def test_page_for_a_secretary(client, world):
    client.force_login(world["secretary"])
    response = client.get(reverse("case-figures"), {"from": "2026-03", "to": "2026-04", "by": "grid"})
    assert response.status_code == 200
    body = text(response)
    assert 'id="case-figures-data"' in body and "banyan/case-figures.js" in body and "echarts.min.js" in body
    assert "<script>" not in body  # charts from a static file (CSP)
    data = response.context["chart_data"]
    assert data["months"]["received"] == [5, 0] and data["months"]["resolution_rate"] == [60.0, None]
    assert data["groups"]["names"] == ["一网格", "二网格", "未划分网格"]
    assert "82.0" in body and "40.0%" in body and "66.7%" in body  # p90 hours, response and satisfaction rates
    assert "响应率" in body and "口径说明" in body


def test_page_for_a_grid_worker_shows_their_grid(client, world):
    client.force_login(world["grid_worker"])
    response = client.get("/cases/figures/", {"from": "2026-03", "to": "2026-04", "by": "grid"})
    assert response.status_code == 200
    assert [r["label"] for r in response.context["rows"]] == ["一网格"]
    assert response.context["chart_data"]["months"]["received"] == [2, 0]
    assert "二网格" not in text(response)


def test_page_defaults_to_the_last_twelve_months(client, world):
    client.force_login(world["secretary"])
    response = client.get("/cases/figures/")
    months = response.context["chart_data"]["months"]["names"]
    today = timezone.localdate(timezone=TZ)
    assert len(months) == 12 and months[-1] == f"{today.year}年{today.month}月"
    # a community's people compare its grids; a district's or a town's its communities
    assert response.context["by"] == "grid" and response.context["to"] == today.strftime("%Y-%m")
    client.force_login(make_user(Role.TOWN_OFFICER, world["dl"].town))
    assert client.get("/cases/figures/").context["by"] == "community"


# ---------------------------------------------------------------------------------------------------------------
# The home dashboard's part.


def test_dashboard_figures_of_now():
    now = timezone.now()
    place = community("灯湖")
    secretary = make_user(Role.COMMUNITY_SECRETARY, place)
    make_case(place, received_at=now, state=CaseState.RECEIVED, due_at=now + timedelta(days=3))
    make_case(place, received_at=now - timedelta(minutes=5), state=CaseState.CLOSED,
              satisfaction=Case.Satisfaction.SATISFIED)
    make_case(place, received_at=now - timedelta(minutes=9), state=CaseState.FOLLOWED_UP,
              satisfaction=Case.Satisfaction.DISSATISFIED)
    make_case(place, received_at=now - timedelta(days=9), state=CaseState.DISPATCHED, due_at=now - timedelta(hours=1),
              escalations=1)
    make_case(place, received_at=now - timedelta(days=9), state=CaseState.MERGED, due_at=now - timedelta(hours=1))
    # Rated over a year ago: outside the satisfaction rate's 12 months.
    make_case(place, received_at=now - timedelta(days=400), state=CaseState.CLOSED,
              satisfaction=Case.Satisfaction.SATISFIED)
    figures = PART.figures(place_rows(secretary))
    assert set(figures) == set(PART.keys)
    assert figures["open_cases"] == 2 and figures["cases_waiting"] == 1
    assert figures["overdue_cases"] == 1 and figures["escalated_cases"] == 1
    assert figures["satisfaction_rate"] == 0.5
    # received this month: of those not merged, the ones received since the 1st (Shanghai)
    first = timezone.localdate(now, timezone=TZ).replace(day=1)
    start = datetime(first.year, first.month, 1, tzinfo=TZ)
    received = [now, now - timedelta(minutes=5), now - timedelta(minutes=9), now - timedelta(days=9)]
    assert figures["cases_this_month"] == sum(t >= start for t in received) >= 1

    other = PART.figures(place_rows(make_user(Role.COMMUNITY_SECRETARY, community("罗湖"))))
    assert other["open_cases"] == 0 and other["satisfaction_rate"] is None

    parts = PART.tiles(figures)[0].parts
    assert ("待派单", "cases_waiting", {"state": "received"}) in parts and ("满意率", "50.0%") in parts


def test_dashboard_by_community(world):
    district = make_user(Role.DISTRICT_ADMIN, world["dl"].town.district)
    columns = PART.by_community(place_rows(district))
    assert columns["open_cases"] == {world["dl"].pk: 2, world["luohu"].pk: 0}
    assert columns["overdue_cases"] == {world["dl"].pk: 2, world["luohu"].pk: 0}


def test_chart_data_is_valid_json_on_the_page(client, world):
    client.force_login(world["secretary"])
    body = text(client.get("/cases/figures/", {"from": "2026-03", "to": "2026-03", "by": "category"}))
    blob = body.split('id="case-figures-data" type="application/json">')[1].split("</script>")[0]
    data = json.loads(blob)
    assert data["groups"]["names"][0] == "城乡建设" and data["groups"]["received"][0] == 2
