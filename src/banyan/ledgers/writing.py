"""Fast writes of prepared frames: COPY on PostgreSQL, executemany on SQLite, into the same columns as the ORM."""

import datetime as dt
import io

import polars as pl
from django.db import models

NULL = r"\N"


class RowShape:
    """Every concrete column of a model but its id, in table order, with each column's default."""

    def __init__(self, model, *, now: dt.datetime, connection, with_pk: bool = False):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.now = now
        self.connection = connection

    def default(self, field):
        if isinstance(field, models.DateTimeField):
            return self.connection.ops.adapt_datetimefield_value(self.now) if self.connection.vendor == "sqlite" \
                else self.now.isoformat()
        if field.has_default():
            return field.get_default()
        return None if field.null else ""

    def frame(self, df: pl.DataFrame, names: list[str] | None = None) -> pl.DataFrame:
        """`df` as the table's columns (or `names` of them), defaults where absent, in a form the driver takes."""
        columns = []
        for field in self.fields:
            if names is not None and field.attname not in names:
                continue
            if field.attname in df.columns and not isinstance(field, models.DateTimeField):
                column = pl.col(field.attname)
                if not field.null:
                    column = column.fill_null(self.default(field))
            else:
                column = pl.lit(self.default(field))
            if isinstance(field, models.DateField) and self.connection.vendor == "sqlite":
                column = column.cast(pl.Utf8)
            columns.append(column.alias(field.attname))
        return df.select(columns)

    def columns(self, names: list[str]) -> str:
        by_name = {f.attname: f for f in self.fields}
        return ", ".join(self.connection.ops.quote_name(by_name[n].column) for n in names)


def insert_frame(shape: RowShape, df: pl.DataFrame) -> None:
    if df.is_empty():
        return
    connection = shape.connection
    out = shape.frame(df)
    table = connection.ops.quote_name(shape.model._meta.db_table)
    cols = shape.columns(out.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.BytesIO()
            out.write_csv(buffer, include_header=False, null_value=NULL)
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')") as copy:
                copy.write(buffer.getbuffer())
        else:
            placeholders = ", ".join(["%s"] * len(out.columns))
            cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({placeholders})", out.iter_rows())


def update_rows(shape: RowShape, df: pl.DataFrame) -> None:
    """UPDATE the changed rows (with `pk`), setting every column the file gave."""
    if df.is_empty():
        return
    connection = shape.connection
    names = [f.attname for f in shape.fields if f.attname in df.columns and f.attname != "created_at"]
    out = shape.frame(df, names).with_columns(df["pk"])
    table = connection.ops.quote_name(shape.model._meta.db_table)
    sets = ", ".join(f"{c.strip()} = %s" for c in shape.columns(names).split(","))
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", out.iter_rows())


def reserve_ids(connection, model, n: int) -> pl.Series:
    """`n` ids for new rows of `model`, taken before they are written, so the import knows which rows it made.

    PostgreSQL: the table's own sequence, as the rows' default would have drawn them (mostly one run; another
    session's rows may interleave), read back as a COPY. SQLite: past the highest id ever given; the import's
    transaction holds the database's write lock, so nobody else takes ids meanwhile."""
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            sequence = cursor.fetchone()[0]
            out = io.BytesIO()
            with cursor.cursor.copy(f"COPY (SELECT nextval('{sequence}') FROM generate_series(1, {int(n)})) "
                                    "TO STDOUT") as copy:
                for block in copy:
                    out.write(block)
            return pl.read_csv(out.getvalue(), has_header=False, new_columns=["id"], schema={"id": pl.Int64})["id"]
        cursor.execute(f"SELECT MAX({connection.ops.quote_name(column)}) FROM {connection.ops.quote_name(table)}")
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(top, row[0] if row else 0) + 1
        return pl.int_range(start, start + n, dtype=pl.Int64, eager=True).alias("id")


def runs(ids: pl.Series) -> list[tuple[int, int]]:
    """The ids as runs of consecutive numbers, first to last: how an import's new rows are tied to its event."""
    ordered = ids.sort()
    group = (ordered.diff() != 1).fill_null(True).cum_sum()
    found = pl.DataFrame({"id": ordered, "run": group}).group_by("run", maintain_order=True).agg(
        pl.col("id").min().alias("first"), pl.col("id").max().alias("last"))
    return list(zip(found["first"].to_list(), found["last"].to_list(), strict=True))
