"""The case router: labelled files in, a category suggestion out. No database needed."""

import csv
import re
from pathlib import Path

import openpyxl
import pytest
from sklearn.model_selection import train_test_split

from banyan.cases.labelled import LabelledFileError, read_labelled
from banyan.cases.router import Router, evaluate, train_router
from banyan.cases.router_commands import evaluate_router_command, train_router_command

REFERENCE = Path(__file__).resolve().parents[4] / ".." / "shared" / "reference" / "citizen-messages-train.csv"
needs_reference = pytest.mark.skipif(
    not REFERENCE.is_file(), reason=f"reference messages not present at {REFERENCE} (kept outside the repository)"
)

# Small hand-written messages: enough for the tests that are about files and plumbing, not accuracy.
TOY = [
    ("孩子上学", "学校乱收补课费，老师要求家长买资料", "教育文体"),
    ("中考招生", "中学招生政策不公平，学生家长很着急", "教育文体"),
    ("公交线路", "公交车线路太少，站点离小区太远", "交通运输"),
    ("道路拥堵", "路口红绿灯时间太短，车辆拥堵严重", "交通运输"),
    ("拖欠工资", "公司拖欠工资半年，社保也没有缴纳", "劳动和社会保障"),
    ("养老保险", "退休人员养老金调整没有落实", "劳动和社会保障"),
]


def _toy_columns():
    titles, texts, labels = (list(column) for column in zip(*TOY, strict=True))
    return texts, labels, titles


def _write_csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


# A real export: a long field with newlines, commas and quotes, and rows with an empty text or label.
MESSY_ROWS = [
    ["编号", "标题", "留言内容", "类别"],
    ["1", "小区电梯", "电梯经常坏，\n物业说“等配件”，\"已经\"一个月了，怎么办？" * 20, "城乡建设"],
    ["2", "空内容", "", "城乡建设"],
    ["3", "无类别", "河道有人倾倒垃圾", ""],
    ["4", "排污", "工厂夜间偷排废水，河水发黑发臭", "环境保护"],
]


@pytest.fixture(scope="module")
def reference_split():
    data = read_labelled(REFERENCE, "text", "label", "title")
    return train_test_split(data.texts, data.labels, data.titles, test_size=0.25, stratify=data.labels, random_state=0)


@needs_reference
def test_router_trained_on_reference_suggests_the_right_category(reference_split):
    texts, held_texts, labels, held_labels, titles, held_titles = reference_split
    router = train_router(texts, labels, titles)

    # Cross-validated macro-F1 is 0.844 ± 0.026 (see router.py), so a guard at 0.85 would fail on most splits;
    # 0.80 still catches a broken feature pipeline (which falls below 0.7).
    assert evaluate(router, held_texts, held_labels, held_titles).macro_f1 >= 0.80
    clear = {
        ("学校乱收费", "学校乱收费，老师强制学生购买教辅资料"): "教育文体",
        ("公司拖欠工资", "单位拖欠工资，不给缴纳社保和养老保险"): "劳动和社会保障",
        ("县医院看病难", "县医院医生态度差，看病收费不合理"): "卫生计生",
        ("化工厂污染", "化工厂偷排废气，空气污染严重，环保部门不管"): "环境保护",
        # In these labels buses and roads mostly belong to 城乡建设; taxis, post and couriers to 交通运输.
        ("出租车乱收费", "出租车司机不打表，坐地起价，乱收费"): "交通运输",
    }
    for (title, text), expected in clear.items():
        suggestions = router.suggest(text, title)
        assert suggestions[0][0] == expected, (title, suggestions[:3])
        assert 0.0 <= suggestions[-1][1] <= suggestions[0][1] <= 1.0


def test_gb18030_and_xlsx_read_the_same_as_utf8(tmp_path):
    utf8 = read_labelled(_write_csv(tmp_path / "a.csv", MESSY_ROWS, "utf-8"), "留言内容", "类别", "标题")
    bom = read_labelled(_write_csv(tmp_path / "b.csv", MESSY_ROWS, "utf-8-sig"), "留言内容", "类别", "标题")
    gb = read_labelled(_write_csv(tmp_path / "c.csv", MESSY_ROWS, "gb18030"), "留言内容", "类别", "标题")
    xlsx = read_labelled(_write_xlsx(tmp_path / "d.xlsx", MESSY_ROWS), "留言内容", "类别", "标题")

    assert utf8.texts[0] == MESSY_ROWS[1][2].strip()
    for other in (bom, gb, xlsx):
        assert (other.texts, other.labels, other.titles) == (utf8.texts, utf8.labels, utf8.titles)


def test_rows_with_empty_text_or_label_are_skipped_and_counted(tmp_path):
    data = read_labelled(_write_csv(tmp_path / "a.csv", MESSY_ROWS, "utf-8"), "留言内容", "类别")

    assert data.labels == ["城乡建设", "环境保护"]
    assert data.skipped == 2
    assert data.titles is None


def test_missing_column_is_reported_in_chinese(tmp_path):
    path = _write_csv(tmp_path / "a.csv", MESSY_ROWS, "utf-8")

    with pytest.raises(LabelledFileError, match="找不到列“正文”，文件中的列有：编号、标题、留言内容、类别"):
        read_labelled(path, "正文", "类别")


def test_unreadable_file_is_reported_in_chinese(tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")

    with pytest.raises(ValueError, match="无法读取表格文件"):
        read_labelled(broken, "留言内容", "类别")
    with pytest.raises(ValueError, match="找不到文件"):
        read_labelled(tmp_path / "missing.csv", "留言内容", "类别")


def test_saved_router_loads_with_identical_suggestions(tmp_path):
    router = train_router(*_toy_columns())
    router.save(tmp_path / "models" / "router.pkl")
    loaded = Router.load(tmp_path / "models" / "router.pkl")

    for text in ("工资一直拖欠", "学校收费", "公交站太远", "完全无关的内容"):
        assert loaded.suggest(text) == router.suggest(text)


def test_commands_train_then_evaluate_ending_with_macro_f1(tmp_path, capsys):
    rows = [["标题", "内容", "类别"]] + [list(row) for row in TOY] + [["", "", ""]]
    path = _write_csv(tmp_path / "toy.csv", rows, "gb18030")
    model = tmp_path / "router.pkl"

    assert train_router_command(path, "内容", "类别", title_column="标题", out=model) == 0
    trained = capsys.readouterr().out
    assert "读取 6 条留言" in trained and "3 个类别" in trained and str(model) in trained

    assert evaluate_router_command(path, "内容", "类别", title_column="标题", model=model) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any("毫秒" in line for line in lines)
    assert re.match(r"^macro_f1=\d\.\d{3}$", lines[-1])


def test_commands_default_to_the_data_directory(tmp_path, settings, capsys):
    settings.DATA_DIR = tmp_path / "data"
    path = _write_csv(tmp_path / "toy.csv", [["内容", "类别"]] + [[text, label] for _, text, label in TOY], "utf-8")

    assert train_router_command(path, "内容", "类别") == 0
    assert (tmp_path / "data" / "router.pkl").is_file()
    assert evaluate_router_command(path, "内容", "类别") == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("macro_f1=")


def test_command_with_a_missing_column_fails_with_the_chinese_message(tmp_path, capsys):
    path = _write_csv(tmp_path / "a.csv", MESSY_ROWS, "utf-8")

    assert train_router_command(path, "正文", "类别", out=tmp_path / "m.pkl") == 1
    assert "找不到列“正文”" in capsys.readouterr().err
