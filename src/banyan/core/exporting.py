"""Writing exports and refused-rows files: CSV (UTF-8 with BOM, streamed) and XLSX, with formula cells inert."""

import csv
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value):
    """A cell a spreadsheet would run as a formula (= + - @, tab, CR) is made text by a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file for csv.writer that hands each line back instead of storing it (streamed export)."""

    def write(self, value):
        return value


def csv_lines(titles: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV lines, the first with the BOM that makes Excel read the Chinese correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([inert(t) for t in titles])
    for row in rows:
        yield writer.writerow([inert(v) for v in row])


def csv_file(titles: list[str], rows: Iterable[list]) -> Path:
    """The same lines as `csv_lines`, in a temporary file (a background export); the caller removes it."""
    fd, name = tempfile.mkstemp(prefix="banyan-export-", suffix=".csv")
    try:
        with open(fd, "w", encoding="utf-8", newline="") as f:
            f.writelines(csv_lines(titles, rows))
    except BaseException:
        Path(name).unlink()
        raise
    return Path(name)


class XlsxRows:
    """An XLSX written row by row in constant memory; `save()` gives its temporary path (the caller removes it),
    `discard()` drops it. `required`: which headers to mark as an import template marks required columns;
    `notes`: the rows of a second sheet, 填写说明, written after the data."""

    def __init__(self, titles: list[str], sheet_name: str = "导出", *, required: list[bool] | None = None,
                 notes: list[list] | None = None):
        from banyan.core.xlsx import BOLD, REQUIRED, XlsxWriter

        # A template is wide enough to read its headers.
        widths = [max(12, len(str(t)) * 2.4) for t in titles] if required is not None else None
        self.workbook = XlsxWriter(sheet_name, widths)
        self.notes = notes
        self.workbook.sheet.append([inert(t) for t in titles],
                                   [REQUIRED if required and required[i] else BOLD for i in range(len(titles))])

    def append(self, row: Iterable) -> None:
        self.workbook.sheet.append([inert(v) for v in row])

    def save(self) -> Path:
        if self.notes is not None:
            sheet, rows, self.notes = self.workbook.add_sheet("填写说明"), self.notes, None
            for row in rows:
                sheet.append([inert(v) for v in row])
        path = Path(tempfile.mkstemp(prefix="banyan-export-", suffix=".xlsx")[1])
        self.workbook.save(path)
        return path

    def discard(self) -> None:
        self.workbook.discard()


def xlsx_file(titles: list[str], rows: Iterable[list], sheet_name: str = "导出", *,
              required: list[bool] | None = None, notes: list[list] | None = None) -> Path:
    """An XLSX file (written row by row, constant memory) in a temporary path; the caller removes it."""
    out = XlsxRows(titles, sheet_name, required=required, notes=notes)
    try:
        for row in rows:
            out.append(row)
    except BaseException:
        out.discard()
        raise
    return out.save()
