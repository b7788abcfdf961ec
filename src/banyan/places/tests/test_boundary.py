"""Grid boundaries: refused with a Chinese message and nothing changed, or saved with a "changed" event; the form's
drawing widget; the demo's outlines, which tile one another."""

import json
import random

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from banyan.accounts.roles import Role
from banyan.core.services import record_save
from banyan.core.testing import PASSWORD, community, make_user
from banyan.events.models import Event
from banyan.places import geo
from banyan.places.models import Grid, validate_geojson_polygon

W, S, E, N = 112.92, 23.03, 112.94, 23.05


def square(west, south, east, north) -> dict:
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north], [west, north],
                                                [west, south]]]}


INSIDE = square(112.925, 23.035, 112.935, 23.045)


@pytest.fixture
def grids(db):
    dl = community("东联")
    top = Grid.objects.create(community=dl, level=1, name="东联社区", boundary=square(W, S, E, N))
    grid = Grid.objects.create(community=dl, level=2, parent=top, name="第一网格", boundary=INSIDE)
    return {"community": dl, "top": top, "grid": grid, "secretary": make_user(Role.COMMUNITY_SECRETARY, dl)}


def refusal(value, within=None) -> str:
    with pytest.raises(ValidationError) as caught:
        validate_geojson_polygon(value, within=within)
    return " ".join(caught.value.message_dict["boundary"])


@pytest.mark.parametrize(("value", "words"), [
    ("hello", "Polygon"),
    ({"type": "Point", "coordinates": [112.93, 23.04]}, "Polygon"),
    ({"type": "Polygon", "coordinates": []}, "坐标格式"),
    ({"type": "Polygon", "coordinates": [[["112.92", "23.03"], [112.93, 23.03], [112.93, 23.04], ["112.92", "23.03"]]]},
     "数字"),
    ({"type": "Polygon", "coordinates": [[[23.03, 112.92], [23.04, 112.92], [23.04, 112.93], [23.03, 112.92]]]},
     "填反"),
    ({"type": "Polygon", "coordinates": [[[112.92, 23.03], [112.93, 23.03], [112.92, 23.03]]]}, "至少需要 4 个"),
    ({"type": "Polygon", "coordinates": [[[112.92, 23.03], [112.93, 23.03], [112.93, 23.04], [112.92, 23.04]]]},
     "没有闭合"),
    ({"type": "Polygon", "coordinates": [[[112.92, 23.03], [112.93, 23.04], [112.93, 23.03], [112.92, 23.04],
                                          [112.92, 23.03]]]}, "交叉"),
    ({"type": "Polygon", "coordinates": [[[112.92, 23.03], [112.93, 23.03], [112.94, 23.03], [112.92, 23.03]]]},
     "面积为零"),
    (square(112.0, 23.0, 113.0, 23.9), "范围过大"),
    ({"type": "Polygon", "coordinates": [[[112.92, 23.03], [112.93, 23.03], [float("nan"), 23.04], [112.92, 23.03]]]},
     "数字"),
])
def test_garbage_is_refused_in_chinese(value, words):
    assert words in refusal(value)


def test_a_feature_of_a_polygon_is_stored_bare_and_an_altitude_dropped():
    feature = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "x"},
               "geometry": {"type": "Polygon", "coordinates": [[[112.92, 23.03, 5], [112.93, 23.03, 5],
                                                                [112.93, 23.04, 5], [112.92, 23.03, 5]]]}}]}
    assert validate_geojson_polygon(feature) == {
        "type": "Polygon", "coordinates": [[[112.92, 23.03], [112.93, 23.03], [112.93, 23.04], [112.92, 23.03]]]}
    multi = {"type": "MultiPolygon", "coordinates": [INSIDE["coordinates"], square(112.92, 23.03, 112.921, 23.031)
                                                     ["coordinates"]]}
    assert validate_geojson_polygon(multi)["type"] == "MultiPolygon"


def test_outside_the_community_is_refused_and_changes_nothing(grids):
    grid, secretary = grids["grid"], grids["secretary"]
    events = Event.objects.count()
    grid.boundary = square(112.93, 23.04, 112.96, 23.06)  # crosses the community's north-east corner
    with pytest.raises(ValidationError) as caught:
        record_save(instance=grid, by=secretary)
    assert "超出上级网格“东联社区”的范围：有 3 个顶点在其外" in " ".join(caught.value.messages)
    grid.refresh_from_db()
    assert grid.boundary == INSIDE and Event.objects.count() == events


def test_a_shared_edge_is_inside_and_a_micro_grid_is_checked_against_its_grid(grids):
    top, grid = grids["top"], grids["grid"]
    # On the parent's own edge (and six-decimal rounding beside it) is inside.
    validate_geojson_polygon(square(W, S, 112.93, 23.0400001), within=top)
    micro = Grid(community=grids["community"], level=3, parent=grid, name="一座", boundary=square(W, S, 112.93, 23.04))
    with pytest.raises(ValidationError, match="第一网格"):
        micro.full_clean()
    # A grid whose parent has no boundary is checked against the nearest grid above that has one.
    grid.boundary = None
    grid.save()
    micro.boundary = square(112.95, 23.04, 112.96, 23.05)
    with pytest.raises(ValidationError, match="东联社区"):
        micro.full_clean()
    micro.boundary = square(112.921, 23.031, 112.922, 23.032)
    micro.full_clean()


def test_an_accepted_edit_leaves_a_changed_event(grids):
    grid, secretary = grids["grid"], grids["secretary"]
    grid.boundary = {"type": "Feature", "properties": {}, "geometry": square(112.921, 23.031, 112.939, 23.049)}
    record_save(instance=grid, by=secretary)
    grid.refresh_from_db()
    assert grid.boundary == square(112.921, 23.031, 112.939, 23.049)
    event = Event.objects.filter(model="places.grid", object_id=grid.pk, action=Event.Action.CHANGED).get()
    assert [c["field"] for c in event.changes] == ["boundary"]
    assert event.changes[0]["before_value"] == INSIDE


def form_data(grid, boundary) -> dict:
    return {"community": grid.community_id, "level": grid.level, "parent": grid.parent_id, "name": grid.name,
            "code": grid.code, "cooperative": "", "boundary": boundary}


def test_the_form_draws_the_boundary_and_refuses_an_open_ring(grids, client):
    grid, secretary = grids["grid"], grids["secretary"]
    client.login(username=secretary.username, password=PASSWORD)
    url = reverse("record-update", args=["grids", grid.pk])
    page = client.get(url)
    html = page.content.decode()
    assert 'class="boundary"' in html and f'data-grid="{grid.pk}"' in html and "banyan/map.js" in html
    assert "上传 GeoJSON 文件" in html

    events = Event.objects.count()
    ring = [[112.926, 23.036], [112.934, 23.036], [112.934, 23.044], [112.926, 23.044]]  # not closed
    answer = client.post(url, form_data(grid, json.dumps({"type": "Polygon", "coordinates": [ring]})))
    assert answer.status_code == 200 and "没有闭合" in answer.content.decode()
    answer = client.post(url, form_data(grid, "{not json"))
    assert answer.status_code == 200 and "JSON" in answer.content.decode()
    grid.refresh_from_db()
    assert grid.boundary == INSIDE and Event.objects.count() == events

    closed = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    answer = client.post(url, form_data(grid, json.dumps(closed)))
    assert answer.status_code == 302
    grid.refresh_from_db()
    assert grid.boundary == closed
    assert Event.objects.filter(model="places.grid", object_id=grid.pk, action=Event.Action.CHANGED).exists()


def test_the_parent_map_the_widget_draws_on(grids, client):
    client.login(username=grids["secretary"].username, password=PASSWORD)
    data = client.get(reverse("record-detail", args=["grids", grids["top"].pk]), {"format": "map", "inside": 1}).json()
    assert data["frame"]["grids"] == [grids["top"].pk]
    assert [f["properties"]["name"] for f in data["geojson"]["features"]] == ["frame", f"g{grids['grid'].pk}"]
    data = client.get(reverse("record-detail", args=["communities", grids["community"].pk]), {"format": "map"}).json()
    assert data["frame"]["grids"] == [grids["top"].pk]


def test_ring_crossing_sweep_agrees_with_every_pair():
    rng = random.Random(7)
    for _ in range(200):
        ring = [[rng.random(), rng.random()] for _ in range(rng.randint(3, 9))]
        ring.append(ring[0])
        n = len(ring) - 1
        slow = any(geo.segments_cross(ring[i], ring[i + 1], ring[j], ring[j + 1])
                   for i in range(n) for j in range(i + 1, n) if abs(i - j) not in (1, n - 1))
        assert geo.ring_crosses_itself(ring) == slow


# ---------------------------------------------------------------------------------------------------------------
# The demo's outlines.


class FakePlot:
    """What boundaries_draw reads of a demo Plot: a box, a level-1 grid, grids, micro-grids, buildings."""

    def __init__(self, seed: int, grids: int, micros: int, buildings: int):
        from banyan.demo.site import Box, stream
        from banyan.places.models import Building

        self.box = Box.around((23.04, 112.93), 5.6)
        self.site = type("Site", (), {"rng": lambda _self, topic: stream(seed, "东联", topic)})()
        self.level1 = Grid(level=1, name="东联社区")
        self.grids = [Grid(level=2, parent=self.level1, name=f"第{k}网格") for k in range(grids)]
        self.micro_grids = [Grid(level=3, parent=g, name=f"{g.name}{j}座") for g in self.grids[:-1]
                            for j in range(micros)]  # the last grid: a park, with no micro-grids
        self.buildings = [Building(grid=m, name=f"{k}号") for m in self.micro_grids for k in range(buildings)]


def test_demo_outlines_tile_their_parents_and_hold_their_buildings(db):
    from banyan.demo.boundaries import boundaries_draw

    plot = FakePlot(1, grids=11, micros=5, buildings=9)
    boundaries_draw(plot)
    top = plot.level1
    validate_geojson_polygon(top.boundary)
    assert len(top.boundary["coordinates"][0]) > 20  # an outline, not a square
    area = abs(geo.ring_area(top.boundary["coordinates"][0]))
    assert sum(abs(geo.ring_area(g.boundary["coordinates"][0])) for g in plot.grids) == pytest.approx(area, rel=1e-4)
    for grid in plot.grids:
        validate_geojson_polygon(grid.boundary, within=top)
        micros = [m for m in plot.micro_grids if m.parent is grid]
        if micros:
            inner = sum(abs(geo.ring_area(m.boundary["coordinates"][0])) for m in micros)
            assert inner == pytest.approx(abs(geo.ring_area(grid.boundary["coordinates"][0])), rel=1e-4)
        for micro in micros:
            validate_geojson_polygon(micro.boundary, within=grid)
    for building in plot.buildings:
        assert geo.contains_point(building.grid.boundary, float(building.longitude), float(building.latitude))
    again = FakePlot(1, grids=11, micros=5, buildings=9)
    boundaries_draw(again)
    assert [g.boundary for g in again.grids] == [g.boundary for g in plot.grids]  # deterministic
