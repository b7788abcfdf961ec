"""The steps of a case through its services: states, events, deadlines, escalation, refusals that change nothing."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from banyan.accounts.roles import Level, Role
from banyan.cases import services
from banyan.cases.deadlines import add_working_days
from banyan.cases.models import Case, CaseState, Category, TimeLimit
from banyan.core.testing import GridFactory, UnitFactory, community, make_user, town
from banyan.events.models import Event

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def chain():
    """东联 with a grid, its grid unit, community office and a town department of 丹灶镇; a secretary."""
    donglian = community("东联")
    grid = GridFactory(community=donglian, name="拾陈网格")
    return {
        "community": donglian, "grid": grid,
        "grid_unit": UnitFactory(community=donglian, grid=grid, kind="grid", name="拾陈网格"),
        "office": UnitFactory(community=donglian, kind="community_office", name="东联社区办公室"),
        "town_unit": UnitFactory(community=None, town=town("丹灶镇"), kind="town_department", name="丹灶镇综治中心"),
        "secretary": make_user(Role.COMMUNITY_SECRETARY, donglian),
        "grid_worker": make_user(Role.GRID_WORKER, grid),
    }


def receive(chain, **extra):
    values = {"community": chain["community"], "grid": chain["grid"], "channel": Case.Channel.WALK_IN,
              "description": "村前路一直没有路灯，有没有办法解决？", **extra}
    return services.case_receive(by=extra.pop("by", chain["grid_worker"]), **values)


def steps(case) -> list[str]:
    return list(Event.objects.filter(model="cases.case", object_id=case.pk).order_by("at", "pk")
                .values_list("action", flat=True))


def test_a_case_travels_the_whole_chain_and_each_step_is_on_its_timeline(chain):
    case = receive(chain, contact_phone="13800001234", contact_name="陈伯")
    assert case.state == CaseState.RECEIVED and case.due_at is not None
    assert case.contact_phone_masked == "138****1234"
    case = services.case_dispatch(case=case, unit=chain["grid_unit"], by=chain["secretary"])
    assert (case.state, case.level) == (CaseState.DISPATCHED, Level.GRID)
    case = services.case_accept(case=case, by=chain["grid_worker"])
    case = services.case_reply(case=case, by=chain["grid_worker"], reply="已报镇街安装路灯，预计下月完工。")
    case = services.case_follow_up(case=case, by=chain["secretary"], satisfaction=Case.Satisfaction.SATISFIED)
    case = services.case_close(case=case, by=chain["secretary"])
    assert case.state == CaseState.CLOSED and case.closed_at and case.responded_at and case.replied_at
    assert steps(case) == ["received", "dispatched", "accepted", "replied", "followed_up", "closed"]
    dispatched = Event.objects.get(model="cases.case", object_id=case.pk, action="dispatched")
    assert dispatched.data["from"] == "received" and dispatched.data["to"] == "dispatched"
    assert dispatched.user == chain["secretary"]


def test_dissatisfaction_reopens_with_a_new_deadline(chain):
    case = receive(chain)
    case = services.case_reply(case=case, by=chain["secretary"], reply="已处理")
    case = services.case_rate(case=case, satisfaction=Case.Satisfaction.DISSATISFIED, note="路灯还是不亮")
    assert case.state == CaseState.REOPENED and case.satisfaction == Case.Satisfaction.DISSATISFIED
    assert steps(case)[-2:] == ["rated", "reopened"]
    assert case.due_at > timezone.now()


def test_refused_steps_change_nothing(chain):
    case = receive(chain)
    before = Event.objects.count()
    with pytest.raises(ValidationError, match="退回理由"):
        services.case_return(case=services.case_dispatch(case=case, unit=chain["office"], by=chain["secretary"]),
                             by=chain["secretary"], reason="  ")
    with pytest.raises(ValidationError, match="不能回访"):
        services.case_follow_up(case=case, by=chain["secretary"], satisfaction="satisfied")
    other = UnitFactory(community=community("罗湖"), name="罗湖社区办公室")
    with pytest.raises(ValidationError, match="不是该诉求"):
        services.case_dispatch(case=case, unit=other, by=chain["secretary"])
    assert Event.objects.count() == before + 1  # only the dispatch that went through
    assert Case.objects.get(pk=case.pk).state == CaseState.DISPATCHED


def test_a_foreign_case_cannot_be_touched(chain):
    case = receive(chain)
    stranger = make_user(Role.COMMUNITY_SECRETARY, community("罗湖"))
    with pytest.raises(PermissionDenied):
        services.case_dispatch(case=case, unit=chain["office"], by=stranger)
    other_grid_worker = make_user(Role.GRID_WORKER, GridFactory(community=chain["community"]))
    with pytest.raises(PermissionDenied):
        services.case_reply(case=case, by=other_grid_worker, reply="x")


def test_bad_text_is_refused_and_nothing_is_written(chain):
    n = Case.objects.count()
    for text in ("", "   ", "x" * 5001, "路灯\x00坏了"):
        with pytest.raises(ValidationError):
            receive(chain, description=text)
    assert Case.objects.count() == n


def test_a_breached_deadline_escalates_up_the_chain_and_stops_at_the_town(chain):
    case = services.case_dispatch(case=receive(chain), unit=chain["grid_unit"], by=chain["secretary"])
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    case = services.case_breach(case=case)
    assert (case.level, case.unit, case.escalations) == (Level.COMMUNITY, chain["office"], 1)
    assert case.due_at > timezone.now()
    assert services.case_breach(case=case) is None  # not due yet
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    case = services.case_breach(case=case)
    assert (case.level, case.unit) == (Level.TOWN, chain["town_unit"])
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    assert services.case_breach(case=case) is None
    assert steps(case).count("escalated") == 2


def test_a_difficult_case_goes_up_at_once(chain):
    case = services.case_flag_difficult(case=receive(chain), by=chain["secretary"], reason="涉及多个部门")
    assert case.difficult and case.level == Level.TOWN and case.unit == chain["town_unit"]


def test_petition_limit_is_60_days_and_extends_once_by_30(chain):
    case = receive(chain, kind=Case.Kind.PETITION)
    assert case.time_limit.code == "petition"
    assert case.due_at - case.received_at == dt.timedelta(days=60)
    case = services.case_extend(case=case, by=chain["secretary"], reason="需多部门会商")
    assert case.due_at - case.received_at == dt.timedelta(days=90)
    with pytest.raises(ValidationError, match="只能延长一次"):
        services.case_extend(case=case, by=chain["secretary"], reason="再延")
    up = services.case_petition_forward(case=case, by=chain["secretary"], note="报镇信访办")
    officer = make_user(Role.TOWN_OFFICER, town("丹灶镇"))
    services.case_instruct(case=up, by=officer, instruction="请社区三日内约谈当事人")
    with pytest.raises(PermissionDenied):
        services.case_instruct(case=up, by=chain["secretary"], instruction="x")
    assert steps(case)[-2:] == ["petition_forwarded", "instructed"]


def test_general_cases_count_working_days_across_a_holiday():
    # Received on the eve of the National Day holiday (1-8 October 2025, 28 September and 11 October worked).
    start = dt.datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI)
    # 9, 10, 11 (a Saturday worked), 13, 14, 15, 16 October.
    assert add_working_days(start, 7).date() == dt.date(2025, 10, 16)
    assert add_working_days(dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI), 7).date() == dt.date(2026, 3, 11)


def test_emergency_and_utilities_are_counted_in_hours(chain):
    case = receive(chain, priority=Case.Priority.EMERGENCY)
    assert case.due_at - case.received_at == dt.timedelta(hours=2)
    water = Category.objects.get(code="C-UTILITIES")
    case = receive(chain, category=water)
    assert case.due_at - case.received_at == dt.timedelta(hours=24)
    assert TimeLimit.objects.get(code="general").working_days


def test_a_merged_duplicate_follows_its_case(chain):
    first, second = receive(chain), receive(chain, description="村前路没路灯，晚上走路很危险")
    merged = services.case_merge(case=second, into=first, by=chain["secretary"])
    assert merged.state == CaseState.MERGED and merged.merged_into == first
    with pytest.raises(ValidationError):
        services.case_merge(case=first, into=second, by=chain["secretary"])


def test_the_category_tree_holds_the_hotline_disputes_urban_and_community_classes():
    names = set(Category.objects.values_list("name", flat=True))
    assert {"城乡建设", "环境保护", "交通运输", "教育文体", "劳动和社会保障", "商贸旅游", "卫生计生"} <= names
    assert {"邻里", "劳动人事争议", "路灯", "健身设施", "环境卫生", "出租屋", "消防安全", "突发事件"} <= names
    assert Category.objects.get(name="路灯").parent.name == "城乡建设"


def test_a_time_limit_changed_in_the_admin_applies_to_new_cases_and_leaves_an_event(chain, client):
    admin = make_user(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    general = TimeLimit.objects.get(code="general")
    response = client.post(f"/admin/cases/timelimit/{general.pk}/change/", {
        "code": "general", "name": general.name, "days": 5, "working_days": "on", "extension_days": 0,
        "remind_before_hours": 24})
    assert response.status_code == 302
    event = Event.objects.get(model="cases.timelimit", object_id=general.pk)
    assert event.user == admin and any(c["field"] == "days" for c in event.changes)
    case = receive(chain)
    assert case.due_at == add_working_days(case.received_at, 5)
