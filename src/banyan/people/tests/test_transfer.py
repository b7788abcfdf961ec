"""Moving in a person registered in another community: the answer to a number registered elsewhere, the transfer
request that asks for them (which tells the asker nothing about the person), the holding community's to-do,
accept, refuse and withdraw, each on the page and in the API, with their events and refusals."""

import datetime as dt
import tempfile

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from banyan.accounts.models import RoleAssignment
from banyan.accounts.roles import Role
from banyan.core.pii import pii_reveal
from banyan.core.testing import (
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    TenancyFactory,
    community,
    make_user,
    valid_id_number,
)
from banyan.core.todo import todo_list
from banyan.events.models import Event
from banyan.ledgers.importing import ledger_import
from banyan.ledgers.reading import csv_text
from banyan.people.models import Residency, Resident, ResidentStatus, TransferRequest

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def world():
    """A person registered in 东联 (A), with a household, an address, a grid and a tenancy there; 罗湖 (B) asks."""
    a, b = community("东联"), community("罗湖")
    a_grid, b_grid = GridFactory(community=a, name="东联三网格"), GridFactory(community=b, name="罗湖一网格")
    household = HouseholdFactory(community=a, grid=a_grid, number="DL-H-0042", address="东联村前街七号")
    number = valid_id_number()
    person = ResidentFactory(community=a, grid=a_grid, household=household, name="欧阳秀梅", id_number=number,
                             current_address="东联村前街七号", relation="10", residency=Residency.MIGRANT)
    tenancy = TenancyFactory(resident=person, room__rental_property__community=a,
                             room__rental_property__address="东联出租屋九号", moved_in=dt.date(2025, 5, 1))
    b_household = HouseholdFactory(community=b, grid=b_grid, number="LH-H-0007", address="罗湖新村二巷")
    return {"a": a, "b": b, "a_grid": a_grid, "b_grid": b_grid, "person": person, "number": number,
            "household": household, "tenancy": tenancy, "b_household": b_household,
            "a_secretary": make_user(Role.COMMUNITY_SECRETARY, a, display_name="东联书记"),
            "b_staff": make_user(Role.COMMUNITY_STAFF, b, display_name="罗湖干事")}


# What A holds about the person, none of which B may read before it accepts.
def secrets(world) -> list[str]:
    return ["欧阳秀梅", "东联村前街七号", "DL-H-0042", "东联三网格", "东联出租屋九号", "东联"]


def new_resident(world, **values):
    data = {"community": world["b"].pk, "grid": world["b_grid"].pk, "name": "新来的人", "sex": "2",
            "ethnicity": "01", "residency": Residency.MIGRANT, "political_status": "13",
            "id_number": world["number"]}
    return {**data, **values}


def test_a_number_registered_elsewhere_is_answered_with_a_transfer_request(client, world, tmp_path, monkeypatch):
    client.force_login(world["b_staff"])
    page = client.post("/residents/new/", new_resident(world))
    body = text(page)
    assert page.status_code == 200 and "该身份证号已在其他社区登记，请提交迁入申请。" in body
    assert 'formaction="/residents/new/?transfer=1"' in body
    assert not any(s in body for s in secrets(world))
    api = client.post("/api/residents/", {**new_resident(world)}, content_type="application/json")
    assert api.status_code == 400 and api.json()["id_number"] == ["该身份证号已在其他社区登记，请提交迁入申请。"]
    assert not any(s in text(api) for s in secrets(world))
    assert Resident.objects.count() == 1
    # The ledger import refuses the row the same way (its refused-rows file kept in the test's folder).
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    path = ledger_file(tmp_path, world)
    result = ledger_import(kind="residents", path=path, file_name="a.csv", by=world["b_staff"])
    assert result.refused == 1 and Resident.objects.get().community == world["a"]
    reasons = [row[-1] for row in list(load_workbook(result.refused_path).active.values)[1:]]
    assert reasons == ["该身份证号已在您管辖范围以外的其他社区登记，请提交迁入申请"]
    # In the person's own community the number is plainly taken.
    client.force_login(world["a_secretary"])
    own = client.post("/residents/new/", new_resident(world, community=world["a"].pk, grid=""))
    assert "该身份证号已登记。" in text(own) and "该身份证号已在其他社区登记" not in text(own)


def ledger_file(folder, world):
    path = folder / "a.csv"
    path.write_bytes(csv_text([["姓名", "身份证号", "人口类别", "社区"],
                               ["新来的人", world["number"], "流动人口", "罗湖"]]))
    return path


def ask_on_the_page(client, world, **values):
    """B's staff carry the refused resident form over to the transfer form, then send it."""
    client.force_login(world["b_staff"])
    carried = client.post("/residents/new/?transfer=1", new_resident(world))
    assert carried.status_code == 200 and world["number"] in text(carried)  # what they typed, back to them
    data = {"step": "transfer", "id_number": world["number"], "reason": "在罗湖购房定居",
            "to_community": world["b"].pk, "to_grid": world["b_grid"].pk,
            "to_household": world["b_household"].pk, **values}
    return client.post("/residents/new/?transfer=1", data)


def test_the_asker_sees_only_what_they_typed_and_the_answer(client, world):
    response = ask_on_the_page(client, world)
    request = TransferRequest.objects.get()
    assert response.status_code == 302 and response.url == f"/transfer-requests/{request.pk}/"
    assert (request.resident, request.from_community, request.to_community, request.to_grid) == (
        world["person"], world["a"], world["b"], world["b_grid"])
    bodies = {url: client.get(url) for url in (
        f"/transfer-requests/{request.pk}/", "/transfer-requests/", f"/transfer-requests/{request.pk}/history/",
        "/api/transfer-requests/", f"/api/transfer-requests/{request.pk}/",
        f"/api/transfer-requests/{request.pk}/history/", "/transfer-requests/export.csv")}
    for url, response in bodies.items():
        body = b"".join(response.streaming_content).decode() if response.streaming else text(response)
        assert response.status_code == 200, url
        leaked = [s for s in secrets(world) if s in body]
        assert not leaked, f"{url} shows {leaked}"
        assert world["number"] not in body
    page = text(bodies[f"/transfer-requests/{request.pk}/"])
    assert "在罗湖购房定居" in page and "待处理" in page and "罗湖一网格" in page and "LH-H-0007" in page
    assert request.id_number_masked in page and "申请迁入" in page
    assert "撤回申请" in page and "同意迁入" not in page
    detail = bodies[f"/api/transfer-requests/{request.pk}/"].json()
    assert "resident" not in detail and "from_community" not in detail and detail["to_grid_name"] == "罗湖一网格"
    # B cannot open the person, nor accept for A.
    assert client.get(f"/residents/{world['person'].pk}/").status_code == 404
    assert client.post(f"/api/transfer-requests/{request.pk}/accept/").status_code == 403
    assert client.post(f"/transfer-requests/{request.pk}/", {"step": "accept"}).status_code == 403
    assert TransferRequest.objects.get().status == TransferRequest.Status.PENDING
    event = Event.objects.get(model="people.transferrequest", object_id=request.pk)
    assert event.action == "transfer_requested" and event.user == world["b_staff"]


def test_the_holder_sees_it_to_do_and_accepts(client, world):
    ask_on_the_page(client, world)
    request = TransferRequest.objects.get()
    holder = world["a_secretary"]
    todos = [t for t in todo_list(holder) if t.kind == "迁入申请"]
    assert [t.url for t in todos] == [f"/transfer-requests/{request.pk}/"] and "欧阳秀梅" in todos[0].title
    assert "罗湖" in todos[0].title and todos[0].due > timezone.now()
    assert not [t for t in todo_list(world["b_staff"]) if t.kind == "迁入申请"]
    client.force_login(holder)
    page = text(client.get(f"/transfer-requests/{request.pk}/"))
    assert "欧阳秀梅" in page and "同意迁入" in page and "拒绝" in page
    assert "罗湖一网格" not in page and "LH-H-0007" not in page  # the asker's grid and household are theirs
    assert "罗湖 申请迁入" in text(client.get(f"/residents/{world['person'].pk}/"))

    response = client.post(f"/transfer-requests/{request.pk}/", {"step": "accept", "note": "同意"})
    assert response.status_code == 302
    person = Resident.objects.get(pk=world["person"].pk)
    assert (person.community, person.grid, person.household, person.dwelling) == (
        world["b"], world["b_grid"], world["b_household"], None)
    assert (person.status, person.status_on, person.relation, person.current_address) == (
        ResidentStatus.CURRENT, timezone.localdate(), "", "罗湖新村二巷")
    assert pii_reveal(person, "id_number") == world["number"]
    world["tenancy"].refresh_from_db()
    assert world["tenancy"].moved_out == timezone.localdate()
    moved_in = Event.objects.get(model="people.resident", object_id=person.pk, action="moved_in")
    assert moved_in.user == holder and moved_in.community_id == world["b"].pk
    assert {c["field"]: (c["before"], c["after"]) for c in moved_in.changes}["community"] == ("东联", "罗湖")
    assert list(Event.objects.filter(model="people.transferrequest", object_id=request.pk)
                .order_by("pk").values_list("action", flat=True)) == ["transfer_requested", "transfer_accepted"]
    assert not todo_list(holder) or all(t.kind != "迁入申请" for t in todo_list(holder))
    # The person is now B's: B opens them, A gets 404.
    assert client.get(f"/residents/{person.pk}/").status_code == 404
    assert client.get(f"/api/residents/{person.pk}/").status_code == 404
    client.force_login(world["b_staff"])
    page = text(client.get(f"/residents/{person.pk}/"))
    assert "欧阳秀梅" in page and "迁入" in page
    assert client.get(f"/api/residents/{person.pk}/").status_code == 200
    assert "欧阳秀梅" in text(client.get(f"/transfer-requests/{request.pk}/"))
    assert "已同意" in text(client.get(f"/transfer-requests/{request.pk}/"))


def test_refusal_needs_a_reason_which_the_asker_reads(client, world):
    ask_on_the_page(client, world)
    request = TransferRequest.objects.get()
    client.force_login(world["a_secretary"])
    empty = client.post(f"/transfer-requests/{request.pk}/", {"step": "refuse", "note": " "})
    assert empty.status_code == 200 and "请填写拒绝理由。" in text(empty)
    api_empty = client.post(f"/api/transfer-requests/{request.pk}/refuse/", {}, content_type="application/json")
    assert api_empty.status_code == 400 and api_empty.json()["note"] == ["请填写拒绝理由。"]
    assert TransferRequest.objects.get().status == TransferRequest.Status.PENDING
    refused = client.post(f"/api/transfer-requests/{request.pk}/refuse/", {"note": "该居民仍在本社区居住"},
                          content_type="application/json")
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert Resident.objects.get().community == world["a"]
    again = client.post(f"/api/transfer-requests/{request.pk}/accept/", content_type="application/json")
    assert again.status_code == 400 and "该申请已拒绝，不能再处理。" in text(again)
    client.force_login(world["b_staff"])
    page = text(client.get(f"/transfer-requests/{request.pk}/"))
    assert "已拒绝" in page and "该居民仍在本社区居住" in page and "欧阳秀梅" not in page
    assert client.get(f"/api/transfer-requests/{request.pk}/").json()["decision_note"] == "该居民仍在本社区居住"
    assert Event.objects.filter(model="people.transferrequest", action="transfer_refused").count() == 1


def test_the_asker_withdraws_and_may_ask_again(client, world):
    ask_on_the_page(client, world)
    request = TransferRequest.objects.get()
    assert client.post(f"/transfer-requests/{request.pk}/", {"step": "cancel"}).status_code == 302
    assert TransferRequest.objects.get().status == TransferRequest.Status.CANCELLED
    client.force_login(world["a_secretary"])
    assert client.post(f"/api/transfer-requests/{request.pk}/accept/").status_code == 400
    client.force_login(world["b_staff"])
    asked = client.post("/api/transfer-requests/", {"id_number": world["number"], "reason": "再次申请",
                                                    "to_community": world["b"].pk},
                        content_type="application/json")
    assert asked.status_code == 201 and asked.json()["status"] == "pending"
    assert not any(s in text(asked) for s in secrets(world))


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"id_number": "11010519491231002X"}, "id_number", "该身份证号尚未在任何社区登记，请直接新增居民。"),
    ({"id_number": "123"}, "id_number", "身份证号应为18位：前17位为数字，最后一位为数字或X。"),
    ({"reason": " "}, "reason", "请填写申请事由。"),
    ({"own": True}, "id_number", "该身份证号已在本社区登记，无需申请迁入。"),
    ({"twice": True}, "id_number", "该身份证号已有待处理的迁入申请，请等待对方社区处理。"),
])
def test_bad_requests_are_refused_and_change_nothing(client, world, values, field, message):
    client.force_login(world["b_staff"])
    data = {"id_number": world["number"], "reason": "在罗湖购房定居", "to_community": world["b"].pk}
    if values.pop("own", False):
        data["id_number"] = valid_id_number()
        ResidentFactory(community=world["b"], id_number=data["id_number"])
    if values.pop("twice", False):
        assert client.post("/api/transfer-requests/", data, content_type="application/json").status_code == 201
    data.update(values)
    before = (TransferRequest.objects.count(), Event.objects.count())
    api = client.post("/api/transfer-requests/", data, content_type="application/json")
    assert api.status_code == 400 and api.json()[field] == [message]
    page = client.post("/residents/new/?transfer=1", {"step": "transfer", **data})
    assert page.status_code == 200 and message in text(page)
    assert (TransferRequest.objects.count(), Event.objects.count()) == before


def test_a_user_with_roles_at_two_places(client, world):
    """Staff of 罗湖 who is also grid worker of another grid of 东联: they ask as 罗湖, see their request but not
    the person (not in their grid), and cannot answer it (a grid does not answer for its community); as the
    secretary of 东联 at the same time, they would see it to do."""
    user = make_user(Role.COMMUNITY_STAFF, world["b"])
    RoleAssignment.objects.create(user=user, role=Role.GRID_WORKER, grid=GridFactory(community=world["a"]))
    client.force_login(user)
    asked = client.post("/api/transfer-requests/", {"id_number": world["number"], "reason": "投亲",
                                                    "to_community": world["b"].pk}, content_type="application/json")
    assert asked.status_code == 201
    pk = asked.json()["id"]
    body = text(client.get(f"/transfer-requests/{pk}/"))
    assert "欧阳秀梅" not in body and "投亲" in body
    assert not [t for t in todo_list(user) if t.kind == "迁入申请"]
    assert client.post(f"/api/transfer-requests/{pk}/accept/").status_code == 403
    RoleAssignment.objects.create(user=user, role=Role.COMMUNITY_SECRETARY, community=world["a"])
    user = type(user).objects.get(pk=user.pk)  # the roles are read once per request and user
    assert [t.url for t in todo_list(user) if t.kind == "迁入申请"] == [f"/transfer-requests/{pk}/"]
    client.force_login(user)
    assert "欧阳秀梅" in text(client.get(f"/transfer-requests/{pk}/"))


def test_a_third_community_sees_nothing(client, world):
    ask_on_the_page(client, world)
    request = TransferRequest.objects.get()
    client.force_login(make_user(Role.COMMUNITY_SECRETARY, community("灯湖")))
    assert client.get(f"/transfer-requests/{request.pk}/").status_code == 404
    assert client.get(f"/api/transfer-requests/{request.pk}/").status_code == 404
    assert client.get("/api/transfer-requests/").json()["count"] == 0
    assert client.post(f"/api/transfer-requests/{request.pk}/accept/").status_code == 404
    # A grid worker of 罗湖 sees only requests for their grid.
    client.force_login(make_user(Role.GRID_WORKER, world["b_grid"]))
    assert client.get("/api/transfer-requests/").json()["count"] == 1
    client.force_login(make_user(Role.GRID_WORKER, GridFactory(community=world["b"])))
    assert client.get("/api/transfer-requests/").json()["count"] == 0
