"""A second folder of messy ledgers, as four community secretaries of 南海区 keep them: WPS files with title and
填报单位 lines and a 序号 column, GBK CSV from other systems with a trailing empty column, sheets that start in
column B, dates and numbers in every form, code words of village ledgers, partial updates, files imported twice,
the app's own exports sent back, and some garbage. Each builder returns a `messy.Built` (the same harness as
messy.py): the expected outcome of every row by its row number, and the stored values that must hold afterwards.

Where a clerk's expectation is a judgement (not what the code says), the row's label says "clerk:" and why."""

import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path

from banyan.core.pii import pii_reveal
from banyan.core.testing import (
    EnterpriseFactory,
    GridFactory,
    HouseholdFactory,
    IndustrialParkFactory,
    PartyOrgFactory,
    RentalPropertyFactory,
    RentalRoomFactory,
    ResidentFactory,
    community,
)
from banyan.core.validators import id_check_digit
from banyan.ledgers.tests.messy import (
    Built,
    E,
    _credit_code,
    expect_fields,
    export_rows,
    gone,
    member_by_id,
    resident_by_id,
    serial,
    stored,
    stored_family,
    twice,
    write_csv,
    write_xlsx,
)

_seq = itertools.count(7)


def pid(born: str, *, male: bool = True, last: str | None = None, region: str = "440604") -> str:
    """A valid ID number (禅城 region, apart from the factories' 440605), ending in `last` when given."""
    while True:
        n = next(_seq) % 500 * 2 + (1 if male else 0)
        first17 = f"{region}{born}{n:03d}"
        check = id_check_digit(first17)
        if last is None or check == last:
            return first17 + check


def phone_of(obj, name: str = "phone") -> str:
    return pii_reveal(obj, name) or "" if getattr(obj, f"{name}_hash", None) else ""


def expect_phone(what: str, obj, want: str, name: str = "phone") -> list[str]:
    if obj is None:
        return [f"{what}: not stored"]
    got = phone_of(obj, name)
    return [] if got == want else [f"{what}: {name} = {got!r}, expected {want!r}"]


def household(number: str):
    from banyan.people.models import Household

    return Household.objects.filter(community=community("东联"), number=number).first()


def enterprise(name: str):
    from banyan.people.models import Enterprise

    return Enterprise.objects.filter(community=community("东联"), name=name).first()


def pad(rows: list, width: int) -> list:
    """Lines of a CSV with a trailing empty column, each as wide as the header (+1)."""
    out = []
    for line in rows:
        cells = line.cells if isinstance(line, E) else line
        cells[:] = (list(cells) + [""] * width)[:width]
        out.append(line)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Residents


def r2_wps_title_serial(tmp: Path) -> Built:
    """A WPS file: merged title, a 填报单位/填报日期 line, 序号 first, 楼栋/备注 the import does not know, a date
    cell, a compact 19870520, a lowercase x, phones as a number cell / with spaces / with +86, rows numbered in
    advance and left empty, and a 制表/审核 line under the table."""
    ids = [pid("19850312"), pid("19870520", male=False), pid("19900102", last="X"), pid("20100808", male=False)]
    lines = [["南海区桂城街道东联社区居民信息登记表", *[""] * 9],
             ["填报单位：东联社区居委会（盖章）", "", "", "", "", "", "填报日期：2024年3月15日"],
             ["序号", "姓名", "性别", "民族", "身份证号码", "出生日期", "人口类别", "联系电话", "楼栋", "备注"],
             E("create", [1, "陈志强", "男", "汉族", ids[0], dt.date(1985, 3, 12), "户籍人口", 13800001111, "3栋", ""],
               label="date cell, phone number cell"),
             E("create", [2, "陈丽", "女", "汉", ids[1], "19870520", "户籍", "138 0000 2222", "3栋", "租户"],
               label="汉, 19870520, phone with spaces"),
             E("create", [3, "李伟", "男", "壮族", ids[2].lower(), "1990年1月2日", "流动人口", "+86 139 0000 3333",
                          "5栋", ""], label="lowercase x, +86"),
             E("create", [4, "黄小红", "女", "", ids[3], "", "户籍人口", "", "3栋", "学生"], label="民族 blank"),
             E("absent", [5, None, None, None, None, None, None, None, None, None],
               label="clerk: 序号 only, a row numbered in advance"),
             E("absent", [6, None, None, None, None, None, None, None, None, None],
               label="clerk: 序号 only, a row numbered in advance"),
             E("absent", ["制表：黄敏", "", "", "", "审核：陈主任", "", "", "", "", ""],
               label="clerk: 制表/审核 line is a footer")]
    rows = write_xlsx(tmp / "居民登记表.xlsx", lines, prepare=lambda _wb, s: s.merge_cells("A1:J1"))

    def after(_result):
        a, b, c, d = (resident_by_id(i) for i in ids)
        return (expect_fields("陈志强", a, sex="1", birth_date=dt.date(1985, 3, 12), ethnicity="01",
                              residency="registered")
                + expect_phone("陈志强", a, "13800001111")
                + expect_fields("陈丽", b, sex="2", ethnicity="01", birth_date=dt.date(1987, 5, 20))
                + expect_phone("陈丽", b, "13800002222")
                + expect_fields("李伟", c, ethnicity="08", residency="migrant", birth_date=dt.date(1990, 1, 2))
                + expect_phone("李伟", c, "13900003333")
                + expect_fields("黄小红", d, ethnicity="", sex="2"))

    return Built(tmp / "居民登记表.xlsx", "residents", rows, after=after)


def r2_gbk_crlf(tmp: Path) -> Built:
    """A GBK CSV exported from another system: CRLF, a title line, a trailing empty column, aliases; a 性别 at odds
    with the ID, 外来务工, placeholders and digits for names, an empty ID, a blank line, a person of 罗湖."""
    loser = ResidentFactory(community=community("罗湖"), id_number=pid("19750101"), name="郑伟")
    ids = [pid("19880808"), pid("19920202", male=False), pid("19700101"), pid("19950505", male=False),
           pid("19600606"), pid("19810101"), pid("19830303")]
    header = ["姓名", "公民身份号码", "性别", "人口类别", "手机号码", "现居住地址", "流入日期", ""]
    lines = pad([["东联社区流动人口登记表"], header,
                 E("create", ["赵刚", ids[0], "男", "流动人口", "+86 138 0013 8000", "东联村 后街 3号", "2023.9.1"],
                   label="+86, spaced address, 2023.9.1"),
                 E("create", ["钱芳", ids[1], "女", "外来人员", "0086 13800138001", "东联村后街3号", "2023/10/01"],
                   label="0086"),
                 E("refused", ["孙强", ids[2], "女", "流动人口", "", "", ""], reason="性别与身份证号不符",
                   label="性别 女, ID male"),
                 E("create", ["李娜", ids[3], "女", "外来务工", "", "东联村后街5号", ""],
                   label="clerk: 外来务工 is 流动人口"),
                 E("refused", ["待核实", ids[4], "男", "流动人口", "", "", ""], reason="姓名",
                   label="clerk: 待核实 is no name"),
                 E("refused", ["周5", ids[5], "男", "流动人口", "", "", ""], reason="姓名", label="digit in name"),
                 E("refused", ["吴敏", "", "女", "流动人口", "", "", ""], reason="身份证号", label="ID empty"),
                 ["", "", "", "", "", "", ""],
                 E("refused", ["郑伟", pii_reveal(loser, "id_number"), "男", "流动人口", "", "", ""],
                   reason="迁入申请", label="registered in 罗湖"),
                 E("create", ["王五", ids[6], "男", "常住人口", "/", "", ""], label="phone /")], len(header))
    rows = write_csv(tmp / "流动人口.csv", lines, "gbk")

    def after(_result):
        a, _b, _c, d, *_rest, g = (resident_by_id(i) for i in ids)
        return (expect_fields("赵刚", a, residency="migrant", current_address="东联村后街3号",
                              arrived_on=dt.date(2023, 9, 1))
                + expect_phone("赵刚", a, "13800138000")
                + expect_fields("李娜", d, residency="migrant")
                + expect_fields("王五", g, residency="permanent") + expect_phone("王五", g, "")
                + gone("待核实", stored(loser.__class__, name="待核实")))

    return Built(tmp / "流动人口.csv", "residents", rows, after=after)


def r2_column_b_margin(tmp: Path) -> Built:
    """A sheet with a blank first row and an empty column A (data start at B4), columns in an unusual order:
    the refused rows must carry the sheet's own row numbers."""
    ids = [pid("19800101"), pid("19810202", male=False), pid("19820303"), pid("19830404")]
    bad = ids[2][:17] + ("0" if ids[2][17] != "0" else "1")
    lines = [[None], [None, "东联社区常住人口名单"], [None],
             [None, "人口类别", "身份证号", "姓名", "手机号"],
             E("create", [None, "常住人口", ids[0], "麦一", "13800005555"], label="B5"),
             E("create", [None, "常住人口", ids[1], "麦二", ""], label="B6"),
             E("refused", [None, "常住人口", bad, "麦三", ""], reason="校验位", label="row 7: bad check digit"),
             E("create", [None, "户籍人口", ids[3], "麦四", ""], label="B8"),
             E("refused", [None, "户籍人口", ids[2], "麦五", "1380000555"], reason="手机号码",
               label="row 9: 10-digit phone")]
    rows = write_xlsx(tmp / "常住人口.xlsx", lines)
    return Built(tmp / "常住人口.xlsx", "residents", rows,
                 after=lambda _r: expect_fields("麦一", resident_by_id(ids[0]), name="麦一", residency="permanent"))


def r2_birth_dates(tmp: Path) -> Built:
    """出生年月日 in every form a clerk types it, checked against the ID; 来本地日期 impossible or in the future."""
    born = dt.date(1985, 3, 12)
    ids = [pid("19850312", male=i % 2 == 0) for i in range(10)]
    lines = [["姓名", "身份证号", "人口类别", "出生年月日", "来本地日期"],
             E("create", ["岑一", ids[0], "流动", born, dt.date(2020, 5, 1)], label="date cells"),
             E("create", ["岑二", ids[1], "流动", "1985/3/12", "2020/5/1"], label="1985/3/12"),
             E("create", ["岑三", ids[2], "流动", "1985.03.12", "2020.05.01"], label="1985.03.12"),
             E("create", ["岑四", ids[3], "流动", "19850312", "20200501"], label="19850312"),
             E("create", ["岑五", ids[4], "流动", serial(born), serial(dt.date(2020, 5, 1))], label="serials"),
             E("create", ["岑六", ids[5], "流动", "1985-03", ""], label="出生年月 by month"),
             E("refused", ["岑七", ids[6], "流动", "1985-03-13", ""], reason="出生日期与身份证号不符",
               label="day off by one"),
             E("refused", ["岑八", ids[7], "流动", "", "2024-13-01"], reason="无法识别", label="month 13"),
             E("refused", ["岑九", ids[8], "流动", "", "2099-01-01"], reason="晚于今天", label="future"),
             E("create", ["岑十", ids[9], "流动", "1985年03月12日", "2020年5月1日"], label="年月日")]
    rows = write_xlsx(tmp / "出生日期.xlsx", lines)

    def after(_result):
        problems = []
        for i in (0, 1, 2, 3, 4, 9):
            problems += expect_fields(f"岑{i}", resident_by_id(ids[i]), birth_date=born,
                                      arrived_on=dt.date(2020, 5, 1))
        return problems + expect_fields("岑六", resident_by_id(ids[5]), birth_date=born)

    return Built(tmp / "出生日期.xlsx", "residents", rows, after=after)


def r2_relations(tmp: Path) -> Built:
    """A village family register: 与户主关系 as village clerks write it, households made from the 户号."""
    people_ = [("DL0101", "梁大", "户主", "19550101", True, "02"), ("DL0101", "何秀", "妻", "19570202", False, "10"),
               ("DL0101", "梁一", "长子", "19800303", True, "20"),
               ("DL0101", "苏美", "儿媳妇", "19820404", False, "20"),
               ("DL0101", "梁二", "二子", "19840505", True, "20"), ("DL0101", "梁小", "孙女", "20080606", False, "30"),
               ("DL0101", "梁伟", "长孙", "20060707", True, "30"), ("DL0101", "林婆", "母亲", "19300808", False, "50"),
               ("DL0102", "冯三", "本人", "19700909", True, "02"), ("DL0102", "邓四", "配偶", "19721010", False, "10"),
               ("DL0102", "冯女", "之女", "19981111", False, "20"), ("DL0102", "黄婿", "女婿", "19961212", True, "20"),
               ("DL0102", "阿强", "租客", "19900101", True, "99")]
    ids = [pid(b, male=m) for _h, _n, _r, b, m, _c in people_]
    clerk = {"儿媳妇": "clerk: 儿媳妇 = 儿媳", "二子": "clerk: 二子 = 次子", "长孙": "clerk: 长孙 = 孙子",
             "之女": "clerk: 之女 = 女儿 (户主之女)"}
    lines = [["户号", "姓名", "与户主关系", "身份证号", "人口类别", "户籍地址"],
             *[E("create", [h, n, r, i, "户籍人口", "东联村南街1号" if h == "DL0101" else "东联村南街2号"],
                 label=clerk.get(r, r))
               for (h, n, r, _b, _m, _c), i in zip(people_, ids, strict=True)]]
    rows = write_xlsx(tmp / "户籍登记.xlsx", lines)

    def after(_result):
        problems = []
        for (h, n, _r, _b, _m, code), i in zip(people_, ids, strict=True):
            person = resident_by_id(i)
            problems += expect_fields(n, person, relation=code)
            if person and (person.household is None or person.household.number != h):
                problems.append(f"{n}: household {person.household}, expected {h}")
        return problems + expect_fields("DL0101", household("DL0101"), address="东联村南街1号")

    return Built(tmp / "户籍登记.xlsx", "residents", rows, options={"households": True},
                 warnings=["按户号新建2户"], after=after)


def r2_phone_forms(tmp: Path) -> Built:
    """Mobile numbers as people write them; a landline, two numbers in one cell and a short one refused."""
    ids = [pid(f"1970010{i}") for i in range(1, 10)]
    lines = [["东联社区居民联系方式"], ["姓名", "身份证号", "人口类别", "联系电话"],
             E("create", ["谭一", ids[0], "户籍人口", "+8613800138010"], label="+86 glued"),
             E("create", ["谭二", ids[1], "户籍人口", "138-0013-8011"], label="hyphens"),
             E("create", ["谭三", ids[2], "户籍人口", "１３８００１３８０１２"], label="full-width"),
             E("create", ["谭四", ids[3], "户籍人口", 13800138013], label="number cell"),
             E("create", ["谭五", ids[4], "户籍人口", " 138 0013 8014 "], label="spaces around"),
             E("refused", ["谭六", ids[5], "户籍人口", "0757-86651234"], reason="手机号码",
               label="landline for a person"),
             E("refused", ["谭七", ids[6], "户籍人口", "13800138015/13900139015"], reason="手机号码",
               label="two numbers"),
             E("refused", ["谭八", ids[7], "户籍人口", "1380013801"], reason="手机号码", label="10 digits"),
             E("create", ["谭九", ids[8], "户籍人口", "暂无"], label="暂无")]
    rows = write_xlsx(tmp / "联系方式.xlsx", lines)

    def after(_result):
        problems = []
        for i, want in enumerate(("13800138010", "13800138011", "13800138012", "13800138013", "13800138014")):
            problems += expect_phone(f"谭{i + 1}", resident_by_id(ids[i]), want)
        return problems + expect_phone("谭九", resident_by_id(ids[8]), "")

    return Built(tmp / "联系方式.xlsx", "residents", rows, after=after)


def r2_code_words(tmp: Path) -> Built:
    """民族, 政治面貌, 流入原因, 住所类型, 办证类型 in the words of a migrant ledger."""
    ids = [pid(f"1990020{i}", male=i % 2 == 1) for i in range(1, 8)]
    lines = [["姓名", "身份证号", "人口类别", "民族", "政治面貌", "流入原因", "住所类型", "办证类型"],
             E("create", ["韦一", ids[0], "流动人口", "汉 族", "中共党员", "务工", "租房", "居住证"], label="汉 族"),
             E("create", ["韦二", ids[1], "流动人口", "壮", "团员", "打工", "出租屋", "居住证"], label="壮"),
             E("create", ["韦三", ids[2], "流动人口", "回族", "群众", "经商", "单位宿舍", ""], label="回族"),
             E("create", ["韦四", ids[3], "流动人口", "苗", "预备党员", "投靠亲友", "借住", ""], label="苗"),
             E("create", ["韦五", ids[4], "流动人口", "", "", "", "", ""], label="all blank"),
             E("refused", ["韦六", ids[5], "流动人口", "汉族", "民主人士", "", "", ""], reason="政治面貌",
               label="unknown 政治面貌"),
             E("create", ["韦七", ids[6], "流动人口", "满族", "共青团员", "上学", "宿舍", "暂住证"], label="满族")]
    rows = write_xlsx(tmp / "流动人员.xlsx", lines)

    def after(_result):
        r = [resident_by_id(i) for i in ids]
        return (expect_fields("韦一", r[0], ethnicity="01", political_status="01", inflow_reason="01",
                              residence_type="02", permit_type="01")
                + expect_fields("韦二", r[1], ethnicity="08", political_status="03", residence_type="02")
                + expect_fields("韦三", r[2], ethnicity="03", political_status="13", residence_type="05")
                + expect_fields("韦四", r[3], ethnicity="06", political_status="02", inflow_reason="08")
                + expect_fields("韦五", r[4], ethnicity="", political_status="13")
                + expect_fields("韦七", r[6], ethnicity="11", inflow_reason="04", residence_type="05",
                                permit_type="02"))

    return Built(tmp / "流动人员.xlsx", "residents", rows, after=after)


def r2_duplicates(tmp: Path) -> Built:
    """One person twice in a file: 15 and 18 digits, x and X, another name: the later rows refused."""
    first17 = "440604198002020" + "13"  # born 1980-02-02 → a 15-digit form exists
    long_id = first17 + id_check_digit(first17)
    short_id = "440604800202013"
    with_x = pid("19770707", last="X")
    lines = [["姓名", "身份证号", "人口类别"],
             E("create", ["欧一", short_id, "户籍人口"], label="15 digits"),
             E("refused", ["欧一", long_id, "户籍人口"], reason="重复", label="same, 18 digits"),
             E("create", ["欧二", with_x, "户籍人口"], label="X"),
             E("refused", ["欧二", with_x.lower(), "户籍人口"], reason="重复", label="same, x"),
             E("refused", ["欧三", with_x, "流动人口"], reason="重复", label="same ID, other name")]
    rows = write_xlsx(tmp / "重复.xlsx", lines)
    return Built(tmp / "重复.xlsx", "residents", rows,
                 after=lambda _r: expect_fields("欧一", resident_by_id(long_id), name="欧一")
                 + expect_fields("欧二", resident_by_id(with_x), name="欧二", residency="registered"))


def r2_res_partial(tmp: Path) -> Built:
    """A base roster imported, then a partial update: blank cells keep, <清空> clears, a typo in a name fixed,
    a new person without 人口类别 refused."""
    ids = [pid(f"1966030{i}", male=i % 2 == 1) for i in range(1, 8)]
    base = [["姓名", "身份证号", "人口类别", "民族", "与户主关系", "手机号", "现住址"],
            *[[f"陆{name}", ids[i - 1], "户籍人口", "汉族", "户主", f"1390000100{i}", f"东联村西街{i}号"]
              for i, name in enumerate("一二三四五", start=1)]]
    write_xlsx(tmp / "基础台账.xlsx", base)
    lines = [["东联社区居民信息更新（2024年4月）"], ["姓名", "身份证号", "人口类别", "手机号", "现住址"],
             E("unchanged", ["陆一", ids[0], "户籍人口", "13900001001", "东联村西街1号"], label="same"),
             E("update", ["陆二", ids[1], "户籍人口", "13911112002", "东联村西街2号"], label="new phone"),
             E("update", ["陆三", ids[2], "", "", "东联村北街9号"], label="blanks keep, new address"),
             E("update", ["陆肆", ids[3], "", "", ""], label="name corrected"),
             E("update", ["陆五", ids[4], "户籍人口", "", "<清空>"], label="address cleared"),
             E("refused", ["陆六", ids[5], "", "13900001006", ""], reason="人口类别", label="new, no 人口类别"),
             E("create", ["陆七", ids[6], "流动人口", "", "东联村北街9号"], label="new")]
    rows = write_xlsx(tmp / "更新.xlsx", lines)

    def after(_result):
        r = [resident_by_id(i) for i in ids]
        return (expect_phone("陆二", r[1], "13911112002") + expect_phone("陆三", r[2], "13900001003")
                + expect_fields("陆三", r[2], residency="registered", ethnicity="01", relation="02",
                                current_address="东联村北街9号")
                + expect_fields("陆肆", r[3], name="陆肆", current_address="东联村西街4号")
                + expect_fields("陆五", r[4], current_address="", ethnicity="01")
                + gone("陆六", r[5]) + expect_fields("陆七", r[6], residency="migrant"))

    return Built(tmp / "更新.xlsx", "residents", rows, after=after,
                 prelude=[("residents", tmp / "基础台账.xlsx", {})])


def r2_missing_ids(tmp: Path) -> Built:
    """New rows without an ID number (a UTF-8 CSV with BOM): each refused for the missing number itself, not as
    a duplicate of another row that lacks one too."""
    ids = [pid("19870707")]
    lines = [["姓名", "身份证号", "人口类别", "手机号"],
             E("create", ["祝一", ids[0], "户籍人口", ""], label="good"),
             E("refused", ["祝二", "", "户籍人口", "13800138031"], reason="身份证号", label="no ID"),
             E("refused", ["祝三", "", "户籍人口", "13800138032"], reason="身份证号",
               label="no ID either: not a duplicate of 祝二"),
             E("refused", ["祝四", "", "", ""], reason="身份证号", label="no ID, no 人口类别")]
    rows = write_csv(tmp / "缺证号.csv", lines, "utf-8-sig")
    return Built(tmp / "缺证号.csv", "residents", rows)


def r2_res_export(tmp: Path) -> Built:
    """The residents export sent back under a title: one row as exported, one phone corrected, one ID typed
    over, a new row added at the bottom, a 系统编号 garbled."""
    from banyan.people.models import Resident

    family = [stored_family(n, b, male=m, phone=p) for n, b, m, p in
              (("区一", "19710101", True, "13922220001"), ("区二", "19720202", False, "13922220002"),
               ("区三", "19730303", True, "13922220003"))]
    header, *records = export_rows("residents", Resident.objects.filter(
        pk__in=[p.pk for p in family]).order_by("pk"))
    phone_at, id_at = header.index("手机号"), header.index("身份证号")
    second, third = list(records[1]), list(records[2])
    second[phone_at] = "13933330002"
    third[id_at] = pid("19730303")
    new = [""] * len(header)
    new_id = pid("19990909", male=False)
    for name, value in (("姓名", "区四"), ("身份证号", new_id), ("人口类别", "户籍人口"), ("社区", "东联")):
        new[header.index(name)] = value
    garbled = list(records[0])
    garbled[0] = "abc"
    lines = [["东联社区居民台账（系统导出，2024-04-01）"], header,
             E("unchanged", records[0], label="as exported"),
             E("update", second, label="phone corrected"),
             E("refused", third, reason="不一致", label="ID typed over"),
             E("create", new, label="new row, no 系统编号"),
             E("refused", garbled, reason="不是本系统导出的编号", label="系统编号 abc")]
    rows = write_xlsx(tmp / "居民导出.xlsx", lines)

    def after(_result):
        problems = []
        for person, phone in zip(family, ("13922220001", "13933330002", "13922220003"), strict=True):
            before = (person.household_id, person.relation, person.id_number_hash)
            person.refresh_from_db()
            problems += expect_phone(person.name, person, phone)
            problems += expect_fields(person.name, person, household_id=before[0], relation=before[1],
                                      id_number_hash=before[2])
        return problems + expect_fields("区四", resident_by_id(new_id), name="区四", sex="2")

    return Built(tmp / "居民导出.xlsx", "residents", rows, after=after)


def r2_tab_separated(tmp: Path) -> Built:
    """A tab-separated export of another system (GB18030, .csv) whose first line is a title without tabs."""
    ids = [pid("19880101"), pid("19890202", male=False)]
    text = "东联社区人口信息导出\r\n" + "\r\n".join("\t".join(r) for r in (
        ["姓名", "身份证号", "人口类别", "联系电话"], ["甘一", ids[0], "户籍人口", "13800138021"],
        ["甘二", ids[1], "户籍人口", ""])) + "\r\n"
    (tmp / "人口导出.csv").write_bytes(text.encode("gb18030"))
    rows = {3: E("create", [], label="tab-separated 甘一"), 4: E("create", [], label="tab-separated 甘二")}
    return Built(tmp / "人口导出.csv", "residents", rows,
                 after=lambda _r: expect_fields("甘一", resident_by_id(ids[0]), name="甘一"))


def r2_strict_garbage(tmp: Path) -> Built:
    """Strict mode: one garbage row among good ones, nothing written."""
    from banyan.people.models import Resident

    ids = [pid("19910101"), pid("19920101")]
    lines = [["姓名", "身份证号", "人口类别"],
             E("create", ["简一", ids[0], "户籍人口"], label="good"),
             E("refused", ["简二（已迁出）", ids[1], "户籍人口"], reason="姓名", label="note in name"),
             E("refused", ["简三", "4406041993010112", "户籍人口"], reason="18位", label="16 digits")]
    rows = write_xlsx(tmp / "严格.xlsx", lines)
    built = Built(tmp / "严格.xlsx", "residents", rows, strict=True, expect_written=False)
    built.after = lambda _r: gone("简一", Resident.objects.filter(name="简一").first())
    return built


# ---------------------------------------------------------------------------------------------------------------
# Households


def r2_households_kinds(tmp: Path) -> Built:
    """A household ledger with 序号, 户主姓名 and 联系电话 (not the import's), 户别 words, a stored household
    updated and one unchanged, a 户号 typed twice, a 户号 as a number cell, an empty numbered row."""
    HouseholdFactory(number="DL2006", address="东联村东街6号")
    HouseholdFactory(number="DL2007", address="东联村东街7号", kind="collective")
    lines = [["东联社区户籍户台账"], ["序号", "户号", "户主姓名", "户别", "户籍地址", "联系电话", "备注"],
             E("create", [1, "DL2001", "梁一", "家庭户", "东联村东街1号", "13800000001", ""], label="家庭户"),
             E("create", [2, "DL2002", "厂宿舍", "集体户", "东联村东街2号", "", "集体"], label="集体户"),
             E("create", [3, "DL2003", "梁三", "家庭户口", "东联村 东街 3号", "", ""], label="家庭户口"),
             E("create", [4, "DL2004", "梁四", "", "东联村东街4号", "", ""], label="户别 blank"),
             E("refused", [5, "DL2005", "梁五", "农业户口", "东联村东街5号", "", ""], reason="户别",
               label="农业户口 is not a 户别 of the list"),
             E("update", [6, "DL2006", "梁六", "家庭户", "东联村东街66号", "", "地址变更"], label="new address"),
             E("unchanged", [7, "DL2007", "梁七", "集体", "东联村东街7号", "", ""], label="same"),
             E("refused", [8, "DL2001", "梁一", "家庭户", "东联村东街1号", "", "重复"], reason="重复",
               label="户号 twice"),
             E("create", [9, 3008, "梁九", "家庭", "东联村东街8号", "", ""], label="户号 number cell"),
             E("absent", [10, None, None, None, None, None, None], label="clerk: 序号 only")]
    rows = write_xlsx(tmp / "户台账.xlsx", lines)

    def after(_result):
        return (expect_fields("DL2002", household("DL2002"), kind="collective")
                + expect_fields("DL2003", household("DL2003"), kind="family", address="东联村东街3号")
                + expect_fields("DL2004", household("DL2004"), kind="family")
                + expect_fields("DL2006", household("DL2006"), address="东联村东街66号")
                + expect_fields("3008", household("3008"), address="东联村东街8号")
                + gone("DL2005", household("DL2005")))

    return Built(tmp / "户台账.xlsx", "households", rows, after=after)


def r2_households_partial(tmp: Path) -> Built:
    """A base households file imported, then one with only 户号 and 地址: 户别 stays, a blank address stays."""
    base = [["户号", "户别", "地址"], ["DL3001", "集体户", "东联村中街1号"], ["DL3002", "家庭户", "东联村中街2号"],
            ["DL3003", "家庭户", "东联村中街3号"]]
    write_csv(tmp / "户基础.csv", base, "gb18030")
    lines = [["户号", "地址"],
             E("unchanged", ["DL3001", "东联村中街1号"], label="same"),
             E("update", ["DL3002", "东联村中街22号"], label="moved"),
             E("unchanged", ["DL3003", ""], label="blank address keeps"),
             E("create", ["DL3004", "东联村中街4号"], label="new")]
    rows = write_xlsx(tmp / "户地址.xlsx", lines)

    def after(_result):
        return (expect_fields("DL3001", household("DL3001"), kind="collective", address="东联村中街1号")
                + expect_fields("DL3002", household("DL3002"), address="东联村中街22号")
                + expect_fields("DL3003", household("DL3003"), address="东联村中街3号")
                + expect_fields("DL3004", household("DL3004"), kind="family"))

    return Built(tmp / "户地址.xlsx", "households", rows, after=after,
                 prelude=[("households", tmp / "户基础.csv", {})])


# ---------------------------------------------------------------------------------------------------------------
# Rentals and tenancies


def r2_rentals_scattered(tmp: Path) -> Built:
    """One property's rooms on rows far apart, room numbers as number cells, landlord phones with +86 and a
    spaced landline, a room listed twice, the landlord left blank on a later room of a known property."""
    from banyan.people.models import RentalProperty

    lines = [["东联社区出租屋及房间台账"],
             ["序号", "出租屋地址", "房号", "房东", "房东电话", "用途", "隐患", "核定人数", "面积", "备注"],
             E("create", [1, "东联村前路20号", 101, "梁伯", "+86 138 0013 8001", "住宅", "无", 2, 15],
               label="20号 101"),
             E("create", [2, "东联村前路21号", 1, "何姨", "0757 8665 1234", "商铺", "火灾隐患", 1, 30],
               label="21号, spaced landline"),
             E("create", [3, "东联村前路20号", 102, "梁伯", "+86 138 0013 8001", "住宅", "无", 2, 12.5],
               label="20号 102, not adjacent"),
             E("create", [4, "东联村前路22号", 201, "冯生", "13800138002", "员工宿舍", "", 8, 40], label="22号"),
             E("create", [5, "东联村前路20号", "201", "", "", "", "", 3, ""],
               label="clerk: landlord said on 20号's first rows"),
             E("refused", [6, "东联村前路20号", 101, "梁伯", "", "住宅", "无", 2, 15], reason="重复",
               label="20号 101 again"),
             E("refused", [7, "东联村前路23号", "101", "罗伯", "12345", "住宅", "", 2, ""], reason="联系电话",
               label="bad phone"),
             E("create", [8, "东联村前路 20 号", "301", "梁伯", "", "住宅", "", 2, ""], label="20号 spaced")]
    rows = write_xlsx(tmp / "出租屋台账.xlsx", lines)

    def after(_result):
        found = RentalProperty.objects.filter(address="东联村前路20号")
        if found.count() != 1:
            return [f"前路20号: {found.count()} properties, expected 1"]
        prop = found[0]
        numbers = sorted(prop.rooms.values_list("number", flat=True))
        problems = [] if numbers == ["101", "102", "201", "301"] else [f"前路20号 rooms {numbers}"]
        problems += expect_fields("前路20号", prop, landlord_name="梁伯", use="02")
        problems += expect_phone("前路20号", prop, "13800138001", "landlord_phone")
        problems += expect_phone("前路21号", stored(RentalProperty, address="东联村前路21号"), "075786651234",
                                 "landlord_phone")
        return problems + expect_fields("前路22号", stored(RentalProperty, address="东联村前路22号"), use="01")

    return Built(tmp / "出租屋台账.xlsx", "rentals", rows, after=after)


def r2_rentals_places(tmp: Path) -> Built:
    """A town-wide rentals list with 社区 and 网格 columns, imported by 东联's secretary."""
    GridFactory(name="第一网格")
    lines = [["社区", "网格", "出租屋地址", "房间号", "房东姓名"],
             E("create", ["东联社区", "第一网格", "东联村后巷1号", "A01", "莫叔"], label="东联社区"),
             E("create", ["东联", "", "东联村后巷2号", "A01", "莫叔"], label="东联"),
             E("create", ["东联村", "第一网格", "东联村后巷1号", "A02", "莫叔"], label="东联村"),
             E("refused", ["罗湖", "", "罗湖村1号", "101", "陈生"], reason="罗湖", label="罗湖"),
             E("refused", ["东联", "第九网格", "东联村后巷3号", "101", "莫叔"], reason="网格", label="unknown grid")]
    rows = write_xlsx(tmp / "全镇出租屋.xlsx", lines)
    return Built(tmp / "全镇出租屋.xlsx", "rentals", rows)


def r2_tenancies(tmp: Path) -> Built:
    """入住登记 with 姓名 and 联系电话 the import does not need, date cells and text dates, a lowercase x,
    same-day move-out, move-out before move-in, a line typed twice, a tenant of 罗湖, no move-in date."""
    from banyan.people.models import Tenancy

    prop = RentalPropertyFactory(address="东联村后街30号")
    rooms = {n: RentalRoomFactory(rental_property=prop, number=n) for n in ("101", "102")}
    ids = [pid("19950101"), pid("19960202", last="X"), pid("19970303"), pid("19980404", male=False),
           pid("19990505")]
    tenants = [ResidentFactory(residency="migrant", id_number=i, name=f"租{k}") for k, i in enumerate(ids)]
    outsider = ResidentFactory(community=community("罗湖"), residency="migrant", id_number=pid("19930303"))
    lines = [["东联村后街30号租住人员登记"],
             ["序号", "姓名", "身份证号", "出租屋地址", "房间号", "入住日期", "搬离日期", "联系电话"],
             E("create", [1, "租0", ids[0], "东联村后街30号", 101, dt.date(2024, 3, 1), None, "13800000000"],
               label="date cell, room number cell"),
             E("create", [2, "租1", ids[1].lower(), "东联村 后街30号", "102", "2024.3.15", None, ""],
               label="lowercase x, 2024.3.15"),
             E("create", [3, "租2", ids[2], "东联村后街30号", "101", "20240401", "2024-06-30", ""],
               label="20240401"),
             E("create", [4, "租3", ids[3], "东联村后街30号", "101", dt.date(2024, 5, 1), dt.date(2024, 5, 1), ""],
               label="left the same day"),
             E("refused", [5, "租4", ids[4], "东联村后街30号", "102", "2024-06-01", "2024-05-31", ""],
               reason="搬离日期不能早于", label="out before in"),
             E("refused", [6, "租0", ids[0], "东联村后街30号", "101", "2024-03-01", None, ""], reason="重复",
               label="typed twice"),
             E("refused", [7, "外人", pii_reveal(outsider, "id_number"), "东联村后街30号", "101", "2024-03-01", None,
                           ""], reason="请先导入居民", label="tenant of 罗湖"),
             E("refused", [8, "租4", ids[4], "东联村后街30号", "101", None, None, ""], reason="入住日期",
               label="no move-in date"),
             E("refused", [9, "租2", ids[2], "东联村后街30号", "103", "2024-04-01", None, ""], reason="不存在",
               label="room 103 unknown")]
    rows = write_xlsx(tmp / "入住登记.xlsx", lines)

    def after(_result):
        return (expect_fields("租1", Tenancy.objects.filter(resident=tenants[1]).first(), room_id=rooms["102"].pk,
                              moved_in=dt.date(2024, 3, 15))
                + expect_fields("租2", Tenancy.objects.filter(resident=tenants[2]).first(),
                                moved_out=dt.date(2024, 6, 30)))

    return Built(tmp / "入住登记.xlsx", "tenancies", rows, after=after)


# ---------------------------------------------------------------------------------------------------------------
# Enterprises

GOOD = [_credit_code(f"91440605MA4W{n:05d}") for n in range(1, 6)]
GETI = _credit_code("92440605MA4X00001")


def _wrong_check(code: str) -> str:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return code[:17] + chars[(chars.index(code[17]) + 1) % 31]


def r2_enterprises_codes(tmp: Path) -> Built:
    """An enterprise ledger with 序号/备注, 法定代表人 and 员工人数 aliases, credit codes valid (computed per
    GB 32100), lowercase, spaced, a 个体户's 92…, with a wrong check character, an O for 0, 17 characters, 无."""
    IndustrialParkFactory(name="东联工业区")
    lines = [["东联社区企业（个体户）台账"], ["填报单位：东联社区", "", "", "", "", "填报日期：2024.04"],
             ["序号", "企业名称", "统一社会信用代码", "法定代表人", "联系电话", "所在工业园", "行业", "员工人数",
              "企业地址", "备注"],
             E("create", [1, "东联五金厂", GOOD[0], "梁生", "13800001234", "东联工业区", "五金", 35, "工业大道1号",
                          ""],
               label="valid code"),
             E("create", [2, "东联塑料厂", GOOD[1].lower(), "何生", "0757-86651234", "东联工业区", "塑料", "20", "",
                          ""],
               label="lowercase code"),
             E("create", [3, "东联印刷厂", " ".join((GOOD[2][:6], GOOD[2][6:12], GOOD[2][12:])), "", "86651234", "",
                          "印刷", "", "", ""], label="spaced code, landline without area code"),
             E("refused", [4, "东联家具厂", _wrong_check(GOOD[3]), "", "", "", "", "", "", ""], reason="校验位",
               label="wrong check"),
             E("refused", [5, "东联灯具厂", "91440605MA4WO0001", "", "", "", "", "", "", ""], reason="18位",
               label="O for 0"),
             E("refused", [6, "东联纸品厂", GOOD[4][:17], "", "", "", "", "", "", ""], reason="18位",
               label="17 characters"),
             E("create", [7, "陈记大排档", GETI, "陈记", "+86 139 2345 6789", "", "餐饮", 3, "东联村市场", "个体户"],
               label="个体户 92…"),
             E("create", [8, "东联鞋厂", "无", "", "", "", "鞋业", "12.0", "", ""], label="无, 12.0"),
             E("refused", [9, "东联五金厂", GOOD[0], "梁生", "", "", "", "", "", "重复"], reason="重复",
               label="name twice"),
             E("refused", [10, "东联电子厂", "", "", "", "东联科技园", "", "", "", ""], reason="工业园",
               label="unknown park"),
             E("absent", [11, None, None, None, None, None, None, None, None, None], label="clerk: 序号 only")]
    rows = write_xlsx(tmp / "企业台账.xlsx", lines)

    def after(_result):
        return (expect_fields("东联五金厂", enterprise("东联五金厂"), credit_code=GOOD[0], headcount=35)
                + expect_fields("东联塑料厂", enterprise("东联塑料厂"), credit_code=GOOD[1], headcount=20)
                + expect_fields("东联印刷厂", enterprise("东联印刷厂"), credit_code=GOOD[2])
                + expect_phone("陈记大排档", enterprise("陈记大排档"), "13923456789", "contact_phone")
                + expect_fields("东联鞋厂", enterprise("东联鞋厂"), credit_code="", headcount=12))

    return Built(tmp / "企业台账.xlsx", "enterprises", rows, after=after)


def r2_ent_partial(tmp: Path) -> Built:
    """A base enterprises file imported, then one with 企业名称, 从业人数 and 联系电话 only."""
    park = IndustrialParkFactory(name="东联二工业区")
    base = [["企业名称", "统一社会信用代码", "所在工业园", "从业人数", "联系电话"],
            ["东联铝材厂", GOOD[0], park.name, "50", "13912348888"],
            ["东联陶瓷厂", GOOD[1], park.name, "80", "13912349999"],
            ["东联木器厂", "", park.name, "15", ""]]
    write_xlsx(tmp / "企业基础.xlsx", base)
    lines = [["企业名称", "从业人数", "联系电话"],
             E("unchanged", ["东联铝材厂", "50", "139****8888"], label="masked phone, same count"),
             E("update", ["东联陶瓷厂", "85", ""], label="headcount"),
             E("update", ["东联木器厂", "", "0757-86650000"], label="phone added"),
             E("create", ["东联新材料公司", "5", ""], label="new")]
    rows = write_xlsx(tmp / "企业更新.xlsx", lines)

    def after(_result):
        return (expect_fields("东联铝材厂", enterprise("东联铝材厂"), credit_code=GOOD[0], park_id=park.pk,
                              headcount=50)
                + expect_phone("东联铝材厂", enterprise("东联铝材厂"), "13912348888", "contact_phone")
                + expect_fields("东联陶瓷厂", enterprise("东联陶瓷厂"), headcount=85, credit_code=GOOD[1])
                + expect_phone("东联陶瓷厂", enterprise("东联陶瓷厂"), "13912349999", "contact_phone")
                + expect_fields("东联木器厂", enterprise("东联木器厂"), headcount=15, park_id=park.pk))

    return Built(tmp / "企业更新.xlsx", "enterprises", rows, after=after,
                 prelude=[("enterprises", tmp / "企业基础.xlsx", {})])


def r2_ent_export(tmp: Path) -> Built:
    """The enterprises export sent back: one as exported, one 行业 corrected, one 系统编号 of no record, a new
    firm added with no 系统编号."""
    from banyan.people.models import Enterprise

    firms = [EnterpriseFactory(name=n, credit_code=c, contact_phone="13912347777")
             for n, c in (("东联机械厂", GOOD[2]), ("东联制衣厂", GOOD[3]), ("东联玻璃厂", ""))]
    header, *records = export_rows("enterprises", Enterprise.objects.filter(
        pk__in=[f.pk for f in firms]).order_by("pk"))
    second, third = list(records[1]), list(records[2])
    second[header.index("行业")] = "服装"
    third[0] = "99999999"
    new = [""] * len(header)
    new[header.index("企业名称")], new[header.index("统一社会信用代码")] = "东联新五金厂", GOOD[4]
    lines = [header, E("unchanged", records[0], label="as exported"), E("update", second, label="行业 corrected"),
             E("refused", third, reason="不存在", label="系统编号 of no record"),
             E("create", new, label="new firm")]
    rows = write_xlsx(tmp / "企业导出.xlsx", lines)

    def after(_result):
        return (expect_fields("东联制衣厂", enterprise("东联制衣厂"), industry="服装", credit_code=GOOD[3])
                + expect_phone("东联制衣厂", enterprise("东联制衣厂"), "13912347777", "contact_phone")
                + expect_fields("东联新五金厂", enterprise("东联新五金厂"), credit_code=GOOD[4]))

    return Built(tmp / "企业导出.xlsx", "enterprises", rows, after=after)


# ---------------------------------------------------------------------------------------------------------------
# Party members


def r2_party_months(tmp: Path) -> Built:
    """A branch's roster: 入党时间 as 2001年7月, 2001.07, a date cell, 2001-7-1, 200107, 2001.1 (Excel's 2001.10);
    党员类别 words; 在职党员 with and without 工作单位; a 性别 column at odds with the ID."""
    PartyOrgFactory(name="东联社区第二党支部")
    ids = [pid(f"197{i}0101", male=i % 2 == 0) for i in range(10)] + [pid("19650505")]
    org = "东联社区第二党支部"
    lines = [["东联社区第二党支部党员花名册"],
             ["序号", "姓名", "性别", "身份证号码", "所在支部", "入党时间", "党员类别", "工作单位", "手机"],
             E("create", [1, "区党一", "男", ids[0], org, "2001年7月", "本地党员", "", ""], label="2001年7月"),
             E("create", [2, "区党二", "女", ids[1], org, "2001.07", "流动党员", "", ""], label="2001.07"),
             E("create", [3, "区党三", "男", ids[2], org, dt.date(1999, 7, 1), "正式党员", "", ""],
               label="date cell, 正式党员"),
             E("create", [4, "区党四", "女", ids[3], org, "2001-7-1", "预备党员", "", ""], label="2001-7-1"),
             E("create", [5, "区党五", "男", ids[4], org, "200107", "", "", ""], label="200107"),
             E("create", [6, "区党六", "女", ids[5], org, "2005-07", "在职党员", "南海区人民医院", ""],
               label="在职 with 单位"),
             E("refused", [7, "区党七", "男", ids[6], org, "2005-07", "在职党员", "", ""], reason="工作单位",
               label="在职 without 单位"),
             E("refused", [8, "区党八", "女", ids[7], org, 2001.1, "", "", ""], reason="可能是1月",
               label="2001.1 number"),
             E("refused", [9, "区党九", "女", ids[8], org, "2005-07", "", "", ""], reason="性别",
               label="clerk: 性别 女 with a male ID is refused as for residents"),
             E("create", [10, "区党十", "女", ids[9], org, "2005-07", "退休党员", "", ""],
               label="clerk: 退休党员 is a local member (or blank)"),
             E("refused", [11, "区党十一", "男", ids[10], org, "2001", "", "", ""], reason="无法识别",
               label="year only")]
    rows = write_xlsx(tmp / "党员花名册.xlsx", lines)

    def after(_result):
        m = [member_by_id(i) for i in ids]
        return (expect_fields("区党一", m[0], joined_on=dt.date(2001, 7, 1), kind="local", sex="1")
                + expect_fields("区党二", m[1], joined_on=dt.date(2001, 7, 1), kind="mobile", sex="2")
                + expect_fields("区党三", m[2], joined_on=dt.date(1999, 7, 1), kind="local")
                + expect_fields("区党四", m[3], joined_on=dt.date(2001, 7, 1))
                + expect_fields("区党五", m[4], joined_on=dt.date(2001, 7, 1))
                + expect_fields("区党六", m[5], kind="in_service", work_unit="南海区人民医院"))

    return Built(tmp / "党员花名册.xlsx", "party-members", rows, after=after)


def r2_party_gbk(tmp: Path) -> Built:
    """A GBK CSV of party members: CRLF, a title, 序号, 党组织/入党年月 aliases, a trailing empty column, phones
    with spaces, a lowercase x, a row numbered in advance, a 注： line under the table."""
    PartyOrgFactory(name="东联社区党委")
    ids = [pid("19600101", last="X"), pid("19620202", male=False), pid("19640303")]
    header = ["序号", "姓名", "身份证号", "党组织", "入党年月", "联系电话", ""]
    lines = pad([["东联社区党委党员名册"], header,
                 E("create", ["1", "卢一", ids[0].lower(), "东联社区党委", "1985年07月", "139 2345 6701"],
                   label="lowercase x, spaced phone"),
                 E("create", ["2", "卢二", ids[1], "东联社区党委", "1990.7", ""], label="1990.7"),
                 E("refused", ["3", "卢三", ids[2], "东联党委", "1990-07", ""], reason="党组织",
                   label="org name shortened"),
                 E("absent", ["4", "", "", "", "", ""], label="clerk: 序号 only"),
                 E("absent", ["注：本表由支部书记填写，请勿改动表头", "", "", "", "", ""],
                   label="clerk: 注： line is a footer")], len(header))
    rows = write_csv(tmp / "党员名册.csv", lines, "gbk")

    def after(_result):
        return (expect_fields("卢一", member_by_id(ids[0]), joined_on=dt.date(1985, 7, 1), sex="1")
                + expect_phone("卢一", member_by_id(ids[0]), "13923456701")
                + expect_fields("卢二", member_by_id(ids[1]), joined_on=dt.date(1990, 7, 1), sex="2"))

    return Built(tmp / "党员名册.csv", "party-members", rows, after=after)


def r2_party_export(tmp: Path) -> Built:
    """Party members imported, exported by the app, a 入党日期 corrected, sent back."""
    from banyan.party.models import PartyMember

    PartyOrgFactory(name="东联社区第三党支部")
    ids = [pid("19580101"), pid("19590202", male=False)]
    base = [["姓名", "身份证号", "所在党组织", "入党日期", "手机号"],
            ["叶一", ids[0], "东联社区第三党支部", "1980-07-01", "13800139001"],
            ["叶二", ids[1], "东联社区第三党支部", "1982-07", "13800139002"]]
    write_xlsx(tmp / "党员基础.xlsx", base)

    def build_rows():
        header, *records = export_rows("party-members", PartyMember.objects.filter(
            name__in=["叶一", "叶二"]).order_by("name"))
        second = list(records[1])
        second[header.index("入党日期")] = "1983-07-01"
        return [header, E("unchanged", records[0], label="as exported"),
                E("update", second, label="入党日期 corrected")]

    # The export needs the base rows stored, so the builder imports the base file itself (as another
    # secretary of 东联) before it writes the export.
    from banyan.ledgers.importing import ledger_import
    from banyan.ledgers.tests.messy import secretary

    ledger_import(kind="party-members", path=tmp / "党员基础.xlsx", file_name="党员基础.xlsx", by=secretary(),
                  community=community("东联"))
    rows = write_xlsx(tmp / "党员导出.xlsx", build_rows())

    def after(_result):
        return (expect_fields("叶二", member_by_id(ids[1]), joined_on=dt.date(1983, 7, 1), sex="2")
                + expect_phone("叶二", member_by_id(ids[1]), "13800139002")
                + expect_fields("叶一", member_by_id(ids[0]), joined_on=dt.date(1980, 7, 1)))

    return Built(tmp / "党员导出.xlsx", "party-members", rows, after=after)


CASES: dict[str, Callable[[Path], Built]] = {f.__name__: f for f in (
    r2_wps_title_serial, r2_gbk_crlf, r2_column_b_margin, r2_birth_dates, r2_relations, r2_phone_forms,
    r2_code_words, r2_duplicates, r2_res_partial, r2_missing_ids, r2_res_export, r2_tab_separated, r2_strict_garbage,
    r2_households_kinds, r2_households_partial, r2_rentals_scattered, r2_rentals_places, r2_tenancies,
    r2_enterprises_codes, r2_ent_partial, r2_ent_export, r2_party_months, r2_party_gbk, r2_party_export,
    *map(twice, (r2_wps_title_serial, r2_gbk_crlf, r2_households_kinds, r2_rentals_scattered, r2_tenancies,
                 r2_enterprises_codes, r2_party_months)),
)}
