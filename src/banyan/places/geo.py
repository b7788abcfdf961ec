"""Plane geometry of boundaries, in longitude and latitude: enough for grids of a community (a few kilometres,
where the earth's curve does not matter), with no geometry library to install.

A boundary is GeoJSON: a Polygon is a list of rings (the outline, then holes), each ring a closed list of
[longitude, latitude] positions; a MultiPolygon a list of Polygons.
"""

from collections.abc import Iterator

# A vertex on its parent's edge is inside it: drawn boundaries share edges, and six decimals of rounding move a
# shared vertex by up to 5e-7 degrees (5 cm).
TOLERANCE = 1e-6


def geometry_of(value):
    """The Polygon or MultiPolygon inside a geometry, a Feature, or a FeatureCollection of one feature."""
    if not isinstance(value, dict):
        return None
    if value.get("type") == "FeatureCollection":
        features = value.get("features")
        if not isinstance(features, list) or len(features) != 1:
            return None
        value = features[0]
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    return value if isinstance(value, dict) else None


def polygons_of(geometry: dict) -> list:
    """The polygons of a valid geometry, each a list of rings."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


def rings_of(geometry: dict) -> Iterator[list]:
    for polygon in polygons_of(geometry):
        yield from polygon


def in_ring(x: float, y: float, ring: list) -> bool:
    """Even-odd test of a point against a closed ring (its edges excluded: see on_ring)."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def on_segment(x: float, y: float, a, b, tolerance: float = TOLERANCE) -> bool:
    (x1, y1), (x2, y2) = a, b
    if not (min(x1, x2) - tolerance <= x <= max(x1, x2) + tolerance
            and min(y1, y2) - tolerance <= y <= max(y1, y2) + tolerance):
        return False
    dx, dy = x2 - x1, y2 - y1
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return abs(x - x1) <= tolerance and abs(y - y1) <= tolerance
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / length2))
    px, py = x1 + t * dx, y1 + t * dy
    return (x - px) ** 2 + (y - py) ** 2 <= tolerance * tolerance


def on_ring(x: float, y: float, ring: list) -> bool:
    return any(on_segment(x, y, a, b) for a, b in zip(ring, ring[1:], strict=False))


def contains_point(geometry: dict, x: float, y: float) -> bool:
    """Whether a point lies in the geometry or on its edges (holes excluded, their edges included)."""
    for polygon in polygons_of(geometry):
        if any(on_ring(x, y, ring) for ring in polygon):
            return True
        if in_ring(x, y, polygon[0]) and not any(in_ring(x, y, hole) for hole in polygon[1:]):
            return True
    return False


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def segments_cross(a, b, c, d) -> bool:
    """Whether segments ab and cd cross or touch (collinear overlaps included)."""
    d1, d2, d3, d4 = _cross(c, d, a), _cross(c, d, b), _cross(a, b, c), _cross(a, b, d)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True

    def within(p, q, r) -> bool:  # r on segment pq, given the three are collinear
        return min(p[0], q[0]) <= r[0] <= max(p[0], q[0]) and min(p[1], q[1]) <= r[1] <= max(p[1], q[1])

    return ((d1 == 0 and within(c, d, a)) or (d2 == 0 and within(c, d, b))
            or (d3 == 0 and within(a, b, c)) or (d4 == 0 and within(a, b, d)))


def ring_crosses_itself(ring: list) -> bool:
    """Whether two edges of a closed ring that are not neighbours meet. Edges are swept in order of their
    western end, so each is compared only with those that overlap it east to west."""
    n = len(ring) - 1  # edges
    edges = sorted(range(n), key=lambda i: min(ring[i][0], ring[i + 1][0]))
    for k, i in enumerate(edges):
        a, b = ring[i], ring[i + 1]
        east = max(a[0], b[0])
        for j in edges[k + 1:]:
            c, d = ring[j], ring[j + 1]
            if min(c[0], d[0]) > east:
                break
            if abs(i - j) in (1, n - 1):  # neighbours share a vertex by design
                continue
            if segments_cross(a, b, c, d):
                return True
    return False


def ring_area(ring: list) -> float:
    """Signed area (shoelace), in square degrees."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2


def bounds(geometry: dict) -> tuple[float, float, float, float]:
    """(west, south, east, north)."""
    xs, ys = [], []
    for ring in rings_of(geometry):
        xs += [p[0] for p in ring]
        ys += [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def centroid(geometry: dict) -> tuple[float, float]:
    """The area-weighted centre of the outlines (a label's place); the mean vertex of a degenerate one."""
    total = cx = cy = 0.0
    for polygon in polygons_of(geometry):
        ring = polygon[0]
        for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
            f = x1 * y2 - x2 * y1
            total += f
            cx += (x1 + x2) * f
            cy += (y1 + y2) * f
    if total == 0:
        points = [p for ring in rings_of(geometry) for p in ring]
        return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
    return cx / (3 * total), cy / (3 * total)
