"""Reads about places: resolving a place a user may see, the home dashboard's figures for it, and its map."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy

from banyan.accounts.roles import Action, Level
from banyan.core.scoping import can, grid_and_below, grids_below, user_assignments
from banyan.places import geo
from banyan.places.models import Building, Community, District, Grid, Town

PLACE_MODELS = {Level.DISTRICT: District, Level.TOWN: Town, Level.COMMUNITY: Community, Level.GRID: Grid}


def place_level(place) -> str:
    return {District: Level.DISTRICT, Town: Level.TOWN, Community: Level.COMMUNITY, Grid: Level.GRID}[type(place)]


def home_places(user) -> list:
    """The places the user's roles are held at (the whole district for a superuser)."""
    if user.is_superuser:
        return list(District.objects.all())
    places = {}
    for assignment in user_assignments(user):
        places.setdefault((assignment.level, assignment.place_id), assignment.place)
    return list(places.values())


def place_resolve(user, value: str):
    """A place the user can see, from an id (community first), a division code or a name; None if none."""
    value = (value or "").strip()
    if not value:
        return None
    for level, model in PLACE_MODELS.items():
        qs = model.objects.visible_to(user)
        if value.isdigit() and len(value) < 9:
            hit = qs.filter(pk=int(value)).first() if level == Level.COMMUNITY else None
        elif value.isdigit():
            hit = qs.filter(code=value).first() if level != Level.GRID else None
        else:
            names = Q(name=value) | (Q(full_name=value) if model is Community else Q())
            hit = qs.filter(names).first()
        if hit:
            return hit
    return None


def in_place(qs, place, grids: list[int] | None = None):
    """Narrow a scoped queryset to the rows at or below `place`; rows of a kind that has no such level: none.
    `grids`: a grid place's grids and those below, when already read."""
    level = place_level(place)
    lookup = qs.model.place_lookups.get(level)
    if lookup is None:
        return qs.none()
    if level == Level.GRID:
        return qs.filter(**{f"{lookup}__in": grid_and_below(place.pk) if grids is None else grids})
    return qs.filter(**{lookup: place.pk})


def place_rows(user, place=None):
    """rows(model): the rows of `model` that `user` may view, narrowed to `place` when given."""
    # A grid's tree is read once for every figure of its dashboard (and not at all when it is the user's own).
    grids = grids_below(user, place.pk) if isinstance(place, Grid) else None

    def rows(model):
        # A place's figures count what the user's roles see there (not what is assigned to them personally).
        qs = model.objects.visible_to(user, roles_only=True)
        return in_place(qs, place, grids) if place is not None else qs

    return rows


def summary(user, place=None) -> dict:
    """The dashboard's figures over what the user can see, narrowed to `place` when given: what each app
    registered (banyan.core.dashboard)."""
    from banyan.core.dashboard import figures_of

    return {"place": _place_json(place) if place is not None else None, **figures_of(place_rows(user, place))}


def _place_json(place) -> dict:
    return {"id": place.pk, "name": place.name, "level": place_level(place)}


# ---------------------------------------------------------------------------------------------------------------
# Maps: a place's grids (or communities) as GeoJSON from their own boundaries, its buildings as points, and the
# figures that colour them. Everything through the access door: a polygon, a point or a count the user cannot
# see is not in the data the page carries.


@dataclass(frozen=True)
class MapFigure:
    key: str
    label: str
    model: str  # label of the model counted
    where: tuple = ()  # filter(**dict(where)) on top of the user's rows


MAP_FIGURES = (
    MapFigure("residents", gettext_lazy("居民"), "people.resident"),
    MapFigure("migrants", gettext_lazy("流动人口"), "people.resident", (("residency", "migrant"),)),
    MapFigure("households", gettext_lazy("户"), "people.household"),
    MapFigure("rental_rooms", gettext_lazy("出租房间"), "people.rentalroom"),
    MapFigure("enterprises", gettext_lazy("企业"), "people.enterprise"),
    MapFigure("party_members", gettext_lazy("党员"), "party.partymember"),
    MapFigure("buildings", gettext_lazy("楼栋"), "places.building"),
)


def map_figures(user) -> list[MapFigure]:
    """The figures a map may be coloured by for this user: those of the kinds of record they may view."""
    from django.apps import apps

    return [f for f in MAP_FIGURES if can(user, Action.VIEW, apps.get_model(f.model))]


MAP_BUILDINGS_MAX = 5000  # points on one map; beyond, the map stays readable and light on a phone without them


def place_map(user, place, *, highlight: Grid | None = None) -> dict:
    """The map of `place`: its outline (`frame`), the places one level below it (`areas`: a district's or a town's
    communities, a community's second-level grids, a grid's sub-grids; a micro-grid itself) coloured by each of
    `figures`, and its buildings as points. With `highlight` (a grid of `areas`), that grid is marked, its own
    sub-grids are outlined (`details`) and the points are its buildings only."""
    from django.apps import apps

    if isinstance(place, District | Town):
        communities = list(Community.objects.visible_to(user).filter(
            **({"town__district": place} if isinstance(place, District) else {"town": place})))
        shapes = {}
        for community_id, boundary in (Grid.objects.visible_to(user).filter(
                community__in=[c.pk for c in communities], level=Grid.Level.COMMUNITY, boundary__isnull=False)
                .values_list("community_id", "boundary")):
            shapes.setdefault(community_id, []).append(boundary)
        areas = [{"key": f"c{c.pk}", "name": c.name, "url": reverse("record-detail", args=["communities", c.pk]),
                  "geometry": _merged(shapes.get(c.pk, []))} for c in communities]
        frame, details, group_by, area_of = None, [], "community_id", {c.pk: f"c{c.pk}" for c in communities}
        within = points_within = None
    else:
        frame, areas, details, area_of, below = _grid_areas(user, place, highlight)
        group_by = "grid_id"
        # The grids below, from the tree already read: in_place would walk the tree again for every figure.
        within = {"community_id": place.pk} if isinstance(place, Community) else {"grid_id__in": below(place.pk)}
        points_within = {"grid_id__in": below(highlight.pk)} if highlight is not None else within
    figures = []
    for figure in map_figures(user):
        model = apps.get_model(figure.model)
        values: dict[str, int] = {}
        rows = model.objects.visible_to(user).filter(**dict(figure.where))
        rows = rows.filter(**within) if within is not None else in_place(rows, place)
        for key, n in rows.values_list(group_by).annotate(n=Count("pk")).order_by():
            area = area_of.get(key)
            if area is not None:
                values[area] = values.get(area, 0) + n
        figures.append({"key": figure.key, "label": str(figure.label), "values": values})
    features = [_feature(f["key"], f["geometry"]) for f in [frame, *areas, *details] if f and f["geometry"]]
    return {
        "geojson": {"type": "FeatureCollection", "features": features},
        "frame": {k: frame.get(k) for k in ("key", "name", "url", "grids")} if frame and frame["geometry"] else None,
        "areas": [{k: a[k] for k in ("key", "name", "url")} | {"mapped": a["geometry"] is not None} for a in areas],
        # Communities on a town's or the district's map are small: a dot at each one's centre keeps it in sight.
        "dots": [[*geo.centroid(a["geometry"]), a["key"]] for a in areas if a["geometry"]]
        if isinstance(place, District | Town) else [],
        "details": [{k: d[k] for k in ("key", "name", "url")} for d in details if d["geometry"]],
        "highlight": f"g{highlight.pk}" if highlight is not None else None,
        "figures": figures,
        "buildings": _building_points(user, points_within) if points_within is not None else None,
    }


def place_page_map(user, place) -> dict:
    """The map on a place's page. A grid is shown inside its parent's map when the user can see the parent
    (a grid worker of one grid sees their grid's own map, and nothing of its neighbours)."""
    if isinstance(place, Grid) and place.parent_id:
        parent = Grid.objects.visible_to(user).filter(pk=place.parent_id).first()
        if parent is not None:
            return place_map(user, parent, highlight=place)
    return place_map(user, place)


def _grid_areas(user, place, highlight):
    """The outline, areas and detail outlines of a community's or a grid's map; which area each visible grid of
    the community counts towards; and `below(pk)`: a grid and the visible grids under it."""
    community_id = place.pk if isinstance(place, Community) else place.community_id
    visible = Grid.objects.visible_to(user).filter(community_id=community_id)
    tree, levels, children = {}, {}, {}
    for pk, parent, level in visible.values_list("pk", "parent_id", "level"):
        tree[pk], levels[pk] = parent, level
        children.setdefault(parent, []).append(pk)
    if isinstance(place, Community):
        frame_ids = [pk for pk in children.get(None, []) if levels[pk] == Grid.Level.COMMUNITY]
        # A role held at grids sees no first-level grid: its own grids are the areas.
        area_ids = [child for pk in frame_ids for child in children.get(pk, [])] if frame_ids else \
            [pk for pk, parent in tree.items() if parent not in tree]
    else:
        frame_ids = [place.pk]
        area_ids = children.get(place.pk) or [place.pk]
    detail_ids = children.get(highlight.pk, []) if highlight is not None else []
    rows = {g["pk"]: g for g in visible.filter(pk__in=[*frame_ids, *area_ids, *detail_ids])
            .values("pk", "name", "boundary", "code")}
    area_set, area_of = set(area_ids), {}
    for pk in tree:
        up = pk
        while up is not None and up not in area_set:
            up = tree.get(up)
        if up is not None:
            area_of[pk] = f"g{up}"

    def shape(pks, key=None) -> dict:
        row = rows[pks[0]]
        return {"key": key or f"g{row['pk']}", "name": row["name"],
                "url": reverse("record-detail", args=["grids", row["pk"]]),
                "geometry": _merged([rows[pk]["boundary"] for pk in pks if rows[pk]["boundary"]])}

    def below(pk) -> list[int]:
        found, frontier = [pk], [pk]
        while frontier:
            frontier = [child for parent in frontier for child in children.get(parent, [])]
            found += frontier
        return found

    frame = shape(frame_ids, "frame") | {"grids": frame_ids} if frame_ids else None
    ordered = sorted(area_ids, key=lambda pk: (rows[pk]["code"], rows[pk]["name"], pk))
    return frame, [shape([pk]) for pk in ordered], [shape([pk]) for pk in detail_ids], area_of, below


def _merged(boundaries: list):
    """One geometry of several boundaries (a community of two first-level grids); None without any."""
    polygons = []
    for boundary in boundaries:
        geometry = geo.geometry_of(boundary)
        if geometry is None or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        polygons += geo.polygons_of(geometry)
    if not polygons:
        return None
    return {"type": "Polygon", "coordinates": polygons[0]} if len(polygons) == 1 else \
        {"type": "MultiPolygon", "coordinates": polygons}


def _feature(key: str, geometry: dict) -> dict:
    # ECharts names a region by `properties.name`: a key unique on the map (two grids may share a name).
    return {"type": "Feature", "properties": {"name": key}, "geometry": geometry}


def _building_points(user, within: dict) -> dict | None:
    if not can(user, Action.VIEW, Building):
        return None
    rows = (Building.objects.visible_to(user).filter(latitude__isnull=False, **within)
            .values_list("pk", "name", "estate__name", "longitude", "latitude").order_by("pk"))
    points = [[round(float(lon), 6), round(float(lat), 6), f"{estate} {name}" if estate else name, pk]
              for pk, name, estate, lon, lat in rows[:MAP_BUILDINGS_MAX + 1]]
    return {"url": reverse("record-detail", args=["buildings", 0]), "points": points[:MAP_BUILDINGS_MAX],
            "more": len(points) > MAP_BUILDINGS_MAX}
