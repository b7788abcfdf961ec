import datetime as dt

import pytest
from openpyxl import Workbook, load_workbook

from banyan.accounts.roles import Role
from banyan.core.pii import pii_lookup, pii_reveal
from banyan.core.testing import GridFactory, ResidentFactory, community, make_user, valid_id_number
from banyan.ledgers.importing import ledger_import
from banyan.ledgers.reading import FileRefused, csv_text
from banyan.people.models import Household, Resident

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "身份证号", "人口类别", "手机号", "社区"]


def write_csv(tmp_path, rows, name="a.csv", encoding=None):
    path = tmp_path / name
    if encoding:
        import csv
        import io

        out = io.StringIO()
        csv.writer(out).writerows(rows)
        path.write_bytes(out.getvalue().encode(encoding))
    else:
        path.write_bytes(csv_text(rows))
    return path


def write_xlsx(tmp_path, rows, name="a.xlsx", merge=None):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    path = tmp_path / name
    workbook.save(path)
    return path


@pytest.fixture
def secretary():
    return make_user(Role.COMMUNITY_SECRETARY, community("东联"))


def refused_reasons(result):
    sheet = load_workbook(result.refused_path).active
    rows = list(sheet.values)
    assert rows[0][-1] == "错误原因"
    return {row[0]: row[-1] for row in rows[1:]}


def test_dry_run_then_commit_then_reimport_changes_nothing(tmp_path, secretary):
    ids = [valid_id_number() for _ in range(4)]
    names = ("陈伟", "李娜", "黄敏", "张强")
    good = [[name, n, "户籍人口", "13800001111", "东联"] for name, n in zip(names, ids, strict=True)]
    bad_check = ids[0][:17] + ("0" if ids[0][17] != "0" else "1")
    rows = [["东联社区居民台账"], HEADER, *good,
            ["坏号", bad_check, "户籍", "", "东联"],
            ["越界", valid_id_number(), "户籍", "", "罗湖"],
            ["重复", ids[1], "流动", "", "东联"],
            ["未来", "440605" + "20991231" + "0013", "户籍", "", "东联"],
            ["坏电话", valid_id_number(), "户籍", "12345", "东联"]]
    path = write_csv(tmp_path, rows)

    preview = ledger_import(kind="residents", path=path, file_name="a.csv", by=secretary, dry_run=True)
    assert (preview.created, preview.refused, preview.written) == (4, 5, False)
    assert Resident.objects.count() == 0
    reasons = refused_reasons(preview)
    assert "校验位" in reasons[7]
    assert "罗湖" in reasons[8] and "管辖范围" in reasons[8]
    assert reasons[9] == "与第4行重复"
    assert "不合理" in reasons[10] or "校验位" in reasons[10]
    assert "手机号码" in reasons[11]

    done = ledger_import(kind="residents", path=path, file_name="a.csv", by=secretary)
    assert (done.created, done.refused, done.written) == (4, 5, True)
    resident = Resident.objects.get(**pii_lookup("id_number", ids[0]))
    assert pii_reveal(resident, "id_number") == ids[0]
    assert resident.id_number == ids[0][:6] + "********" + ids[0][-4:]
    assert resident.phone == "138****1111"
    assert resident.birth_date == dt.date(1985, 3, 12) and resident.community == community("东联")

    again = ledger_import(kind="residents", path=path, file_name="a.csv", by=secretary)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert Resident.objects.count() == 4


def test_corrected_file_updates_in_place(tmp_path, secretary):
    number = valid_id_number()
    first = write_csv(tmp_path, [HEADER, ["张三", number, "户籍人口", "13800001111", "东联"]])
    ledger_import(kind="residents", path=first, file_name="a.csv", by=secretary)
    pk = Resident.objects.get().pk
    fixed = write_csv(tmp_path, [HEADER, ["张叁", number, "流动人口", "13900002222", "东联"]], name="b.csv")
    result = ledger_import(kind="residents", path=fixed, file_name="b.csv", by=secretary)
    assert (result.created, result.updated) == (0, 1)
    resident = Resident.objects.get()
    assert (resident.pk, resident.name, resident.residency, resident.phone) == (pk, "张叁", "migrant", "139****2222")


def test_strict_mode_writes_nothing_when_any_row_is_refused(tmp_path, secretary):
    path = write_csv(tmp_path, [HEADER, ["好", valid_id_number(), "户籍", "", "东联"],
                                ["坏", "123", "户籍", "", "东联"]])
    result = ledger_import(kind="residents", path=path, file_name="a.csv", by=secretary, strict=True)
    assert (result.created, result.refused, result.written) == (1, 1, False)
    assert "严格模式" in result.message
    assert not Resident.objects.exists()


def test_foreign_resident_cannot_be_overwritten(tmp_path, secretary):
    number = valid_id_number()
    ResidentFactory(community=community("罗湖"), id_number=number, name="罗湖居民")
    path = write_csv(tmp_path, [HEADER, ["冒名", number, "户籍", "", "东联"]])
    result = ledger_import(kind="residents", path=path, file_name="a.csv", by=secretary)
    assert result.refused == 1 and "管辖范围以外" in refused_reasons(result)[2]
    assert Resident.objects.get().name == "罗湖居民"


def test_grid_worker_imports_only_into_their_grid(tmp_path):
    mine, other = GridFactory(name="甲网格"), GridFactory(name="乙网格")
    worker = make_user(Role.GRID_WORKER, mine)
    header = [*HEADER, "网格"]
    path = write_csv(tmp_path, [header, ["甲", valid_id_number(), "户籍", "", "东联", "甲网格"],
                                ["乙", valid_id_number(), "户籍", "", "东联", "乙网格"],
                                ["无", valid_id_number(), "户籍", "", "东联", ""]])
    result = ledger_import(kind="residents", path=path, file_name="a.csv", by=worker)
    assert (result.created, result.refused) == (1, 2)
    assert list(Resident.objects.values_list("name", "grid")) == [("甲", mine.pk)]
    assert other.pk not in Resident.objects.values_list("grid", flat=True)


def test_gb18030_csv_and_xlsx_with_title_row_and_aliases(tmp_path, secretary):
    header = ["公民身份号码", "姓名", "人员类别", "联系电话", "所属社区", "来本地日期"]
    rows = [header, [valid_id_number(), "李四", "流动人口", "13800001234", "东联", "2024/3/5"]]
    gbk = write_csv(tmp_path, rows, encoding="gb18030")
    assert ledger_import(kind="residents", path=gbk, file_name="a.csv", by=secretary).created == 1
    xlsx = write_xlsx(tmp_path, [["东联社区流动人口台账"], header,
                                 [valid_id_number(), "王五", "流动人口", 13800005678, "东联", dt.date(2024, 3, 6)]],
                      merge="A1:F1")
    result = ledger_import(kind="residents", path=xlsx, file_name="a.xlsx", by=secretary)
    assert (result.created, result.refused) == (1, 0)
    assert Resident.objects.get(name="王五").arrived_on == dt.date(2024, 3, 6)


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"", "a.csv", "空的"),
    (b"\xff\xfe\x00\x00garbage\x81\x30", "a.csv", "编码"),
    (b"not a zip at all", "a.xlsx", "不是有效的 Excel"),
    ("姓名,手机号\n张三,13800001111\n".encode(), "a.csv", "缺少必填列"),
    ("随便,什么\n1,2\n".encode(), "a.csv", "找不到表头"),
    ("姓名,身份证号,人口类别\n".encode(), "a.csv", "没有数据行"),
    (b"x", "a.pdf", "不支持的文件类型"),
])
def test_bad_files_are_refused_whole(tmp_path, secretary, content, name, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileRefused, match=message):
        ledger_import(kind="residents", path=path, file_name=name, by=secretary)
    assert not Resident.objects.exists()


def test_merged_header_cells_are_refused(tmp_path, secretary):
    path = write_xlsx(tmp_path, [["姓名", "身份证号", None, "人口类别"], ["张三", valid_id_number(), "", "户籍"]],
                      merge="B1:C1")
    with pytest.raises(FileRefused, match="合并单元格"):
        ledger_import(kind="residents", path=path, file_name="a.xlsx", by=secretary)


def test_blank_rows_are_skipped(tmp_path, secretary):
    rows = [HEADER, *([["", "", "", "", ""]] * 5000), ["张三", valid_id_number(), "户籍", "", "东联"]]
    result = ledger_import(kind="residents", path=write_csv(tmp_path, rows), file_name="a.csv", by=secretary)
    assert (result.rows, result.created) == (1, 1)


def test_formula_cells_in_refused_rows_are_inert(tmp_path, secretary):
    path = write_csv(tmp_path, [HEADER, ["=cmd|' /C calc'!A0", "bad", "户籍", "", "东联"]])
    result = ledger_import(kind="residents", path=path, file_name="a.csv", by=secretary)
    row = list(load_workbook(result.refused_path).active.values)[1]
    assert row[1].startswith("'=")


def test_households_then_residents_linked_by_number(tmp_path, secretary):
    households = write_csv(tmp_path, [["户号", "社区", "户别", "地址"], ["H1", "东联", "家庭户", "村前路1号"]],
                           name="h.csv")
    assert ledger_import(kind="households", path=households, file_name="h.csv", by=secretary).created == 1
    path = write_csv(tmp_path, [[*HEADER, "户号"], ["张三", valid_id_number(), "户籍", "", "东联", "H1"],
                                ["李四", valid_id_number(), "户籍", "", "东联", "H9"]])
    result = ledger_import(kind="residents", path=path, file_name="a.csv", by=secretary)
    assert (result.created, result.refused) == (1, 1)
    assert Resident.objects.get().household == Household.objects.get(number="H1")
