"""Believable outlines for a demo community's grids, and points for its buildings inside them.

A real community's outline follows roads, rivers and fields: not a square. The community's square (Box) is bent
by a warp: a lattice over it whose nodes are moved (the edge ones into a rounded, wavering outline, the inner
ones nudged at random), each lattice cell mapped bilinearly onto its moved corners. Grids are laid out as
rectangles of the unit square (the level-2 grids in rows that fill it, each one's micro-grids in rows that fill
it, sized by the buildings they hold) and drawn through the warp. A bilinear map keeps a straight line along
either axis straight inside one lattice cell, so a rectangle's image is exactly the polygon through its corners
and the points where its edges cross lattice lines: neighbours share their edges, children tile their parent,
and a point inside a rectangle (a building) lands inside its grid.
"""

import math
import random
from decimal import Decimal

from banyan.places.models import Grid

LATTICE = 7  # cells of the warp along each side
JITTER = 0.2  # of a lattice cell: how far an inner node may move
DIGITS = 7  # ~1 cm: shared vertices stay on their neighbours' edges


class Warp:
    """The unit square bent into the community's outline, in longitude and latitude."""

    def __init__(self, box, rng: random.Random):
        self.box = box
        n = LATTICE
        # The outline: the square's corners rounded off, its sides made to bulge and recede by a few waves of
        # random phase, stretched a little one way, and scaled back to the community's area. Only the lattice
        # nodes move, so the warp stays bilinear within each cell.
        waves = [(k, rng.uniform(0.03, 0.1) / k ** 0.5, rng.uniform(0, 2 * math.pi)) for k in (2, 3, 5)]
        stretch = rng.uniform(0.8, 1.25)
        nodes = [[self._shaped(i / n - 0.5, j / n - 0.5, waves, stretch) for j in range(n + 1)] for i in range(n + 1)]
        ring = [nodes[i][0] for i in range(n)] + [nodes[n][j] for j in range(n)] + \
            [nodes[i][n] for i in range(n, 0, -1)] + [nodes[0][j] for j in range(n, 0, -1)]
        area = abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2
        grow = 1 / math.sqrt(area)
        step = grow / n
        self.nodes = [[(0.5 + x * grow + (0 if i in (0, n) or j in (0, n) else rng.uniform(-JITTER, JITTER) * step),
                        0.5 + y * grow + (0 if i in (0, n) or j in (0, n) else rng.uniform(-JITTER, JITTER) * step))
                       for j, (x, y) in enumerate(column)] for i, column in enumerate(nodes)]

    @staticmethod
    def _shaped(x: float, y: float, waves, stretch: float) -> tuple[float, float]:
        r = math.hypot(x, y)
        if r == 0:
            return 0.0, 0.0
        theta = math.atan2(y, x)
        rounded = 0.45 + 0.55 * max(abs(x), abs(y)) / r  # 1 on the axes, ~0.84 towards the corners
        wave = 1 + sum(a * math.cos(k * theta + phase) for k, a, phase in waves)
        return x * rounded * wave * stretch, y * rounded * wave / stretch

    def __call__(self, u: float, v: float) -> tuple[float, float]:
        """(longitude, latitude) of a point of the unit square (u east, v north)."""
        n = LATTICE
        i, j = min(int(u * n), n - 1), min(int(v * n), n - 1)
        s, t = u * n - i, v * n - j
        (x00, y00), (x10, y10) = self.nodes[i][j], self.nodes[i + 1][j]
        (x01, y01), (x11, y11) = self.nodes[i][j + 1], self.nodes[i + 1][j + 1]
        x = (1 - s) * (1 - t) * x00 + s * (1 - t) * x10 + (1 - s) * t * x01 + s * t * x11
        y = (1 - s) * (1 - t) * y00 + s * (1 - t) * y10 + (1 - s) * t * y01 + s * t * y11
        box = self.box
        return box.west + x * (box.east - box.west), box.south + y * (box.north - box.south)

    def polygon(self, rect: tuple[float, float, float, float]) -> dict:
        """The GeoJSON polygon of a rectangle (u0, v0, u1, v1) of the unit square, counter-clockwise."""
        u0, v0, u1, v1 = rect
        ring = (self._edge((u0, v0), (u1, v0)) + self._edge((u1, v0), (u1, v1)) + self._edge((u1, v1), (u0, v1))
                + self._edge((u0, v1), (u0, v0)))
        ring.append(ring[0])
        return {"type": "Polygon", "coordinates": [[[round(x, DIGITS), round(y, DIGITS)] for x, y in ring]]}

    def _edge(self, a, b) -> list[tuple[float, float]]:
        """The start of a straight edge and the points where it crosses lattice lines (its end is the next
        edge's start)."""
        n = LATTICE
        ts = {0.0}
        for k in range(1, n):
            line = k / n
            for start, end in ((a[0], b[0]), (a[1], b[1])):
                if start != end and min(start, end) < line < max(start, end):
                    ts.add((line - start) / (end - start))
        return [self(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])) for t in sorted(ts)]


def rows_of(rect, weights: list[float], rng: random.Random) -> list[tuple[float, float, float, float]]:
    """Rectangles that fill `rect` in rows from the north-west, one per weight, their areas near its share."""
    u0, v0, u1, v1 = rect
    count = len(weights)
    rows = max(1, round(math.sqrt(count * (v1 - v0) / max(u1 - u0, 1e-9))))
    rows = min(rows, count)
    per_row = [count // rows + (1 if r < count % rows else 0) for r in range(rows)]
    starts = [sum(per_row[:r]) for r in range(rows)]
    row_weights = [[w * rng.uniform(0.85, 1.15) for w in weights[start:start + n]]
                   for start, n in zip(starts, per_row, strict=True)]
    heights = _splits(v1 - v0, [sum(row) for row in row_weights])
    out, top = [], v1
    for row, height in zip(row_weights, heights, strict=True):
        left = u0
        for width in _splits(u1 - u0, row):
            out.append((left, top - height, left + width, top))
            left += width
        top -= height
    return out


def weights_of(counts: list[int]) -> list[float]:
    """A grid's share of the land from the buildings in it; one with none (a park) an average share."""
    held = [n for n in counts if n]
    mean = sum(held) / len(held) if held else 1
    return [0.5 + n / mean if n else 1.0 for n in counts]


def _splits(length: float, weights: list[float]) -> list[float]:
    total = sum(weights)
    return [length * w / total for w in weights]


def spots(rect, count: int, rng: random.Random) -> list[tuple[float, float]]:
    """`count` points in the middle of `rect`, in loose rows like houses along lanes."""
    u0, v0, u1, v1 = rect
    margin_u, margin_v = (u1 - u0) * 0.12, (v1 - v0) * 0.12
    cols = max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / cols))
    du, dv = (u1 - u0 - 2 * margin_u) / cols, (v1 - v0 - 2 * margin_v) / rows
    out = []
    for k in range(count):
        row, col = divmod(k, cols)
        out.append((u0 + margin_u + (col + rng.uniform(0.3, 0.7)) * du,
                    v1 - margin_v - (row + rng.uniform(0.3, 0.7)) * dv))
    return out


def boundaries_draw(plot) -> None:
    """Give the community's grids (level 1 written already, levels 2-3 about to be) outlines that tile one
    another, and each building a point inside its grid."""
    rng = plot.site.rng("boundaries")
    warp = Warp(plot.box, rng)
    whole = (0.0, 0.0, 1.0, 1.0)
    plot.level1.boundary = warp.polygon(whole)
    Grid.objects.filter(pk=plot.level1.pk).update(boundary=plot.level1.boundary)
    children: dict[int, list[Grid]] = {}
    for micro in plot.micro_grids:
        children.setdefault(id(micro.parent), []).append(micro)
    inside: dict[int, list] = {}
    for building in plot.buildings:
        inside.setdefault(id(building.grid), []).append(building)

    def held(grid) -> int:
        return len(inside.get(id(grid), [])) + sum(held(child) for child in children.get(id(grid), []))

    rects: dict[int, tuple] = {}
    layout = rows_of(whole, weights_of([held(grid) for grid in plot.grids]), rng)
    for grid, rect in zip(plot.grids, layout, strict=True):
        grid.boundary, rects[id(grid)] = warp.polygon(rect), rect
        micros = children.get(id(grid), [])
        micro_layout = rows_of(rect, weights_of([held(micro) for micro in micros]), rng) if micros else []
        for micro, micro_rect in zip(micros, micro_layout, strict=True):
            micro.boundary, rects[id(micro)] = warp.polygon(micro_rect), micro_rect
    for key, buildings in inside.items():
        for building, (u, v) in zip(buildings, spots(rects[key], len(buildings), rng), strict=True):
            lon, lat = warp(u, v)
            building.latitude, building.longitude = Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")
