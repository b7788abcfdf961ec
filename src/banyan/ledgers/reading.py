"""Reading ledger files (台账) as offices keep them: XLSX or CSV in UTF-8, UTF-8 with BOM or GB18030.

Yields frames of text cells (dates from Excel cells as ISO strings) under the header row, which in real ledgers
often sits below a title row ("东联社区居民台账"). What a clerk's file holds beyond the table is read the way the
clerk sees it, and said in `Ledger.warnings`: vertically merged cells (户号 over a family's rows) fill down; rows,
columns and sheets hidden in Excel are reported (hidden rows are still read); footer rows (合计, 填表人…) are not
data; a refused-rows file uploaded again keeps referring to the original file's rows.

Limits (settings BANYAN_IMPORT_MAX_UNPACKED_MB, BANYAN_IMPORT_MAX_ROWS) are checked before anything is read
whole. CSV is read in batches. XLSX: python-calamine (0.9) has no lazy row reader, `get_sheet_by_*` loads the
whole sheet (about 32 bytes a cell plus its text) before `iter_rows`, so its memory is bounded by the limits:
the zip's declared sizes (which Python's zip reader holds the data to, a lying size fails its CRC check) and
the rows counted by streaming the sheet's XML, both before calamine opens the file.
"""

import codecs
import csv
import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import polars as pl
from django.conf import settings
from django.utils.translation import gettext as _

from banyan.core.xlsx import column_letter

HEADER_SEARCH_ROWS = 30
# A deflated member this much smaller than what it declares is a zip bomb, not a ledger: Excel's XML packs about
# 5–30 times, a sheet of a million formatted blank rows under 100. Small members may pack better, so are let be.
MAX_RATIO = 200
RATIO_FROM_BYTES = 50 << 20
# A row whose first non-empty cell starts so is the table's footer, not a resident (spaces inside ignored).
FOOTER = r"^(合计|总计|小计|填表人|制表人|审核人|联系电话|填报单位|制表日期|(制表|审核|填表|负责人|备注|注|说明)[:：])"
REFUSED_FIRST, REFUSED_LAST = "行号", "错误原因"  # importing.RefusedRows' columns around the original ones
MERGED = "\0merged"
SPANS_SHOWN = 8
CSV_BLOCK = 16 << 20  # bytes of CSV parsed at a time: about 100,000 rows of a resident ledger


class FileRefused(Exception):
    """The whole file is refused: nothing is written, the message says why in the user's language."""


@dataclass
class Ledger:
    header: list[str]
    header_row: int  # 1-based row number of the header in the file
    frames: Iterator[pl.DataFrame]  # columns c0…cN (text, null when empty) and _row (1-based row number)
    total: int  # rows below the header, blank ones included: what progress is measured against
    # What the reader did that the clerk should know (Chinese sentences). Reading the frames may add to it
    # (footer rows are met while reading), so it is complete once the frames are exhausted.
    warnings: list[str] = field(default_factory=list)
    sheet: str | None = None  # the XLSX sheet read


def open_ledger(path: Path, file_name: str, known: set[str], required: set[str],
                chunk_rows: int = 100_000, sheet: str | None = None) -> Ledger:
    """Find the header row and the data rows under it, as frames of at most `chunk_rows` rows.

    `sheet`: the XLSX sheet to read by name; by default the first visible sheet with a recognisable header."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise FileRefused(_("文件是空的。"))
    suffix = Path(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        ledger = _open_xlsx(path, known, required, chunk_rows, sheet)
    elif suffix in (".csv", ".txt"):
        ledger = _open_csv(path, known, required, chunk_rows)
    elif suffix == ".xls":
        raise FileRefused(_("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后再上传。"))
    else:
        raise FileRefused(_("不支持的文件类型“%(suffix)s”，请上传 .xlsx 或 .csv 文件。") % {"suffix": suffix or "无"})
    ledger.frames = _tidy(ledger, ledger.frames, _refused_file_columns(ledger))
    return ledger


# Limits ---------------------------------------------------------------------------------------------------------

def _max_rows() -> int:
    return settings.BANYAN_IMPORT_MAX_ROWS


def _refuse_rows(rows: int) -> None:
    if rows > _max_rows():
        raise FileRefused(_("文件有%(rows)s行以上，超过导入上限%(max)s行。请按社区或网格拆分成几个文件后分别导入。")
                          % {"rows": f"{rows:,}", "max": f"{_max_rows():,}"})


def _check_zip(zf: zipfile.ZipFile) -> None:
    """Refuse by the sizes the zip declares, before a byte is unpacked."""
    limit = settings.BANYAN_IMPORT_MAX_UNPACKED_MB << 20
    unpacked = sum(info.file_size for info in zf.infolist())
    if unpacked > limit:
        raise FileRefused(_("Excel 文件解压后约%(size)d MB，超过上限%(max)d MB。请删除多余的空行、空列和格式，"
                            "或拆分成几个文件后再上传。")
                          % {"size": unpacked >> 20, "max": settings.BANYAN_IMPORT_MAX_UNPACKED_MB})
    for info in zf.infolist():
        if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise FileRefused(_("Excel 文件中的“%(name)s”压缩比异常（解压后是压缩时的%(ratio)d倍，上限%(max)d倍），"
                                "不像正常的台账，未读取。")
                              % {"name": info.filename, "ratio": info.file_size // max(info.compress_size, 1),
                                 "max": MAX_RATIO})


# XLSX -----------------------------------------------------------------------------------------------------------

@dataclass
class _Sheet:
    name: str
    member: str  # the sheet's XML in the zip
    hidden: bool


@dataclass
class _SheetXml:
    """What the sheet's XML says that calamine does not tell."""
    rows: int = 0  # <row> elements: blank formatted ones count, an upper bound of the data rows
    last_row: int = 0
    hidden_rows: list[int] = field(default_factory=list)
    hidden_cols: set[int] = field(default_factory=set)  # 0-based, absolute
    filtered: bool = False  # an AutoFilter: hidden rows are most likely filtered out


_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}


def _part(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _workbook_sheets(zf: zipfile.ZipFile) -> list[_Sheet]:
    """The workbook's sheets in tab order, from workbook.xml and its relationships (small parts)."""
    root = ElementTree.fromstring(zf.read("_rels/.rels"))
    book = next(_part("", r.get("Target")) for r in root.iterfind("p:Relationship", _NS)
                if r.get("Type", "").endswith("/officeDocument"))
    rels = posixpath.join(posixpath.dirname(book), "_rels", posixpath.basename(book) + ".rels")
    targets = {r.get("Id"): _part(book, r.get("Target"))
               for r in ElementTree.fromstring(zf.read(rels)).iterfind("p:Relationship", _NS)
               if r.get("Type", "").endswith("/worksheet")}  # chart sheets hold no rows
    sheets = []
    for element in ElementTree.fromstring(zf.read(book)).iterfind("m:sheets/m:sheet", _NS):
        member = targets.get(element.get(f"{{{_NS['r']}}}id"))
        if member:
            sheets.append(_Sheet(element.get("name"), member, element.get("state", "visible") != "visible"))
    return sheets


_TAG = re.compile(rb"<(?:\w+:)?(row|col|autoFilter)\b([^>]*)>")
_ATTR = {name: re.compile(rb'\b' + name.encode() + rb'="([^"]*)"') for name in ("r", "hidden", "min", "max")}


def _attr(attrs: bytes, name: str) -> str | None:
    found = _ATTR[name].search(attrs)
    return found.group(1).decode() if found else None


def _xml_chunks(zf: zipfile.ZipFile, member: str) -> Iterator[bytes]:
    """The member's XML in pieces that end before a tag starts, streamed (a sheet may unpack to gigabytes)."""
    carry = b""
    with zf.open(member) as f:
        while chunk := f.read(1 << 20):
            buffer = carry + chunk
            cut = buffer.rfind(b"<")
            cut = cut if cut > 0 else len(buffer)
            yield buffer[:cut]
            carry = buffer[cut:]
    yield carry


def _scan_sheet(zf: zipfile.ZipFile, member: str) -> _SheetXml:
    """Rows, hidden rows and columns, by one streamed pass over the sheet's XML; refused past the row cap."""
    scan = _SheetXml()
    limit = _max_rows()
    for chunk in _xml_chunks(zf, member):
        for tag, attrs in _TAG.findall(chunk):
            hidden = _attr(attrs, "hidden") in ("1", "true")
            if tag == b"row":
                number = _attr(attrs, "r")
                scan.last_row = int(number) if number and number.isdigit() else scan.last_row + 1
                scan.rows += 1
                if hidden:
                    scan.hidden_rows.append(scan.last_row)
            elif tag == b"col" and hidden:
                low, high = int(_attr(attrs, "min") or 1), int(_attr(attrs, "max") or 1)
                scan.hidden_cols.update(range(low - 1, min(high, low + 16384)))
            elif tag == b"autoFilter":
                scan.filtered = True
        if max(scan.rows, scan.last_row) > limit:
            _refuse_rows(max(scan.rows, scan.last_row))
    return scan


def _verify_parts(zf: zipfile.ZipFile, sheets: set[str]) -> None:
    """Unpack the parts calamine reads on opening (shared strings, styles…) through Python's reader, which stops
    at the declared size and fails the CRC check of a part that lies about it: calamine's reader is not known to
    stop there. The sheets are checked so by their scan, before calamine loads one."""
    for info in zf.infolist():
        if info.filename not in sheets and not info.is_dir():
            with zf.open(info) as f:
                while f.read(1 << 20):
                    pass


def _has_cells(zf: zipfile.ZipFile, member: str) -> bool:
    """Whether a sheet holds any value: stops at the first one, so a big sheet costs its first megabyte."""
    return any(re.search(rb"<(?:\w+:)?(v|is)>", chunk) for chunk in _xml_chunks(zf, member))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1e15:
        # Excel keeps 15 significant digits: an ID number typed as a number has lost its last ones. Written as
        # Excel shows it, so the ID check can tell the user so instead of reporting a wrong check digit.
        return f"{value:.14E}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if not (value.hour or value.minute or value.second) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _open_workbook(path: Path):
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every kind of broken file
        raise FileRefused(_("无法读取 Excel 文件：%(error)s") % {"error": exc}) from None


def _load_sheet(workbook, name: str):
    try:
        return workbook.get_sheet_by_name(name)
    except Exception as exc:
        raise FileRefused(_("无法读取 Excel 文件：%(error)s") % {"error": exc}) from None


def _head(sheet) -> list[list[str]]:
    """The first rows, a horizontal merge marked (a merged header cell hides which column is which)."""
    across = [m for m in sheet.merged_cell_ranges or [] if m[0][0] < HEADER_SEARCH_ROWS and m[0][1] != m[1][1]]
    head = []
    for number, row in zip(range(HEADER_SEARCH_ROWS), sheet.iter_rows(), strict=False):
        cells = [_cell(v) for v in row]
        if any(m[0][0] <= number <= m[1][0] for m in across):
            cells.append(MERGED)
        head.append(cells)
    return head


def _open_xlsx(path: Path, known: set[str], required: set[str], chunk_rows: int, wanted: str | None) -> Ledger:
    if not zipfile.is_zipfile(path):
        raise FileRefused(_("文件不是有效的 Excel（.xlsx）文件，请另存为 .xlsx 或 CSV 后再上传。"))
    try:
        with zipfile.ZipFile(path) as zf:
            _check_zip(zf)
            sheets = _workbook_sheets(zf)
            _verify_parts(zf, {s.member for s in sheets})
            return _read_workbook(path, zf, sheets, known, required, chunk_rows, wanted)
    except (zipfile.BadZipFile, KeyError, StopIteration, ElementTree.ParseError, EOFError):
        raise FileRefused(_("Excel 文件已损坏，无法读取，请在 Excel 中打开后重新保存再上传。")) from None


def _read_workbook(path, zf, sheets: list[_Sheet], known, required, chunk_rows, wanted) -> Ledger:
    if wanted is not None:
        candidates = [s for s in sheets if s.name == wanted.strip()]
        if not candidates:
            raise FileRefused(_("文件中没有名为“%(sheet)s”的工作表。文件中的工作表：%(sheets)s。")
                              % {"sheet": wanted, "sheets": "、".join(s.name for s in sheets)})
    else:  # hidden sheets last: a clerk hides the sheets that are not the table
        candidates = [s for s in sheets if not s.hidden] + [s for s in sheets if s.hidden]
    workbook = _open_workbook(path)
    for chosen in candidates:
        scan = _scan_sheet(zf, chosen.member)  # before calamine loads it whole
        sheet = _load_sheet(workbook, chosen.name)
        head = _head(sheet)
        found = _header_at(head, known, required)
        if found is None:
            continue
        number, header = found
        first_col = sheet.start[1] if sheet.start else 0
        warnings = _sheet_warnings(zf, sheets, chosen)
        warnings += _hidden_warnings(scan, number, sheet, header, first_col)
        fills = _vertical_merges(sheet, number, first_col)
        if fills:
            warnings.append(_merge_warning(fills, header))
        last = sheet.end[0] + 1 if sheet.end else number
        rows = _filled(sheet.iter_rows(), fills, number)
        return Ledger(header=header, header_row=number, frames=_xlsx_frames(rows, number, len(header), chunk_rows),
                      total=max(last - number, 0), warnings=warnings, sheet=chosen.name)
    raise _no_header([s.name for s in candidates] if len(sheets) > 1 else [])


def _sheet_warnings(zf, sheets: list[_Sheet], chosen: _Sheet) -> list[str]:
    """Other sheets holding data are said, never silently ignored."""
    warnings = []
    if chosen.hidden:
        warnings.append(_("工作表“%(sheet)s”在 Excel 中被隐藏，仍已读取。") % {"sheet": chosen.name})
    others = [s for s in sheets if s is not chosen and _has_cells(zf, s.member)]
    shown = [s.name for s in others if not s.hidden]
    hidden = [s.name for s in others if s.hidden]
    if shown:
        warnings.append(_("只读取了工作表“%(sheet)s”；工作表“%(others)s”中也有内容，未导入。如需导入，请选择工作表后"
                          "再导入一次。") % {"sheet": chosen.name, "others": "”“".join(shown)})
    if hidden:
        warnings.append(_("工作表“%(others)s”在 Excel 中被隐藏，其中有内容，未导入。")
                        % {"others": "”“".join(hidden)})
    return warnings


def _hidden_warnings(scan: _SheetXml, header_row: int, sheet, header: list[str], first_col: int) -> list[str]:
    warnings = []
    last = sheet.end[0] + 1 if sheet.end else header_row
    # Hidden rows past the table are blank (clerks hide everything below it): only those within it are said.
    rows = [n for n in scan.hidden_rows if header_row < n <= last]
    if rows:
        message = (_("第%(rows)s行在 Excel 中被隐藏（筛选），仍已读取。") if scan.filtered
                   else _("第%(rows)s行在 Excel 中被隐藏，仍已读取。"))
        warnings.append(message % {"rows": _spans(rows)})
    columns = sorted(c - first_col for c in scan.hidden_cols if 0 <= c - first_col < len(header))
    if columns:
        names = "、".join(f"{column_letter(c + first_col)}（{header[c] or _('无列名')}）" for c in columns)
        warnings.append(_("第%(columns)s列在 Excel 中被隐藏，仍已读取。") % {"columns": names})
    return warnings


def _vertical_merges(sheet, header_row: int, first_col: int) -> list[tuple[int, int, int]]:
    """(first row, last row, column) of the merged ranges below the header spanning rows, 0-based, the column
    relative to the sheet's first. A range spanning columns too fills its first column only: that is the cell
    whose value it shows."""
    return sorted((top, bottom, left - first_col) for (top, left), (bottom, _right) in sheet.merged_cell_ranges or []
                  if top >= header_row and bottom > top and left >= first_col)


def _merge_warning(fills: list[tuple[int, int, int]], header: list[str]) -> str:
    counts: dict[int, int] = {}
    for _top, _bottom, column in fills:
        counts[column] = counts.get(column, 0) + 1
    columns = "、".join(f"“{header[c] if c < len(header) and header[c] else column_letter(c)}”列{n}处"
                        for c, n in sorted(counts.items()))
    return _("有纵向合并的单元格（%(columns)s），已拆开：合并区域的每一行都填入其首行的值。") % {"columns": columns}


def _filled(rows: Iterable[list], fills: list[tuple[int, int, int]], header_row: int) -> Iterator[list[str]]:
    """The rows under the header as text, each row of a vertically merged range given its top cell's value. A row
    blank but for merged cells stays blank (a merge drawn over the empty rows below a table is not data)."""
    starts: dict[int, list[tuple[int, int]]] = {}
    for top, bottom, column in fills:
        starts.setdefault(top, []).append((bottom, column))
    active: list[tuple[int, int, str]] = []  # (last row, column, value)
    for index, row in enumerate(rows):
        if index < header_row:
            continue
        cells = [_cell(v) for v in row]
        active = [a for a in active if a[0] >= index]
        if active and any(cells):
            for _bottom, column, value in active:
                if column < len(cells) and not cells[column]:
                    cells[column] = value
        for bottom, column in starts.get(index, ()):
            active.append((bottom, column, cells[column] if column < len(cells) else ""))
        yield cells


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


# CSV ------------------------------------------------------------------------------------------------------------

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


def _open_csv(path: Path, known: set[str], required: set[str], chunk_rows: int) -> Ledger:
    lines = _line_count(path)
    _refuse_rows(lines)  # before a byte is decoded
    encoding = detect_encoding(path)
    head, delimiter = _csv_head(path, encoding)
    found = _header_at(head, known, required)
    if found is None:
        raise _no_header([])
    number, header = found
    frames = _csv_frames(path, number, len(header), delimiter, encoding, chunk_rows)
    return Ledger(header=header, header_row=number, frames=frames, total=max(lines - number, 0))


def _csv_head(path: Path, encoding: str) -> tuple[list[list[str]], str]:
    """The first rows of a CSV file and its delimiter."""
    with path.open(encoding=encoding, newline="") as f:
        sample = f.read(64 * 1024)
    delimiter = _delimiter(sample.splitlines()[:HEADER_SEARCH_ROWS])
    rows = list(csv.reader(io.StringIO(sample), delimiter=delimiter))[:HEADER_SEARCH_ROWS]
    return [[c.strip() for c in row] for row in rows], delimiter


def _delimiter(lines: list[str]) -> str:
    """The delimiter that splits the most of the first lines (a title line above the header has none)."""
    counts = {d: sum(1 for line in lines if d in line) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _csv_blocks(path: Path, encoding: str) -> Iterator[bytes]:
    """The file as UTF-8 blocks of about CSV_BLOCK bytes that end at a record's end: a line break outside quotes
    (an even number of quote characters before it; an escaped quote is doubled, so parity holds). polars reads
    UTF-8 only, so a GB18030 file is transcoded block by block."""
    decoder = None if encoding == "utf-8-sig" else codecs.getincrementaldecoder(encoding)()
    carry = b""
    with path.open("rb") as f:
        while block := f.read(CSV_BLOCK):
            buffer = carry + (decoder.decode(block).encode() if decoder else block)
            cut = buffer.rfind(b"\n") + 1
            while cut and buffer.count(b'"', 0, cut) % 2:  # inside a quoted cell: an earlier line break
                cut = buffer.rfind(b"\n", 0, cut - 1) + 1
            if cut:
                yield buffer[:cut]
            carry = buffer[cut:]
    if decoder:
        carry += decoder.decode(b"", final=True).encode()
    if carry.strip():
        yield carry


def _csv_frames(path: Path, header_row: int, width: int, delimiter: str, encoding: str, chunk_rows: int):
    """Frames of `chunk_rows` rows, read block by block: the file is never in memory whole. (polars' own
    streaming, scan_csv().collect_batches(), ran ahead of its reader and held all of a 1M-row file.)"""
    names = [f"c{i}" for i in range(width)]
    records, pending = 0, None  # records read so far: the rows' numbers go on from them
    for index, block in enumerate(_csv_blocks(path, encoding)):
        try:
            # The schema fixes the width to the header's: a first data row shorter than it must not narrow it.
            frame = pl.read_csv(block, has_header=False, skip_rows=header_row if index == 0 else 0,
                                separator=delimiter, schema=dict.fromkeys(names, pl.Utf8), missing_columns="insert",
                                truncate_ragged_lines=True, quote_char='"', row_index_name="_row",
                                row_index_offset=header_row + 1 + records)
        except pl.exceptions.NoDataError:
            continue
        except pl.exceptions.PolarsError as exc:
            raise FileRefused(_("无法读取 CSV 文件：%(error)s") % {"error": str(exc).splitlines()[0]}) from None
        records += frame.height
        frame = (frame.select(*[pl.col(n).str.strip_chars().replace("", None) for n in names],
                              pl.col("_row").cast(pl.Int64))
                 .filter(~pl.all_horizontal(pl.col(names).is_null())))
        pending = frame if pending is None else pl.concat([pending, frame])
        while pending.height >= chunk_rows:
            yield pending.slice(0, chunk_rows).rechunk()  # one chunk, as a whole-file read gave
            pending = pending.slice(chunk_rows)
    if pending is not None and pending.height:
        yield pending.rechunk()


def _line_count(path: Path) -> int:
    lines = 0
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            lines += block.count(b"\n")
    return lines


# Both -----------------------------------------------------------------------------------------------------------

def _header_at(rows: list[list[str]], known: set[str], required: set[str]) -> tuple[int, list[str]] | None:
    """The header: the 1-based number of its (last) row, and its cells. It is the first row naming a required
    column (or two known ones), or two rows where ledgers have two levels: group titles merged across (基本信息,
    居住信息) above the column names, with some names merged down both rows (序号, 姓名); each column's name is
    then the lower row's cell, or the upper one's where the lower is empty."""
    from banyan.ledgers.columns import normalize_header

    def names(cells):
        return {normalize_header(c) for c in cells if c and c != MERGED} & known

    for number, cells in enumerate(rows, start=1):
        found = {normalize_header(c) for c in cells if c != MERGED}
        if not (found & required or len(found & known) >= 2):
            continue
        lower = rows[number] if number < len(rows) else []
        if names(lower) - names(cells):  # the column names go on in the next row: two levels
            return number + 1, _two_levels(cells, lower)
        upper = rows[number - 2] if number >= 2 else []
        if MERGED in upper and names(upper) - names(cells):  # names merged down from the group-title row
            return number, _two_levels(upper, cells)
        if MERGED in cells:
            raise FileRefused(_("第%(row)d行表头有合并单元格，请取消合并，每列一个列名。") % {"row": number})
        return number, [c for c in cells if c != MERGED]
    return None


def _two_levels(upper: list[str], lower: list[str]) -> list[str]:
    upper, lower = [c for c in upper if c != MERGED], [c for c in lower if c != MERGED]
    width = max(len(upper), len(lower))
    upper, lower = upper + [""] * (width - len(upper)), lower + [""] * (width - len(lower))
    return [b or a for a, b in zip(upper, lower, strict=True)]


def _no_header(sheets: list[str]) -> FileRefused:
    message = _("前%(n)d行中找不到表头（如“姓名”“身份证号”）。请使用模板，或检查是否选错了导入类型。") % {
        "n": HEADER_SEARCH_ROWS}
    if sheets:
        message += _("已查看的工作表：%(sheets)s。") % {"sheets": "、".join(sheets)}
    return FileRefused(message)


def _refused_file_columns(ledger: Ledger) -> list[int] | None:
    """A refused-rows file uploaded again (行号, the original columns, 错误原因): the columns to keep, and the
    header without the two. Its 行号 then numbers the rows, so the next refused-rows file still refers to the
    rows of the file first imported."""
    filled = [i for i, name in enumerate(ledger.header) if name]
    if len(filled) < 3 or ledger.header[filled[0]] != REFUSED_FIRST or ledger.header[filled[-1]] != REFUSED_LAST:
        return None
    keep = [i for i in range(len(ledger.header)) if i not in (filled[0], filled[-1])]
    ledger.header = [ledger.header[i] for i in keep]
    ledger.warnings.append(_("这是导入时生成的错误行文件：已去掉“行号”“错误原因”两列，行号仍指原文件的行。"))
    return [filled[0], *keep]


def _tidy(ledger: Ledger, frames: Iterator[pl.DataFrame], refused_columns: list[int] | None
          ) -> Iterator[pl.DataFrame]:
    """The reader's frames with footer rows dropped (said once all are read), a refused-rows file's columns put
    back as the original file's."""
    footer: list[int] = []
    for frame in frames:
        if refused_columns:
            number, *keep = refused_columns
            original = pl.col(f"c{number}").str.replace(r"\.0$", "").cast(pl.Int64, strict=False)
            frame = frame.select(*[pl.col(f"c{c}").alias(f"c{i}") for i, c in enumerate(keep)],
                                 pl.coalesce(original, pl.col("_row")).alias("_row"))
        first = pl.coalesce(pl.exclude("_row")).str.replace_all(r"\s", "")
        is_footer = first.str.contains(FOOTER).fill_null(False)
        footer += frame.filter(is_footer)["_row"].to_list()
        frame = frame.filter(~is_footer & ~pl.all_horizontal(pl.exclude("_row").is_null()))
        if frame.height:
            yield frame
    if footer:
        ledger.warnings.append(_("第%(rows)s行是表尾（合计、填表人等），不是数据，未导入。") % {"rows": _spans(footer)})


def _spans(numbers: list[int]) -> str:
    """[12, 13, 14, 15, 20] → "12–15、20"; many → the first ones and the count."""
    spans: list[list[int]] = []
    for n in sorted(set(numbers)):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    text = "、".join(f"{a}–{b}" if a != b else f"{a}" for a, b in spans[:SPANS_SHOWN])
    if len(spans) > SPANS_SHOWN:
        text += _("等共%(n)d") % {"n": len(set(numbers))}
    return text


def csv_text(rows: list[list[str]]) -> bytes:
    """A CSV file's bytes in UTF-8 with BOM, as Excel saves them: the ledgers the tests import."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()
