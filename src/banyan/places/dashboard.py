"""What the places add to the dashboard: industrial parks, communities and grids."""

from django.utils.translation import gettext as _

from banyan.core.dashboard import DashboardPart, Tile


def figures(rows) -> dict:
    from banyan.places.models import Community, Grid, IndustrialPark

    return {"industrial_parks": rows(IndustrialPark).count(), "communities": rows(Community).count(),
            "grids": rows(Grid).count()}


def tiles(f: dict) -> list[Tile]:
    return [Tile("places.industrialpark", "industrial-parks", _("村级工业园"), "industrial_parks"),
            Tile("places.community", "communities", _("社区"), "communities"),
            Tile("places.grid", "grids", _("网格"), "grids")]


PART = DashboardPart(name="places", figures=figures, keys=("industrial_parks", "communities", "grids"),
                     tiles=tiles, order=50)
