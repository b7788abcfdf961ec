"""Cells as clerks fill them in: the everyday forms are read to the one value the registry keeps, and garbage
is refused with a reason they can act on."""

import datetime as dt

import polars as pl
import pytest
from openpyxl import load_workbook

from banyan.accounts.roles import Role
from banyan.core.pii import pii_lookup
from banyan.core.testing import PartyOrgFactory, community, make_user, valid_id_number
from banyan.ledgers import columns
from banyan.ledgers.importing import ledger_import
from banyan.ledgers.kinds import KINDS
from banyan.ledgers.reading import csv_text
from banyan.party.models import PartyMember
from banyan.people.models import Enterprise, RentalProperty, Resident

EXCEL_NUMBER = "Excel 把身份证号存成了数字，末几位已丢失：请把该列设为文本后重新填写"


def parse(parser, cells: list[str]) -> list[tuple]:
    """(value, error) of each cell."""
    value, error = parser(pl.col("c"))
    frame = pl.DataFrame({"c": cells}, schema={"c": pl.Utf8}).select(value.alias("v"), error.alias("e"))
    return list(frame.iter_rows())


def values(parser, cells: list[str]) -> list:
    rows = parse(parser, cells)
    assert [e for _v, e in rows] == [None] * len(cells), rows
    return [v for v, _e in rows]


def errors(parser, cells: list[str]) -> list[str]:
    return [e for _v, e in parse(parser, cells)]


def test_id_numbers_as_typed_are_stored_in_their_18_digit_form():
    number = "44060519850312018X"
    typed = ["４４０６０５１９８５０３１２０１８Ｘ", "'44060519850312018X", '="44060519850312018X"',
             "440605 19850312 018X", "440605-19850312-018X", "  44060519850312018x  "]
    assert values(columns.id_number, typed) == [number] * len(typed)
    # 15 digits of before 1999: born 1985-03-12, the century and the check character put in.
    assert values(columns.id_number, ["440605850312018"]) == [number]


def test_15_digit_numbers_are_converted_with_the_gb_11643_check_character():
    from banyan.core.validators import validate_id_number

    for old in ["110105491231002", "440605850312003", "320106770101123"]:
        [new] = values(columns.id_number, [old])
        assert new[:6] + new[8:17] == old and new[6:8] == "19"
        assert validate_id_number(new) == new  # a form would take the stored number
    assert errors(columns.id_number, ["440605851332001"]) == ["身份证号中的出生日期“19851332”不是有效日期"]


def test_an_id_number_excel_turned_into_a_number_is_refused_for_what_it_is():
    assert errors(columns.id_number, ["4.40605E+17", "4.40605198503120E+17", "4.40605e+17"]) == [EXCEL_NUMBER] * 3
    assert errors(columns.id_number, ["440605198503120017"]) == ["身份证号校验位错误，请核对"]


def test_dates_excel_and_people_write():
    day = dt.date(1957, 12, 8)
    typed = ["1957-12-08", "1957/12/08 0:00:00", "1957-12-08 00:00:00", "1957/12/8", "1957.12.8", "19571208",
             "1957年12月8日", "１９５７年１２月８日"]
    assert values(columns.date, typed) == [day] * len(typed)
    # A date cell set to General shows the serial number of days since 1899-12-30.
    assert values(columns.date, ["21527", "45658"]) == [dt.date(1958, 12, 8), dt.date(2025, 1, 1)]
    assert values(columns.date, ["2001/7/1", "2001年7月1日", "2001-7-1"]) == [dt.date(2001, 7, 1)] * 3
    # A year alone is not a serial (1985 days after 1899 is in 1905): refused, not guessed.
    assert errors(columns.date, ["1985", "2001-07", "2001-02-30"]) == [
        "日期“1985”无法识别，请写成 2026-01-31 的格式", "日期“2001-07”无法识别，请写成 2026-01-31 的格式",
        "日期“2001-02-30”无法识别，请写成 2026-01-31 的格式"]


def test_a_month_is_enough_where_the_field_allows_it():
    july = dt.date(2001, 7, 1)
    assert values(columns.date_or_month, ["2001.07", "2001-07", "2001/7", "2001年7月", "200107", "2001.7"]) == [
        july] * 6
    assert values(columns.date_or_month, ["2001-07-15"]) == [dt.date(2001, 7, 15)]
    [ambiguous, bad] = errors(columns.date_or_month, ["2001.1", "2001-13"])
    assert "10月" in ambiguous and bad == "日期“2001-13”无法识别，请写成 2026-01-31 或 2026-01 的格式"


def test_contact_numbers_take_landlines_and_personal_ones_only_mobiles():
    assert values(columns.contact_phone, ["0757-86651234", "(0757)86651234", "（０７５７）８６６５１２３４",
                                          "075786651234", "020-12345678", "86651234", "138 0000 1111"]) == [
        "075786651234", "075786651234", "075786651234", "075786651234", "02012345678", "86651234", "13800001111"]
    assert errors(columns.contact_phone, ["12345", "0757-8665"]) == [
        "联系电话“12345”应为手机号或固定电话（如 13812345678、0757-86651234）",
        "联系电话“0757-8665”应为手机号或固定电话（如 13812345678、0757-86651234）"]
    assert errors(columns.mobile, ["0757-86651234"]) == [
        "手机号码“0757-86651234”应为11位、以1开头的中国大陆手机号"]


@pytest.mark.parametrize("parser", [columns.mobile, columns.contact_phone, columns.credit_code])
def test_words_for_none_are_blank(parser):
    assert values(parser, ["无", "/", "-", "—", "暂无"]) == [None] * 5


def test_names_with_notes_or_formulas_are_refused():
    noted = "姓名“{}”中有括号、数字或空格隔开的备注，请只填写姓名，备注写在其他列"
    name = columns.person_name(30)
    assert errors(name, ["李四（已迁出）", "王五(死亡)", "张三 备注", "张三2", "张三【备注】"]) == [
        noted.format(n) for n in ["李四（已迁出）", "王五(死亡)", "张三 备注", "张三2", "张三【备注】"]]
    assert errors(name, ["=SUM(A1)", "+1", "-张三", "@张三"]) == [
        f"“{n}”以 = + - @ 开头，像是公式，请填写实际内容" for n in ["=SUM(A1)", "+1", "-张三", "@张三"]]
    # Names spaced out to line up in a printed list are closed up; ethnic-minority names keep their dot.
    assert values(name, ["张　三", "张 小 三", "阿卜杜拉·买买提"]) == ["张三", "张小三", "阿卜杜拉·买买提"]


def test_credit_codes_are_checked_per_gb_32100():
    typed = ["914403001922038216", "91110000802100433B", "９１４４０３００１９２２０３８２１６", "91440300 19220382 16"]
    assert values(columns.credit_code, typed) == ["914403001922038216", "91110000802100433B",
                                                  "914403001922038216", "914403001922038216"]
    assert errors(columns.credit_code, ["914403001922038217", "44060500012345", "91440300192203821O"]) == [
        "统一社会信用代码“914403001922038217”校验位错误，请核对",
        "统一社会信用代码“44060500012345”应为18位数字或大写字母（不含I、O、S、V、Z）",
        "统一社会信用代码“91440300192203821O”应为18位数字或大写字母（不含I、O、S、V、Z）"]


def test_addresses_differing_in_spaces_or_width_are_one():
    typed = ["村前路8号", "村前路 8号", " 村前路８号 ", "村 前 路 8 号"]
    assert values(columns.address(200), typed) == ["村前路8号"] * 4


def _column(kind: str, field: str):
    return next(c for c in KINDS[kind].columns if c.field == field)


@pytest.mark.parametrize(("kind", "field", "words", "codes"), [
    ("residents", "ethnicity", ["汉", "汉族", "维吾尔", "蒙古", "壮 族"], ["01", "01", "05", "02", "08"]),
    ("residents", "relation", ["本人", "户主", "妻", "夫", "配偶", "子", "女", "长子", "次女", "独生子", "孙子", "孙女",
                               "父亲", "母", "兄", "妹", "儿媳", "女婿", "其他"],
     ["02", "02", "10", "10", "10", "20", "20", "20", "20", "20", "30", "30", "50", "50", "70", "70", "20", "20",
      "99"]),
    ("residents", "political_status", ["党员", "预备党员", "团员", "群众", "中共党员"], ["01", "02", "03", "13", "01"]),
    ("households", "kind", ["家庭户", "家庭", "集体户", "集体"], ["family", "family", "collective", "collective"]),
    ("rentals", "use", ["住宅", "住房", "宿舍", "厂房"], ["02", "02", "01", "06"]),
    ("residents", "residence_type", ["租房", "自购房屋"], ["02", "01"]),
])
def test_code_lists_take_the_words_people_write(kind, field, words, codes):
    assert values(_column(kind, field).parse, words) == codes


def test_unknown_code_words_are_refused_with_the_allowed_ones():
    [error] = errors(_column("residents", "relation").parse, ["邻居家的猫"])
    assert error == "“邻居家的猫”不在可选值中（户主、配偶、子女、孙子女、父母、祖父母、兄弟姐妹、其他…）"


def test_headers_are_read_through_line_breaks_and_spaces():
    assert [columns.normalize_header(h) for h in ["人口\n类别", "姓 名", "姓\u3000名", " *身份证号（必填）"]] == [
        "人口类别", "姓名", "姓名", "身份证号"]


# Importing files: what the clerk sees in the registry afterwards.

@pytest.fixture
def secretary():
    return make_user(Role.COMMUNITY_SECRETARY, community("东联"))


def run(tmp_path, user, kind, rows, name="x.csv"):
    path = tmp_path / name
    path.write_bytes(csv_text(rows))
    return ledger_import(kind=kind, path=path, file_name=name, by=user, community=community("东联"))


def reasons(result) -> list[str]:
    return [row[-1] for row in list(load_workbook(result.refused_path).active.values)[1:]]


@pytest.mark.django_db
def test_a_resident_file_as_clerks_keep_it(tmp_path, secretary):
    rows = [["姓 名", "公民身份证号", "人员\n类型", "民族", "联系电话", "手机号", "出生年月", "与户主关系", "现居住地"],
            ["张三", "440605850312018", "户籍", "汉", "0757-86651234", "13800001111", "1985.03", "长子", "村前路 8号"],
            ["李四（已迁出）", valid_id_number(), "户籍", "", "", "", "", "", ""],
            ["王五", "4.40605E+17", "户籍", "", "", "", "", "", ""],
            ["赵六", valid_id_number(), "流动人口", "", "", "无", "", "", ""]]
    result = run(tmp_path, secretary, "residents", rows)
    assert (result.created, result.refused) == (2, 2)
    assert reasons(result) == ["姓名：姓名“李四（已迁出）”中有括号、数字或空格隔开的备注，请只填写姓名，备注写在其他列",
                               EXCEL_NUMBER]
    assert "联系电话" in result.unknown_headers  # both phone columns: the mobile one is taken
    zhang = Resident.objects.get(**pii_lookup("id_number", "44060519850312018X"))
    assert (zhang.name, zhang.ethnicity, zhang.relation, zhang.phone, zhang.birth_date, zhang.current_address) == (
        "张三", "01", "20", "138****1111", dt.date(1985, 3, 12), "村前路8号")
    zhao = Resident.objects.get(name="赵六")
    assert (zhao.ethnicity, zhao.get_ethnicity_display(), zhao.phone) == ("", "", "")  # blank stays unknown


@pytest.mark.django_db
def test_enterprises_keep_landlines_and_blank_credit_codes(tmp_path, secretary):
    rows = [["企业名称", "统一社会信用代码", "联系电话"],
            ["东联五金厂", "无", "(0757)86651234"], ["东联塑料厂", "914403001922038216", "86651234"],
            ["假代码厂", "914403001922038217", ""]]
    result = run(tmp_path, secretary, "enterprises", rows)
    assert (result.created, result.refused) == (2, 1)
    assert reasons(result) == ["统一社会信用代码：统一社会信用代码“914403001922038217”校验位错误，请核对"]
    assert {(e.name, e.credit_code, e.contact_phone) for e in Enterprise.objects.all()} == {
        ("东联五金厂", "", "075****1234"), ("东联塑料厂", "914403001922038216", "86****")}


@pytest.mark.django_db
def test_party_members_joined_at_18_or_later(tmp_path, secretary):
    PartyOrgFactory(name="拾陈经济社党支部")
    born_1985 = [valid_id_number(born="19850312") for _ in range(4)]
    rows = [["姓名", "身份证号", "所在党组织", "入党日期"],
            ["老党员", born_1985[0], "拾陈经济社党支部", "2003.03"],
            ["少年", born_1985[1], "拾陈经济社党支部", "2000-07-01"],
            ["倒置", born_1985[2], "拾陈经济社党支部", "1980年7月"],
            ["按月", born_1985[3], "拾陈经济社党支部", "2010年7月"]]
    result = run(tmp_path, secretary, "party-members", rows)
    assert (result.created, result.refused) == (2, 2)
    assert reasons(result) == ["入党日期“2000-07-01”时未满18岁，请核对入党日期和身份证号",
                               "入党日期“1980-07-01”早于身份证号中的出生日期"]
    assert sorted(PartyMember.objects.values_list("name", "joined_on")) == [
        ("按月", dt.date(2010, 7, 1)), ("老党员", dt.date(2003, 3, 1))]


@pytest.mark.django_db
def test_one_rental_property_whatever_the_spacing_of_its_address(tmp_path, secretary):
    RentalProperty.objects.create(community=community("东联"), address="村后街 3号", landlord_name="李小梅")
    header = ["出租屋地址", "房间号", "房东姓名", "房东电话"]
    rows = [header, ["村前路8号", "101", "陈大文", "0757-86651234"], ["村前路 8号", "102", "陈大文", ""],
            ["村前路８号 ", "103", "陈大文", "—"], ["村后街3号", "201", "李小梅", ""]]
    result = run(tmp_path, secretary, "rentals", rows)
    assert (result.created, result.refused) == (4, 0)
    assert sorted(RentalProperty.objects.values_list("address", flat=True)) == ["村前路8号", "村后街 3号"]
    assert RentalProperty.objects.get(address="村前路8号").rooms.count() == 3
