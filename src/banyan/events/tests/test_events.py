"""The event log as people meet it: a record's timeline after an edit, a reveal and an export; append-only; scoped."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from rest_framework.test import APIClient

from banyan.accounts.roles import Role
from banyan.core.testing import GridFactory, ResidentFactory, community, make_user, valid_phone
from banyan.events.models import Event

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def secretary():
    return make_user(Role.COMMUNITY_SECRETARY, community("东联"))


def test_history_after_an_edit_a_reveal_and_an_export(secretary):
    resident = ResidentFactory(name="张三", current_address="村前路1号")
    client = api(secretary)
    new_phone = valid_phone()
    assert client.patch(f"/api/residents/{resident.pk}/", {"current_address": "村前路2号", "phone": new_phone},
                        format="json").status_code == 200
    assert client.post(f"/api/residents/{resident.pk}/reveal/", {"field": "id_number", "reason": "核对身份"},
                       format="json").status_code == 200
    web = Client()
    web.force_login(secretary)
    assert web.get("/residents/export.csv", {"q": "张三"}).status_code == 200

    history = client.get(f"/api/residents/{resident.pk}/history/")
    assert history.status_code == 200
    events = history.json()["results"]
    assert [e["action"] for e in events] == ["exported", "revealed", "changed"]  # newest first
    assert {e["user"] for e in events} == {str(secretary)}
    assert events[1]["note"] == "核对身份" and events[1]["action_display"] == "查看完整号码"
    changes = {c["field"]: c for c in events[2]["changes"]}
    assert changes["current_address"]["before"] == "村前路1号" and changes["current_address"]["after"] == "村前路2号"
    # A changed phone number is on the timeline masked, before and after; never in clear.
    assert changes["phone"]["after"] == new_phone[:3] + "****" + new_phone[-4:]
    assert new_phone not in history.content.decode() and "name" not in changes  # only what changed
    page = web.get(f"/residents/{resident.pk}/").content.decode()
    assert "操作记录" in page and "村前路1号" in page and "村前路2号" in page and new_phone not in page


def test_an_update_that_changes_nothing_leaves_no_event(secretary):
    resident = ResidentFactory()
    api(secretary).patch(f"/api/residents/{resident.pk}/", {"name": resident.name}, format="json")
    assert not Event.objects.filter(object_id=resident.pk, model="people.resident").exists()


def test_history_of_a_foreign_record_is_404_and_a_page_in_chinese(secretary):
    foreign = ResidentFactory(community=community("罗湖"))
    assert api(secretary).get(f"/api/residents/{foreign.pk}/history/").status_code == 404
    web = Client()
    web.force_login(secretary)
    response = web.get(f"/residents/{foreign.pk}/history/")
    assert response.status_code == 404 and "不在您的管辖范围内" in response.content.decode()


def test_the_log_cannot_be_edited_or_deleted(secretary):
    resident = ResidentFactory()
    api(secretary).patch(f"/api/residents/{resident.pk}/", {"current_address": "新址"}, format="json")
    event = Event.objects.get(object_id=resident.pk)
    event.note = "改写"
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        Event.objects.filter(pk=event.pk).update(note="改写")
    with pytest.raises(PermissionDenied):
        Event.objects.all().delete()
    admin = make_user(is_superuser=True, is_staff=True)
    web = Client()
    web.force_login(admin)
    assert web.get(f"/admin/events/event/{event.pk}/delete/").status_code == 403
    assert web.post(f"/admin/events/event/{event.pk}/change/", {"note": "改写"}).status_code == 403
    assert Event.objects.get(pk=event.pk).note == ""


def test_a_delete_keeps_the_last_state_in_the_log(secretary):
    grid = GridFactory(name="旧网格")
    assert api(secretary).delete(f"/api/grids/{grid.pk}/").status_code == 204
    event = Event.objects.get(model="places.grid", object_id=grid.pk, action="deleted")
    assert event.user == secretary and {"field": "name", "before": "旧网格"}.items() <= \
        next(c for c in event.changes if c["field"] == "name").items()


def test_last_four_digits_find_a_resident_by_what_the_mask_shows(secretary):
    mine = ResidentFactory(name="李四")
    ResidentFactory(name="王五")
    foreign = ResidentFactory(name="赵六", community=community("罗湖"))
    last_id, last_phone = mine.id_number_masked[-4:], mine.phone_masked[-4:]
    client = api(secretary)
    found = {r["name"] for r in client.get("/api/residents/", {"search": last_id}).json()["results"]}
    assert "李四" in found and "赵六" not in found
    found = {r["name"] for r in client.get("/api/residents/", {"search": last_phone}).json()["results"]}
    assert "李四" in found
    # Other substrings of a number find nothing: only the four characters a mask already shows.
    region = mine.id_number_masked[2:6]
    assert region != last_id and "李四" not in {r["name"] for r in client.get(
        "/api/residents/", {"search": region}).json()["results"]}
    assert foreign.pk not in [r["id"] for r in client.get("/api/residents/", {"search": foreign.id_number_masked[-4:]})
                              .json()["results"]]
    web = Client()
    web.force_login(secretary)
    assert "李四" in web.get("/residents/", {"q": last_id}).content.decode()


def test_an_expired_form_token_gets_a_chinese_page(secretary):
    web = Client(enforce_csrf_checks=True)
    web.force_login(secretary)
    response = web.post("/residents/new/", {"name": "x"})
    assert response.status_code == 403 and "请刷新页面后重新提交" in response.content.decode()
