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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.accounts.roles import Action
from banyan.core.scoping import can
from banyan.ledgers.columns import first_error, normalize_header
from banyan.ledgers.kinds import KINDS, Kind, Places, refuse
from banyan.ledgers.reading import FileRefused, open_ledger
from banyan.ledgers.writing import RowShape, insert_frame, update_rows

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
            raise FileRefused(_("列“%(name)s”重复出现。") % {"name": cell})
        positions[column.field] = index
    missing = [c.header for c in kind.columns if c.required and c.field not in positions]
    if missing:
        raise FileRefused(_("缺少必填列：%(cols)s。请使用模板中的列名。") % {"cols": "、".join(missing)})
    return positions, unknown


def _parse(kind: Kind, positions: dict[str, int], raw: pl.DataFrame) -> pl.DataFrame:
    """Parsed values of every known column and `_error`, the first problem of each row in column order."""
    values, errors = [pl.col("_row")], []
    for column in kind.columns:
        if column.field not in positions:
            continue
        cell = pl.col(f"c{positions[column.field]}")
        value, error = column.parse(cell) if column.parse else (cell, pl.lit(None, dtype=pl.Utf8))
        prefix = f"{column.header}：" if column.parse and column.field != "id_number" else ""
        values.append(pl.when(cell.is_not_null()).then(value).alias(column.field))
        errors.append(pl.when(cell.is_null()).then(pl.lit(_("“%(col)s”不能为空") % {"col": column.header})
                                                  if column.required else None)
                      .otherwise(pl.lit(prefix) + error))
    return raw.select(*values, first_error(*errors).cast(pl.Utf8).alias("_error"))


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
            text = "\n".join((v or "").replace("\n", " ").replace("\r", " ") for v in df[name].to_list())
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
                df = df.with_columns(pl.Series(f"{name}_enc", ciphertexts.split("\n"), dtype=pl.Utf8))
        return df


def _masks(kind: Kind, df: pl.DataFrame) -> pl.DataFrame:
    """The masks of the personal numbers of rows being written (all valid): as core.pii.mask gives them."""
    masks = []
    for name, pii_kind in kind.pii.items():
        if name in df.columns:
            value = pl.col(name)
            middle, head = ("********", 6) if pii_kind == "id_number" else ("****", 3)
            masks.append(pl.when(value.is_not_null()).then(pl.concat_str(
                [value.str.slice(0, head), pl.lit(middle), value.str.slice(-4)])).otherwise(pl.lit(""))
                .alias(f"{name}_masked"))
    return df.with_columns(masks) if masks else df


def _dedupe(df: pl.DataFrame, keys: list[str], seen: dict) -> pl.DataFrame:
    """Refuse the second and later rows with a key seen before, in this frame or an earlier one."""
    ok = pl.col("_error").is_null()
    first = (df.filter(ok).group_by(keys, maintain_order=True).agg(pl.col("_row").min().alias("_first")))
    df = df.join(first, on=keys, how="left", nulls_equal=True)
    earlier = [seen.get(k) for k in df.select(keys).iter_rows()] if seen else [None] * df.height
    df = df.with_columns(pl.coalesce(pl.Series("_earlier", earlier, dtype=pl.Int64), pl.col("_first"))
                         .alias("_first"))
    df = refuse(df, ok & (pl.col("_first") != pl.col("_row")),
                pl.format(_("与第{}行重复"), pl.col("_first")))
    for *key, row in df.filter(pl.col("_error").is_null()).select(*keys, "_row").iter_rows():
        seen[tuple(key)] = row
    return df.drop("_first")


def _existing(kind: Kind, df: pl.DataFrame, compare: list[str]) -> pl.DataFrame:
    """The stored rows with the keys of this frame: id, place and the columns to compare, suffixed `_db`."""
    keys = list(kind.key_fields)
    first = keys[0]
    wanted = df.filter(pl.col("_error").is_null())[first].unique().drop_nulls().to_list()
    columns = list(dict.fromkeys(["pk", "community_id", "grid_id", *keys, *compare]))
    rows = []
    if connection.vendor == "postgresql":
        # One text-array parameter, written as its literal: psycopg would otherwise quote each of 100,000 keys.
        field = _field(kind.model, first)
        cast = "bigint[]" if field.is_relation or isinstance(field, models.IntegerField) else "text[]"
        literal = "{" + ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in wanted) + "}"
        with connection.cursor() as cursor:
            names = ", ".join(connection.ops.quote_name(_column(kind.model, c)) for c in columns)
            table = connection.ops.quote_name(kind.model._meta.db_table)
            cursor.execute(f"SELECT {names} FROM {table} WHERE {connection.ops.quote_name(_column(kind.model, first))}"
                           f" = ANY(%s::{cast})", [literal])
            rows = cursor.fetchall()
    else:
        for start in range(0, len(wanted), 900):  # SQLite caps bound parameters
            rows += list(kind.model.objects.filter(**{f"{first}__in": wanted[start:start + 900]})
                         .values_list(*columns))
    schema = {c: df.schema.get(c, pl.Int64) for c in columns}
    stored = pl.DataFrame([_plain(r) for r in rows], schema=schema, orient="row")
    places = stored.select(pl.col("community_id").alias("_place_community"), pl.col("grid_id").alias("_place_grid"))
    return stored.rename({c: f"{c}_db" for c in columns if c not in keys}).hstack(places)


def _field(model, attname: str):
    return model._meta.pk if attname == "pk" else next(f for f in model._meta.concrete_fields if f.attname == attname)


def _column(model, attname: str) -> str:
    return _field(model, attname).column


def _plain(row: tuple) -> list:
    from decimal import Decimal

    return [float(v) if isinstance(v, Decimal) else v for v in row]


def _classify(kind: Kind, df: pl.DataFrame, places: Places, result: ImportResult):
    model_columns = {f.attname for f in kind.model._meta.concrete_fields} | set(kind.key_fields)
    compare = [c for c in df.columns if c in model_columns and c not in kind.key_fields
               and not c.endswith(("_enc", "_masked")) and c not in ("community_id", "grid_id")]
    compare += [c for c in ("community_id", "grid_id") if c not in kind.key_fields]
    df = df.join(_existing(kind, df, compare), on=list(kind.key_fields), how="left", nulls_equal=False)
    exists = pl.col("pk_db").is_not_null()
    foreign = ~(pl.col("_place_community").is_in(places.writable_communities)
                | pl.col("_place_grid").is_in(places.grid_ids)).fill_null(False)
    if kind.label == "people.resident":  # a person registered in another community moves in by a request
        elsewhere = exists & ~pl.col("_place_community").is_in(places.reachable).fill_null(False)
        df = refuse(df, elsewhere, _("该身份证号已在您管辖范围以外的其他社区登记，请提交迁入申请"))
    df = refuse(df, exists & foreign, _("该记录已在您管辖范围以外登记，不能导入或修改"))
    changed = pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}_db")) for c in compare])
    if "_property_changed" in df.columns:  # a room whose rental property the file corrects
        changed = changed | pl.col("_property_changed")
    ok = pl.col("_error").is_null()
    df = df.with_columns(pl.when(~ok).then(pl.lit("refused")).when(~exists).then(pl.lit("create"))
                         .when(changed).then(pl.lit("update")).otherwise(pl.lit("unchanged")).alias("_action"))
    counts = dict(df.group_by("_action").len().iter_rows())
    result.created += counts.get("create", 0)
    result.updated += counts.get("update", 0)
    result.unchanged += counts.get("unchanged", 0)
    return df


def _validate(kind: Kind, ledger, places: Places, result: ImportResult, refused: RefusedRows,
              progress: ProgressFn, sealing: Sealing, writer: "Writer | None" = None) -> None:
    """Check every frame; with a writer, hand it each frame's rows to write while the next frame is checked."""
    positions, result.unknown_headers = _map_header(kind, ledger.header)
    seen: dict = {}
    db = writer.lock if writer else contextlib.nullcontext()  # one user of the connection at a time
    phase = "writing" if writer else "validating"
    try:
        frames = iter(ledger.frames)
        upcoming = _parse_and_seal(kind, positions, sealing, next(frames, None))
        while upcoming is not None:
            raw, df, futures = upcoming
            upcoming = _parse_and_seal(kind, positions, sealing, next(frames, None))  # sealed while this is checked
            df = Sealing.apply(df, futures)
            with db:
                df = kind.derive(df, places)
            df = _dedupe(df, kind.duplicate_key, seen)
            with db:
                df = _classify(kind, df, places, result)
            refused.add(raw.join(df.filter(pl.col("_action") == "refused").select("_row", "_error"), on="_row"))
            result.rows += raw.height
            if writer:
                writes = _masks(kind, df.filter(pl.col("_action").is_in(["create", "update"])))
                if kind.before_write:
                    with db:
                        writes = kind.before_write(writes, places)
                writer.put(writes)
            with db:
                progress(phase, result.rows, max(result.rows, ledger.total))
    finally:
        sealing.close()
    result.refused = refused.count
    if not result.rows:
        raise FileRefused(_("文件中没有数据行。"))


def _parse_and_seal(kind: Kind, positions: dict, sealing: Sealing, raw: pl.DataFrame | None):
    if raw is None:
        return None
    df = _parse(kind, positions, raw)
    return raw, df, sealing.submit(df)


class Writer:
    """Writes each checked frame from a thread of its own, while the main thread checks the next frame.

    It shares the import's connection and so its transaction (Django allows a connection to be shared between
    threads on request); a lock keeps the two threads from using it at once. The database inserts while Python
    checks: psycopg and sqlite3 release the GIL while the server or the SQLite engine works.
    """

    def __init__(self, kind: Kind):
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.shape = RowShape(kind.model, now=timezone.now(), connection=self.connection)
        self.key = kind.key_fields[0]
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
                    # In key order, the unique index on the key grows at its end instead of at random pages.
                    insert_frame(self.shape, frame.filter(pl.col("_action") == "create").sort(self.key,
                                                                                               nulls_last=True))
                    update_rows(self.shape, frame.filter(pl.col("_action") == "update").rename({"pk_db": "pk"}))
            except BaseException as error:  # handed to the main thread, which rolls the transaction back
                self.error = error


def ledger_import(*, kind: str, path: Path, file_name: str, by, community=None, dry_run: bool = False,
                  strict: bool = False, progress: ProgressFn | None = None) -> ImportResult:
    """Import one ledger file as `by`. The user sees counts of created, updated, unchanged and refused rows,
    a refused-rows XLSX, and, unless dry run (or strict with refusals), the valid rows written all at once.

    Raises FileRefused (nothing written) when the file as a whole cannot be taken.
    """
    started = time.perf_counter()
    spec = KINDS.get(kind)
    if spec is None:
        raise FileRefused(_("未知的导入类型“%(kind)s”。") % {"kind": kind})
    if not can(by, Action.CHANGE, spec.model):
        raise FileRefused(_("您没有导入“%(kind)s”的权限。") % {"kind": spec.title})
    progress = progress or (lambda phase, done, total: None)
    known = {normalize_header(n) for c in spec.columns for n in c.names}
    required = {normalize_header(n) for c in spec.columns if c.required for n in c.names}
    ledger = open_ledger(path, file_name, known, required)
    places = Places(user=by, kind=spec, community=community)
    result = ImportResult(kind=kind)
    refused = RefusedRows(ledger.header)
    try:
        sealing = Sealing(spec, encrypt=not dry_run, rows=ledger.total)
        if dry_run:
            _validate(spec, ledger, places, result, refused, progress, sealing)
            result.refused_path = refused.save()
            result.message = _("校验完成（未写入）。")
        else:
            progress("writing", 0, ledger.total)  # seen before the transaction holds the job's row too
            try:
                with transaction.atomic():
                    with Writer(spec) as writer:
                        _validate(spec, ledger, places, result, refused, progress, sealing, writer)
                        result.refused_path = refused.save()  # while the writer finishes its last frames
                    if strict and result.refused:
                        transaction.set_rollback(True)
            except IntegrityError:
                message = _("写入时与同时进行的其他导入冲突（如同一身份证号），全部未写入，请重新导入。")
                raise FileRefused(message) from None
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
