"""Reading a labelled file of citizen messages (CSV or XLSX) for training and evaluating the case router.

Offices export their message logs from many systems: CSV in UTF-8 (often with a BOM, from Excel) or in GB18030
(older Windows tools), or an XLSX workbook. Only the named columns matter; rows with no text or no label are
skipped and counted, so the person importing sees how much of the file was used.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

CSV_ENCODINGS = ("utf-8-sig", "gb18030")
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}


class LabelledFileError(ValueError):
    """A labelled file cannot be used; the message is for the person who gave the file (in Chinese)."""


@dataclass
class LabelledData:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    titles: list[str] | None = None
    skipped: int = 0

    def __len__(self) -> int:
        return len(self.texts)


def read_labelled(
    path: str | Path, text_column: str, label_column: str, title_column: str | None = None
) -> LabelledData:
    """Read the rows of a CSV/XLSX file; empty texts or labels are skipped and counted in `skipped`."""
    path = Path(path)
    header, rows = _read_table(path)
    wanted = [text_column, label_column] + ([title_column] if title_column else [])
    index = {name: _column_index(header, name) for name in wanted}
    data = LabelledData(titles=[] if title_column else None)
    for row in rows:
        text = _cell(row, index[text_column])
        label = _cell(row, index[label_column])
        if not text or not label:
            data.skipped += 1
            continue
        data.texts.append(text)
        data.labels.append(label)
        if title_column:
            data.titles.append(_cell(row, index[title_column]))
    return data


def _read_table(path: Path) -> tuple[list[str], list[list]]:
    if not path.is_file():
        raise LabelledFileError(f"找不到文件：{path}")
    rows = _read_excel(path) if path.suffix.lower() in EXCEL_SUFFIXES else _read_csv(path)
    if not rows:
        raise LabelledFileError(f"文件是空的：{path}")
    header = [str(name).strip() if name is not None else "" for name in rows[0]]
    return header, rows[1:]


def _read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    text = _decode(raw, path)
    try:
        # The csv module handles quoted fields with embedded newlines and doubled quotes, as Excel writes them.
        return [row for row in csv.reader(io.StringIO(text, newline="")) if row]
    except csv.Error as exc:
        raise LabelledFileError(f"无法读取 CSV 文件 {path.name}：{exc}") from exc


def _decode(raw: bytes, path: Path) -> str:
    # UTF-8 first: GB18030 decodes almost any byte string, so trying it first would garble UTF-8 files.
    for encoding in CSV_ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LabelledFileError(f"无法识别文件 {path.name} 的编码，请另存为 UTF-8 或 GB18030 编码的 CSV")


def _read_excel(path: Path) -> list[list]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        raise LabelledFileError(f"无法读取表格文件 {path.name}：{exc}") from exc


def _column_index(header: list[str], name: str) -> int:
    try:
        return header.index(name.strip())
    except ValueError:
        present = "、".join(h for h in header if h) or "（无）"
        raise LabelledFileError(f"找不到列“{name}”，文件中的列有：{present}") from None


def _cell(row: list, index: int) -> str:
    if index >= len(row) or row[index] is None:
        return ""
    value = row[index]
    # Excel stores whole numbers as floats; a label such as 3 must not become "3.0".
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
