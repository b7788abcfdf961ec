"""A stored value as people read it: code names, dates in the user's language, related records by name.

Shared by pages, exports and the event log, so a change reads the same on the timeline as on the record.
"""

import datetime as dt
from decimal import Decimal

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _


def field_text(obj, field: models.Field) -> str:
    """The value of `field` on `obj` as a page shows it ('' for empty)."""
    value = getattr(obj, field.name)
    if value is None or value == "":
        return ""
    if field.is_relation:
        return str(value)
    if field.choices:
        return _(str(getattr(obj, f"get_{field.name}_display")()))
    if isinstance(field, models.DateTimeField):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(field, models.DateField):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(field, models.BooleanField):
        return _("是") if value else _("否")
    if isinstance(field, models.JSONField):
        return json_text(value)
    if isinstance(value, int):
        return f"{value:,}"  # grouped by thousands in Chinese too (Django's format for it has no separator)
    return str(formats.localize(value))


def plain_value(value):
    """A stored value as JSON can keep it: dates in ISO form, decimals as text."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def json_text(value) -> str:
    """Structured data in words, never dumped raw on a page: a drawn boundary by its vertices (the map that
    shows it is the boundary widget's job), anything else by its number of items."""
    geometry = value.get("geometry", value) if isinstance(value, dict) else None
    if isinstance(geometry, dict) and geometry.get("type") in ("Polygon", "MultiPolygon"):
        return _("已绘制边界（%(n)s 个顶点）") % {"n": f"{_vertices(geometry.get('coordinates')):,}"}
    if isinstance(value, dict | list):
        return _("已填写（%(n)s 项）") % {"n": len(value)} if value else ""
    return str(value)


def _vertices(coordinates) -> int:
    """The corners of a polygon's rings (GeoJSON repeats a ring's first position at its end)."""
    if not isinstance(coordinates, list) or not coordinates:
        return 0
    if all(isinstance(p, list) and p and all(isinstance(c, int | float) for c in p) for p in coordinates):
        return len(coordinates) - (1 if len(coordinates) > 1 and coordinates[0] == coordinates[-1] else 0)
    return sum(_vertices(part) for part in coordinates)
