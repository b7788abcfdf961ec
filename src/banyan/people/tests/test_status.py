"""A resident leaves by moving out or dying, never by deletion: the page steps, the API actions, what lists and the
dashboard show afterwards, refusals of bad input, and delete kept for the enterer's mistake within a day."""

import datetime as dt

import pytest
from django.utils import timezone

from banyan.accounts.roles import Role
from banyan.core.testing import (
    GridFactory,
    ResidentFactory,
    TenancyFactory,
    community,
    make_user,
    text,
    valid_id_number,
)
from banyan.events.models import Event
from banyan.people.models import Residency, Resident, ResidentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary(client):
    user = make_user(Role.COMMUNITY_SECRETARY, community("东联"), display_name="陈书记")
    client.force_login(user)
    return user


def today():
    return timezone.localdate()


def steps_of(resident) -> list[str]:
    return list(Event.objects.filter(model="people.resident", object_id=resident.pk).order_by("pk")
                .values_list("action", flat=True))


def test_move_out_on_the_page_keeps_the_resident_and_leaves_an_event(client, secretary):
    resident = ResidentFactory(name="李迁出", birth_date=dt.date(1980, 5, 1))
    page = text(client.get(f"/residents/{resident.pk}/"))
    assert "?step=move-out" in page and "?step=death" in page
    assert "删除" not in page  # not the enterer: leaving is a status change, not a deletion
    form = text(client.get(f"/residents/{resident.pk}/?step=move-out"))
    assert "迁出日期" in form and "迁出原因" in form and "迁往地" in form

    on = today() - dt.timedelta(days=3)
    response = client.post(f"/residents/{resident.pk}/", {"step": "move-out", "on": on.isoformat(),
                                                          "reason": "购房迁往广州", "destination": "广州市天河区"})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.status, resident.status_on, resident.status_reason, resident.moved_to) == (
        ResidentStatus.MOVED_OUT, on, "购房迁往广州", "广州市天河区")
    page = text(client.get(f"/residents/{resident.pk}/"))
    assert "已办理迁出" in page and "已迁出" in page and "购房迁往广州" in page and "广州市天河区" in page
    assert "?step=move-in" in page and "?step=move-out" not in page
    event = Event.objects.get(model="people.resident", object_id=resident.pk, action="moved_out")
    assert event.user == secretary and event.note == "购房迁往广州"
    assert {"field": "status", "before": "在册", "after": "已迁出"}.items() <= \
        next(c for c in event.changes if c["field"] == "status").items()
    assert "迁出" in page  # the timeline names the step


def test_the_list_shows_current_residents_unless_asked(client, secretary):
    here = ResidentFactory(name="在册甲")
    gone = ResidentFactory(name="迁出乙", birth_date=dt.date(1970, 1, 1))
    dead = ResidentFactory(name="死亡丙", birth_date=dt.date(1930, 1, 1))
    client.post(f"/residents/{gone.pk}/", {"step": "move-out", "on": today().isoformat(), "reason": "工作调动"})
    client.post(f"/residents/{dead.pk}/", {"step": "death", "on": today().isoformat(), "reason": "病故"})
    default = text(client.get("/residents/"))
    assert here.name in default and gone.name not in default and dead.name not in default
    assert '<details class="filter-fields">' in default  # the default is not shown as a filter the user chose
    moved = text(client.get("/residents/?status=moved_out"))
    assert gone.name in moved and here.name not in moved and dead.name not in moved
    everyone = text(client.get("/residents/?status="))
    assert all(r.name in everyone for r in (here, gone, dead))
    export = text(client.get("/residents/export.csv"))
    assert here.name in export and gone.name not in export
    # The dashboard counts those who live here now.
    figures = client.get("/api/summary/").json()
    assert figures["residents"] == 1 and figures["residents_registered"] == 1
    # The API lists every status; its filter narrows.
    api = client.get("/api/residents/").json()
    assert api["count"] == 3
    assert client.get("/api/residents/?status=current").json()["count"] == 1


def test_death_through_the_api_ends_the_tenancy(client, secretary):
    tenancy = TenancyFactory(moved_in=dt.date(2024, 1, 1))
    resident = tenancy.resident
    on = today() - dt.timedelta(days=1)
    response = client.post(f"/api/residents/{resident.pk}/death/", {"on": on.isoformat(), "reason": "病故"},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == ResidentStatus.DECEASED
    tenancy.refresh_from_db()
    assert tenancy.moved_out == on
    assert Event.objects.filter(model="people.tenancy", object_id=tenancy.pk, action="changed").exists()
    again = client.post(f"/api/residents/{resident.pk}/move-out/", {"on": on.isoformat(), "reason": "x"},
                        content_type="application/json")
    assert again.status_code == 400 and "已死亡注销" in text(again)


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"on": "", "reason": "工作调动"}, "on", "请填写迁出日期。"),
    ({"on": "2999-01-01", "reason": "工作调动"}, "on", "迁出日期不能晚于今天。"),
    ({"on": "1975-01-01", "reason": "工作调动"}, "on", "迁出日期不能早于出生日期（1980-05-01）。"),
    ({"on": "2025-01-01", "reason": "   "}, "reason", "请填写迁出原因。"),
])
def test_bad_move_out_is_refused_and_changes_nothing(client, secretary, values, field, message):
    resident = ResidentFactory(birth_date=dt.date(1980, 5, 1))
    before = steps_of(resident)
    page = client.post(f"/residents/{resident.pk}/", {"step": "move-out", **values})
    assert page.status_code == 200 and message in text(page)
    api = client.post(f"/api/residents/{resident.pk}/move-out/", {k: v or None for k, v in values.items()},
                      content_type="application/json")
    assert api.status_code == 400 and api.json()[field] == [message]
    resident.refresh_from_db()
    assert resident.status == ResidentStatus.CURRENT and resident.status_on is None
    assert steps_of(resident) == before


def test_moved_out_cannot_move_out_again_but_can_come_back(client, secretary):
    resident = ResidentFactory()
    out_on = today() - dt.timedelta(days=30)
    client.post(f"/residents/{resident.pk}/", {"step": "move-out", "on": out_on.isoformat(), "reason": "外出务工"})
    again = client.post(f"/residents/{resident.pk}/", {"step": "move-out", "on": today().isoformat(),
                                                       "reason": "再次迁出"})
    assert f"该居民已于{out_on.isoformat()}迁出，不能办理迁出。" in text(again)
    death = client.post(f"/api/residents/{resident.pk}/death/", {"on": today().isoformat(), "reason": "病故"},
                        content_type="application/json")
    assert death.status_code == 400 and "不能办理死亡注销" in text(death)
    early = client.post(f"/residents/{resident.pk}/", {"step": "move-in", "reason": "返乡",
                                                       "on": (out_on - dt.timedelta(days=1)).isoformat()})
    assert "迁入日期不能早于迁出日期" in text(early)
    back = client.post(f"/residents/{resident.pk}/", {"step": "move-in", "on": today().isoformat(),
                                                      "reason": "返乡居住"})
    assert back.status_code == 302
    resident.refresh_from_db()
    assert resident.status == ResidentStatus.CURRENT and resident.status_reason == "返乡居住"
    assert steps_of(resident)[-2:] == ["moved_out", "moved_in"]


def test_who_may_not_change_the_resident_gets_no_buttons_and_is_refused(client):
    grid = GridFactory()
    resident = ResidentFactory(grid=grid)
    captain = make_user(Role.BUILDING_CAPTAIN, grid)
    client.force_login(captain)
    page = text(client.get(f"/residents/{resident.pk}/"))
    assert "?step=" not in page
    refused = client.post(f"/residents/{resident.pk}/", {"step": "death", "on": today().isoformat(),
                                                         "reason": "病故"})
    assert refused.status_code == 403
    assert client.post(f"/api/residents/{resident.pk}/death/", {"on": today().isoformat(), "reason": "病故"},
                       content_type="application/json").status_code == 403
    # Another community's staff: the resident does not exist for them.
    client.force_login(make_user(Role.COMMUNITY_SECRETARY, community("罗湖")))
    assert client.get(f"/residents/{resident.pk}/").status_code == 404
    assert client.post(f"/residents/{resident.pk}/", {"step": "death", "on": today().isoformat(),
                                                      "reason": "病故"}).status_code == 404
    assert client.post(f"/api/residents/{resident.pk}/death/", {"on": today().isoformat(), "reason": "病故"},
                       content_type="application/json").status_code == 404
    resident.refresh_from_db()
    assert resident.status == ResidentStatus.CURRENT


def test_a_user_with_roles_at_two_places_acts_only_where_they_may_change(client):
    """Grid worker of one grid of 东联 and building captain of another: both residents open, only the first
    can be moved out."""
    mine, theirs = GridFactory(), GridFactory()
    user = make_user(Role.GRID_WORKER, mine)
    from banyan.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=user, role=Role.BUILDING_CAPTAIN, grid=theirs)
    client.force_login(user)
    a, b = ResidentFactory(grid=mine), ResidentFactory(grid=theirs)
    assert "?step=move-out" in text(client.get(f"/residents/{a.pk}/"))
    assert "?step=move-out" not in text(client.get(f"/residents/{b.pk}/"))
    values = {"step": "move-out", "on": today().isoformat(), "reason": "外出务工"}
    assert client.post(f"/residents/{a.pk}/", values).status_code == 302
    assert client.post(f"/residents/{b.pk}/", values).status_code == 403
    assert [Resident.objects.get(pk=r.pk).status for r in (a, b)] == [ResidentStatus.MOVED_OUT,
                                                                       ResidentStatus.CURRENT]


# Deleting: a mistake only


def resident_form(**values) -> dict:
    data = {"community": community("东联").pk, "name": "误录居民", "sex": "1", "ethnicity": "01",
            "residency": Residency.REGISTERED, "political_status": "13"}
    return {**data, **values}


def test_the_enterer_deletes_their_mistake_within_a_day(client, secretary):
    client.post("/residents/new/", resident_form(id_number=valid_id_number()))
    mistake = Resident.objects.get(name="误录居民")
    page = text(client.get(f"/residents/{mistake.pk}/"))
    assert f"/residents/{mistake.pk}/delete/" in page
    assert client.get(f"/residents/{mistake.pk}/delete/").status_code == 200
    assert client.post(f"/residents/{mistake.pk}/delete/").status_code == 302
    assert not Resident.objects.filter(pk=mistake.pk).exists()
    assert Event.objects.filter(model="people.resident", object_id=mistake.pk, action="deleted").exists()


def test_anyone_else_or_later_is_told_to_record_the_move(client, secretary):
    client.post("/residents/new/", resident_form())
    entered = Resident.objects.get(name="误录居民")
    colleague = make_user(Role.COMMUNITY_STAFF, community("东联"))
    client.force_login(colleague)
    assert f"/residents/{entered.pk}/delete/" not in text(client.get(f"/residents/{entered.pk}/"))
    told = client.get(f"/residents/{entered.pk}/delete/", follow=True)
    assert "其他情况请办理迁出或死亡注销" in text(told)
    refused = client.post(f"/residents/{entered.pk}/delete/", follow=True)
    assert "其他情况请办理迁出或死亡注销" in text(refused)
    api = client.delete(f"/api/residents/{entered.pk}/")
    assert api.status_code == 400 and "迁出或死亡注销" in text(api)



def test_the_enterer_after_a_day_is_told_to_record_the_move(client, secretary):
    entered = ResidentFactory(name="前天录入")
    Event.objects.create(user=secretary, action=Event.Action.CREATED, model="people.resident",
                         object_id=entered.pk, at=timezone.now() - dt.timedelta(days=2))
    assert f"/residents/{entered.pk}/delete/" not in text(client.get(f"/residents/{entered.pk}/"))
    assert "其他情况请办理迁出或死亡注销" in text(client.post(f"/residents/{entered.pk}/delete/", follow=True))
    assert Resident.objects.filter(pk=entered.pk).exists()
