"""One home for each rule: where a record takes its place from, where a user may write, what a party member sees."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from banyan.accounts.models import RoleAssignment
from banyan.accounts.roles import Role
from banyan.core.testing import (
    BuildingFactory,
    GridFactory,
    PartyMemberFactory,
    PartyOrgFactory,
    RentalPropertyFactory,
    community,
    make_user,
    town,
)
from banyan.party.models import PartyOrg
from banyan.people.models import RentalRoom

pytestmark = pytest.mark.django_db


def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_room_takes_its_place_from_its_rental_property_on_pages_and_the_api():
    grid = GridFactory()
    rental = RentalPropertyFactory(grid=grid)
    worker = make_user(Role.GRID_WORKER, grid)
    response = api(worker).post("/api/rental-rooms/", {"rental_property": rental.pk, "number": "101"}, format="json")
    assert response.status_code == 201, response.content
    room = RentalRoom.objects.get(number="101")
    assert (room.community_id, room.grid_id) == (rental.community_id, grid.pk)
    response = web(worker).post("/rental-rooms/new/", {"rental_property": rental.pk, "number": "102",
                                                        "capacity": 2})
    assert response.status_code == 302
    assert RentalRoom.objects.get(number="102").grid_id == grid.pk


def test_a_record_given_only_a_grid_is_in_the_grids_community_and_neither_is_refused_in_chinese():
    secretary = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    grid = GridFactory()
    response = api(secretary).post("/api/buildings/", {"grid": grid.pk, "name": "1栋"}, format="json")
    assert response.status_code == 201 and response.json()["community"] == grid.community_id
    response = api(secretary).post("/api/buildings/", {"name": "2栋"}, format="json")
    assert response.status_code == 400 and "请选择社区，或选择网格" in response.content.decode()


def test_a_user_with_two_roles_is_offered_only_the_places_where_they_may_write():
    """Staff of 东联 and officer of 狮山镇 (whose communities they may only view)."""
    user = make_user(Role.COMMUNITY_STAFF, community("东联"))
    RoleAssignment.objects.create(user=user, role=Role.TOWN_OFFICER, town=town("狮山镇"))
    form = web(user).get("/buildings/new/").content.decode()
    assert "东联" in form and "罗湖" not in form
    response = api(user).post("/api/buildings/", {"community": community("罗湖").pk, "name": "越权楼"},
                              format="json")
    assert response.status_code == 400 and "community" in response.json()
    luohu_building = BuildingFactory(community=community("罗湖"))
    assert api(user).get(f"/api/buildings/{luohu_building.pk}/").status_code == 200  # viewable
    assert api(user).patch(f"/api/buildings/{luohu_building.pk}/", {"name": "改"}, format="json").status_code == 404


def test_a_party_member_sees_their_own_file_and_branch_not_the_whole_roster():
    donglian = community("东联")
    committee = PartyOrgFactory(level=PartyOrg.Level.COMMITTEE, name="东联党委")
    branch = PartyOrgFactory(level=PartyOrg.Level.BRANCH, parent=committee, name="第一党支部")
    group = PartyOrgFactory(level=PartyOrg.Level.GROUP, parent=branch, name="第一党小组")
    other_branch = PartyOrgFactory(level=PartyOrg.Level.BRANCH, parent=committee, name="第二党支部")
    user = make_user(Role.PARTY_MEMBER, donglian)
    me = PartyMemberFactory(org=group, user=user, name="我自己")
    PartyMemberFactory(org=branch, name="同支部")
    stranger = PartyMemberFactory(org=other_branch, name="别的支部")
    names = {r["name"] for r in api(user).get("/api/party-members/").json()["results"]}
    assert names == {"我自己", "同支部"}
    assert api(user).get(f"/api/party-members/{stranger.pk}/").status_code == 404
    orgs = {r["name"] for r in api(user).get("/api/party-orgs/").json()["results"]}
    assert orgs == {"东联党委", "第一党支部", "第一党小组"}
    home = web(user).get("/").content.decode()
    assert "我的党员档案" in home and f"/party-members/{me.pk}/" in home and "东联" in home
    secretary = make_user(Role.COMMUNITY_SECRETARY, donglian)
    assert api(secretary).get("/api/party-members/").json()["count"] == 3
