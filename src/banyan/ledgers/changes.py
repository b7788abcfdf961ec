"""What an import does to the rows it finds stored: the value each field ends with, and the preview of updates.

A file says only what it says. A column it lacks, or a blank cell, leaves the stored value as it is; a masked
number (`440682********9005`) on a row it finds means "unchanged" too; clearing a value takes the marker CLEAR in
the cell. So each field ends with the file's value, else the stored one, else nothing where the file clears it;
a row is updated when one of those differs from what is stored, blank and stored-empty being the same.
"""

import polars as pl
from django.utils.translation import gettext as _

from banyan.ledgers.kinds import Kind

CLEAR = "<清空>"
CLEAR_FORMS = (CLEAR, "＜清空＞", "〈清空〉", "《清空》")
PII_PARTS = ("_hash", "_enc", "_masked")
SAMPLES = 20  # updated rows shown field by field in the preview


def source(attname: str, columns) -> str:
    """The file column a model column comes from: phone_hash/_enc/_masked ← phone, grid_id ← grid, else itself."""
    for part in PII_PARTS:
        if attname.endswith(part) and attname[: -len(part)] in columns:
            return attname[: -len(part)]
    if attname.endswith("_id") and attname[:-3] in columns:
        return attname[:-3]
    return attname


def settle(df: pl.DataFrame, attnames: list[str]) -> pl.DataFrame:
    """Each model column as it will be stored: the file's value, else the stored one (`<name>_db`), and nothing
    where the file clears it."""
    settled = []
    for name in attnames:
        cleared = f"_clear_{source(name, df.columns)}"
        value = pl.when(pl.col(name).is_not_null()).then(pl.col(name)).otherwise(pl.col(f"{name}_db"))
        if cleared in df.columns:
            value = pl.when(pl.col(cleared)).then(pl.lit(None, dtype=df.schema[name])).otherwise(value)
        settled.append(value.alias(name))
    return df.with_columns(settled)


def differs(df: pl.DataFrame, name: str) -> pl.Expr:
    """Whether a settled column differs from the stored value; for text, blank and stored-empty are the same."""
    now, stored = pl.col(name), pl.col(f"{name}_db")
    if df.schema[name] == pl.Utf8:
        return now.fill_null("") != stored.fill_null("")
    return now.ne_missing(stored)


class Preview:
    """The updates an import makes, counted by field, and the first rows' changes as before → after, numbers
    masked: what the user reads before confirming ({"fields": {header: n}, "samples": [...]})."""

    def __init__(self, kind: Kind):
        self.kind = kind
        self.fields: dict[str, int] = {}
        self.samples: list[dict] = []
        self.headers = {c.field: c.header for c in kind.columns}

    def header(self, attname: str, columns) -> str:
        name = source(attname, columns)
        if name in self.headers:
            return self.headers[name]
        field = next((f for f in self.kind.model._meta.concrete_fields if f.attname == attname), None)
        return str(field.verbose_name) if field is not None else attname

    def add(self, updates: pl.DataFrame, compare: list[str]) -> None:
        if updates.is_empty():
            return
        flags = updates.select([differs(updates, c).fill_null(False).alias(c) for c in compare])
        for name, n in zip(compare, flags.sum().row(0), strict=True):
            if n:
                header = self.header(name, updates.columns)
                self.fields[header] = self.fields.get(header, 0) + n
        room = SAMPLES - len(self.samples)
        if room > 0:
            self._sample(updates.head(room), flags.head(room), compare)

    def _sample(self, rows: pl.DataFrame, flags: pl.DataFrame, compare: list[str]) -> None:
        fields = {f.attname: f for f in self.kind.model._meta.concrete_fields}
        for row, changed in zip(rows.iter_rows(named=True), flags.iter_rows(named=True), strict=True):
            shown = []
            for name in compare:
                if changed[name]:
                    shown.append([self.header(name, rows.columns), *self._texts(row, name, fields.get(name))])
            self.samples.append({"row": row["_row"], "record": row.get("name") or row.get("name_db")
                                 or f"#{row['pk_db']}", "fields": shown})

    @staticmethod
    def _texts(row: dict, name: str, field) -> tuple[str, str]:
        """Before and after as a person reads them: masked numbers, names of codes and related rows."""
        blank = _("（空）")
        if name.endswith("_hash"):
            base = name[: -len("_hash")]
            return row.get(f"{base}_masked_db") or blank, row.get(f"{base}_masked") or blank
        before, after = row[f"{name}_db"], row[name]
        if field is not None and field.is_relation:
            names = field.related_model.objects.in_bulk([v for v in (before, after) if v is not None])
            return (str(names.get(before, blank)) if before is not None else blank,
                    str(names.get(after, blank)) if after is not None else blank)
        choices = {str(k): str(v) for k, v in field.flatchoices} if field is not None and field.choices else {}

        def text(value) -> str:
            if value is None or value == "":
                return blank
            return choices.get(str(value), str(value))

        return text(before), text(after)

    def as_dict(self) -> dict:
        return {"fields": self.fields, "samples": self.samples}
