"""What people registries add to the dashboard: residents by residency, households, rentals, enterprises."""

from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from banyan.core.dashboard import DashboardPart, Tile


def current_residents(rows):
    """The residents the dashboard counts: those who live here now. Who moved out or died stays in the registry
    (under 状态 on the residents list) but is no longer counted."""
    from banyan.people.models import Resident, ResidentStatus

    return rows(Resident).filter(status=ResidentStatus.CURRENT)


def figures(rows) -> dict:
    from banyan.people.models import Enterprise, Household, RentalProperty, RentalRoom, Residency, Tenancy

    by_residency = dict(current_residents(rows).values_list("residency").annotate(n=Count("pk")).order_by())
    residents = {k: by_residency.get(k, 0) for k in Residency.values}
    enterprises = rows(Enterprise).aggregate(n=Count("pk"), headcount=Sum("headcount"))
    rooms = rows(RentalRoom).count()
    occupied = rows(Tenancy).filter(moved_out__isnull=True).values("room_id").distinct().count()
    return {
        "residents": sum(residents.values()),
        "residents_registered": residents[Residency.REGISTERED],
        "residents_permanent": residents[Residency.PERMANENT],
        "residents_migrant": residents[Residency.MIGRANT],
        "households": rows(Household).count(),
        "rental_properties": rows(RentalProperty).count(),
        "rental_rooms": rooms,
        "rental_rooms_occupied": occupied,
        "rental_occupancy_rate": round(occupied / rooms, 3) if rooms else None,
        "enterprises": enterprises["n"],
        "enterprise_headcount": enterprises["headcount"] or 0,
    }


def tiles(f: dict) -> list[Tile]:
    from banyan.people.models import Residency

    rate = f"{f['rental_occupancy_rate'] * 100:.0f}%" if f.get("rental_occupancy_rate") is not None else "—"
    return [
        Tile("people.resident", "residents", _("居民"), "residents", (
            (_("户籍"), "residents_registered", {"residency": Residency.REGISTERED}),
            (_("常住"), "residents_permanent", {"residency": Residency.PERMANENT}),
            (_("流动"), "residents_migrant", {"residency": Residency.MIGRANT}))),
        Tile("people.household", "households", _("户"), "households"),
        Tile("people.rentalproperty", "rental-properties", _("出租屋"), "rental_properties", (
            (_("房间"), "rental_rooms"), (_("已入住"), "rental_rooms_occupied"), (_("入住率"), rate))),
        Tile("people.enterprise", "enterprises", _("企业"), "enterprises", ((_("从业人数"), "enterprise_headcount"),)),
    ]


def by_community(rows) -> dict:
    from banyan.people.models import Enterprise, Household, RentalProperty, RentalRoom, Residency

    def counts(model):
        return dict(rows(model).values_list("community_id").annotate(n=Count("pk")).order_by())

    out = {key: {} for key in ("residents", "registered", "permanent", "migrant")}
    keys = {Residency.REGISTERED: "registered", Residency.PERMANENT: "permanent", Residency.MIGRANT: "migrant"}
    for community_id, residency, n in (current_residents(rows).values_list("community_id", "residency")
                                       .annotate(n=Count("pk")).order_by()):
        out[keys[residency]][community_id] = n
        out["residents"][community_id] = out["residents"].get(community_id, 0) + n
    # Read once for both of its columns.
    enterprises = list(rows(Enterprise).values("community_id").annotate(n=Count("pk"), headcount=Sum("headcount"))
                       .order_by())
    out.update({"households": counts(Household), "rental_properties": counts(RentalProperty),
                "rental_rooms": counts(RentalRoom),
                "enterprises": {r["community_id"]: r["n"] for r in enterprises},
                "headcount": {r["community_id"]: r["headcount"] or 0 for r in enterprises}})
    return out


def charts(user, place, f: dict, rows, comparison) -> dict:
    """The residents' make-up, and residents per community (several communities) or per grid (one)."""
    from banyan.people.models import Residency

    if not f.get("residents"):
        return {}
    residency = [{"name": str(Residency.REGISTERED.label), "value": f["residents_registered"]},
                 {"name": str(Residency.PERMANENT.label), "value": f["residents_permanent"]},
                 {"name": str(Residency.MIGRANT.label), "value": f["residents_migrant"]}]
    if comparison is not None:
        bars = [(r["community"].name, r["residents"]) for r in comparison if r.get("residents")][:20]
        title = _("各社区居民人数")
    else:
        bars, title = grid_bars(user, place, rows)[:20], _("各网格居民人数")
    return {"residency": {"title": _("居民构成"), "data": residency},
            "bars": {"title": title, "names": [b[0] for b in bars], "values": [b[1] for b in bars]}}


def grid_bars(user, place, rows) -> list[tuple[str, int]]:
    """Residents per grid one level below `place` (a community: its second-level grids), micro-grids rolled up."""
    from banyan.places.models import Community, Grid

    community_id = place.pk if isinstance(place, Community) else place.community_id
    grids = {g["pk"]: g for g in Grid.objects.visible_to(user).filter(community_id=community_id)
             .values("pk", "parent_id", "level", "name")}
    top = Grid.Level.GRID if isinstance(place, Community) else place.level + 1
    totals: dict[str, int] = {}
    for grid_id, n in current_residents(rows).values_list("grid_id").annotate(n=Count("pk")).order_by():
        grid = grids.get(grid_id)
        while grid and grid["level"] > top and grid["parent_id"] in grids:
            grid = grids[grid["parent_id"]]
        name = grid["name"] if grid else _("未划分网格")
        totals[name] = totals.get(name, 0) + n
    return sorted(totals.items(), key=lambda item: -item[1])


PART = DashboardPart(
    name="people", figures=figures, order=10,
    keys=("residents", "residents_registered", "residents_permanent", "residents_migrant", "households",
          "rental_properties", "rental_rooms", "rental_rooms_occupied", "rental_occupancy_rate", "enterprises",
          "enterprise_headcount"),
    floats=("rental_occupancy_rate",), tiles=tiles, by_community=by_community, charts=charts,
    columns=(("residents", gettext_lazy("居民")), ("registered", gettext_lazy("户籍")),
             ("permanent", gettext_lazy("常住")), ("migrant", gettext_lazy("流动")),
             ("households", gettext_lazy("户")), ("rental_properties", gettext_lazy("出租屋")),
             ("rental_rooms", gettext_lazy("出租房间")), ("enterprises", gettext_lazy("企业")),
             ("headcount", gettext_lazy("从业人数"))),
)
