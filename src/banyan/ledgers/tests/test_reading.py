"""Reading ledger files as offices keep them: what a clerk would notice of a file's rows, and limits that keep an
upload from hurting the worker. The XLSX files are built with openpyxl as Excel would save them."""

import datetime as dt
import zipfile

import polars as pl
import pytest
from openpyxl import Workbook, load_workbook

from banyan.accounts.roles import Role
from banyan.core.testing import community, make_user, valid_id_number
from banyan.ledgers.importing import ledger_import
from banyan.ledgers.reading import FileRefused, csv_text, open_ledger

KNOWN = {"姓名", "身份证号", "户号", "户籍地址", "人口类别", "社区", "出生日期", "手机号"}
REQUIRED = {"姓名", "身份证号"}


def xlsx(tmp_path, rows=(), name="a.xlsx", title="居民"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    return workbook, sheet, tmp_path / name


def saved(workbook, path):
    workbook.save(path)
    return path


def read(path, sheet=None, chunk_rows=100_000):
    """The ledger, its rows as {header: cell} with "_row", once every frame is read (and so every warning made)."""
    ledger = open_ledger(path, path.name, KNOWN, REQUIRED, chunk_rows=chunk_rows, sheet=sheet)
    frames = list(ledger.frames)
    rows = []
    for frame in frames:
        for row in frame.iter_rows(named=True):
            rows.append({**{ledger.header[i]: row[f"c{i}"] for i in range(len(ledger.header))}, "_row": row["_row"]})
    return ledger, rows


def test_header_found_below_a_long_title_block_and_with_a_line_break_inside(tmp_path):
    title = [["东联社区居民台账"], ["填报日期：2026年1月"]] + [[f"说明第{i}条"] for i in range(20)] + [[]]
    workbook, sheet, path = xlsx(tmp_path, [*title, ["序号", "姓 名", "身份\n证号"], [1, "张三", "x"]])
    ledger, rows = read(saved(workbook, path))
    assert ledger.header_row == 24
    assert rows == [{"序号": "1", "姓 名": "张三", "身份\n证号": "x", "_row": 25}]


def test_no_header_in_the_first_30_rows_is_refused_naming_the_sheets_looked_at(tmp_path):
    workbook, sheet, path = xlsx(tmp_path, [["说明"]] * 31 + [["姓名", "身份证号"]])
    workbook.create_sheet("备用")["A1"] = "无表头"
    with pytest.raises(FileRefused, match="前30行中找不到表头.*居民、备用"):
        read(saved(workbook, path))


def test_a_family_merged_over_its_rows_fills_down_and_is_said(tmp_path):
    workbook, sheet, path = xlsx(tmp_path, [
        ["户号", "姓名", "身份证号", "户籍地址"],
        ["H001", "张父", "1", "东联村前路1号"],
        [None, "张母", "2", None],
        [None, "张子", "3", None],
        ["H002", "李四", "4", "东联村后路2号"],
    ])
    sheet.merge_cells("A2:A4")
    sheet.merge_cells("D2:D4")
    sheet.merge_cells("A6:A9")  # drawn over the empty rows below the table: no rows come of it
    ledger, rows = read(saved(workbook, path))
    assert [(r["户号"], r["姓名"], r["户籍地址"]) for r in rows] == [
        ("H001", "张父", "东联村前路1号"), ("H001", "张母", "东联村前路1号"), ("H001", "张子", "东联村前路1号"),
        ("H002", "李四", "东联村后路2号")]
    assert any("纵向合并" in w and "“户号”列" in w and "“户籍地址”列" in w for w in ledger.warnings)


def test_rows_hidden_by_a_filter_are_read_and_said(tmp_path):
    workbook, sheet, path = xlsx(tmp_path, [["社区台账"], ["姓名", "身份证号"]]
                                 + [[f"居民{n}", str(n)] for n in range(3, 21)])
    sheet.auto_filter.ref = "A2:B20"
    for n in (12, 13, 14, 15, 18):
        sheet.row_dimensions[n].hidden = True
    for n in range(40, 60):  # hidden blank rows below the table are nothing to say
        sheet.row_dimensions[n].hidden = True
    ledger, rows = read(saved(workbook, path))
    assert len(rows) == 18 and {"居民12", "居民18"} <= {r["姓名"] for r in rows}
    assert "第12–15、18行在 Excel 中被隐藏（筛选），仍已读取。" in ledger.warnings


def test_rows_and_columns_hidden_by_hand_are_read_and_said(tmp_path):
    workbook, sheet, path = xlsx(tmp_path, [["姓名", "身份证号", "民族"], ["张三", "1", "汉"], ["李四", "2", "回"]])
    sheet.row_dimensions[3].hidden = True
    sheet.column_dimensions["C"].hidden = True
    sheet.column_dimensions["F"].hidden = True  # beyond the table
    ledger, rows = read(saved(workbook, path))
    assert [r["民族"] for r in rows] == ["汉", "回"]
    assert "第3行在 Excel 中被隐藏，仍已读取。" in ledger.warnings
    assert "第C（民族）列在 Excel 中被隐藏，仍已读取。" in ledger.warnings


def test_the_first_visible_sheet_with_a_header_is_read_and_other_sheets_with_data_are_said(tmp_path):
    workbook, notes, path = xlsx(tmp_path, [["填表说明：身份证号请填18位"]], title="说明")
    people = workbook.create_sheet("居民")
    people.append(["姓名", "身份证号"])
    people.append(["张三", "1"])
    old = workbook.create_sheet("旧数据")
    old.append(["姓名", "身份证号"])
    old.append(["李四", "2"])
    secret = workbook.create_sheet("底稿")
    secret.append(["姓名", "身份证号"])
    secret.sheet_state = "hidden"
    workbook.create_sheet("空白")
    workbook.move_sheet("底稿", offset=-3)  # a hidden sheet first is still not the one read
    ledger, rows = read(saved(workbook, path))
    assert ledger.sheet == "居民" and [r["姓名"] for r in rows] == ["张三"]
    assert any("只读取了工作表“居民”" in w and "“说明”“旧数据”" in w and "空白" not in w for w in ledger.warnings)
    assert "工作表“底稿”在 Excel 中被隐藏，其中有内容，未导入。" in ledger.warnings


def test_a_sheet_chosen_by_name_is_read_and_a_missing_one_is_refused_listing_the_sheets(tmp_path):
    workbook, first, path = xlsx(tmp_path, [["姓名", "身份证号"], ["张三", "1"]])
    other = workbook.create_sheet("旧数据")
    other.append(["姓名", "身份证号"])
    other.append(["李四", "2"])
    saved(workbook, path)
    ledger, rows = read(path, sheet="旧数据")
    assert ledger.sheet == "旧数据" and [r["姓名"] for r in rows] == ["李四"]
    with pytest.raises(FileRefused, match="没有名为“新数据”的工作表。文件中的工作表：居民、旧数据。"):
        read(path, sheet="新数据")


def test_footer_rows_are_not_data_and_are_said(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(csv_text([
        ["姓名", "身份证号"], ["张三", "1"], ["小 计", "1人"], ["李四", "2"], [], ["合计", "2人"],
        ["", "填表人：王五"], ["备注：本表每月更新"], ["联系电话：0757-1234567"]]))
    ledger, rows = read(path)
    assert [r["姓名"] for r in rows] == ["张三", "李四"]
    assert "第3、6–9行是表尾（合计、填表人等），不是数据，未导入。" in ledger.warnings


def test_large_numbers_show_the_lost_digits_small_ones_and_dates_stay_plain(tmp_path):
    workbook, sheet, path = xlsx(tmp_path, [["姓名", "身份证号", "手机号", "出生日期"],
                                            ["张三", 440605198503120013, 13800001111, dt.date(1985, 3, 12)]])
    ledger, rows = read(saved(workbook, path))
    assert rows[0]["身份证号"] == "4.40605198503120E+17"  # Excel kept 15 digits: "…0013" became "…0000"
    assert (rows[0]["手机号"], rows[0]["出生日期"]) == ("13800001111", "1985-03-12")


def test_csv_is_read_in_frames_of_at_most_chunk_rows_numbered_by_file_row(tmp_path):
    lines = [["居民台账"], ["姓名", "身份证号", "手机号"], ["甲"]]  # a short first row keeps the header's width
    lines += [[f"居民{n}", str(n), "138"] for n in range(2500)]
    path = tmp_path / "a.csv"
    path.write_bytes(csv_text(lines))
    ledger = open_ledger(path, "a.csv", KNOWN, REQUIRED, chunk_rows=1000)
    frames = list(ledger.frames)
    assert max(f.height for f in frames) <= 1000 and sum(f.height for f in frames) == 2501
    whole = pl.concat(frames)
    assert whole.row(0) == ("甲", None, None, 3)
    assert whole.row(-1) == ("居民2499", "2499", "138", 2503)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_read_in_small_blocks_keeps_quoted_line_breaks_and_characters_whole(tmp_path, monkeypatch, encoding):
    import csv
    import io

    from banyan.ledgers import reading

    out = io.StringIO()
    csv.writer(out).writerows([["姓名", "身份证号", "户籍地址"]] + [
        [f"居民{n}", str(n), f"东联村前路{n}号\n“旧址”\n引号\"{n}\"在内"] for n in range(300)])
    path = tmp_path / "a.csv"
    path.write_bytes(out.getvalue().encode(encoding))
    whole = pl.concat(list(open_ledger(path, "a.csv", KNOWN, REQUIRED).frames))
    monkeypatch.setattr(reading, "CSV_BLOCK", 997)  # a block ends inside a quoted cell and inside a character
    blocks = pl.concat(list(open_ledger(path, "a.csv", KNOWN, REQUIRED, chunk_rows=64).frames))
    assert blocks.equals(whole) and blocks.height == 300
    assert blocks.row(299) == ("居民299", "299", "东联村前路299号\n“旧址”\n引号\"299\"在内", 301)


def test_too_many_rows_are_refused_before_reading_naming_the_limit(tmp_path, settings):
    settings.BANYAN_IMPORT_MAX_ROWS = 100
    path = tmp_path / "a.csv"
    path.write_bytes(csv_text([["姓名", "身份证号"]] + [["张三", "1"]] * 150))
    with pytest.raises(FileRefused, match="超过导入上限100行"):
        read(path)
    workbook, sheet, path = xlsx(tmp_path, [["姓名", "身份证号"]] + [["张三", "1"]] * 150)
    with pytest.raises(FileRefused, match="超过导入上限100行"):
        read(saved(workbook, path))


def test_a_workbook_unpacking_past_the_limit_is_refused_before_it_is_opened(tmp_path, settings):
    workbook, sheet, path = xlsx(tmp_path, [["姓名", "身份证号"]] + [[f"居民{n}", "x" * 30] for n in range(30_000)])
    saved(workbook, path)
    settings.BANYAN_IMPORT_MAX_UNPACKED_MB = 1
    with pytest.raises(FileRefused, match="解压后约\\d+ MB，超过上限1 MB"):
        read(path)


def test_a_zip_bomb_is_refused_by_its_compression_ratio(tmp_path):
    workbook, sheet, path = xlsx(tmp_path, [["姓名", "身份证号"], ["张三", "1"]])
    saved(workbook, path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/pad.bin", b"\0" * (60 << 20))
    with pytest.raises(FileRefused, match="“xl/media/pad.bin”压缩比异常"):
        read(path)


def test_a_part_lying_about_its_unpacked_size_is_refused_before_calamine_unpacks_it(tmp_path):
    """A bomb can declare a small size to pass the limit: Python's reader stops at the declared size and the CRC
    check then fails, so the lie is caught before calamine, whose reader may not stop there, opens the file."""
    import struct

    workbook, sheet, path = xlsx(tmp_path, [["姓名", "身份证号"]] + [["张三", "1"]] * 200)
    data = bytearray(saved(workbook, path).read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = data.find(signature)
        while data[at + name_at:at + name_at + len(name)] != name:
            at = data.find(signature, at + 1)
        struct.pack_into("<I", data, at + size_at, 100)
    path.write_bytes(bytes(data))
    with pytest.raises(FileRefused, match="Excel 文件已损坏"):
        read(path)


def test_a_damaged_workbook_is_refused_with_a_clear_message(tmp_path):
    workbook, sheet, path = xlsx(tmp_path, [["姓名", "身份证号"], ["张三", "1"]])
    saved(workbook, path)
    broken = tmp_path / "b.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            if info.filename != "xl/workbook.xml":
                dst.writestr(info, src.read(info))
    with pytest.raises(FileRefused, match="Excel 文件已损坏"):
        read(broken)


# Through the import, as the clerk sees it ------------------------------------------------------------------------

HEADER = ["姓名", "身份证号", "人口类别", "手机号", "社区"]


@pytest.fixture
def secretary():
    return make_user(Role.COMMUNITY_SECRETARY, community("东联"))


@pytest.mark.django_db
def test_footer_rows_are_not_refused_rows_and_the_warnings_reach_the_result(tmp_path, secretary):
    workbook, sheet, path = xlsx(tmp_path, [["东联社区居民台账"], HEADER,
                                            ["张三", valid_id_number(), "户籍", "13800001111", "东联"],
                                            ["李四", valid_id_number(), "户籍", "13800002222", "东联"],
                                            ["合计", "2人"],
                                            ["填表人：王五", None, None, None, "制表日期：2026-01-31"]])
    sheet.row_dimensions[4].hidden = True
    result = ledger_import(kind="residents", path=saved(workbook, path), file_name="a.xlsx", by=secretary,
                           dry_run=True)
    assert (result.created, result.refused) == (2, 0)
    assert "第4行在 Excel 中被隐藏，仍已读取。" in result.warnings
    assert "第5–6行是表尾（合计、填表人等），不是数据，未导入。" in result.warnings


@pytest.mark.django_db
def test_a_refused_rows_file_uploaded_again_refers_to_the_original_rows(tmp_path, secretary):
    rows = [["东联社区居民台账"], HEADER, ["张三", valid_id_number(), "户籍", "13800001111", "东联"],
            ["坏号", "123", "户籍", "", "东联"], ["李四", valid_id_number(), "户籍", "13800002222", "东联"],
            ["坏电话", valid_id_number(), "户籍", "12345", "东联"]]
    path = tmp_path / "a.csv"
    path.write_bytes(csv_text(rows))
    first = ledger_import(kind="residents", path=path, file_name="a.csv", by=secretary, dry_run=True)
    again = tmp_path / "a-错误行.xlsx"
    again.write_bytes(first.refused_path.read_bytes())

    second = ledger_import(kind="residents", path=again, file_name=again.name, by=secretary, dry_run=True)
    assert (second.created, second.refused, second.unknown_headers) == (0, 2, [])
    refused = list(load_workbook(second.refused_path).active.values)
    assert refused[0] == ("行号", *HEADER, "错误原因")
    assert [(row[0], row[1]) for row in refused[1:]] == [(4, "坏号"), (6, "坏电话")]
