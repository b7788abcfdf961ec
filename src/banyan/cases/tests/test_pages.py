"""The staff pages of the case chain, through the test client: recording, the steps, refusals, scope, the
deliberation → project chain and the public progress board."""

import datetime as dt

import pytest
from django.utils import timezone

from banyan.accounts.models import RoleAssignment
from banyan.accounts.roles import Role
from banyan.cases import services
from banyan.cases.models import Case, CaseState, Category, Project
from banyan.core.testing import (
    DeliberationFactory,
    GridFactory,
    ProjectFactory,
    UnitFactory,
    community,
    make_user,
    text,
    town,
)
from banyan.events.models import Event

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def case_events(case) -> list[str]:
    return list(Event.objects.filter(model="cases.case", object_id=case.pk).order_by("at", "pk")
                .values_list("action", flat=True))


def step(client, case, name, **data):
    return client.post(f"/cases/{case.pk}/step/{name}/", {f"{name}-{k}": v for k, v in data.items()})


def received(by, place=None, **extra) -> Case:
    values = {"community": place or community("东联"), "channel": Case.Channel.WALK_IN,
              "description": "村前路一直没有路灯，晚上很黑", "contact_name": "陈阿姨", "contact_phone": PHONE}
    values.update(extra)
    return services.case_receive(by=by, **values)


def test_grid_worker_records_in_their_grid_and_not_in_another(client):
    mine, other = GridFactory(), GridFactory()
    client.force_login(make_user(Role.GRID_WORKER, mine))
    page = client.get("/cases/record/")
    assert page.status_code == 200
    assert mine.name in text(page) and other.name not in text(page)

    form = {"kind": "request", "channel": "visit", "description": "3栋楼道灯坏了", "priority": "normal",
            "contact_name": "李伯", "contact_phone": PHONE}
    refused = client.post("/cases/record/", {**form, "grid": other.pk})
    assert refused.status_code == 200 and "诉求尚未登记" in text(refused)
    assert not Case.objects.exists()

    done = client.post("/cases/record/", {**form, "grid": mine.pk})
    case = Case.objects.get()
    assert done.status_code == 302 and done["Location"].startswith(f"/cases/{case.pk}/")
    assert (case.grid, case.community, case.channel) == (mine, mine.community, "visit")
    assert case_events(case) == ["received"]
    page = text(client.get(f"/cases/{case.pk}/"))
    assert "3栋楼道灯坏了" in page and "139****5678" in page and PHONE not in page


def test_secretary_dispatches_unit_accepts_and_replies_dissatisfied_follow_up_reopens(client):
    donglian = community("东联")
    secretary = make_user(Role.COMMUNITY_SECRETARY, donglian)
    handler = make_user(Role.COMMUNITY_STAFF, donglian)
    unit = UnitFactory(name="东联社区城建办")
    unit.members.add(handler)
    case = received(secretary)

    client.force_login(secretary)
    page = text(client.get(f"/cases/{case.pk}/"))
    assert "东联社区城建办" in page and 'id="step-dispatch"' in page
    assert step(client, case, "dispatch", unit=unit.pk, note="请尽快处理").status_code == 302
    case.refresh_from_db()
    assert (case.state, case.unit) == (CaseState.DISPATCHED, unit)
    # The unit has its own people: the secretary does not sign for it.
    assert 'id="step-accept"' not in text(client.get(f"/cases/{case.pk}/"))

    client.force_login(handler)
    assert 'id="step-accept"' in text(client.get(f"/cases/{case.pk}/"))
    step(client, case, "accept")
    step(client, case, "reply", reply="已安装两盏路灯")
    case.refresh_from_db()
    assert case.state == CaseState.REPLIED and case.reply == "已安装两盏路灯"

    client.force_login(secretary)
    step(client, case, "follow_up", satisfaction="dissatisfied", note="居民说还有一段没亮")
    case.refresh_from_db()
    assert case.state == CaseState.REOPENED
    assert case_events(case) == ["received", "dispatched", "accepted", "replied", "followed_up", "reopened"]
    timeline = text(client.get(f"/cases/{case.pk}/")).split('id="timeline"')[1]
    assert timeline.index("签收办理") < timeline.index("重新办理")
    assert "已回访 → 重新办理" in timeline and "居民说还有一段没亮" in timeline


def test_return_needs_a_reason(client):
    donglian = community("东联")
    handler = make_user(Role.COMMUNITY_STAFF, donglian)
    unit = UnitFactory()
    unit.members.add(handler)
    case = services.case_dispatch(case=received(handler), unit=unit, by=handler)
    client.force_login(handler)

    refused = step(client, case, "return", reason="  ")
    assert refused.status_code == 200 and "未能退回" in text(refused)
    case.refresh_from_db()
    assert (case.state, case.unit) == (CaseState.DISPATCHED, unit) and "returned" not in case_events(case)

    step(client, case, "return", reason="不属于本单位职责，应由物业处理")
    case.refresh_from_db()
    assert case.state == CaseState.RETURNED and case.unit is None
    assert "不属于本单位职责" in text(client.get(f"/cases/{case.pk}/"))


def test_a_step_the_state_does_not_allow_is_refused_and_changes_nothing(client):
    secretary = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    case = received(secretary)
    client.force_login(secretary)
    answer = client.post(f"/cases/{case.pk}/step/close/", {"close-note": "结束"}, follow=True)
    assert "不能办结" in text(answer)
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED and case_events(case) == ["received"]


def test_suggested_category_is_confirmed_in_one_tap(client):
    secretary = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    case = received(secretary)
    suggested = Category.objects.filter(parent__isnull=False).first()
    Case.objects.filter(pk=case.pk).update(suggested_category=suggested)
    client.force_login(secretary)
    page = text(client.get(f"/cases/{case.pk}/"))
    assert "建议分类" in page and suggested.name in page
    client.post(f"/cases/{case.pk}/step/categorise/", {"categorise-category": suggested.pk})
    case.refresh_from_db()
    assert case.category == suggested and case_events(case)[-1] == "categorised"


def test_merge_into_a_similar_open_case(client):
    secretary = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    first, again = received(secretary), received(secretary)
    client.force_login(secretary)
    answer = client.post(f"/cases/{again.pk}/step/merge/", {"into": first.pk})
    assert answer.status_code == 302 and answer["Location"] == f"/cases/{first.pk}/"
    again.refresh_from_db()
    assert (again.state, again.merged_into) == (CaseState.MERGED, first)
    assert again.tracking_code in text(client.get(f"/cases/{first.pk}/"))


def test_a_foreign_case_is_a_404_on_its_page_and_its_steps(client):
    luohu_case = received(make_user(Role.COMMUNITY_SECRETARY, community("罗湖")), community("罗湖"))
    client.force_login(make_user(Role.COMMUNITY_SECRETARY, community("东联")))
    assert client.get(f"/cases/{luohu_case.pk}/").status_code == 404
    assert step(client, luohu_case, "escalate", reason="上报").status_code == 404
    assert client.get(f"/cases/{luohu_case.pk}/attachments/1/").status_code == 404
    luohu_case.refresh_from_db()
    assert luohu_case.level == "community" and case_events(luohu_case) == ["received"]


def test_no_generic_edit_or_delete_of_a_case(client):
    secretary = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    case = received(secretary)
    client.force_login(secretary)
    for url in (f"/cases/{case.pk}/edit/", f"/cases/{case.pk}/delete/", "/cases/new/"):
        assert client.get(url).status_code in (403, 404, 405)
        assert client.post(url, {"title": "改掉", "description": "改掉"}).status_code in (403, 404, 405)
    case.refresh_from_db()
    assert case.description != "改掉" and case_events(case) == ["received"]
    page = text(client.get(f"/cases/{case.pk}/"))
    assert f"/cases/{case.pk}/edit/" not in page and f"/cases/{case.pk}/delete/" not in page


def test_case_list_quick_filters(client):
    secretary = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    late = received(secretary, title="已超期的路灯")
    received(secretary, title="刚登记的井盖")
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(secretary)
    everything = text(client.get("/cases/"))
    assert "登记诉求" in everything and "已超期的路灯" in everything and "刚登记的井盖" in everything
    overdue = text(client.get("/cases/?quick=overdue"))
    assert "已超期的路灯" in overdue and "刚登记的井盖" not in overdue
    assert "已超期的路灯" not in text(client.get("/cases/?quick=difficult"))


def test_deliberation_becomes_a_project_and_the_board_shows_it_without_personal_data(client):
    donglian = community("东联")
    secretary = make_user(Role.COMMUNITY_SECRETARY, donglian)
    asked = [received(secretary, description="村前路没有路灯", contact_name="陈阿姨"),
             received(secretary, description="村前路晚上太黑", contact_name="黄先生", contact_phone="13800001111")]
    session = DeliberationFactory(community=donglian, participants="陈伯（乡贤）\n李明（党员）")
    ProjectFactory(community=donglian, name="不公开的内部项目", public=False)
    client.force_login(secretary)
    for case in asked:
        client.post(f"/deliberations/{session.pk}/agenda/", {"case": case.pk, "do": "add"})
    assert set(session.agenda.all()) == set(asked)
    page = text(client.get(f"/deliberations/{session.pk}/"))
    assert "村前路没有路灯" in page and "陈伯（乡贤）" in page and "转为项目" in page

    form = text(client.get(f"/cases/record/?deliberation={session.pk}"))
    assert 'value="deliberation" selected' in form
    client.post("/cases/record/", {"kind": "suggestion", "channel": "deliberation", "community": donglian.pk,
                                   "priority": "normal", "description": "会上提出：祠堂前加装监控",
                                   "deliberation": session.pk})
    raised = Case.objects.get(description="会上提出：祠堂前加装监控")
    assert raised.deliberation == session and not session.agenda.filter(pk=raised.pk).exists()
    page = text(client.get(f"/deliberations/{session.pk}/"))
    assert "尚未列入议程" in page and "祠堂前加装监控" in page

    answer = client.post(f"/deliberations/{session.pk}/project/", {
        "name": "村前路路灯安装", "decision": "安装12盏太阳能路灯", "owner": "陈书记", "budget": "36000",
        "public": "on", "cases": [c.pk for c in asked]})
    project = Project.objects.get(name="村前路路灯安装")
    assert answer.status_code == 302 and answer["Location"] == f"/projects/{project.pk}/"
    assert project.deliberation == session and project.community == donglian
    assert Event.objects.filter(model="cases.project", object_id=project.pk, action="created").exists()
    for case in asked:
        case.refresh_from_db()
        assert case.project == project and case_events(case)[-1] == "linked_project"

    client.post(f"/projects/{project.pk}/milestones/", {"name": "路灯采购", "due_on": "2026-12-20"})
    milestone = project.milestones.get()
    client.post(f"/projects/{project.pk}/milestones/", {"done": milestone.pk})
    milestone.refresh_from_db()
    assert milestone.done_on == timezone.localdate()
    assert "路灯采购" in text(client.get(f"/projects/{project.pk}/"))

    client.logout()
    board = client.get(f"/board/{donglian.code}/")
    body = text(board)
    assert board.status_code == 200
    assert "村前路路灯安装" in body and "2件居民诉求提出" in body and "路灯采购" in body
    assert "不公开的内部项目" not in body
    for personal in ("陈阿姨", "黄先生", PHONE, "139****5678", "138****1111", "陈书记", "村前路没有路灯",
                     asked[0].tracking_code):
        assert personal not in body
    assert client.get("/board/000000000000/").status_code == 404


def test_a_user_with_two_roles_acts_only_where_each_role_allows(client):
    """Community staff at 东联 (丹灶镇) and town officer at 狮山镇: an instruction (批示) only on a 狮山镇 case;
    a project only from a 东联 deliberation."""
    donglian, luohu = community("东联"), community("罗湖")
    user = make_user(Role.COMMUNITY_STAFF, donglian)
    RoleAssignment.objects.create(user=user, role=Role.TOWN_OFFICER, town=town("狮山镇"))
    ours = received(make_user(Role.COMMUNITY_SECRETARY, donglian), donglian)
    theirs = received(make_user(Role.COMMUNITY_SECRETARY, luohu), luohu)
    client.force_login(user)

    page = text(client.get(f"/cases/{ours.pk}/"))
    assert 'id="step-dispatch"' in page and 'id="step-instruct"' not in page
    refused = client.post(f"/cases/{ours.pk}/step/instruct/", {"instruct-instruction": "尽快办"}, follow=True)
    assert "不能批示" in text(refused) and "instructed" not in case_events(ours)

    assert 'id="step-instruct"' in text(client.get(f"/cases/{theirs.pk}/"))
    step(client, theirs, "instruct", instruction="请罗湖社区三日内答复")
    assert case_events(theirs)[-1] == "instructed"

    luohu_session, our_session = DeliberationFactory(community=luohu), DeliberationFactory(community=donglian)
    form = {"name": "新项目", "owner": "某人", "public": "on"}
    assert client.post(f"/deliberations/{luohu_session.pk}/project/", form).status_code == 404
    assert client.post(f"/deliberations/{our_session.pk}/project/", form).status_code == 302
    assert list(Project.objects.values_list("community__name", flat=True)) == ["东联"]


def test_party_member_records_but_does_not_dispatch(client):
    grid = GridFactory()
    member = make_user(Role.PARTY_MEMBER, grid)
    unit = UnitFactory()
    client.force_login(member)
    client.post("/cases/record/", {"kind": "suggestion", "channel": "wechat", "grid": grid.pk, "priority": "normal",
                                   "description": "建议在榕树下加几张长椅"})
    case = Case.objects.get()
    assert case.recorded_by == member
    page = text(client.get(f"/cases/{case.pk}/"))
    assert 'id="step-note"' in page and 'id="step-dispatch"' not in page
    step(client, case, "dispatch", unit=unit.pk)
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED and case_events(case) == ["received"]


def test_the_page_of_a_new_case_lists_similar_open_cases_to_merge_into(client):
    pytest.importorskip("banyan.cases.similar")
    secretary = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    earlier = received(secretary, title="村前路路灯不亮", description="村前路从桥头到祠堂一段没有路灯，晚上很黑")
    unrelated = received(secretary, title="垃圾桶满了", description="市场门口的垃圾桶三天没人清运")
    client.force_login(secretary)
    client.post("/cases/record/", {"kind": "request", "channel": "phone", "community": community("东联").pk,
                                   "priority": "normal", "title": "村前路没有路灯",
                                   "description": "村前路桥头到祠堂没有路灯，晚上太黑了"})
    new = Case.objects.latest("pk")
    similar = text(client.get(f"/cases/{new.pk}/")).split('id="similar"')[1].split("</section>")[0]
    assert earlier.tracking_code in similar and unrelated.tracking_code not in similar
    assert f'name="into" value="{earlier.pk}"' in similar
