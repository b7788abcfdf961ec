"""What the places add to the dashboard: industrial parks, communities and grids."""

from django.utils.translation import gettext as _

from banyan.core.dashboard import DashboardPart, Tile


def figures(rows) -> dict:
    from banyan.places.models import Community, Grid, IndustrialPark

    return {"industrial_parks": rows(IndustrialPark).count(), "communities": rows(Community).count(),
            "grids": rows(Grid).count()}


def tiles(f: dict) -> list[Tile]:
    # A place of one community has no use for a tile saying "1 社区"; nor one of no parks for "0 工业园".
    tiles = [Tile("places.industrialpark", "industrial-parks", _("村级工业园"), "industrial_parks")] \
        if f.get("industrial_parks") else []
    if f.get("communities", 0) > 1:
        tiles.append(Tile("places.community", "communities", _("社区"), "communities"))
    return [*tiles, Tile("places.grid", "grids", _("网格"), "grids")]


PART = DashboardPart(name="places", figures=figures, keys=("industrial_parks", "communities", "grids"),
                     tiles=tiles, order=50)
