"""A stored value as people read it: code names, dates in the user's language, related records by name.

Shared by pages, exports and the event log, so a change reads the same on the timeline as on the record.
"""

import datetime as dt
import json
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
        return json.dumps(value, ensure_ascii=False)
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
