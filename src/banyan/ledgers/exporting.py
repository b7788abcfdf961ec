"""Exporting any list a user can see, as XLSX or CSV: masked personal numbers, inert formula cells, audited."""

import csv
import datetime as dt
import io
from collections.abc import Iterable

from django.db import models
from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value):
    """A cell that Excel will not run as a formula (CSV/formula injection): prefix a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def column_titles(model, names: Iterable[str]) -> list[str]:
    titles = []
    for name in names:
        try:
            titles.append(str(model._meta.get_field(name).verbose_name))
        except Exception:  # a personal attribute exported by its mask: title from the mask column
            titles.append(str(model._meta.get_field(f"{name}_masked").verbose_name))
    return titles


def cell(obj, name: str):
    """The shown value of one column: choice names, related rows' names, masks for personal numbers."""
    try:
        field = obj._meta.get_field(name)
    except Exception:
        return getattr(obj, name)  # personal attributes read as their mask
    if field.choices:
        return getattr(obj, f"get_{name}_display")()
    value = getattr(obj, name)
    if isinstance(field, models.ForeignKey):
        return str(value) if value is not None else ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def rows_of(queryset, names: list[str]) -> Iterable[list]:
    for obj in queryset.iterator(chunk_size=2000):
        yield [inert(cell(obj, n)) for n in names]


def write_csv(titles: list[str], rows: Iterable[list]) -> Iterable[bytes]:
    """UTF-8 with BOM, which Excel opens with the Chinese intact; streamed a block at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff".encode()
    writer.writerow(titles)
    for index, row in enumerate(rows):
        writer.writerow(["" if v is None else v for v in row])
        if index % 500 == 499:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def write_xlsx(titles: list[str], rows: Iterable[list], path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("导出")
    header = []
    for title in titles:
        c = WriteOnlyCell(sheet, value=title)
        c.font = Font(bold=True)
        header.append(c)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
