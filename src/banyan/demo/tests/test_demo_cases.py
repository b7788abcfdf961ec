"""The demo's cases: the seeds' banyan-tree deliberation and its two projects, a year of cases in every state in
every community, to-dos for every secretary and the grid worker, and the Open311 demo key.

The demo is loaded once for the module at 1% of its people (cases have a floor of 20 a community) and deleted
after it; the tests that load or reset it again run inside their own transaction.
"""

import io

import pytest
from django.db import connection

from banyan.accounts.models import User
from banyan.cases.models import OPEN_STATES, Case, CaseState, Category, Deliberation, Project, TimeLimit, Unit
from banyan.cases.open311_clients import client_for_key
from banyan.cases.todo import case_todos
from banyan.demo.accounts import DEMO_ACCOUNTS
from banyan.demo.build import demo_load, demo_reset
from banyan.demo.cases import END, FLOOR, OPEN311_KEY
from banyan.demo.figures import COMMUNITIES
from banyan.events.models import Event
from banyan.places.models import Community, Grid

pytestmark = pytest.mark.django_db
SEED, SCALE = 20200209, 0.01
DEMO = [plan.name for plan in COMMUNITIES]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        summary = demo_load(seed=SEED, scale=SCALE, out=io.StringIO())
        yield summary
        demo_reset()
        users = User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])
        with connection.cursor() as cursor:  # the log is append-only, but this module's loads are no one's history
            cursor.execute(f"DELETE FROM {Event._meta.db_table} WHERE model = %s OR model LIKE %s OR user_id IN "
                           f"({', '.join(str(pk) for pk in users.values_list('pk', flat=True)) or 'NULL'})",
                           ["demo.demoload", "cases.%"])
        users.delete()
        Community.objects.filter(name__in=DEMO).update(area_km2=None, description="")


def timeline(case: Case) -> list[Event]:
    return list(Event.objects.filter(model="cases.case", object_id=case.pk).order_by("at", "pk"))


def history() -> list[tuple]:
    """The demo's year of cases (the live ones are received on the day of the load)."""
    return list(Case.objects.filter(received_at__lte=END).order_by("community__name", "received_at", "title")
                .values_list("community__name", "tracking_code", "title", "description", "state", "category__code",
                             "received_at", "due_at", "unit__name", "escalations", "satisfaction"))


def test_the_seeds_concerns_were_raised_under_the_banyan_tree_and_became_projects(demo):
    deliberation = Deliberation.objects.get(venue="拾陈经济社榕树头议事厅")
    assert deliberation.community.name == "东联" and deliberation.cooperative.name == "拾陈经济社"
    assert deliberation.convener == User.objects.get(username="donglian").display_name
    assert "乡贤" in deliberation.participants and deliberation.minutes and deliberation.decisions
    entered = Event.objects.get(model="cases.deliberation", object_id=deliberation.pk, action=Event.Action.CREATED)
    assert entered.at > deliberation.held_at and entered.user.username == "donglian"
    lights = Case.objects.get(description="村前路一直没有路灯，有没有办法解决？")
    fitness = Case.objects.get(description="新村公园建好了，能不能装些健身器材？")
    assert (lights.category.name, fitness.category.name) == ("路灯", "健身设施")
    assert set(deliberation.agenda.all()) == {lights, fitness}
    assert lights.deliberation == fitness.deliberation == deliberation
    assert (lights.project.name, lights.project.status, lights.project.progress) == ("村前路路灯安装工程",
                                                                                     Project.Status.UNDERWAY, 60)
    assert (fitness.project.name, fitness.project.status, fitness.project.progress) == ("新村公园健身路径",
                                                                                        Project.Status.DONE, 100)
    assert list(lights.project.milestones.values_list("name", flat=True)) == ["立项", "采购", "安装", "验收"]
    assert lights.project.milestones.filter(done_on__isnull=True).count() == 2
    assert not fitness.project.milestones.filter(done_on__isnull=True).exists()
    for case in (lights, fitness):
        assert case.reply.startswith("您在榕树头议事会上反映的问题已纳入项目") and case.project.name in case.reply
        steps = timeline(case)
        assert steps[0].at < deliberation.held_at.replace(hour=23) and steps[0].at > deliberation.held_at
        assert [e.action for e in steps][:5] == ["received", "dispatched", "accepted", "linked_project", "replied"]
        assert steps[3].data["project"] == case.project_id
    assert fitness.state == CaseState.CLOSED and fitness.satisfaction == Case.Satisfaction.SATISFIED
    # Followed up (the resident content that it became a project), open until the project is done.
    assert lights.state == CaseState.FOLLOWED_UP and not lights.overdue


def test_every_community_has_a_year_of_cases_in_every_state(demo):
    for name in DEMO:
        cases = Case.objects.filter(community__name=name)
        assert cases.count() >= FLOOR, name
        assert cases.filter(state=CaseState.CLOSED).exists() and cases.filter(state__in=OPEN_STATES).exists(), name
    assert set(Case.objects.values_list("state", flat=True)) == set(CaseState.values)
    closed = Case.objects.filter(state=CaseState.CLOSED).exclude(satisfaction="")
    assert closed.exclude(satisfaction=Case.Satisfaction.DISSATISFIED).count() > closed.count() / 2
    assert Event.objects.filter(model="cases.case", action="reopened").exists()
    merged = Case.objects.filter(state=CaseState.MERGED)
    assert merged.exists() and not merged.filter(merged_into=None).exists()
    assert all(case.merged_into.community_id == case.community_id for case in merged)
    first = Case.objects.filter(received_at__lte=END).order_by("received_at").first().received_at
    assert (END - first).days > 200  # spread over the year before the demo's today


def test_some_cases_are_overdue_escalated_difficult_and_a_petition_went_both_ways(demo):
    cases = list(Case.objects.all())
    overdue = [c for c in cases if c.overdue]
    assert any(c.state in OPEN_STATES for c in overdue)
    assert any(c.replied_at and c.due_at and c.replied_at > c.due_at for c in overdue)  # answered late
    escalated = Case.objects.filter(escalations__gt=0)
    assert escalated.filter(level="town").exists() and escalated.filter(level="community").exists()
    assert Case.objects.filter(difficult=True, level="town").exists()
    forwarded = Event.objects.filter(model="cases.case", action="petition_forwarded").values("object_id")
    petition = Case.objects.get(pk__in=forwarded, community__name="东联")
    assert petition.kind == Case.Kind.PETITION and petition.state == CaseState.CLOSED
    actions = [e.action for e in timeline(petition)]
    assert actions.index("petition_forwarded") < actions.index("instructed") < actions.index("replied")
    instructed = next(e for e in timeline(petition) if e.action == "instructed")
    assert instructed.user.username == "danzao"


def test_cases_follow_their_timelines_and_go_to_their_grids_units(demo):
    for case in Case.objects.select_related("unit", "grid"):
        steps = timeline(case)
        assert steps[0].action == "received" and steps[0].data["from"] == "", case.pk
        # Written as the services write them, dated when they happened (the live ones: the moment of the load).
        assert abs(steps[0].at - case.received_at).total_seconds() < 60
        states = [e.data["to"] for e in steps if "to" in e.data]
        assert states[-1] == case.state, (case.pk, [e.action for e in steps])
        assert [e.at for e in steps] == sorted(e.at for e in steps)
        assert case.grid is None or case.grid.level == Grid.Level.GRID
        if case.unit and case.unit.kind == Unit.Kind.GRID:
            assert case.unit.grid_id == case.grid_id
        if case.received_at <= END:
            assert steps[-1].at <= END  # the history ends on the demo's today


def test_every_secretary_and_the_grid_worker_have_cases_to_do(demo):
    for username in ("donglian", "luohu", "denghu", "fengming", "luohu-grid"):
        todos = case_todos(User.objects.get(username=username))
        assert todos, username
        # Urgent ones first (difficult cases, emergencies): among them the fire hazard phoned in today, due
        # within two hours.
        urgent = [t for t in todos if t.urgent]
        assert todos[:len(urgent)] == urgent and any("飞线充电" in t.title for t in urgent), username
    grid_worker = User.objects.get(username="luohu-grid")
    mine = Case.objects.filter(unit__members=grid_worker, state__in=(CaseState.DISPATCHED, CaseState.IN_PROGRESS))
    assert mine.exists()
    # Waiting for dispatch today in every community, and one due within hours.
    for name in DEMO:
        assert Case.objects.filter(community__name=name, state=CaseState.RECEIVED, received_at__gt=END).exists()
    assert Case.objects.filter(received_at__gt=END, state=CaseState.DISPATCHED, time_limit__code="emergency").exists()


def test_units_of_every_kind_and_the_town_lands_escalations_on_its_centre(demo):
    kinds = set(Unit.objects.values_list("kind", flat=True))
    assert {Unit.Kind.COMMUNITY_OFFICE, Unit.Kind.GRID, Unit.Kind.PROPERTY_COMPANY, Unit.Kind.TOWN_DEPARTMENT} <= kinds
    for town in ("丹灶镇", "狮山镇", "桂城街道"):
        first = Unit.objects.filter(town__name=town, kind=Unit.Kind.TOWN_DEPARTMENT).order_by("pk").first()
        assert first.name == f"{town}综治中心" and first.community is None
    assert Unit.objects.filter(members__username="danzao", name="丹灶镇综治中心").exists()
    grids = Grid.objects.filter(community__name__in=DEMO, level=Grid.Level.GRID).count()
    assert Unit.objects.filter(kind=Unit.Kind.GRID).count() == grids


def test_the_open311_demo_key_works(demo):
    client = client_for_key(OPEN311_KEY)
    assert client is not None and client.name == "演示应用" and client.active


def test_same_seed_same_cases_and_reset_removes_them_but_not_the_categories(demo):
    before = history()
    assert before
    demo_load(seed=SEED, scale=SCALE, out=io.StringIO())
    assert history() == before
    assert client_for_key(OPEN311_KEY) is not None
    categories, limits = Category.objects.count(), TimeLimit.objects.count()
    demo_reset()
    assert not Case.objects.exists() and not Unit.objects.exists() and not Deliberation.objects.exists()
    assert client_for_key(OPEN311_KEY) is None
    assert (Category.objects.count(), TimeLimit.objects.count()) == (categories, limits) and categories > 50
