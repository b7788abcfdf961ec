"""Importing a ledger file: validate every row, preview, then write the valid rows in one transaction.

Validation reads the file in frames of 100,000 rows and works on whole columns (polars): parses and checks every
cell, resolves places within the user's scope, hashes personal numbers, de-duplicates inside the file and against
the database (by the keyed ID hash or the kind's key), and sorts rows into create / update / unchanged / refused.
Refused rows go to an XLSX with the reason in a new column.
A dry run stops there (the preview). A commit run does the same inside one transaction, and a writer thread
writes each frame (COPY on PostgreSQL, executemany on SQLite; only these rows are encrypted) while the next is
checked. Strict mode with refusals rolls it back; a failure or a kill midway leaves nothing written.
"""

import contextlib
import queue
import threading
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.accounts.roles import Action
from banyan.core.scoping import can
from banyan.ledgers.changes import CLEAR_FORMS, SAMPLES, Preview, differs, settle
from banyan.ledgers.columns import MOBILE_HEADERS, NOTHING, first_error, normalize_header
from banyan.ledgers.kinds import KINDS, ROW_KEY_HEADER, SEP, Kind, Places, refuse
from banyan.ledgers.reading import FileRefused, open_ledger
from banyan.ledgers.writing import RowShape, insert_frame, reserve_ids, runs, update_rows

REASON_HEADER = "错误原因"
ProgressFn = Callable[[str, int, int], None]  # phase ("validating" | "writing"), rows done, rows in all


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0
    written: bool = False
    message: str = ""
    unknown_headers: list[str] = field(default_factory=list)
    refused_path: Path | None = None
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)  # what the reading noticed (hidden rows, other sheets…)
    changes: dict = field(default_factory=dict)  # the update preview (changes.Preview)
    event_id: int | None = None  # the `imported` event of a committed import


class RefusedRows:
    """The refused rows, with the reason in a new column, appended to an XLSX as each frame is checked (the
    main thread has time for it while the writer works)."""

    def __init__(self, header: list[str]):
        self.header, self.count, self.out, self.path = header, 0, None, None

    def add(self, frame: pl.DataFrame) -> None:
        from banyan.core.exporting import XlsxRows

        if not frame.height:
            return
        if self.out is None:
            self.out = XlsxRows(["行号", *self.header, REASON_HEADER], "错误行")
        cells = [f"c{i}" for i in range(len(self.header))]
        for row in frame.select("_row", *cells, "_error").iter_rows():
            self.out.append(row)
        self.count += frame.height

    def save(self) -> Path | None:
        if self.out and not self.path:
            self.path = self.out.save()
        return self.path

    def discard(self) -> None:
        if self.path:
            self.path.unlink(missing_ok=True)
        elif self.out:
            self.out.discard()


def _map_header(kind: Kind, header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Each known field's column position, and the headers not taken. A field named twice refuses the file,
    except a phone field given both as 联系电话 and as 手机号: the mobile column is taken, the other listed as
    not taken (ledgers often carry both, and a kind with two phone fields names them apart)."""
    names = {normalize_header(name): column for column in kind.columns for name in column.names}
    positions: dict[str, int] = {}
    unknown = []
    for index, cell in enumerate(header):
        column = names.get(normalize_header(cell))
        if column is None:
            if cell:
                unknown.append(cell)
            continue
        if column.field in positions:
            earlier = header[positions[column.field]]
            mobile = [normalize_header(h) in MOBILE_HEADERS for h in (earlier, cell)]
            if mobile.count(True) != 1:
                raise FileRefused(_("列“%(name)s”重复出现。") % {"name": cell})
            unknown.append(earlier if mobile[1] else cell)
            if not mobile[1]:
                continue
        positions[column.field] = index
    missing = [c.header for c in kind.columns if c.required and c.field not in positions]
    if missing:
        raise FileRefused(_("缺少必填列：%(cols)s。请使用模板中的列名。") % {"cols": "、".join(missing)})
    return positions, unknown


def _parse(kind: Kind, positions: dict[str, str], raw: pl.DataFrame, row_key: str | None) -> pl.DataFrame:
    """Parsed values of every known column, `_error` (the first problem of each row in column order), `_pk` (the
    row key of a file Banyan exported), and the flags the rest reads: `_clear_<field>` (the cell asks to clear),
    `_masked_<field>` (a masked number) and `_missing` (the first required column left blank: a problem only for
    a new row)."""
    values, errors, flags, missing = [pl.col("_row")], [], [], []
    if row_key:
        key = pl.col(row_key).str.strip_chars().str.replace(r"\.0$", "")
        values.append(key.cast(pl.Int64, strict=False).alias("_pk"))
        errors.append(pl.when(key.is_not_null() & key.cast(pl.Int64, strict=False).is_null())
                      .then(pl.format(_("{}“{}”不是本系统导出的编号"), pl.lit(ROW_KEY_HEADER), key)))
    else:
        values.append(pl.lit(None, dtype=pl.Int64).alias("_pk"))
    for column in kind.columns:
        if column.field not in positions:
            continue
        # 无, /, -, 在住… say there is nothing to give: a blank cell (what a blank says, changes.py).
        cell = pl.when(~pl.col(positions[column.field]).is_in(BLANK_WORDS)).then(pl.col(positions[column.field]))
        cleared = cell.is_in(CLEAR_FORMS)
        masked = cell.str.contains("*", literal=True) if column.field in kind.pii else pl.lit(False)
        value, error = column.parse(cell) if column.parse else (cell, pl.lit(None, dtype=pl.Utf8))
        prefix = f"{column.header}：" if column.parse and column.field != "id_number" else ""
        values.append(pl.when(cell.is_not_null() & ~cleared & ~masked).then(value).alias(column.field))
        flags.append(cleared.alias(f"_clear_{column.field}"))
        if column.field in kind.pii:
            flags.append(masked.alias(f"_masked_{column.field}"))
        if column.required:
            missing.append(pl.when(cell.is_null()).then(pl.lit(column.header)))
        cleared_error = _("“%(col)s”是必填项，不能清空") % {"col": column.header} if column.required else None
        errors.append(pl.when(cell.is_null() | masked).then(pl.lit(None, dtype=pl.Utf8))
                      .when(cleared).then(pl.lit(cleared_error, dtype=pl.Utf8))
                      .otherwise(pl.lit(prefix) + error))
    missing_first = pl.coalesce(missing) if missing else pl.lit(None, dtype=pl.Utf8)
    return raw.select(*values, *flags, missing_first.alias("_missing"),
                      first_error(*errors).cast(pl.Utf8).alias("_error"))


BLANK_WORDS = [*NOTHING, "在住", "未搬离", "未搬", "至今", "未退租", "暂未搬离"]


def _fixed(kind: Kind, header: list[str], fixed: dict | None) -> list[tuple[str, str | None]]:
    """The columns the user set for the whole file (options "fixed": {field: cell text}) that the file lacks:
    (header, value) pairs, added to the file's columns so they are read and checked like any other cell."""
    present = {normalize_header(h) for h in header}
    out = []
    for column in kind.columns:
        value = (fixed or {}).get(column.field)
        if value and not present & {normalize_header(n) for n in column.names}:
            out.append((column.header, str(value)))
    return out


class Sealing:
    """Hashes (and, for a commit run, encrypts) each frame's personal numbers. For large files a worker process
    does it for the next frame while this one is checked and written: it uses the core the database leaves idle.
    """

    POOL_FROM_ROWS = 50_000

    def __init__(self, kind: Kind, *, encrypt: bool, rows: int):
        from banyan.core.pii import raw_keys

        self.names = list(kind.pii)
        self.encrypt = encrypt
        self.keys = raw_keys()
        self.pool = None
        if rows >= self.POOL_FROM_ROWS and self.names:
            from concurrent.futures import ProcessPoolExecutor
            from multiprocessing import get_context

            # Forked now, before the writer thread starts, so the child copies one thread; it only ever runs
            # seal_lines and leaves with os._exit, so the database connection it inherits is never touched.
            self.pool = ProcessPoolExecutor(1, mp_context=get_context("fork"))
            self.pool.submit(int).result()

    def close(self) -> None:
        if self.pool:
            self.pool.shutdown(cancel_futures=True)

    def submit(self, df: pl.DataFrame) -> dict:
        from concurrent.futures import Future

        from banyan.core.pii import seal_lines

        futures = {}
        for name in self.names:
            if name not in df.columns:
                continue
            # Line breaks inside a (refused) cell must not shift the lines.
            text = df.select(pl.col(name).fill_null("").str.replace_all(r"[\r\n]", " ").str.join("\n")).item()
            if self.pool:
                futures[name] = self.pool.submit(seal_lines, *self.keys, text, self.encrypt)
            else:
                futures[name] = Future()
                futures[name].set_result(seal_lines(*self.keys, text, self.encrypt))
        return futures

    @staticmethod
    def apply(df: pl.DataFrame, futures: dict) -> pl.DataFrame:
        for name, future in futures.items():
            hashes, ciphertexts = future.result()
            df = df.with_columns(pl.Series(f"{name}_hash", hashes.split("\n"), dtype=pl.Utf8).replace("", None))
            if ciphertexts:
                # Null where the file gives no number: a blank cell keeps what is stored (changes.settle).
                enc = pl.Series(f"{name}_enc", ciphertexts.split("\n"), dtype=pl.Utf8).replace("", None)
                df = df.with_columns(enc)
        return df


def _masks(kind: Kind, df: pl.DataFrame) -> pl.DataFrame:
    """The masks of the personal numbers the file gives, as core.pii.mask makes them (null where not given)."""
    masks = []
    for name, pii_kind in kind.pii.items():
        if name in df.columns:
            value = pl.col(name)
            if pii_kind == "id_number":
                masked = pl.concat_str([value.str.slice(0, 6), pl.lit("********"), value.str.slice(-4)])
            else:
                masked = pl.when(value.str.len_chars() >= 11).then(
                    pl.concat_str([value.str.slice(0, 3), pl.lit("****"), value.str.slice(-4)])).otherwise(
                    pl.concat_str([value.str.slice(0, 2), pl.lit("****")]))
            masks.append(pl.when(value.is_not_null()).then(masked).alias(f"{name}_masked"))
    return df.with_columns(masks) if masks else df


def _dedupe(df: pl.DataFrame, keys: list[str], seen: dict) -> pl.DataFrame:
    """Refuse the second and later rows with a key seen before, in this frame or an earlier one (a row with a
    row key is the same as another with the same row key). `seen["rows"]`: the accepted keys so far and their
    rows, a frame joined against, not a row-by-row dictionary."""
    # A row missing part of its key (no 身份证号, no 户号) is no duplicate of another: it is refused for what it
    # lacks, later.
    ok = pl.col("_error").is_null() & (pl.col("_pk").is_not_null() | pl.all_horizontal(
        [pl.col(k).is_not_null() for k in keys]))
    keys = ["_pk", *keys]
    first = (df.filter(ok).group_by(keys, maintain_order=True).agg(pl.col("_row").min().alias("_first")))
    df = df.join(first, on=keys, how="left", nulls_equal=True, maintain_order="left")
    earlier = seen.get("rows")
    if earlier is not None:
        df = df.join(earlier, on=keys, how="left", nulls_equal=True, maintain_order="left")
        df = df.with_columns(pl.coalesce("_earlier", "_first").alias("_first")).drop("_earlier")
    df = refuse(df, ok & (pl.col("_first") != pl.col("_row")), pl.format(_("与第{}行重复"), pl.col("_first")))
    accepted = df.filter(ok).select(*keys, pl.col("_row").alias("_earlier"))
    seen["rows"] = accepted if earlier is None else pl.concat([earlier, accepted], how="vertical_relaxed")
    return df.drop("_first")


def _stored(kind: Kind, by: str, wanted: list, columns: list[str], places: Places) -> list[tuple]:
    """The stored rows whose `by` column is one of `wanted`: `columns` of each. Read on the places' reader
    connection when there is one (the writer keeps the import's own busy meanwhile), else under its lock."""
    if not wanted:
        return []
    with contextlib.nullcontext() if places.reader else places.lock:
        return _stored_rows(kind, by, wanted, columns, places.reader or connection)


def _stored_rows(kind: Kind, by: str, wanted: list, columns: list[str], connection) -> list[tuple]:
    if connection.vendor == "postgresql":
        # One text-array parameter, written as its literal: psycopg would otherwise quote each of 100,000 keys.
        field = _field(kind.model, by)
        cast = "bigint[]" if field.is_relation or isinstance(field, models.IntegerField | models.AutoField) \
            else "text[]"
        literal = "{" + ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in wanted) + "}"
        with connection.cursor() as cursor:
            names = ", ".join(connection.ops.quote_name(_column(kind.model, c)) for c in columns)
            table = connection.ops.quote_name(kind.model._meta.db_table)
            cursor.execute(f"SELECT {names} FROM {table} WHERE {connection.ops.quote_name(_column(kind.model, by))}"
                           f" = ANY(%s::{cast})", [literal])
            return cursor.fetchall()
    rows = []
    for start in range(0, len(wanted), 900):  # SQLite caps bound parameters
        rows += list(kind.model.objects.filter(**{f"{by}__in": wanted[start:start + 900]}).values_list(*columns))
    return rows


def _existing(kind: Kind, df: pl.DataFrame, written: list[str], places: Places) -> pl.DataFrame:
    """The stored rows this frame names, by row key or by the kind's key: `pk_db`, and every written column and
    key as `<name>_db`, with the place they are registered at (`_place_community`, `_place_grid`)."""
    keys = list(kind.key_fields)
    ok = df.filter(pl.col("_error").is_null())
    columns = list(dict.fromkeys(["pk", "community_id", "grid_id", *keys, *written]))
    rows = _stored(kind, "pk", ok["_pk"].drop_nulls().unique().to_list(), columns, places)
    rows += _stored(kind, keys[0], ok.filter(pl.col("_pk").is_null())[keys[0]].drop_nulls().unique().to_list(),
                    columns, places)
    schema = {c: df.schema.get(c, pl.Int64) for c in columns}
    stored = pl.DataFrame([_plain(r) for r in rows], schema=schema, orient="row").unique("pk")
    places = stored.select(pl.col("community_id").alias("_place_community"), pl.col("grid_id").alias("_place_grid"))
    return stored.rename({c: f"{c}_db" for c in columns}).hstack(places)


def _field(model, attname: str):
    return model._meta.pk if attname == "pk" else next(f for f in model._meta.concrete_fields if f.attname == attname)


def _column(model, attname: str) -> str:
    return _field(model, attname).column


def _plain(row: tuple) -> list:
    from decimal import Decimal

    return [float(v) if isinstance(v, Decimal) else v for v in row]


def _written_columns(kind: Kind, df: pl.DataFrame) -> list[str]:
    model_columns = {f.attname for f in kind.model._meta.concrete_fields if not f.primary_key}
    return [c for c in df.columns if c in model_columns and c != "created_at"]


def _classify(kind: Kind, df: pl.DataFrame, places: Places, result: ImportResult, preview: Preview) -> pl.DataFrame:
    """Find each row's stored record, settle what every field ends with (changes.py), and sort the rows into
    create / update / unchanged / refused."""
    written = _written_columns(kind, df)
    compare = [c for c in written if not c.endswith(("_enc", "_masked"))]
    keys = list(kind.key_fields)
    stored = _existing(kind, df, written, places)
    df = pl.concat([
        df.filter(pl.col("_pk").is_not_null()).join(stored, left_on="_pk", right_on="pk_db", how="left",
                                                    coalesce=False),
        df.filter(pl.col("_pk").is_null()).join(stored, left_on=keys, right_on=[f"{k}_db" for k in keys],
                                                how="left", coalesce=False),
    ], how="vertical_relaxed")
    exists = pl.col("pk_db").is_not_null()
    df = refuse(df, pl.col("_pk").is_not_null() & ~exists,
                pl.format(_("系统编号“{}”对应的记录不存在或不在您的管辖范围内；新增的行请清空系统编号"), pl.col("_pk")))
    df = _refuse_foreign(kind, df, places, exists)
    for name, pii_kind in kind.pii.items():  # a row key names the record; a full number must agree with it
        hashed = f"{name}_hash"
        if pii_kind == "id_number" and hashed in keys and hashed in df.columns:
            df = refuse(df, exists & pl.col(hashed).is_not_null() & (pl.col(hashed) != pl.col(f"{hashed}_db")),
                        _("身份证号与系统编号对应的记录不一致：更正身份证号请在该记录的页面修改"))
    df = _one_row_a_record(df, exists)
    create = pl.col("_error").is_null() & ~exists
    masked = [pl.col(c) for c in df.columns if c.startswith("_masked_")]
    if masked:
        df = refuse(df, create & pl.any_horizontal(masked),
                    _("号码是遮盖过的（含*）：新增的行请填写完整的身份证号、手机号"))
    df = refuse(df, create & pl.col("_missing").is_not_null(), pl.format(_("“{}”不能为空"), pl.col("_missing")))
    df = settle(df, written)
    df = _key_taken(kind, df, places)
    changed = pl.any_horizontal([differs(df, c).fill_null(False) for c in compare]) if compare else pl.lit(False)
    for flag in ("_property_changed", "_new_household"):  # a rental property the file corrects, a new household
        if flag in df.columns:
            changed = changed | pl.col(flag)
    ok = pl.col("_error").is_null()
    df = df.with_columns(pl.when(~ok).then(pl.lit("refused")).when(~exists).then(pl.lit("create"))
                         .when(changed).then(pl.lit("update")).otherwise(pl.lit("unchanged")).alias("_action"))
    counts = dict(df.group_by("_action").len().iter_rows())
    result.created += counts.get("create", 0)
    result.updated += counts.get("update", 0)
    result.unchanged += counts.get("unchanged", 0)
    updates = df.filter(pl.col("_action") == "update")
    if updates.height and len(preview.samples) < SAMPLES:  # the samples name related rows: a query
        with places.lock:
            preview.add(updates, compare)
    else:
        preview.add(updates, compare)
    return df


def _one_row_a_record(df: pl.DataFrame, exists: pl.Expr) -> pl.DataFrame:
    """Two rows of a file that find one record (by 系统编号 and by its key, say) would write it twice: the later
    is refused."""
    ok = pl.col("_error").is_null() & exists
    first = df.filter(ok).group_by("pk_db").agg(pl.col("_row").min().alias("_same"))
    df = df.join(first, on="pk_db", how="left", maintain_order="left")
    df = refuse(df, ok & (pl.col("_same") != pl.col("_row")),
                pl.format(_("与第{}行重复：两行是同一条记录"), pl.col("_same")))
    return df.drop("_same")


def _key_taken(kind: Kind, df: pl.DataFrame, places: Places) -> pl.DataFrame:
    """A row found by its 系统编号 whose key the file changes (a 户号, an enterprise's name) to one another record
    holds is refused: the two would become one key."""
    keys = [k for k in kind.key_fields if k != "community_id"]
    renamed = pl.col("_error").is_null() & pl.col("_pk").is_not_null() & pl.col("pk_db").is_not_null() & \
        pl.any_horizontal([pl.col(k).ne_missing(pl.col(f"{k}_db")) for k in keys])
    wanted = df.filter(renamed)
    if wanted.is_empty():
        return df
    key_fields = list(kind.key_fields)
    rows = _stored(kind, keys[0], wanted[keys[0]].drop_nulls().unique().to_list(), ["pk", *key_fields], places)
    held = pl.DataFrame(rows, schema={"_holder": pl.Int64, **{k: df.schema[k] for k in key_fields}}, orient="row")
    df = df.join(held.unique(key_fields), on=key_fields, how="left", maintain_order="left")
    df = refuse(df, renamed & pl.col("_holder").is_not_null() & (pl.col("_holder") != pl.col("pk_db")),
                pl.format(_("“{}”已属于另一条已登记的记录，不能改成它（户号、企业名称等不能重复）"), pl.col(keys[0])))
    return df.drop("_holder")


def _refuse_foreign(kind: Kind, df: pl.DataFrame, places: Places, exists: pl.Expr) -> pl.DataFrame:
    """A stored record outside where the user may write is not theirs to change; one in another community is
    moved by a transfer, never by a file."""
    foreign = ~(pl.col("_place_community").is_in(places.writable_communities)
                | pl.col("_place_grid").is_in(places.grid_ids)).fill_null(False)
    if kind.label == "people.resident":  # a person registered in another community moves in by a request
        elsewhere = exists & ~pl.col("_place_community").is_in(places.reachable).fill_null(False)
        df = refuse(df, elsewhere, _("该身份证号已在您管辖范围以外的其他社区登记，请提交迁入申请"))
    df = refuse(df, exists & foreign, _("该记录已在您管辖范围以外登记，不能导入或修改"))
    return refuse(df, exists & pl.col("community_id").is_not_null()
                  & (pl.col("community_id") != pl.col("_place_community")),
                  _("该记录登记在另一个社区，与文件中的社区不一致：迁移请办理迁入申请"))


def _validate(kind: Kind, ledger, places: Places, result: ImportResult, refused: RefusedRows,
              progress: ProgressFn, sealing: Sealing, options: dict, writer: "Writer | None" = None) -> None:
    """Check every frame; with a writer, hand it each frame's rows to write while the next frame is checked."""
    columns = _columns(kind, ledger.header, options)
    result.unknown_headers = columns["unknown"]
    preview = Preview(kind)
    seen: dict = {}
    phase = "writing" if writer else "validating"
    try:
        frames = iter(ledger.frames)
        upcoming = _parse_and_seal(kind, columns, sealing, next(frames, None))
        while upcoming is not None:
            raw, df, futures = upcoming
            upcoming = _parse_and_seal(kind, columns, sealing, next(frames, None))  # sealed while this is checked
            df = _masks(kind, Sealing.apply(df, futures))
            df = kind.derive(df, places)  # what it reads from the database, it reads under places.lock
            df = _dedupe(df, kind.duplicate_key, seen)
            df = _classify(kind, df, places, result, preview)
            refused.add(raw.join(df.filter(pl.col("_action") == "refused").select("_row", "_error"), on="_row"))
            result.rows += raw.height
            if writer:
                writes = df.filter(pl.col("_action").is_in(["create", "update"]))
                if kind.before_write:  # it writes under places.lock, when it has something to write
                    writes = kind.before_write(writes, places)
                writer.put(_slim(kind, writes))
            progress(phase, result.rows, max(result.rows, ledger.total))  # the writing phase only echoes
    finally:
        sealing.close()
    result.refused = refused.count
    if columns["examples"]:
        result.warnings.append(_("第%(rows)s行是导入模板的示例行，未导入。") % {
            "rows": "、".join(str(n) for n in columns["examples"][:10])})
    result.changes = preview.as_dict() | {"unknown": result.unknown_headers, "layout": header_layout(ledger.header)}
    if places.new_households:
        result.warnings.append(_("按户号新建%(n)d户（文件中的户号在社区尚不存在）") % {"n": len(places.new_households)})
    if not result.rows:
        raise FileRefused(_("文件中没有数据行。"))


def _slim(kind: Kind, writes: pl.DataFrame) -> pl.DataFrame:
    """Only what the writer needs: the model's columns, and for updated rows what they held before (a frame
    waiting in the writer's queue is otherwise four times the size)."""
    written = _written_columns(kind, writes)
    before = [f"{c}_db" for c in written if f"{c}_db" in writes.columns] \
        if writes.filter(pl.col("_action") == "update").height else []
    return writes.select(*written, "_action", "pk_db", *before)


def _columns(kind: Kind, header: list[str], options: dict) -> dict:
    """Which cell column holds each field: the header as written, the user's mapping of headers it does not
    know, the row key of an exported file, and the columns set for the whole file (added as `f<i>`)."""
    mapping = options.get("mapping") or {}
    names = {c.field: c.header for c in kind.columns}
    layout = header_layout(header)
    header = [names.get(mapping.get(h), h) if h in mapping else h for h in header]
    row_key = next((f"c{i}" for i, h in enumerate(header) if normalize_header(h) == ROW_KEY_HEADER), None)
    visible = ["" if normalize_header(h) == ROW_KEY_HEADER else h for h in header]
    fixed = _fixed(kind, visible, options.get("fixed"))
    if row_key:  # rows an exported file names need no required column: they are checked for new rows only
        present = {normalize_header(h) for h in visible + [h for h, _v in fixed]}
        fixed += [(c.header, None) for c in kind.columns
                  if c.required and not present & {normalize_header(n) for n in c.names}]
    try:
        found, unknown = _map_header(kind, visible + [h for h, _v in fixed])
    except FileRefused as refused:  # the preview offers to match the headers it did not know
        names = {normalize_header(n) for c in kind.columns for n in c.names}
        refused.columns = {"unknown": [h for h in visible if h and normalize_header(h) not in names],
                           "layout": layout}
        raise
    positions = {field: f"c{i}" if i < len(header) else f"f{i - len(header)}" for field, i in found.items()}
    combined = _second_phones(kind, visible, positions, unknown)
    return {"positions": positions, "row_key": row_key, "unknown": unknown, "examples": [], "combined": combined,
            "fixed": {f"f{i}": value for i, (_h, value) in enumerate(fixed)}}


def _second_phones(kind: Kind, header: list[str], positions: dict[str, str], unknown: list[str]) -> dict:
    """A contact phone given as both 手机号 and 联系电话 (_map_header takes the mobile column): a row whose mobile
    cell is blank takes the other, so a landline written only there is not lost (a person's phone is a mobile:
    theirs stays the mobile column alone). {cell column: (mobile, other)}."""
    from banyan.core.validators import CONTACT_PHONE_FIELDS

    combined = {}
    names = {normalize_header(n): c.field for c in kind.columns for n in c.names}
    for other in list(unknown):
        field = names.get(normalize_header(other))
        if field not in CONTACT_PHONE_FIELDS or field not in positions or other not in header:
            continue
        mobile, second = positions[field], f"c{header.index(other)}"
        combined[f"p_{field}"] = (mobile, second)
        positions[field] = f"p_{field}"
        unknown.remove(other)
    return combined


def _parse_and_seal(kind: Kind, columns: dict, sealing: Sealing, raw: pl.DataFrame | None):
    if raw is None:
        return None
    said = [pl.col(c) for c in {*columns["positions"].values(), columns["row_key"]} if c and c.startswith("c")]
    if said:  # rows numbered in advance (a 序号 and nothing else) are blank rows
        raw = raw.filter(pl.any_horizontal([c.is_not_null() for c in said]))
    example = _example_row(kind, columns["positions"])
    if example is not None:  # the sample row of a template as offices still have it: not a person
        columns["examples"] += raw.filter(example)["_row"].to_list()
        raw = raw.filter(~example)
    cells = raw.with_columns([pl.lit(v, dtype=pl.Utf8).alias(n) for n, v in columns["fixed"].items()])
    cells = cells.with_columns([pl.coalesce(pl.when(~pl.col(a).is_in(NOTHING)).then(pl.col(a)), pl.col(b)).alias(n)
                                for n, (a, b) in columns["combined"].items()])
    df = _parse(kind, columns["positions"], cells, columns["row_key"])
    return raw, df, sealing.submit(df)


def _example_row(kind: Kind, positions: dict[str, str]) -> pl.Expr | None:
    """Rows that are the template's example (张三 and the sample ID number) in every column the file shares with
    it: older templates carried one on the data sheet, and clerks fill in below it."""
    given = [(pl.col(positions[c.field]) == c.example) | (pl.lit(not c.example) & pl.col(positions[c.field]).is_null())
             for c in kind.columns if c.field in positions and positions[c.field].startswith("c")]
    named = [c for c in kind.columns if c.field in positions and c.example and c.required]
    return pl.all_horizontal(given).fill_null(False) if given and len(named) >= 2 else None


class Writer:
    """Writes each checked frame from a thread of its own, while the main thread checks the next frame.

    It shares the import's connection and so its transaction (Django allows a connection to be shared between
    threads on request); a lock keeps the two threads from using it at once. The database inserts while Python
    checks: psycopg and sqlite3 release the GIL while the server or the SQLite engine works.

    New rows get their ids before they are written, so the import knows every row it wrote: for their timelines
    (one `imported` event tied to each) and for undoing it (`ImportedRow`: what updated rows held before).
    """

    def __init__(self, kind: Kind, job=None):
        from banyan.ledgers.models import ImportedRow

        self.connection = connections[DEFAULT_DB_ALIAS]
        now = timezone.now()
        self.shape = RowShape(kind.model, now=now, connection=self.connection)
        self.new_shape = RowShape(kind.model, now=now, connection=self.connection, with_pk=True)
        self.before_shape = RowShape(ImportedRow, now=now, connection=self.connection)
        self.kind = kind
        self.job = job
        self.key = kind.key_fields[0]
        self.runs: list[tuple[int, int]] = []  # the new rows' ids, first to last, in runs
        self.updated = array("q")
        self.lock = threading.Lock()
        self.frames: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="banyan-import-writer", daemon=True)

    def __enter__(self):
        self.connection.inc_thread_sharing()
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.frames.put(None)
        self.thread.join()
        self.connection.dec_thread_sharing()
        if self.error is not None and exc[0] is None:
            raise self.error
        return False

    def put(self, frame: pl.DataFrame) -> None:
        if self.error is not None:
            raise self.error
        self.frames.put(frame)

    def _run(self) -> None:
        while (frame := self.frames.get()) is not None:
            if self.error is not None:
                continue
            try:
                with self.lock:
                    self._write(frame)
            except BaseException as error:  # handed to the main thread, which rolls the transaction back
                self.error = error

    def _write(self, frame: pl.DataFrame) -> None:
        new = frame.filter(pl.col("_action") == "create")
        if new.height:
            ids = reserve_ids(self.connection, self.kind.model, new.height)
            new = new.with_columns(ids)
            # In key order, the unique index on the key grows at its end instead of at random pages.
            insert_frame(self.new_shape, new.sort(self.key, nulls_last=True))
            self.runs += runs(ids)
        changed = frame.filter(pl.col("_action") == "update").rename({"pk_db": "pk"})
        if changed.height:
            update_rows(self.shape, changed)
            self.updated.extend(changed["pk"].to_list())
            if self.job is not None:
                insert_frame(self.before_shape, _before(self.kind, changed, self.job.pk))


def _before(kind: Kind, changed: pl.DataFrame, job_id: int) -> pl.DataFrame:
    """What each updated row held before, in stored form by field name: what undoing the import restores."""
    written = [c for c in _written_columns(kind, changed) if f"{c}_db" in changed.columns]
    values = pl.struct([pl.col(f"{c}_db").cast(pl.Utf8).alias(c) for c in written]).struct.json_encode()
    return changed.select(pl.lit(job_id, dtype=pl.Int64).alias("job_id"), pl.col("pk").alias("object_id"),
                          values.alias("before"))


def ledger_import(*, kind: str, path: Path, file_name: str, by, community=None, dry_run: bool = False,
                  strict: bool = False, progress: ProgressFn | None = None, options: dict | None = None,
                  job=None) -> ImportResult:
    """Import one ledger file as `by`. The user sees counts of created, updated, unchanged and refused rows,
    what the updates change, a refused-rows XLSX, and, unless dry run (or strict with refusals), the valid rows
    written all at once, with one `imported` event tied to each of them.

    `options` are the user's choices for the whole file: "sheet" (its name), "fixed" ({field: cell text} for a
    column the file lacks), "households" (create a resident's household from the file's 户号 and address),
    "mapping" ({header: field} for headers the import does not know). `job` (the ImportJob) makes it undoable.

    Raises FileRefused (nothing written) when the file as a whole cannot be taken.
    """
    started = time.perf_counter()
    options = dict(options or {})
    spec = KINDS.get(kind)
    if spec is None:
        raise FileRefused(_("未知的导入类型“%(kind)s”。") % {"kind": kind})
    if not can(by, Action.CHANGE, spec.model):
        raise FileRefused(_("您没有导入“%(kind)s”的权限。") % {"kind": spec.title})
    progress = progress or (lambda phase, done, total: None)
    known = {normalize_header(n) for c in spec.columns for n in c.names}
    known |= {normalize_header(h) for h in options.get("mapping") or {}}
    required = {normalize_header(n) for c in spec.columns if c.required for n in c.names}
    ledger = open_ledger(path, file_name, known, required, sheet=options.get("sheet"))
    if "mapping" not in options:
        options["mapping"] = remembered_mapping(by, kind, ledger.header)
    places = Places(user=by, kind=spec, community=community, households=bool(options.get("households")))
    result = ImportResult(kind=kind, warnings=ledger.warnings)  # the same list: reading adds footer rows to it
    refused = RefusedRows(ledger.header)
    try:
        sealing = Sealing(spec, encrypt=not dry_run, rows=ledger.total)
        if dry_run:
            _validate(spec, ledger, places, result, refused, progress, sealing, options)
            result.refused_path = refused.save()
            result.message = _("校验完成（未写入）。")
        else:
            progress("writing", 0, ledger.total)  # seen before the transaction holds the job's row too
            try:
                places.reader = _reader()  # decided before the import's transaction opens
                with transaction.atomic():
                    with Writer(spec, job) as writer:
                        places.lock = writer.lock
                        _validate(spec, ledger, places, result, refused, progress, sealing, options, writer)
                        result.refused_path = refused.save()  # while the writer finishes its last frames
                    if strict and result.refused:
                        transaction.set_rollback(True)
                    elif writer.runs or writer.updated:
                        result.event_id = _imported(spec, result, writer, by=by, job=job, file_name=file_name)
            except IntegrityError:
                message = _("写入时与已登记的记录冲突（如同一身份证号、户号），或与同时进行的其他导入冲突，全部未写入："
                            "请检查文件后重新导入。")
                raise FileRefused(message) from None
            finally:
                if places.reader is not None:
                    places.reader.close()
            if strict and result.refused:
                result.message = _("严格模式：文件有%(n)d行错误，全部未写入。") % {"n": result.refused}
            else:
                result.written = True
                result.message = _("导入完成。")
    except BaseException:
        refused.discard()
        raise
    result.seconds = time.perf_counter() - started
    return result


def _reader():
    """A connection of its own for reading stored rows while the writer uses the import's, on PostgreSQL, when
    the import's transaction is the outermost one (a reader outside it sees the same rows: its writes, which
    it never needs to read back, aside). Inside a caller's transaction (tests) rows are read on its connection."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    reader = connections.create_connection(DEFAULT_DB_ALIAS)
    reader.ensure_connection()
    return reader


def _imported(kind: Kind, result: ImportResult, writer: Writer, *, by, job, file_name: str) -> int:
    """The one `imported` event of a committed import, tied to every row it wrote (their timelines show it): the
    new rows by their runs of ids, the updated ones each."""
    from banyan.events.models import Event, EventSubject
    from banyan.events.services import event_record

    event = event_record(by=job.user if job is not None else by, action=Event.Action.IMPORTED, model=kind.model,
                         note=file_name, data={"job": job.pk if job is not None else None, "created": result.created,
                                               "updated": result.updated, "unchanged": result.unchanged,
                                               "refused": result.refused})
    connection = connections[DEFAULT_DB_ALIAS]
    shape = RowShape(EventSubject, now=timezone.now(), connection=connection)
    runs = pl.DataFrame(writer.runs, schema={"object_id": pl.Int64, "last_id": pl.Int64}, orient="row")
    updated = pl.DataFrame({"object_id": pl.Series(writer.updated, dtype=pl.Int64)})
    subjects = pl.concat([runs, updated], how="diagonal").with_columns(
        pl.lit(event.pk, dtype=pl.Int64).alias("event_id"), pl.lit(event.model).alias("model"))
    insert_frame(shape, subjects)
    return event.pk


def remembered_mapping(user, kind: str, header: list[str]) -> dict:
    """The headers this user matched by hand for a file of this layout before."""
    from banyan.ledgers.models import HeaderMapping

    if not getattr(user, "pk", None):
        return {}
    found = HeaderMapping.objects.filter(user=user, kind=kind, layout=header_layout(header)).first()
    return found.mapping if found else {}


def header_layout(header: list[str]) -> str:
    import hashlib

    return hashlib.sha256(SEP.join(normalize_header(h) for h in header).encode()).hexdigest()[:64]
