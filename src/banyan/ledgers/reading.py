"""Reading ledger files (台账) as they come: XLSX or CSV in UTF-8, UTF-8 with BOM or GB18030.

Yields rows as lists of strings (dates from Excel cells as ISO strings), after locating the header row,
which in real ledgers often sits below a title row ("东联社区居民台账").
"""

import codecs
import csv
import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.utils.translation import gettext as _

HEADER_SEARCH_ROWS = 10


class FileRefused(Exception):
    """The whole file is refused: nothing is written, the message says why in the user's language."""


@dataclass
class Ledger:
    header: list[str]
    header_row: int  # 1-based row number of the header in the file
    frames: Iterator[pl.DataFrame]  # columns c0…cN (text, null when empty) and _row (1-based row number)
    total: int  # rows below the header, blank ones included: what progress is measured against


def detect_encoding(path: Path) -> str:
    """utf-8-sig if the whole file decodes as UTF-8, else gb18030 if that decodes, else refuse."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise FileRefused(_("无法识别文件编码：CSV 文件须为 UTF-8 或 GB18030（GBK）编码。"))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if not (value.hour or value.minute or value.second) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from python_calamine import CalamineWorkbook

    if not zipfile.is_zipfile(path):
        raise FileRefused(_("文件不是有效的 Excel（.xlsx）文件，请另存为 .xlsx 或 CSV 后再上传。"))
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        merged = sheet.merged_cell_ranges or []
        rows = sheet.iter_rows()
    except Exception as exc:  # calamine raises its own error types for every kind of broken file
        raise FileRefused(_("无法读取 Excel 文件：%(error)s") % {"error": exc}) from None
    header_merges = [m for m in merged if m[0][0] < HEADER_SEARCH_ROWS and m[0][1] != m[1][1]]
    for number, row in enumerate(rows):
        cells = [_cell(v) for v in row]
        if number < HEADER_SEARCH_ROWS and any(m[0][0] <= number <= m[1][0] for m in header_merges):
            cells.append("\0merged")
        yield cells


def _csv_head(path: Path, encoding: str) -> tuple[list[list[str]], str]:
    """The first rows of a CSV file and its delimiter."""
    with path.open(encoding=encoding, newline="") as f:
        sample = f.read(64 * 1024)
    try:
        delimiter = csv.Sniffer().sniff(sample.split("\n", 1)[0] if sample else ",", delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    rows = list(csv.reader(io.StringIO(sample), delimiter=delimiter))[:HEADER_SEARCH_ROWS]
    return [[c.strip() for c in row] for row in rows], delimiter


def _utf8_copy(path: Path, encoding: str) -> Path:
    """polars reads UTF-8 only: a GB18030 file is transcoded to a temporary UTF-8 copy first."""
    if encoding == "utf-8-sig":
        return path
    copy = Path(tempfile.mkstemp(prefix="banyan-utf8-", suffix=".csv")[1])
    with path.open(encoding=encoding, newline="") as src, copy.open("w", encoding="utf-8", newline="") as dst:
        while block := src.read(1 << 20):
            dst.write(block)
    return copy


def _csv_frames(path: Path, header_row: int, width: int, delimiter: str, encoding: str, chunk_rows: int):
    source = _utf8_copy(path, encoding)
    try:
        frame = pl.read_csv(source, has_header=False, skip_rows=header_row, separator=delimiter,
                            infer_schema=False, truncate_ragged_lines=True, quote_char='"',
                            new_columns=[f"c{i}" for i in range(width)])
    except pl.exceptions.NoDataError:
        return
    except pl.exceptions.PolarsError as exc:
        raise FileRefused(_("无法读取 CSV 文件：%(error)s") % {"error": str(exc).splitlines()[0]}) from None
    finally:
        if source != path:
            source.unlink()
    frame = frame.select([pl.col(f"c{i}").str.strip_chars().replace("", None) if f"c{i}" in frame.columns
                          else pl.lit(None, dtype=pl.Utf8).alias(f"c{i}") for i in range(width)])
    frame = frame.with_row_index("_row", offset=header_row + 1).with_columns(pl.col("_row").cast(pl.Int64))
    frame = frame.filter(~pl.all_horizontal(pl.exclude("_row").is_null()))
    for start in range(0, frame.height, chunk_rows):
        yield frame.slice(start, chunk_rows)


def _xlsx_frames(rows: Iterator[list[str]], header_row: int, width: int, chunk_rows: int):
    names = [f"c{i}" for i in range(width)]
    chunk, numbers = [], []
    for number, cells in enumerate(rows, start=header_row + 1):
        if not any(cells):  # blank rows (often a million formatted ones) are skipped, never a stop
            continue
        cells = (cells + [""] * width)[:width]
        chunk.append([c or None for c in cells])
        numbers.append(number)
        if len(chunk) >= chunk_rows:
            yield _frame(chunk, numbers, names)
            chunk, numbers = [], []
    if chunk:
        yield _frame(chunk, numbers, names)


def _frame(rows: list[list], numbers: list[int], names: list[str]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema=dict.fromkeys(names, pl.Utf8), orient="row")
    return frame.with_columns(pl.Series("_row", numbers, dtype=pl.Int64))


def _find_header(rows: list[list[str]], known: set[str], required: set[str]) -> int:
    """The 1-based number of the first row naming a required column (or two known ones)."""
    from banyan.ledgers.columns import normalize_header

    for number, cells in enumerate(rows, start=1):
        names = {normalize_header(c) for c in cells if c != "\0merged"}
        if names & required or len(names & known) >= 2:
            if "\0merged" in cells:
                raise FileRefused(_("第%(row)d行表头有合并单元格，请取消合并，每列一个列名。") % {"row": number})
            return number
    raise FileRefused(_("前%(n)d行中找不到表头（如“姓名”“身份证号”）。请使用模板，或检查是否选错了导入类型。")
                      % {"n": HEADER_SEARCH_ROWS})


def open_ledger(path: Path, file_name: str, known: set[str], required: set[str],
                chunk_rows: int = 100_000) -> Ledger:
    """Find the header row and the data rows under it, as frames of at most `chunk_rows` rows."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise FileRefused(_("文件是空的。"))
    suffix = Path(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path)
        head = [next(rows, None) for _ in range(HEADER_SEARCH_ROWS)]
        head = [r for r in head if r is not None]
        number = _find_header(head, known, required)
        header = [c for c in head[number - 1] if c != "\0merged"]
        after = [[c for c in r if c != "\0merged"] for r in head[number:]]
        frames = _xlsx_frames(_chain(after, rows), number, len(header), chunk_rows)
        total = _xlsx_height(path) - number
    elif suffix in (".csv", ".txt"):
        encoding = detect_encoding(path)
        head, delimiter = _csv_head(path, encoding)
        number = _find_header(head, known, required)
        header = head[number - 1]
        frames = _csv_frames(path, number, len(header), delimiter, encoding, chunk_rows)
        total = _line_count(path) - number
    elif suffix == ".xls":
        raise FileRefused(_("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后再上传。"))
    else:
        raise FileRefused(_("不支持的文件类型“%(suffix)s”，请上传 .xlsx 或 .csv 文件。") % {"suffix": suffix or "无"})
    return Ledger(header=header, header_row=number, frames=frames, total=max(total, 0))


def _line_count(path: Path) -> int:
    lines = 0
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            lines += block.count(b"\n")
    return lines


def _xlsx_height(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).total_height


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


def csv_text(rows: list[list[str]]) -> bytes:
    """A CSV file's bytes in UTF-8 with BOM, as Excel saves them: the ledgers the tests import."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()
