"""The home dashboard, assembled from what each app registers: its figures, tiles, comparison columns and charts.

`core` knows no domain model: an app adds a `DashboardPart` with `dashboard_part(...)` (from its AppConfig.ready)
and the home page, place pages and `/api/summary/` show it. Every function of a part receives `rows(model)`: the
model's rows that the user may view, narrowed to the place being looked at, and costs a fixed number of queries.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from banyan.accounts.roles import Action
from banyan.core.scoping import can

Rows = Callable  # rows(model) -> the visible rows of `model` at the place


@dataclass(frozen=True)
class Tile:
    """One tile: a figure (by key) linking to a list; parts are (label, figure key or text, list filters)."""

    model: str  # label of the model the user must be allowed to view
    slug: str
    label: str
    key: str
    parts: tuple[tuple, ...] = ()


@dataclass(frozen=True)
class DashboardPart:
    name: str
    # rows → {key: number}: the keys are /api/summary/'s fields (`floats` are rates, the rest counts)
    figures: Callable[[Rows], dict]
    keys: tuple[str, ...]
    floats: tuple[str, ...] = ()
    tiles: Callable[[dict], list[Tile]] = lambda figures: []
    # rows → {column key: {community id: number}} and the columns' (key, label), for the towns' comparison
    by_community: Callable[[Rows], dict] | None = None
    columns: tuple[tuple[str, str], ...] = ()
    # (user, place, figures, rows, comparison) → {chart id: data}: charts drawn by static/banyan/dashboard.js
    charts: Callable | None = None
    order: int = 100


PARTS: list[DashboardPart] = []


def dashboard_part(part: DashboardPart) -> DashboardPart:
    if all(p.name != part.name for p in PARTS):
        PARTS.append(part)
        PARTS.sort(key=lambda p: p.order)
    return part


def summary_keys() -> tuple[list[str], list[str]]:
    """The count keys and the rate keys of /api/summary/, for its schema."""
    return ([k for p in PARTS for k in p.keys if k not in p.floats], [k for p in PARTS for k in p.floats])


def figures_of(rows: Rows) -> dict:
    out = {}
    for part in PARTS:
        out.update(part.figures(rows))
    return out


def list_url(slug: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse("record-list", args=[slug]) + (f"?{query}" if query else "")


def tiles_of(user, figures: dict, token: str | None) -> list[dict]:
    from django.apps import apps

    out = []
    for part in PARTS:
        for tile in part.tiles(figures):
            if not can(user, Action.VIEW, apps.get_model(tile.model)):
                continue
            parts = []
            for label, value, *params in tile.parts:
                shown = figures.get(value, value) if isinstance(value, str) else value
                parts.append({"label": label, "value": shown,
                              "url": list_url(tile.slug, place=token, **params[0]) if params else None})
            out.append({"label": tile.label, "value": figures.get(tile.key, 0),
                        "url": list_url(tile.slug, place=token), "parts": parts})
    return out


def comparison_of(rows: Rows) -> tuple[list[tuple[str, str]], dict]:
    """The comparison's columns, and {column key: {community id: number}}."""
    columns, values = [], {}
    for part in PARTS:
        if part.by_community is not None:
            columns.extend(part.columns)
            values.update(part.by_community(rows))
    return columns, values
