"""The map of a place: only what the user can see, the right counts, a bounded number of queries."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from banyan.accounts.roles import Role
from banyan.core.testing import (
    PASSWORD,
    BuildingFactory,
    EnterpriseFactory,
    GridFactory,
    ResidentFactory,
    community,
    make_user,
    nanhai,
    town,
)
from banyan.people.models import Residency
from banyan.places.models import Grid
from banyan.places.selectors import map_figures, place_map, place_page_map

pytestmark = pytest.mark.django_db

# 东联's neighbourhood, in degrees: a level-1 square and two level-2 halves of it.
W, S, E, N = 112.92, 23.03, 112.94, 23.05
MID = 112.93


def square(west, south, east, north) -> dict:
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north], [west, north],
                                                [west, south]]]}


def polygons(data) -> list:
    return [f["geometry"] for f in data["geojson"]["features"]]


@pytest.fixture
def place():
    """东联: level 1; grids A (west) and B (east); micro-grid A1 in A; buildings in A1 and B; residents, a firm."""
    dl = community("东联")
    top = Grid.objects.create(community=dl, level=1, name="东联社区", boundary=square(W, S, E, N))
    a = Grid.objects.create(community=dl, level=2, parent=top, name="A网格", code="01",
                            boundary=square(W, S, MID, N))
    b = Grid.objects.create(community=dl, level=2, parent=top, name="B网格", code="02",
                            boundary=square(MID, S, E, N))
    a1 = Grid.objects.create(community=dl, level=3, parent=a, name="A1", boundary=square(W, S, MID, 23.04))
    BuildingFactory(community=dl, grid=a1, name="甲1号", latitude=Decimal("23.035"), longitude=Decimal("112.925"))
    BuildingFactory(community=dl, grid=b, name="乙1号", latitude=Decimal("23.045"), longitude=Decimal("112.935"))
    BuildingFactory(community=dl, grid=b, name="乙2号")  # no coordinates: not on the map
    for grid, residency in ((a1, Residency.REGISTERED), (a1, Residency.MIGRANT), (a1, Residency.MIGRANT),
                            (a, Residency.REGISTERED), (b, Residency.REGISTERED), (b, Residency.PERMANENT),
                            (None, Residency.REGISTERED)):
        ResidentFactory(community=dl, grid=grid, residency=residency)
    EnterpriseFactory(community=dl, grid=b)
    return {"community": dl, "top": top, "a": a, "b": b, "a1": a1}


def figure(data, key) -> dict:
    return next(f for f in data["figures"] if f["key"] == key)["values"]


def test_community_map_counts_each_figure_per_grid(place):
    secretary = make_user(Role.COMMUNITY_SECRETARY, place["community"])
    data = place_map(secretary, place["community"])
    a, b = f"g{place['a'].pk}", f"g{place['b'].pk}"
    assert [area["key"] for area in data["areas"]] == [a, b]
    assert data["frame"]["grids"] == [place["top"].pk]
    # Micro-grids count towards their grid; a resident with no grid towards none.
    assert figure(data, "residents") == {a: 4, b: 2}
    assert figure(data, "migrants") == {a: 2}
    assert figure(data, "enterprises") == {b: 1}
    assert figure(data, "buildings") == {a: 1, b: 2}
    assert sorted(p[2] for p in data["buildings"]["points"]) == ["乙1号", "甲1号"]


def test_a_grid_page_shows_the_grid_inside_its_parents_map(place, client):
    secretary = make_user(Role.COMMUNITY_SECRETARY, place["community"])
    data = place_page_map(secretary, place["a"])
    assert data["highlight"] == f"g{place['a'].pk}"
    assert {area["key"] for area in data["areas"]} == {f"g{place['a'].pk}", f"g{place['b'].pk}"}
    assert [d["key"] for d in data["details"]] == [f"g{place['a1'].pk}"]
    assert [p[2] for p in data["buildings"]["points"]] == ["甲1号"]  # the grid's own buildings

    client.login(username=secretary.username, password=PASSWORD)
    url = reverse("record-detail", args=["grids", place["a"].pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-map-url="{url}?format=map"' in html and "vendor/echarts.min.js" in html
    assert "112.93" not in html  # the page fetches its map: no coordinates in it
    assert client.get(url, {"format": "map"}).json()["highlight"] == f"g{place['a'].pk}"
    own = client.get(url, {"format": "map", "inside": "1"}).json()
    assert own["highlight"] is None and [a["key"] for a in own["areas"]] == [f"g{place['a1'].pk}"]


def test_a_grid_worker_never_gets_another_grids_polygon(place, client):
    worker = make_user(Role.GRID_WORKER, place["a"])
    b_polygon = place["b"].boundary
    for data in (place_page_map(worker, place["a"]), place_map(worker, place["a"]),
                 place_map(worker, place["community"])):
        assert b_polygon not in polygons(data)
        assert place["top"].boundary not in polygons(data)
        assert all(area["key"] != f"g{place['b'].pk}" for area in data["areas"])
        assert [p[2] for p in data["buildings"]["points"]] == ["甲1号"]
    a, a1 = f"g{place['a'].pk}", f"g{place['a1'].pk}"
    assert figure(place_map(worker, place["community"]), "residents") == {a: 4}
    assert figure(place_map(worker, place["a"]), "residents") == {a1: 3}  # one lives in A, not in a micro-grid
    own = place_page_map(worker, place["a"])
    assert own["highlight"] is None and own["frame"]["grids"] == [place["a"].pk]

    client.login(username=worker.username, password=PASSWORD)
    url = reverse("record-detail", args=["grids", place["b"].pk])
    assert client.get(url, {"format": "map"}).status_code == 404
    mine = client.get(reverse("record-detail", args=["grids", place["a"].pk]), {"format": "map"})
    assert mine.status_code == 200
    assert json.dumps(b_polygon["coordinates"]) not in mine.content.decode()
    carried = mine.content.decode()
    assert f'"g{place["b"].pk}"' not in carried and "B网格" not in carried and "东联社区" not in carried
    assert "112.94" not in carried  # B's eastern edge and the community's
    page = client.get(reverse("record-detail", args=["grids", place["a"].pk]))
    assert page.status_code == 200 and "B网格" not in page.content.decode()


def test_two_roles_at_two_places_see_both(place):
    luohu = community("罗湖")
    luohu_top = Grid.objects.create(community=luohu, level=1, name="罗湖社区",
                                    boundary=square(113.02, 23.13, 113.04, 23.15))
    luohu_grid = Grid.objects.create(community=luohu, level=2, parent=luohu_top, name="C网格",
                                     boundary=square(113.02, 23.13, 113.03, 23.14))
    denghu = community("灯湖")
    Grid.objects.create(community=denghu, level=1, name="灯湖社区", boundary=square(113.14, 23.02, 113.16, 23.04))
    user = make_user(Role.COMMUNITY_SECRETARY, place["community"])
    from banyan.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=user, role=Role.COMMUNITY_SECRETARY, community=luohu)
    district = place_map(user, nanhai())
    keys = {area["key"] for area in district["areas"]}
    assert keys == {f"c{place['community'].pk}", f"c{luohu.pk}"}
    assert all(area["mapped"] for area in district["areas"])
    assert square(113.14, 23.02, 113.16, 23.04) not in polygons(district)  # 灯湖 is not theirs

    # Grid workers of two grids in two communities: each community's map has their grid, and no other.
    worker = make_user(Role.GRID_WORKER, place["b"])
    RoleAssignment.objects.create(user=worker, role=Role.GRID_WORKER, grid=luohu_grid)
    assert [a["key"] for a in place_map(worker, place["community"])["areas"]] == [f"g{place['b'].pk}"]
    assert [a["key"] for a in place_map(worker, luohu)["areas"]] == [f"g{luohu_grid.pk}"]
    assert figure(place_map(worker, place["community"]), "residents") == {f"g{place['b'].pk}": 2}


def test_town_map_colours_communities(place, client):
    officer = make_user(Role.TOWN_OFFICER, town("丹灶镇"))
    data = place_map(officer, town("丹灶镇"))
    dl = f"c{place['community'].pk}"
    assert dl in {a["key"] for a in data["areas"]}
    assert figure(data, "residents")[dl] == 7
    assert data["buildings"] is None
    assert [d[2] for d in data["dots"]] == [dl]  # a dot at the community's centre
    client.login(username=officer.username, password=PASSWORD)
    url = reverse("record-detail", args=["towns", town("丹灶镇").pk])
    page = client.get(url)
    assert page.status_code == 200 and "data-map-url" in page.content.decode()
    assert client.get(url, {"format": "map"}).json()["areas"] == data["areas"]


def test_map_queries_do_not_grow_with_grids(place, django_assert_max_num_queries):
    secretary = make_user(Role.COMMUNITY_SECRETARY, place["community"])
    place_map(secretary, place["community"])  # warm the user's role cache
    with django_assert_max_num_queries(12):
        small = place_map(secretary, place["community"])
    for k in range(20):
        grid = GridFactory(community=place["community"], parent=place["top"], level=2, name=f"新{k}",
                           boundary=square(W, S, MID, N))
        for j in range(3):
            micro = GridFactory(community=place["community"], parent=grid, level=3, name=f"新{k}-{j}")
            BuildingFactory(community=place["community"], grid=micro, latitude=Decimal("23.04"),
                            longitude=Decimal("112.93"))
            ResidentFactory(community=place["community"], grid=micro)
    with django_assert_max_num_queries(12):
        big = place_map(secretary, place["community"])
    assert len(big["areas"]) == len(small["areas"]) + 20
    with django_assert_max_num_queries(14):
        place_page_map(secretary, place["a"])


def test_a_place_without_boundaries_offers_drawing_to_who_may_draw(client):
    dl = community("东联")
    top = Grid.objects.create(community=dl, level=1, name="东联社区")
    grid = Grid.objects.create(community=dl, level=2, parent=top, name="无边界网格")
    secretary = make_user(Role.COMMUNITY_SECRETARY, dl)
    client.login(username=secretary.username, password=PASSWORD)
    url = reverse("record-detail", args=["grids", grid.pk])
    edit = reverse("record-update", args=["grids", grid.pk])
    assert client.get(url, {"format": "map"}).json()["geojson"]["features"] == []
    assert f'href="{edit}">在地图上绘制或上传 GeoJSON' in client.get(url).content.decode()
    volunteer = make_user(Role.VOLUNTEER, dl)
    client.login(username=volunteer.username, password=PASSWORD)
    page = client.get(url)
    assert page.status_code == 200 and "在地图上绘制或上传 GeoJSON" not in page.content.decode()
    assert [f.key for f in map_figures(volunteer)] == ["buildings"]  # a volunteer sees places, not people
