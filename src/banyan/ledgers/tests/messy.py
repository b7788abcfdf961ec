"""Messy ledger files as community offices keep them, each with what must become of every data row.

Each builder takes a folder, makes the stored records its file refers to (inside the test's database), writes
the file (XLSX through openpyxl, CSV in GB18030 or UTF-8 with a BOM) and returns a `Built`: the file, the kind,
who imports it with which options, the expected outcome of each row by its row number in the file, the warnings
the import must give, and checks of the stored values afterwards.

Outcomes: "create", "update", "unchanged", "refused" (with a fragment of the reason), "absent" (not a data row:
a footer, a title), "not_created" (refused or absent, either will do), "accepted" (create, update or unchanged).
"""

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook, load_workbook

from banyan.accounts.roles import Role
from banyan.core.pii import pii_lookup, pii_reveal
from banyan.core.testing import (
    EnterpriseFactory,
    GridFactory,
    HouseholdFactory,
    IndustrialParkFactory,
    PartyMemberFactory,
    PartyOrgFactory,
    RentalPropertyFactory,
    RentalRoomFactory,
    ResidentFactory,
    community,
    make_user,
    valid_id_number,
)
from banyan.core.validators import id_check_digit

# ---------------------------------------------------------------------------------------------------------------
# Expectations


@dataclass
class E:
    """A data row of a file and what must become of it."""
    outcome: str
    cells: list
    reason: str = ""  # a fragment of the refusal reason
    label: str = ""


@dataclass
class Built:
    path: Path
    kind: str
    rows: dict[int, E]  # row number in the file → expectation
    user: object = None  # default: a community secretary of 东联
    community: object = "东联"  # the community chosen on import (None: none chosen)
    options: dict = field(default_factory=dict)
    strict: bool = False
    warnings: list[str] = field(default_factory=list)  # fragments the warnings must contain
    after: Callable[[object], list[str]] | None = None  # stored values: the problems found (result passed)
    expect_written: bool | None = None
    prelude: list[tuple[str, Path, dict]] = field(default_factory=list)  # imports run first (kind, path, options)
    refused_file: str = ""  # a fragment of the message when the whole file must be refused (nothing written)
    # (label, record, shows): whether the record's timeline must show this import's event. Records are re-read.
    timeline: Callable[[], list[tuple[str, object, bool]]] | None = None


def vid(born: str, male: bool = True) -> str:
    return valid_id_number(born=born, male=male)


def list_slug(kind: str) -> str:
    """The registry list of an import kind's records (its export's URL)."""
    from banyan.core.registry import BY_LABEL
    from banyan.ledgers.kinds import KINDS

    return BY_LABEL[KINDS[kind].label].slug


def secretary():
    return make_user(Role.COMMUNITY_SECRETARY, community("东联"))


def lay_out(lines: list) -> tuple[list[list], dict[int, E]]:
    """The cells of each line, and the expectations of the lines that are `E`, by 1-based row number."""
    cells, rows = [], {}
    for number, line in enumerate(lines, start=1):
        if isinstance(line, E):
            rows[number] = line
            cells.append(line.cells)
        else:
            cells.append(line)
    return cells, rows


def write_xlsx(path: Path, lines: list, *, title: str = "Sheet1", prepare=None) -> dict[int, E]:
    """One sheet of `lines`; `prepare(workbook, sheet)` adds merges, hidden rows, other sheets…"""
    cells, rows = lay_out(lines)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for line in cells:
        sheet.append(line)
    for row in sheet.iter_rows():
        for cell in row:  # text typed as "=SUM(A1)" is text in Excel (a quote prefix), not a formula
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    if prepare:
        prepare(workbook, sheet)
    workbook.save(path)
    return rows


def write_csv(path: Path, lines: list, encoding: str) -> dict[int, E]:
    cells, rows = lay_out(lines)
    out = io.StringIO()
    csv.writer(out).writerows(cells)
    text = out.getvalue()
    path.write_bytes(("\ufeff" + text).encode("utf-8") if encoding == "utf-8-sig" else text.encode(encoding))
    return rows


def old_id(born6: str, seq: str = "123") -> tuple[str, str]:
    """A 15-digit ID number of before 1999 and its 18-digit form."""
    old = "440605" + born6 + seq
    first17 = "440605" + "19" + born6 + seq
    return old, first17 + id_check_digit(first17)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def serial(day: dt.date) -> int:
    """The Excel serial number of a day (what a date cell set to General shows)."""
    return (day - dt.date(1899, 12, 30)).days


def stored(model, **lookup):
    return model.objects.filter(**lookup).first()


def resident_by_id(number: str):
    from banyan.people.models import Resident

    return Resident.objects.filter(**pii_lookup("id_number", number)).first()


def member_by_id(number: str):
    from banyan.party.models import PartyMember

    return PartyMember.objects.filter(**pii_lookup("id_number", number)).first()


def expect_fields(what: str, obj, **values) -> list[str]:
    """Problems: `obj` missing, or a field other than expected."""
    if obj is None:
        return [f"{what}: not stored"]
    problems = []
    for name, want in values.items():
        got = getattr(obj, name)
        if got != want:
            problems.append(f"{what}: {name} = {got!r}, expected {want!r}")
    return problems


def gone(what: str, obj) -> list[str]:
    return [] if obj is None else [f"{what}: stored but must not be (pk {obj.pk})"]


def export_rows(kind: str, queryset) -> list[list]:
    """The app's own export of `queryset` shaped as the template (系统编号, masked numbers), cells as text."""
    from banyan.ledgers.kinds import KINDS
    from banyan.ledgers.template_export import template_rows

    header, values = template_rows(KINDS[kind], queryset)
    return [header, *[["" if v is None else str(v) for v in row] for row in values]]


def stored_family(name: str, born: str, *, male: bool, **extra):
    """A resident registered in a household and a grid, with a relation and an address."""
    grid = extra.pop("grid", None) or GridFactory()
    household = extra.pop("household", None) or HouseholdFactory(grid=grid, address="东联村前路1号")
    return ResidentFactory(name=name, grid=grid, household=household, relation=extra.pop("relation", "02"),
                           current_address=extra.pop("current_address", "东联村前路1号"),
                           id_number=valid_id_number(born=born, male=male), sex="1" if male else "2",
                           birth_date=dt.date(int(born[:4]), int(born[4:6]), int(born[6:])), ethnicity="01",
                           **extra)


# ---------------------------------------------------------------------------------------------------------------
# Residents


def res_update_four_columns(tmp: Path) -> Built:
    """The issue's first complaint: 姓名/身份证号/人口类别/手机号 updating three residents, under a merged title."""
    people = [stored_family(n, b, male=m) for n, b, m in
              (("王芳", "19800101", False), ("李建国", "19650505", True), ("黄丽", "19900909", False))]
    ids = [pii_reveal(p, "id_number") for p in people]
    lines = [["东联社区居民手机号更新表", "", "", ""], ["姓名", "身份证号", "人口类别", "手机号"],
             E("update", ["王芳", ids[0], "户籍人口", "13911112222"], label="王芳 new phone"),
             E("update", ["李建国", ids[1], "户籍", "13911113333"], label="李建国 new phone"),
             E("update", ["黄丽", ids[2], "户籍人口", "13911114444"], label="黄丽 new phone")]

    def merge(_wb, sheet):
        sheet.merge_cells("A1:D1")

    rows = write_xlsx(tmp / "手机号更新.xlsx", lines, prepare=merge)

    def after(_result):
        problems = []
        for person, phone in zip(people, ("139****2222", "139****3333", "139****4444"), strict=True):
            before = (person.household_id, person.grid_id, person.relation, person.current_address, person.ethnicity)
            person.refresh_from_db()
            problems += expect_fields(person.name, person, household_id=before[0], grid_id=before[1],
                                      relation=before[2], current_address=before[3], ethnicity=before[4],
                                      phone_masked=phone)
        return problems

    return Built(tmp / "手机号更新.xlsx", "residents", rows, after=after)


def res_blank_and_clear(tmp: Path) -> Built:
    """Blank cells leave stored values; <清空> clears; an identical row is unchanged (UTF-8 BOM CSV)."""
    a = stored_family("陈敏", "19720303", male=False, registered_address="广东省佛山市南海区丹灶镇")
    b = stored_family("陈志强", "19700707", male=True)
    c = stored_family("何秀英", "19550505", male=False)
    header = ["姓名", "身份证号", "人口类别", "与户主关系", "现住址", "户号", "户籍地址", "民族"]
    lines = [header,
             E("unchanged", ["陈敏", pii_reveal(a, "id_number"), "户籍人口", "", "", "", "", ""], label="all blank"),
             E("update", ["陈志强", pii_reveal(b, "id_number"), "户籍人口", "", "<清空>", "<清空>", "", ""],
               label="clear 现住址 and 户号"),
             E("unchanged", ["何秀英", pii_reveal(c, "id_number"), "户籍人口", "户主", "东联村前路1号",
                             c.household.number, "", "汉族"], label="same values")]
    rows = write_csv(tmp / "blank.csv", lines, "utf-8-sig")

    def after(_result):
        for p in (a, b, c):
            p.refresh_from_db()
        return (expect_fields("陈敏", a, relation="02", current_address="东联村前路1号",
                              registered_address="广东省佛山市南海区丹灶镇", ethnicity="01")
                + (["陈敏: household lost"] if a.household_id is None else [])
                + expect_fields("陈志强", b, current_address="", household_id=None, relation="02", ethnicity="01")
                + (["陈志强: grid lost"] if b.grid_id is None else []))

    return Built(tmp / "blank.csv", "residents", rows, after=after)


def res_reimport_identical(tmp: Path) -> Built:
    """The same messy file imported twice: the second time every row is unchanged, 0 updates."""
    grid = GridFactory(name="第三网格")
    old, converted = old_id("570312", "452")
    ids = [valid_id_number(born="19880808"), valid_id_number(born="19921212", male=False)]
    header = ["序号", "姓 名", "公民身份证号", "人口\n类别", "网格", "联系手机", "民族", "与户主关系", "政治面貌",
              "出生日期", "现居住地"]
    lines = [["东联社区人口台账（2024年）"], header,
             E("unchanged", ["1", "周杰", f"'{ids[0]}", "户籍", grid.name, "138 0013 8000", "汉", "本人", "党员",
                             "1988/08/08 0:00:00", "东联 村前路 5号"], label="quote, spaces"),
             E("unchanged", ["2", "周 婷", full_width(ids[1]), "户籍人口", grid.name, "无", "汉族", "妻", "群众",
                             "", "东联村前路5号"], label="full width id"),
             E("unchanged", ["3", "周老汉", old, "户籍人口", grid.name, "/", "汉", "父", "群众", "", ""],
               label="15-digit id")]
    first = tmp / "first.csv"
    write_csv(first, lines, "gb18030")
    rows = write_csv(tmp / "again.csv", lines, "gb18030")

    def after(result):
        problems = [] if result.updated == 0 else [f"second import updated {result.updated} rows"]
        return problems + expect_fields("周老汉", resident_by_id(converted), name="周老汉", relation="50")

    return Built(tmp / "again.csv", "residents", rows, after=after,
                 prelude=[("residents", first, {})])


def res_export_roundtrip(tmp: Path) -> Built:
    """The app's own export sent back: 系统编号 and masked numbers mean unchanged; a corrected cell updates; a new
    row with a masked number is refused saying it is masked."""
    from openpyxl.utils import get_column_letter

    from banyan.people.models import Resident

    grid = GridFactory(name="第一网格")
    people = [stored_family(n, b, male=m, grid=grid, registered_address="佛山市南海区丹灶镇东联村")
              for n, b, m in (("梁志明", "19660606", True), ("梁美玲", "19680808", False),
                              ("梁小文", "19950101", True))]
    exported = export_rows("residents", Resident.objects.filter(pk__in=[p.pk for p in people]).order_by("pk"))
    header, first, second, third = exported
    col = {h: i for i, h in enumerate(header)}
    second = list(second)
    second[col["现住址"]] = "东联村后街9号"  # the clerk corrects an address
    new_masked = ["", "梁新", "440682********9005", "户籍人口", "东联", "", "139****8888"] + [""] * (len(header) - 7)
    new_full = ["", "梁新民", valid_id_number(born="20000202"), "户籍人口", "东联", grid.name, "13922223333"] \
        + [""] * (len(header) - 7)
    lines = [header, E("unchanged", first, label="exported as is"), E("update", second, label="address corrected"),
             E("unchanged", third, label="exported as is"),
             E("refused", new_masked, reason="遮盖", label="new row, masked numbers"),
             E("create", new_full, label="new row, full numbers")]

    def text_format(_wb, sheet):
        sheet.freeze_panes = "B2"
        sheet.column_dimensions[get_column_letter(1)].width = 10

    rows = write_xlsx(tmp / "居民导出.xlsx", lines, title="居民", prepare=text_format)

    def after(_result):
        problems = []
        for p in people:
            before = (p.household_id, p.grid_id, p.phone_masked, p.id_number_hash, p.relation)
            p.refresh_from_db()
            problems += expect_fields(p.name, p, household_id=before[0], grid_id=before[1], phone_masked=before[2],
                                      id_number_hash=before[3], relation=before[4])
        problems += expect_fields("梁美玲", people[1], current_address="东联村后街9号")
        problems += gone("梁新 (masked)", stored(Resident, name="梁新"))
        return problems

    return Built(tmp / "居民导出.xlsx", "residents", rows, after=after)


def res_id_forms(tmp: Path) -> Built:
    """ID numbers as people type them, and as Excel breaks them."""
    old, converted = old_id("621120", "031")
    forms = [valid_id_number(born=f"198{i}0{i + 1}1{i}", male=bool(i % 2)) for i in range(5)]
    spaced = f"{forms[2][:6]} {forms[2][6:14]} {forms[2][14:]}"
    dashed = f"{forms[3][:6]}-{forms[3][6:14]}-{forms[3][14:]}"
    lines = [["身份证号码", "姓名", "人员类别"],
             E("create", [old, "林旧号", "户籍人口"], label="15-digit old number"),
             E("create", [full_width(forms[0]), "林全角", "户籍人口"], label="full-width digits"),
             E("create", [f"'{forms[1]}", "林撇号", "户籍人口"], label="leading '"),
             E("create", [spaced, "林空格", "户籍人口"], label="inner spaces"),
             E("create", [dashed, "林横线", "户籍人口"], label="inner hyphens"),
             E("create", [f'="{forms[4]}"', "林公式", "户籍人口"], label='="…" form'),
             E("refused", [440605198503120000, "林数字", "户籍人口"],
               reason="Excel 把身份证号存成了数字，末几位已丢失：请把该列设为文本后重新填写", label="ID as number"),
             E("refused", ["4.40605E+17", "林科学", "户籍人口"], reason="Excel 把身份证号存成了数字",
               label="ID as 4.40605E+17 text"),
             E("refused", [forms[0][:17] + ("1" if forms[0][17] != "1" else "2"), "林错位", "户籍人口"],
               reason="校验位", label="wrong check digit")]
    rows = write_xlsx(tmp / "身份证.xlsx", lines)

    def after(_result):
        problems = expect_fields("林旧号 (18-digit form)", resident_by_id(converted), name="林旧号", sex="1",
                                 birth_date=dt.date(1962, 11, 20))
        for number, name in zip(forms, ("林全角", "林撇号", "林空格", "林横线", "林公式"), strict=True):
            problems += expect_fields(name, resident_by_id(number), name=name)
        return problems

    return Built(tmp / "身份证.xlsx", "residents", rows, after=after)


def res_dates(tmp: Path) -> Built:
    """Dates as Excel serial numbers in General cells, text with a time part, real date cells; 出生日期 must agree
    with the ID number."""
    ids = [valid_id_number(born=b, male=True) for b in ("19571208", "19600229", "19750315", "19800101", "19811111")]
    date_cell = dt.datetime(1975, 3, 15)  # noqa: DTZ001 (Excel date cells have no time zone)
    lines = [["居民信息登记表"], ["", "", "", "", "", ""],
             ["姓名", "身份证号", "人口类别", "出生日期", "来本地日期", "性别"],
             E("create", ["冯一", ids[0], "流动人口", "1957/12/08 0:00:00", "2019/03/01 0:00:00", "男"],
               label="text with time"),
             E("create", ["冯二", ids[1], "流动人口", serial(dt.date(1960, 2, 29)), serial(dt.date(2020, 5, 6)), "男"],
               label="serial numbers"),
             E("create", ["冯三", ids[2], "流动人口", date_cell, dt.date(2021, 1, 2), "男性"],
               label="date cells"),
             E("create", ["冯四", ids[3], "流动人口", "1980年1月1日", "2022.7.8", " 男 "], label="年月日 text"),
             E("refused", ["冯五", ids[4], "流动人口", "1981-11-12", "", "男"], reason="出生日期与身份证号不符",
               label="birth date disagrees"),
             E("refused", ["冯六", valid_id_number(born="19700101", male=True), "流动人口", "", "", "女"],
               reason="性别与身份证号不符", label="sex disagrees")]
    rows = write_xlsx(tmp / "日期.xlsx", lines)

    def after(_result):
        return (expect_fields("冯一", resident_by_id(ids[0]), birth_date=dt.date(1957, 12, 8),
                              arrived_on=dt.date(2019, 3, 1))
                + expect_fields("冯二", resident_by_id(ids[1]), arrived_on=dt.date(2020, 5, 6))
                + expect_fields("冯三", resident_by_id(ids[2]), arrived_on=dt.date(2021, 1, 2))
                + expect_fields("冯四", resident_by_id(ids[3]), arrived_on=dt.date(2022, 7, 8)))

    return Built(tmp / "日期.xlsx", "residents", rows, after=after)


def res_code_words(tmp: Path) -> Built:
    """Code words as clerks write them, under header aliases with line breaks and spaces inside."""
    ids = {n: valid_id_number(born=b, male=m) for n, b, m in
           (("甲", "19600101", True), ("乙", "19620202", False), ("丙", "19850303", True), ("丁", "19870404", False),
            ("戊", "19900505", True), ("己", "19920606", False), ("庚", "20000707", True))}
    header = ["姓 名", "公民身份证号", "人员类型", "民\n族", "与户主\n关系", "政治\n面貌", "户籍所在地", "现居住地"]
    lines = [header,
             E("create", ["郭甲", ids["甲"], "户籍人口", "汉", "本人", "党员", "佛山市南海区", "东联村前路2号"],
               label="汉/本人/党员"),
             E("create", ["何乙", ids["乙"], "户籍", "汉族", "妻", "预备党员", "", ""], label="妻/预备党员"),
             E("create", ["郭丙", ids["丙"], "户籍", "汉", "长子", "团员", "", ""], label="长子/团员"),
             E("create", ["郭丁", ids["丁"], "户籍", "汉", "长女", "群众", "", ""], label="长女/群众"),
             E("create", ["郭戊", ids["戊"], "户籍", "壮", "子", "群众", "", ""], label="壮/子"),
             E("create", ["郭己", ids["己"], "户籍", "汉 族", "女", "群众", "", ""], label="女"),
             E("create", ["何庚", ids["庚"], "流动", "回族", "夫", "群众", "", ""], label="夫")]
    rows = write_xlsx(tmp / "代码.xlsx", lines)

    def after(_result):
        want = {"甲": ("01", "02", "01"), "乙": ("01", "10", "02"), "丙": ("01", "20", "03"), "丁": ("01", "20", "13"),
                "戊": ("08", "20", "13"), "己": ("01", "20", "13"), "庚": ("03", "10", "13")}
        problems = []
        for key, (ethnicity, relation, status) in want.items():
            problems += expect_fields(key, resident_by_id(ids[key]), ethnicity=ethnicity, relation=relation,
                                      political_status=status)
        problems += expect_fields("郭甲", resident_by_id(ids["甲"]), current_address="东联村前路2号",
                                  registered_address="佛山市南海区")
        return problems

    return Built(tmp / "代码.xlsx", "residents", rows, after=after)


def res_title_and_footer_strict(tmp: Path) -> Built:
    """The header on row 5 under merged title rows; 合计, 填表人, 审核人, 联系电话 under the table; strict mode."""
    ids = [valid_id_number(born=f"19{70 + i}0{i + 1}0{i + 1}", male=bool(i % 2)) for i in range(4)]
    lines = [["丹灶镇东联社区常住人口登记台账"], ["填报单位：东联社区居委会", "", "", "填报日期：2024年6月"],
             ["（本表由网格员填写，每月更新）"], [],
             ["序号", "姓名", "身份证号", "人口类别", "手机号", "备注"],
             *[E("create", [str(i + 1), n, ids[i], "户籍人口", "", ""], label=n)
               for i, n in enumerate(("邓一", "邓二", "邓三", "邓四"))],
             [],
             E("absent", ["合计", "4人", "", "", "", ""], label="合计 row"),
             E("absent", ["填表人：邓小平", "", "审核人：", "", "", ""], label="填表人 row"),
             E("absent", ["联系电话：0757-86651234", "", "", "", "", ""], label="联系电话 row")]

    def prepare(_wb, sheet):
        sheet.merge_cells("A1:F1")
        sheet.merge_cells("A2:C2")
        sheet.merge_cells("D2:F2")
        sheet.merge_cells("A3:F3")

    rows = write_xlsx(tmp / "常住人口.xlsx", lines, prepare=prepare)
    return Built(tmp / "常住人口.xlsx", "residents", rows, strict=True, expect_written=True, warnings=["表尾"])


def res_merged_households(tmp: Path) -> Built:
    """户号 and 户籍地址 merged down a family's rows; households made from the 户号 (按户号建户)."""
    from banyan.people.models import Household

    existing = HouseholdFactory(number="DL-0009", address="东联村前路9号")
    ids = [valid_id_number(born=b, male=m) for b, m in
           (("19580101", True), ("19600202", False), ("19850303", True), ("19630404", True), ("19650505", False),
            ("19700606", True))]
    header = ["户号", "户籍地址", "姓名", "身份证号", "与户主关系", "人口类别"]
    lines = [["东联社区户籍人口花名册"], header,
             E("create", ["DL-0001", "东联村前路1号", "罗大", ids[0], "户主", "户籍人口"], label="family 1 head"),
             E("create", ["", "", "罗妻", ids[1], "配偶", "户籍人口"], label="family 1 wife (merged)"),
             E("create", ["", "", "罗子", ids[2], "子", "户籍人口"], label="family 1 son (merged)"),
             E("create", ["DL-0002", "东联村前路2号", "麦大", ids[3], "户主", "户籍人口"], label="family 2 head"),
             E("create", ["", "", "麦妻", ids[4], "妻", "户籍人口"], label="family 2 wife (merged)"),
             E("create", ["DL-0009", "东联村前路9号", "苏一", ids[5], "户主", "户籍人口"], label="existing household")]

    def prepare(_wb, sheet):
        sheet.merge_cells("A1:F1")
        for cols in ("A3:A5", "B3:B5", "A6:A7", "B6:B7"):
            sheet.merge_cells(cols)

    rows = write_xlsx(tmp / "花名册.xlsx", lines, prepare=prepare)

    def after(_result):
        problems = []
        one, two = stored(Household, number="DL-0001"), stored(Household, number="DL-0002")
        for what, household, members in (("DL-0001", one, ids[:3]), ("DL-0002", two, ids[3:5]),
                                         ("DL-0009", existing, ids[5:])):
            if household is None:
                problems.append(f"household {what} not created")
                continue
            for number in members:
                problems += expect_fields(f"{what} member", resident_by_id(number), household_id=household.pk,
                                          registered_address=household.address or "东联村前路1号")
        if one is not None and one.address != "东联村前路1号":
            problems.append(f"DL-0001 address {one.address!r}")
        if Household.objects.filter(number="DL-0009").count() != 1:
            problems.append("a second DL-0009 household")
        return problems

    return Built(tmp / "花名册.xlsx", "residents", rows, options={"households": True},
                 warnings=["纵向合并", "按户号新建2户"], after=after)


def res_hidden_rows_cols(tmp: Path) -> Built:
    """A filtered sheet: rows hidden by the filter and a hidden column are still read, and said."""
    ids = [valid_id_number(born=f"1991{m:02d}15", male=True) for m in range(1, 6)]
    header = ["姓名", "身份证号", "人口类别", "手机号", "现住址"]
    lines = [header, *[E("create", [f"叶{n}", ids[i], "流动人口", f"1390000{i:04d}", "东联村前路3号"],
                         label=f"叶{n}" + (" (hidden)" if i in (1, 3) else ""))
                       for i, n in enumerate("一二三四五")]]

    def prepare(_wb, sheet):
        sheet.auto_filter.ref = "A1:E6"
        sheet.row_dimensions[3].hidden = True
        sheet.row_dimensions[5].hidden = True
        sheet.column_dimensions["D"].hidden = True

    rows = write_xlsx(tmp / "筛选.xlsx", lines, prepare=prepare)

    def after(_result):
        return expect_fields("叶二 (hidden row)", resident_by_id(ids[1]), phone_masked="139****0001")

    return Built(tmp / "筛选.xlsx", "residents", rows, warnings=["第3、5行在 Excel 中被隐藏（筛选）", "D（手机号）"],
                 after=after)


def res_several_sheets(tmp: Path) -> Built:
    """A notes sheet first, the data sheet, a visible summary sheet and a hidden old sheet with data."""
    ids = [valid_id_number(born="19830303"), valid_id_number(born="19840404", male=False)]
    lines = [["姓名", "身份证号", "人口类别"],
             E("create", ["谢一", ids[0], "常住人口"], label="谢一"),
             E("create", ["谢二", ids[1], "非户籍常住人口"], label="谢二")]

    def prepare(workbook, sheet):
        notes = workbook.create_sheet("说明", 0)
        notes.append(["填表说明：本表每月5日前报社区"])
        notes.append(["1. 身份证号请填写18位"])
        summary = workbook.create_sheet("统计")
        summary.append(["类别", "人数"])
        summary.append(["常住人口", 2])
        old = workbook.create_sheet("2023年旧表")
        old.append(["姓名", "身份证号", "人口类别"])
        old.append(["谢旧", valid_id_number(born="19500101"), "户籍人口"])
        old.sheet_state = "hidden"
        workbook.active = 1

    rows = write_xlsx(tmp / "多表.xlsx", lines, title="居民台账", prepare=prepare)

    def after(_result):
        from banyan.people.models import Resident

        return gone("谢旧 (hidden sheet)", stored(Resident, name="谢旧"))

    return Built(tmp / "多表.xlsx", "residents", rows, warnings=["统计", "2023年旧表"], after=after)


def res_phones(tmp: Path) -> Built:
    """无, /, - in phone cells mean blank; a file with both 联系电话 and 手机号 is taken."""
    kept = stored_family("蔡明", "19770707", male=True, phone="13866667777")
    ids = [valid_id_number(born="19860101"), valid_id_number(born="19860202"), valid_id_number(born="19860303")]
    header = ["姓名", "身份证号", "人口类别", "联系电话", "手机号"]
    lines = [header,
             E("create", ["蔡一", ids[0], "户籍人口", "0757-86651234", "无"], label="手机号 无"),
             E("create", ["蔡二", ids[1], "户籍人口", "", "/"], label="手机号 /"),
             E("create", ["蔡三", ids[2], "户籍人口", "86651234", "13800138000"], label="both"),
             E("unchanged", ["蔡明", pii_reveal(kept, "id_number"), "户籍人口", "", "-"], label="- keeps stored"),
             E("refused", ["蔡四", valid_id_number(born="19860404"), "户籍人口", "", "12345"], reason="手机号码",
               label="bad mobile")]
    rows = write_csv(tmp / "电话.csv", lines, "gb18030")

    def after(_result):
        kept.refresh_from_db()
        return (expect_fields("蔡一", resident_by_id(ids[0]), phone_masked="")
                + expect_fields("蔡二", resident_by_id(ids[1]), phone_masked="")
                + expect_fields("蔡三", resident_by_id(ids[2]), phone_masked="138****8000")
                + expect_fields("蔡明", kept, phone_masked="138****7777"))

    return Built(tmp / "电话.csv", "residents", rows, after=after)


def res_fixed_residency(tmp: Path) -> Built:
    """No 人口类别 column: the user sets it for the whole file (GB18030 CSV with a title row)."""
    ids = [valid_id_number(born="19790909"), valid_id_number(born="19810808", male=False)]
    lines = [["东联社区流动人口登记表", "", ""], ["姓名", "身份证号", "现住址"],
             E("create", ["韦一", ids[0], "东联村前路7号"], label="韦一"),
             E("create", ["韦二", ids[1], "东联村前路7号"], label="韦二")]
    rows = write_csv(tmp / "固定列.csv", lines, "gb18030")

    def after(_result):
        return (expect_fields("韦一", resident_by_id(ids[0]), residency="registered")
                + expect_fields("韦二", resident_by_id(ids[1]), residency="registered"))

    return Built(tmp / "固定列.csv", "residents", rows, options={"fixed": {"residency": "户籍人口"}}, after=after)


def res_households_csv(tmp: Path) -> Built:
    """户号 on every row of a GB18030 CSV, some new, one stored: households made with 按户号建户."""
    from banyan.people.models import Household

    existing = HouseholdFactory(number="1001")
    ids = [valid_id_number(born=b) for b in ("19600101", "19610101", "19620101")]
    lines = [["户编号", "姓名", "身份证号", "人口类别", "户籍地址", "与户主的关系"],
             E("create", ["2001", "潘一", ids[0], "户籍人口", "东联村新区1号", "户主"], label="new household"),
             E("create", ["2001", "潘二", ids[1], "户籍人口", "东联村新区1号", "子"], label="same new household"),
             E("create", ["1001", "潘三", ids[2], "户籍人口", "", "户主"], label="stored household")]
    rows = write_csv(tmp / "户号.csv", lines, "gb18030")

    def after(_result):
        new = Household.objects.filter(number="2001")
        if new.count() != 1:
            return [f"{new.count()} households 2001, expected 1"]
        return (expect_fields("潘一", resident_by_id(ids[0]), household_id=new[0].pk)
                + expect_fields("潘二", resident_by_id(ids[1]), household_id=new[0].pk)
                + expect_fields("潘三", resident_by_id(ids[2]), household_id=existing.pk)
                + expect_fields("household 2001", new[0], address="东联村新区1号"))

    return Built(tmp / "户号.csv", "residents", rows, options={"households": True}, warnings=["按户号新建1户"],
                 after=after)


def res_garbage(tmp: Path) -> Built:
    """Names with notes or formulas refused; a blank 民族 stays blank, never 汉族."""
    from banyan.people.models import Resident

    blank_ethnicity = valid_id_number(born="19930303")
    lines = [["姓名", "身份证号", "人口类别", "民族", "现住址"],
             E("refused", ["李四（已迁出）", valid_id_number(born="19700101"), "户籍人口", "汉族", ""], reason="备注",
               label="name with note"),
             E("refused", ["王五(死亡)", valid_id_number(born="19400101"), "户籍人口", "汉族", ""], reason="备注",
               label="name (死亡)"),
             E("refused", ["=SUM(A1)", valid_id_number(born="19710101"), "户籍人口", "", ""], reason="公式",
               label="formula name"),
             E("refused", ["张三2", valid_id_number(born="19720101"), "户籍人口", "", ""], reason="备注",
               label="name with digit"),
             E("refused", ["赵六", valid_id_number(born="19730101"), "户籍人口", "", "=HYPERLINK(\"x\")"],
               reason="公式", label="formula address"),
             E("create", ["钱七", blank_ethnicity, "户籍人口", "", "东联村前路8号"], label="blank 民族"),
             E("refused", ["孙八", valid_id_number(born="19740101"), "户籍人口", "汗族", ""], reason="可选值",
               label="unknown 民族")]
    rows = write_xlsx(tmp / "垃圾.xlsx", lines)

    def after(_result):
        return (expect_fields("钱七", resident_by_id(blank_ethnicity), ethnicity="")
                + gone("李四（已迁出）", stored(Resident, name__startswith="李四"))
                + gone("=SUM(A1)", stored(Resident, name__startswith="=")))

    return Built(tmp / "垃圾.xlsx", "residents", rows, after=after)


def res_refused_again(tmp: Path) -> Built:
    """The refused-rows file of an import, corrected and uploaded again: one 行号/错误原因 pair, original rows."""
    from banyan.accounts.models import User  # noqa: F401  (the user is made once, shared by both imports)
    from banyan.ledgers.importing import ledger_import

    user = secretary()
    good = valid_id_number(born="19820202")
    fixable = valid_id_number(born="19830303")
    bad = fixable[:17] + ("1" if fixable[17] != "1" else "2")
    still_bad = valid_id_number(born="19840404")
    original = tmp / "原始.xlsx"
    write_xlsx(original, [["东联社区居民台账"], ["姓名", "身份证号", "人口类别", "手机号"],
                          ["曾一", good, "户籍人口", ""],
                          ["曾二", bad, "户籍人口", ""],  # row 4: wrong check digit
                          ["曾三", still_bad, "户籍人口", "12345"]])  # row 5: bad mobile
    first = ledger_import(kind="residents", path=original, file_name=original.name, by=user,
                          community=community("东联"))
    assert first.refused == 2 and first.refused_path, (first.refused, first.message)
    workbook = load_workbook(first.refused_path)
    sheet = workbook.active
    for row in sheet.iter_rows(min_row=2):
        if str(row[0].value) == "4":
            row[2].value = fixable  # the clerk corrects the number, leaves the reason column as it was
    again = tmp / "错误行_改.xlsx"
    workbook.save(again)
    cells = [[c.value for c in row] for row in load_workbook(again).active.iter_rows()]
    rows = {}
    for line in cells[1:]:
        number = int(line[0])
        rows[number] = (E("create", line, label="corrected row") if number == 4
                        else E("refused", line, reason="手机号码", label="still bad"))

    def after(result):
        problems = expect_fields("曾二", resident_by_id(fixable), name="曾二")
        if result.refused_path:
            header = next(load_workbook(result.refused_path).active.iter_rows(values_only=True))
            if header.count("行号") != 1 or header.count("错误原因") != 1:
                problems.append(f"refused-rows header {header}")
        return problems

    return Built(again, "residents", rows, user=user, warnings=["错误行文件"], after=after)


def res_old_template_sample(tmp: Path) -> Built:
    """An old template with the sample row (张三, the example values) left in, above the clerk's rows."""
    from banyan.ledgers.kinds import KINDS
    from banyan.people.models import Resident

    columns = KINDS["residents"].columns
    sample = [c.example for c in columns]
    ids = [valid_id_number(born="19760606"), valid_id_number(born="19770707", male=False)]
    filled = [{"name": "莫一", "id_number": ids[0], "residency": "户籍人口"},
              {"name": "莫二", "id_number": ids[1], "residency": "流动人口"}]
    lines = [[f"{c.header}{'*' if c.required else ''}" for c in columns],
             E("not_created", sample, label="template sample row 张三"),
             *[E("create", [r.get(c.field, "") for c in columns], label=r["name"]) for r in filled]]
    rows = write_xlsx(tmp / "居民模板.xlsx", lines)

    def after(_result):
        return gone("张三 (template sample)", stored(Resident, name="张三"))

    return Built(tmp / "居民模板.xlsx", "residents", rows, after=after)


def res_current_template(tmp: Path) -> Built:
    """Today's downloadable template, filled in by a clerk: its 填写说明 sheet and examples are not imported."""
    from banyan.ledgers.kinds import KINDS
    from banyan.ledgers.templates_xlsx import template_xlsx
    from banyan.people.models import Resident

    path = tmp / "居民导入模板.xlsx"
    path.write_bytes(template_xlsx(KINDS["residents"]))
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    ids = [valid_id_number(born="19780808"), valid_id_number(born="19790909", male=False)]
    rows = {}
    for number, (name, id_) in enumerate((("龙一", ids[0]), ("龙二", ids[1])), start=2):
        values = {"姓名": name, "身份证号": id_, "人口类别": "户籍人口", "民族": "汉族"}
        line = [values.get(h, "") for h in header]
        sheet.append(line)
        rows[number] = E("create", line, label=name)
    workbook.save(path)

    def after(_result):
        return gone("张三 (template example)", stored(Resident, name="张三"))

    return Built(path, "residents", rows, after=after)


def res_two_roles(tmp: Path) -> Built:
    """A secretary of 东联 who is also the grid worker of a 罗湖 grid imports one file for both places."""
    luohu_grid = GridFactory(community=community("罗湖"), name="罗湖第二网格")
    user = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    from banyan.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=user, role=Role.GRID_WORKER, grid=luohu_grid)
    ids = [valid_id_number(born=f"1990{m:02d}01") for m in range(1, 6)]
    lines = [["社区", "网格", "姓名", "身份证号", "人口类别"],
             E("create", ["东联", "", "区一", ids[0], "户籍人口"], label="东联, no grid"),
             E("create", ["东联社区", "", "区二", ids[1], "流动人口"], label="东联社区"),
             E("create", ["罗湖", "罗湖第二网格", "区三", ids[2], "流动人口"], label="罗湖, own grid"),
             E("refused", ["罗湖", "", "区四", ids[3], "流动人口"], reason="本网格", label="罗湖 without grid"),
             E("refused", ["灯湖", "", "区五", ids[4], "流动人口"], reason="管辖范围", label="灯湖")]
    rows = write_xlsx(tmp / "两地.xlsx", lines)

    def after(_result):
        return expect_fields("区三", resident_by_id(ids[2]), grid_id=luohu_grid.pk,
                             community_id=community("罗湖").pk)

    return Built(tmp / "两地.xlsx", "residents", rows, user=user, community=None, after=after)


def res_gb18030_aliases(tmp: Path) -> Built:
    """A GB18030 CSV from an old system: aliases, 出生年月 by month, IDs behind ', Excel's 4.40605E+17."""
    ids = [valid_id_number(born="19850312"), valid_id_number(born="19860415", male=False),
           valid_id_number(born="19870516")]
    lines = [["丹灶镇东联村 外来人口登记", "", "", "", "", ""],
             ["人员姓名", "身份证件号码", "人口属性", "出生年月", "移动电话", "居住地址"],
             E("create", ["黎一", f"'{ids[0]}", "外来人口", "1985.03", "138-0000-1111", "东联村 工业大道 3号"],
               label="month-only 出生年月"),
             E("create", ["黎二", ids[1], "外来人员", "1986年4月", "无", "东联村工业大道3号"], label="年月"),
             E("create", ["黎四", f'="{ids[2]}"', "外来人口", "", "", ""], label='="…" form in CSV'),
             E("refused", ["黎三", "4.40605E+17", "外来人口", "1987.05", "", ""], reason="Excel 把身份证号存成了数字",
               label="scientific notation")]
    rows = write_csv(tmp / "外来人口.csv", lines, "gb18030")

    def after(_result):
        return (expect_fields("黎一", resident_by_id(ids[0]), residency="migrant",
                              birth_date=dt.date(1985, 3, 12), current_address="东联村工业大道3号")
                + expect_fields("黎二", resident_by_id(ids[1]), current_address="东联村工业大道3号"))

    return Built(tmp / "外来人口.csv", "residents", rows, after=after)


def res_masked_update(tmp: Path) -> Built:
    """Masked numbers by ID: a row found by its full ID with a masked phone keeps the phone; a new row with a
    masked phone is refused saying it is masked; a duplicate in the file is refused."""
    person = stored_family("邱华", "19690909", male=True, phone="13912348888")
    number = pii_reveal(person, "id_number")
    new = valid_id_number(born="19990101")
    lines = [["姓名", "身份证号", "人口类别", "手机号"],
             E("unchanged", ["邱华", number, "户籍人口", "139****8888"], label="masked phone, stored row"),
             E("refused", ["邱新", new, "户籍人口", "139****8888"], reason="遮盖", label="masked phone, new row"),
             E("refused", ["邱华", number, "户籍人口", ""], reason="与第2行重复", label="duplicate")]
    rows = write_csv(tmp / "遮盖.csv", lines, "utf-8-sig")

    def after(_result):
        person.refresh_from_db()
        return expect_fields("邱华", person, phone_masked="139****8888") + gone("邱新", resident_by_id(new))

    return Built(tmp / "遮盖.csv", "residents", rows, after=after)


# ---------------------------------------------------------------------------------------------------------------
# Households, rentals, tenancies


def households_codes(tmp: Path) -> Built:
    """户别 as 家庭户 / 家庭 / 集体户口; an address with spaces; a stored household updated."""
    from banyan.people.models import Household

    grid = GridFactory(name="第五网格")
    old = HouseholdFactory(number="H-77", grid=grid, address="东联村前路77号", kind="family")
    lines = [["户编号", "户别", "地址", "网格"],
             E("create", ["H-01", "家庭户", "东联村 前路 1号", "第五网格"], label="家庭户"),
             E("create", ["H-02", "家庭", "东联村前路2号", ""], label="家庭"),
             E("create", ["H-03", "集体户口", "东联工业区宿舍", ""], label="集体户口"),
             E("update", ["H-77", "集体", "", ""], label="stored, kind changed"),
             E("refused", ["H-04", "单身户", "", ""], reason="可选值", label="unknown 户别")]
    rows = write_csv(tmp / "户.csv", lines, "gb18030")

    def after(_result):
        old.refresh_from_db()
        return (expect_fields("H-01", stored(Household, number="H-01"), kind="family", address="东联村前路1号",
                              grid_id=grid.pk)
                + expect_fields("H-02", stored(Household, number="H-02"), kind="family")
                + expect_fields("H-03", stored(Household, number="H-03"), kind="collective")
                + expect_fields("H-77", old, kind="collective", address="东联村前路77号", grid_id=grid.pk))

    return Built(tmp / "户.csv", "households", rows, after=after)


def rentals_spaces(tmp: Path) -> Built:
    """Rooms of one property typed with different spaces are one property; landline landlord phones; 住宅."""
    from banyan.people.models import RentalProperty

    stored_property = RentalPropertyFactory(address="东联村前路12号", landlord_name="关伯")
    lines = [["东联社区出租屋台账"], ["出租屋地址", "房间号", "房东", "房东电话", "用途", "隐患", "可住人数", "面积"],
             E("create", ["东联村 后街 8号", "101", "杜大文", "0757-86651234", "住宅", "无", "2", "15.5"],
               label="spaces 1"),
             E("create", ["东联村后街8号 ", "102", "杜大文", "0757-86651234", "住宅", "无", "2", "12"],
               label="spaces 2"),
             E("create", ["东联村后街８号", "201", "杜大文", "86651234", "住宅", "无", "3", "20"],
               label="full-width 8"),
             E("create", ["东联村 前路 12号", "301", "关伯", "无", "住宅", "没有", "2", ""],
               label="stored property, spaced"),
             E("create", ["东联村后街10号", "1", "杜大文（侄）", "13800138000", "宿舍", "火灾隐患", "8", "40"],
               label="landlord text with brackets"),
             E("refused", ["东联村后街11号", "1", "杜二", "12345", "住宅", "无", "2", ""], reason="联系电话",
               label="bad phone")]
    rows = write_xlsx(tmp / "出租屋.xlsx", lines, prepare=lambda _wb, s: s.merge_cells("A1:H1"))

    def after(_result):
        problems = []
        eight = RentalProperty.objects.filter(address__contains="后街").filter(address__contains="8号")
        if eight.count() != 1:
            problems.append(f"后街8号: {eight.count()} rental properties {[p.address for p in eight]}, expected 1")
        else:
            problems += expect_fields("后街8号", eight[0], use="02", landlord_phone_masked="075****1234")
            if eight[0].rooms.count() != 3:
                problems.append(f"后街8号 has {eight[0].rooms.count()} rooms, expected 3")
        twelve = RentalProperty.objects.filter(address__contains="12")
        if twelve.count() != 1:
            problems.append(f"前路12号: {twelve.count()} rental properties, expected 1 (the stored one)")
        stored_property.refresh_from_db()
        if stored_property.landlord_phone_masked in ("", None):
            problems.append("前路12号: landlord phone erased by 无")
        return problems

    return Built(tmp / "出租屋.xlsx", "rentals", rows, after=after)


def tenancies_dates(tmp: Path) -> Built:
    """入住登记 with dates as serial numbers, text with a time part and 年月日; move-out before move-in refused."""
    from banyan.people.models import Tenancy

    room = RentalRoomFactory(rental_property=RentalPropertyFactory(address="东联村后街20号"), number="101")
    tenants = [ResidentFactory(residency="migrant", id_number=valid_id_number(born=f"199{i}0101"))
               for i in range(4)]
    ids = [pii_reveal(t, "id_number") for t in tenants]
    lines = [["身份证号", "出租屋地址", "房间号", "入住时间", "退租日期"],
             E("create", [ids[0], "东联村后街20号", "101", serial(dt.date(2024, 3, 1)), ""], label="serial"),
             E("create", [ids[1], "东联村 后街 20号", "101", "2024/3/5 0:00:00", ""], label="time part, spaces"),
             E("create", [ids[2], "东联村后街20号", "101", "2024年3月9日", "2024年6月30日"], label="年月日"),
             E("refused", [ids[3], "东联村后街20号", "101", "2024-05-01", "2024-04-01"], reason="搬离日期不能早于",
               label="out before in"),
             E("refused", [valid_id_number(born="19990909"), "东联村后街20号", "101", "2024-05-01", ""],
               reason="请先导入居民", label="unknown resident"),
             E("refused", [ids[0], "东联村后街20号", "999", "2024-05-01", ""], reason="不存在", label="unknown room")]
    rows = write_xlsx(tmp / "入住.xlsx", lines)

    def after(_result):
        got = Tenancy.objects.filter(room=room, resident=tenants[0]).first()
        return expect_fields("tenant 1", got, moved_in=dt.date(2024, 3, 1))

    return Built(tmp / "入住.xlsx", "tenancies", rows, after=after)


# ---------------------------------------------------------------------------------------------------------------
# Enterprises


def ent_partial_update(tmp: Path) -> Built:
    """Only 企业名称 and 从业人数: 所在工业园 and 网格 stay."""
    from banyan.people.models import Enterprise

    park, grid = IndustrialParkFactory(name="东联工业园"), GridFactory(name="第七网格")
    firms = [EnterpriseFactory(name=n, park=park, grid=grid, headcount=10, credit_code="", address="工业大道1号")
             for n in ("东联五金厂", "佛山市南海区东联塑料制品有限公司")]
    lines = [["2024年企业从业人数统计"], ["企业名称", "从业人数"],
             E("update", ["东联五金厂", "35"], label="五金厂 headcount"),
             E("update", ["佛山市南海区东联塑料制品有限公司", "120"], label="塑料 headcount"),
             E("refused", ["东联新厂", "abc"], reason="整数", label="bad headcount")]
    rows = write_xlsx(tmp / "从业人数.xlsx", lines, prepare=lambda _wb, s: s.merge_cells("A1:B1"))

    def after(_result):
        problems = []
        for firm, count in zip(firms, (35, 120), strict=True):
            firm.refresh_from_db()
            problems += expect_fields(firm.name, firm, headcount=count, park_id=park.pk, grid_id=grid.pk,
                                      address="工业大道1号")
        return problems + gone("东联新厂", stored(Enterprise, name="东联新厂"))

    return Built(tmp / "从业人数.xlsx", "enterprises", rows, after=after)


def ent_codes_and_phones(tmp: Path) -> Built:
    """无 as a credit code is blank, not a code; landline phones; both 联系电话 and 手机号 in one file."""
    from banyan.people.models import Enterprise

    park = IndustrialParkFactory(name="南海东联工业园")
    GOOD_CODE = _credit_code("91440605MA4W1234X")  # noqa: N806
    BAD_CODE = GOOD_CODE[:17] + ("0" if GOOD_CODE[17] != "0" else "1")  # noqa: N806
    lines = [["企业名称", "统一社会信用代码", "园区", "联系人", "联系电话", "手机号", "从业人数"],
             E("create", ["东联一厂", "无", "南海东联工业园", "陆一", "0757-86651234", "无", "12"], label="code 无"),
             E("create", ["东联二厂", "/", "", "陆二", "86651234", "13800138000", "5"], label="code /, 8-digit"),
             E("create", ["东联三厂", GOOD_CODE, "", "", "(0757)86650000", "", "3"], label="code given"),
             E("create", ["东联四厂", "", "", "", "075786650001", "", "0"], label="blank code"),
             E("refused", ["东联五厂", BAD_CODE, "", "", "", "", "1"], reason="信用代码",
               label="bad check char"),
             E("refused", ["东联六厂", "", "不存在工业园", "", "", "", "1"], reason="工业园", label="unknown park")]
    rows = write_csv(tmp / "企业.csv", lines, "utf-8-sig")

    def after(_result):
        return (expect_fields("东联一厂", stored(Enterprise, name="东联一厂"), credit_code="", park_id=park.pk)
                + expect_fields("东联二厂", stored(Enterprise, name="东联二厂"), credit_code=""))

    return Built(tmp / "企业.csv", "enterprises", rows, after=after)


def ent_landlines(tmp: Path) -> Built:
    """Enterprise contact phones as offices write them: landlines with and without area code, 无."""
    from banyan.people.models import Enterprise

    kept = EnterpriseFactory(name="东联老厂", contact_phone="13911110000")
    lines = [["企业名称", "联系电话", "从业人数"],
             E("create", ["东联甲厂", "0757-86651234", "10"], label="0757-86651234"),
             E("create", ["东联乙厂", "86651234", "10"], label="8 digits"),
             E("create", ["东联丙厂", "(0757)86650000", "10"], label="(0757)"),
             E("create", ["东联丁厂", "无", "10"], label="无"),
             E("unchanged", ["东联老厂", "/", str(kept.headcount)], label="/ keeps stored"),
             E("refused", ["东联戊厂", "8665", "10"], reason="联系电话", label="4 digits")]
    rows = write_xlsx(tmp / "企业电话.xlsx", lines)

    def after(_result):
        kept.refresh_from_db()
        return (expect_fields("东联甲厂", stored(Enterprise, name="东联甲厂"), contact_phone_masked="075****1234")
                + expect_fields("东联丁厂", stored(Enterprise, name="东联丁厂"), contact_phone_masked="")
                + expect_fields("东联老厂", kept, contact_phone_masked="139****0000"))

    return Built(tmp / "企业电话.xlsx", "enterprises", rows, after=after)


def res_header_row_20(tmp: Path) -> Built:
    """A UTF-8 (BOM) CSV whose header is on row 20, under notes with commas in them."""
    ids = [valid_id_number(born="19660606"), valid_id_number(born="19670707", male=False)]
    notes = [[f"说明{i}：请按要求填写，不得涂改", "", ""] for i in range(1, 18)]
    lines = [["东联社区居民信息采集表", "", ""], *notes, [],
             ["姓名", "身份证号", "人口类别"],
             E("create", ["温一", ids[0], "户籍人口"], label="温一"),
             E("create", ["温二", ids[1], "户籍人口"], label="温二")]
    rows = write_csv(tmp / "采集表.csv", lines, "utf-8-sig")
    return Built(tmp / "采集表.csv", "residents", rows)


def _credit_code(body17: str) -> str:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(chars.index(c) * w for c, w in zip(body17, weights, strict=True))
    return body17 + chars[(31 - total % 31) % 31]


def ent_export_roundtrip(tmp: Path) -> Built:
    """The enterprises export sent back: masked phones (139****8888) and 系统编号 are unchanged."""
    from banyan.people.models import Enterprise

    park, grid = IndustrialParkFactory(name="东联科技园"), GridFactory(name="第八网格")
    firms = [EnterpriseFactory(name=n, park=park, grid=grid, contact_phone="13912348888", headcount=h,
                               credit_code=_credit_code(f"91440605{i}MA4W1234"))
             for i, (n, h) in enumerate((("东联电器厂", 40), ("东联灯饰厂", 25)))]
    header, first, second = export_rows("enterprises", Enterprise.objects.filter(
        pk__in=[f.pk for f in firms]).order_by("pk"))
    second = list(second)
    second[header.index("从业人数")] = "30"
    lines = [["东联社区企业台账（系统导出）"], header, E("unchanged", first, label="as exported"),
             E("update", second, label="headcount 25 → 30")]
    if first[header.index("联系电话")] != "139****8888":
        lines[2].label += f" (export shows phone {first[header.index('联系电话')]!r})"
    rows = write_xlsx(tmp / "企业导出.xlsx", lines)

    def after(_result):
        problems = []
        for firm, count in zip(firms, (40, 30), strict=True):
            firm.refresh_from_db()
            problems += expect_fields(firm.name, firm, headcount=count, park_id=park.pk, grid_id=grid.pk,
                                      contact_phone_masked="139****8888")
        return problems

    return Built(tmp / "企业导出.xlsx", "enterprises", rows, after=after)


# ---------------------------------------------------------------------------------------------------------------
# Party members


def party_dates(tmp: Path) -> Built:
    """入党时间 by month, as serial numbers and text with a time; too young or born after joining refused."""
    org = PartyOrgFactory(name="东联村党支部")
    ids = [valid_id_number(born=b, male=m) for b, m in
           (("19700101", True), ("19720303", False), ("19750505", True), ("19680808", True), ("19800101", True),
            ("19900101", False), ("19851212", True))]
    lines = [["东联村党支部党员花名册"], ["", "", "", "", ""],
             ["姓名", "公民身份证号", "党支部", "入党时间", "党员类别", "联系电话"],
             E("create", ["党一", ids[0], "东联村党支部", "2001.07", "本地党员", "13800138001"], label="2001.07"),
             E("create", ["党二", ids[1], "东联村党支部", "2001年7月", "", ""], label="2001年7月"),
             E("create", ["党三", ids[2], "东联村党支部", serial(dt.date(1999, 7, 1)), "本地", "无"],
               label="serial"),
             E("create", ["党四", ids[3], "东联村党支部", "1998/07/01 0:00:00", "", ""], label="time part"),
             E("refused", ["党五", ids[4], "东联村党支部", "1995-07-01", "", ""], reason="未满18岁",
               label="joined at 15"),
             E("refused", ["党六", ids[5], "东联村党支部", "1985-07", "", ""], reason="早于",
               label="joined before birth"),
             E("refused", ["党七", ids[6], "不存在支部", "2010-07-01", "", ""], reason="党组织", label="unknown org"),
             E("absent", ["填表人：", "", "审核人：", "", "", ""], label="footer")]
    rows = write_xlsx(tmp / "党员.xlsx", lines, prepare=lambda _wb, s: s.merge_cells("A1:F1"))

    def after(_result):
        return (expect_fields("党一", member_by_id(ids[0]), joined_on=dt.date(2001, 7, 1), org_id=org.pk)
                + expect_fields("党二", member_by_id(ids[1]), joined_on=dt.date(2001, 7, 1))
                + expect_fields("党三", member_by_id(ids[2]), joined_on=dt.date(1999, 7, 1))
                + expect_fields("党四", member_by_id(ids[3]), joined_on=dt.date(1998, 7, 1)))

    return Built(tmp / "党员.xlsx", "party-members", rows, warnings=["表尾"], after=after)


def party_full_or_probationary(tmp: Path) -> Built:
    """A branch's roster whose 党员类别 says 正式党员 / 预备党员 (what most rosters mean by it) and whose 政治面貌
    style words are the issue's code words: taken, not refused."""
    PartyOrgFactory(name="东联社区党委")
    ids = [valid_id_number(born=b) for b in ("19600101", "19610101", "19620101")]
    lines = [["姓名", "身份证号", "所在党组织", "党员类别", "入党日期"],
             E("create", ["申一", ids[0], "东联社区党委", "正式党员", "1990-07-01"], label="正式党员"),
             E("create", ["申二", ids[1], "东联社区党委", "预备党员", "2023-07"], label="预备党员"),
             E("create", ["申三", ids[2], "东联社区党委", "流动党员", "1995-07"], label="流动党员")]
    rows = write_csv(tmp / "党员类别.csv", lines, "utf-8-sig")
    return Built(tmp / "党员类别.csv", "party-members", rows,
                 after=lambda _r: expect_fields("申三", member_by_id(ids[2]), kind="mobile"))


def party_export_masked(tmp: Path) -> Built:
    """The party members export sent back with masked numbers; a new row with a masked ID is refused."""
    from banyan.party.models import PartyMember

    org = PartyOrgFactory(name="东联社区第一党支部")
    members = [PartyMemberFactory(org=org, name=n, id_number=valid_id_number(born=b), phone="13912348888",
                                  sex="1", joined_on=dt.date(2005, 7, 1))
               for n, b in (("骆一", "19700101"), ("骆二", "19710101"))]
    header, *records = export_rows("party-members", PartyMember.objects.filter(
        pk__in=[m.pk for m in members]).order_by("pk"))
    new = ["", "骆三", "440682********9005", org.name] + [""] * (len(header) - 4)
    lines = [header, *[E("unchanged", r, label=f"exported {r[1]}") for r in records],
             E("refused", new, reason="遮盖", label="new row, masked ID")]
    rows = write_xlsx(tmp / "党员导出.xlsx", lines)

    def after(_result):
        problems = []
        for m in members:
            before = (m.id_number_hash, m.phone_hash, m.joined_on)
            m.refresh_from_db()
            problems += expect_fields(m.name, m, id_number_hash=before[0], phone_hash=before[1], joined_on=before[2],
                                      sex="1")
        return problems + gone("骆三", stored(PartyMember, name="骆三"))

    return Built(tmp / "党员导出.xlsx", "party-members", rows, after=after)


def party_two_roles(tmp: Path) -> Built:
    """Party members of two communities, by a user who is secretary of 东联 and staff of 罗湖 (GB18030)."""
    from banyan.accounts.models import RoleAssignment

    user = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    RoleAssignment.objects.create(user=user, role=Role.COMMUNITY_STAFF, community=community("罗湖"))
    PartyOrgFactory(name="东联党总支")
    PartyOrgFactory(name="罗湖党支部", community=community("罗湖"))
    ids = [valid_id_number(born=f"196{i}0101") for i in range(4)]
    lines = [["社区", "姓名", "身份证号", "所在党组织", "入党日期"],
             E("create", ["东联", "丁一", ids[0], "东联党总支", "1990-07"], label="东联"),
             E("create", ["罗湖", "丁二", ids[1], "罗湖党支部", "1991.07"], label="罗湖"),
             E("refused", ["罗湖", "丁三", ids[2], "东联党总支", "1992-07"], reason="党组织",
               label="东联 org in 罗湖"),
             E("refused", ["灯湖", "丁四", ids[3], "东联党总支", "1992-07"], reason="管辖范围", label="灯湖")]
    rows = write_csv(tmp / "两社区党员.csv", lines, "gb18030")
    return Built(tmp / "两社区党员.csv", "party-members", rows, user=user, community=None)


def twice(builder: Callable[[Path], Built]) -> Callable[[Path], Built]:
    """The builder's file imported once, then again unchanged: every row it took is unchanged the second time
    (0 updates), every row it refused is refused again, and the second import shows in no timeline (it wrote
    nothing)."""

    def build(tmp: Path) -> Built:
        built = builder(tmp)
        again = {n: E("unchanged" if e.outcome in ("create", "update", "unchanged", "accepted") else e.outcome,
                      e.cells, e.reason, e.label) for n, e in built.rows.items()}
        built.prelude = [*built.prelude, (built.kind, built.path, built.options)]
        built.rows, built.warnings, built.expect_written, built.timeline = again, [], None, None
        return built

    build.__name__ = f"{builder.__name__}_twice"
    build.__doc__ = f"Imported twice: {builder.__doc__}"
    return build


CASES: dict[str, Callable[[Path], Built]] = {f.__name__: f for f in (
    res_update_four_columns, res_blank_and_clear, res_reimport_identical, res_export_roundtrip, res_id_forms,
    res_dates, res_code_words, res_title_and_footer_strict, res_merged_households, res_hidden_rows_cols,
    res_several_sheets, res_phones, res_fixed_residency, res_households_csv, res_garbage, res_refused_again,
    res_old_template_sample, res_current_template, res_two_roles, res_gb18030_aliases, res_masked_update,
    res_header_row_20, ent_landlines,
    households_codes, rentals_spaces, tenancies_dates, ent_partial_update, ent_codes_and_phones,
    ent_export_roundtrip, party_dates, party_full_or_probationary, party_export_masked, party_two_roles,
    *map(twice, (res_merged_households, res_gb18030_aliases, households_codes, rentals_spaces, tenancies_dates,
                 ent_codes_and_phones, party_dates, party_two_roles)),
)}
