"""Exports shaped as the import template: what Banyan exports, Banyan imports.

The list export of every kind that can be imported (residents, households, rental rooms, tenancies, enterprises,
party members) has the columns of that kind's template, with its headers and in its order, after a first column
`系统编号` (ROW_KEY_HEADER: the record's id, by which a file sent back updates the same rows). Each cell holds what
the import accepts: codes as their Chinese names, dates ISO, related rows as the name the import looks them up by
(community name, grid name, household number, park name, party org name, rental property address and room
number). Personal numbers are masked exactly as on the page.

Related rows are joined into the one query that reads the rows (select_related), so an export's queries do not
grow with its rows.
"""

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import translation

from banyan.ledgers.kinds import KINDS, ROW_KEY_HEADER, Kind

# Where a template column's value is read from, when it is not the model's field of the same name: a path of
# attributes. The last part of a path to a personal number reads its mask (the model's property).
SOURCES: dict[str, dict[str, str]] = {
    "residents": {"community": "community.name", "grid": "grid.name", "household": "household.number"},
    "households": {"community": "community.name", "grid": "grid.name"},
    "rentals": {"address": "rental_property.address", "landlord_name": "rental_property.landlord_name",
                "landlord_phone": "rental_property.landlord_phone",
                "attendant_name": "rental_property.attendant_name", "use": "rental_property.use",
                "hazard": "rental_property.hazard", "community": "community.name", "grid": "grid.name"},
    "tenancies": {"id_number": "resident.id_number", "address": "room.rental_property.address",
                  "number": "room.number", "community": "community.name"},
    "enterprises": {"community": "community.name", "grid": "grid.name", "park": "park.name"},
    "party-members": {"community": "community.name", "grid": "grid.name", "org": "org.name"},
}


def kind_of_model(model) -> Kind | None:
    """The import kind whose rows are `model`'s, if any."""
    label = model._meta.label_lower
    return next((kind for kind in KINDS.values() if kind.label == label), None)


def _path(kind: Kind, field: str) -> list[str]:
    return SOURCES[kind.slug].get(field, field).split(".")


def _model_field(model, parts: list[str]):
    """The model field at the end of `parts` (None for a personal number's property), and the relations passed."""
    relations, field = [], None
    for i, part in enumerate(parts):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None, relations
        if field.is_relation and i < len(parts) - 1:
            relations.append("__".join(parts[:i + 1]))
            model = field.related_model
    return field, relations


def joins(kind: Kind) -> list[str]:
    """What to select_related so that reading every cell of a row costs no query."""
    out: list[str] = []
    for column in kind.columns:
        _field, relations = _model_field(kind.model, _path(kind, column.field))
        out += [r for r in relations if r not in out]
    return out


def _named(field) -> dict | None:
    """A code list's codes to the names the import accepts (the untranslated Chinese names)."""
    if field is None or not field.choices or field.is_relation:
        return None
    with translation.override(None):
        return {code: str(name) for code, name in field.flatchoices}


def template_value(obj, parts: list[str], named: dict | None):
    """One cell: the value at the end of `parts`, a code as its name, a date ISO, a whole number bare."""
    for part in parts:
        if obj is None:
            return ""
        obj = getattr(obj, part)
    if obj is None:
        return ""
    if named is not None:
        return named.get(obj, obj)
    if isinstance(obj, dt.datetime):
        return obj.date().isoformat()
    if isinstance(obj, dt.date):
        return obj.isoformat()
    if isinstance(obj, Decimal):
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    return obj


def template_rows(kind: Kind, rows: models.QuerySet, seen=None) -> tuple[list[str], Iterator[list]]:
    """The headers (系统编号, then the template's) and the cells of `rows` (already through the access door);
    `seen` collects each row's id as it is written, so the audit names exactly the rows in the file."""
    readers = []
    for column in kind.columns:
        parts = _path(kind, column.field)
        field, _relations = _model_field(kind.model, parts)
        readers.append((parts, _named(field)))

    def values():
        source = rows.select_related(*joins(kind)).iterator(chunk_size=2000)
        try:
            for obj in source:
                if seen is not None:
                    seen.append(obj.pk)
                yield [obj.pk, *(template_value(obj, parts, named) for parts, named in readers)]
        finally:
            source.close()  # its cursor, at once, when an export stops halfway: the connection writes next

    return [ROW_KEY_HEADER, *(c.header for c in kind.columns)], values()
