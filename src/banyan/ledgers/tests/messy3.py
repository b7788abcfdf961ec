"""A third folder of messy ledgers (messy3.py), unlike those of messy.py and messy2.py: two-level headers as Chinese
ledgers draw them (group titles merged across, 序号 / 姓名 / 人口类别 merged down both header rows), headers with a
unit in brackets or a "*" required marker, numbers Excel typed (room numbers, long 户号, counts with 人, areas,
phones as number cells), dates with a time of day and in clerks' text forms, a migrant officer's rental roster and
the tenancies that follow it (在住 / 未搬离, a 搬离日期 added later), users at a grid, a town, the district and two
places, households whose leading zeros Excel dropped, enterprises written with full- and half-width brackets.

Each builder returns a `messy.Built` (which may expect the whole file refused, `refused_file`): the expected
outcome of every row by its row number, and the stored values that must hold afterwards. Outcomes are those of
messy.py, and "no_new": the row must not create a record (refused, or matched to the stored one, either will do).

Where a clerk's expectation is a judgement (not what the code says), the row's label says "clerk:" and why."""

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from banyan.accounts.roles import Role
from banyan.core.pii import pii_reveal
from banyan.core.testing import (
    GridFactory,
    HouseholdFactory,
    IndustrialParkFactory,
    PartyOrgFactory,
    RentalPropertyFactory,
    RentalRoomFactory,
    ResidentFactory,
    community,
    make_user,
    nanhai,
    town,
)
from banyan.ledgers.tests.messy import (
    Built,
    E,
    expect_fields,
    gone,
    member_by_id,
    resident_by_id,
    twice,
    vid,
    write_csv,
    write_xlsx,
)
from banyan.ledgers.tests.messy2 import enterprise, expect_phone, household


def cell_time(*parts: int) -> dt.datetime:
    """A date-and-time cell as Excel holds it: no time zone."""
    return dt.datetime(*parts)  # noqa: DTZ001


def merges(*ranges: str):
    def prepare(_wb, sheet):
        for cells in ranges:
            sheet.merge_cells(cells)

    return prepare


def tenancy_of(resident_id: str, **lookup):
    from banyan.people.models import Tenancy

    person = resident_by_id(resident_id)
    return Tenancy.objects.filter(resident=person, **lookup).order_by("moved_in").first() if person else None


def rooms_of(address: str) -> list[str]:
    from banyan.people.models import RentalProperty

    return sorted(RentalProperty.objects.filter(address=address).values_list("rooms__number", flat=True))


# ---------------------------------------------------------------------------------------------------------------
# Two-level headers


def h3_group_titles(tmp: Path) -> Built:
    """Row 1 group titles merged across (基本信息 / 居住信息 / 其他), 序号 merged down rows 1–2, the column names
    on row 2; 户号 a long number cell, phones as number cells, 来本地日期 as a datetime with a time of day, as
    2026年2月10日, as 2026.2.10, and as 2/10/2026."""
    ids = [vid("19880101"), vid("19900202", False), vid("19700303"), vid("19920404", False), vid("19950505")]
    lines = [["序号", "基本信息", None, None, None, "居住信息", None, "其他", None],
             [None, "姓名", "性别", "身份证号", "人口类别", "现住址", "户号", "手机号", "来本地日期"],
             E("create", [1, "何一", "男", ids[0], "流动人口", "东联村前路8号", 440605123038001, 13812345678.0,
                          cell_time(2026, 2, 10, 8, 30)], label="户号 number cell, phone float, datetime+time"),
             E("create", [2, "何二", "女", ids[1], "流动人口", "东联村前路8号", 440605123038001, None,
                          "2026年2月10日"], label="2026年2月10日, same 户号"),
             E("create", [3, "何三", "男", ids[2], "户籍人口", None, None, None, "2026.2.10"], label="2026.2.10"),
             E("refused", [4, "何四", "女", ids[3], "流动人口", None, None, None, "2/10/2026"], reason="无法识别",
               label="clerk: 2/10/2026 is 2 Oct or 10 Feb: refused, never guessed"),
             E("create", [5, "何五", "男", ids[4], "流动人口", None, None, 13900001111, dt.date(2025, 12, 1)],
               label="phone int cell, date cell")]
    rows = write_xlsx(tmp / "两级表头.xlsx", lines, prepare=merges("A1:A2", "B1:E1", "F1:G1", "H1:I1"))

    def after(_result):
        a, b, c, _d, e = (resident_by_id(i) for i in ids)
        problems = (expect_fields("何一", a, arrived_on=dt.date(2026, 2, 10), residency="migrant", sex="1")
                    + expect_phone("何一", a, "13812345678")
                    + expect_fields("何二", b, arrived_on=dt.date(2026, 2, 10), sex="2")
                    + expect_fields("何三", c, arrived_on=dt.date(2026, 2, 10))
                    + expect_fields("何五", e, arrived_on=dt.date(2025, 12, 1)) + expect_phone("何五", e, "13900001111")
                    + expect_fields("户 440605123038001", household("440605123038001"), address="东联村前路8号"))
        for who, person in (("何一", a), ("何二", b)):
            if person and (person.household is None or person.household.number != "440605123038001"):
                problems.append(f"{who}: household {person.household and person.household.number!r}")
        return problems

    return Built(tmp / "两级表头.xlsx", "residents", rows, options={"households": True}, after=after)


def h3_vertical_merged_header(tmp: Path) -> Built:
    """A roster under a merged title whose header is two rows: 序号, 姓名 and 人口类别 merged down rows 2–3, 基本信息
    over 性别/身份证号/民族 and 居住信息 over 现住址/联系电话 merged across row 2. Excel shows one header; the
    clerk expects the rows imported."""
    ids = [vid("19810101"), vid("19830303", False), vid("19850505")]
    lines = [["东联社区居民花名册", *[None] * 7],
             ["序号", "姓名", "基本信息", None, None, "人口类别", "居住信息", None],
             [None, None, "性别", "身份证号", "民族", None, "现住址", "联系电话"],
             E("create", [1, "邝一", "男", ids[0], "汉族", "户籍人口", "东联村南街1号", 13800138101],
               label="clerk: two-level header, 姓名 merged down"),
             E("create", [2, "邝二", "女", ids[1], "汉", "流动人口", "东联村南街2号", "13800138102"],
               label="clerk: two-level header"),
             E("create", [3, "邝三", "男", ids[2], "壮族", "户籍", None, None], label="clerk: two-level header")]
    rows = write_xlsx(tmp / "花名册.xlsx", lines,
                      prepare=merges("A1:H1", "A2:A3", "B2:B3", "C2:E2", "F2:F3", "G2:H2"))

    def after(_result):
        a, b, c = (resident_by_id(i) for i in ids)
        return (expect_fields("邝一", a, name="邝一", ethnicity="01", residency="registered",
                              current_address="东联村南街1号")
                + expect_phone("邝一", a, "13800138101")
                + expect_fields("邝二", b, name="邝二", residency="migrant", sex="2")
                + expect_fields("邝三", c, name="邝三", ethnicity="08"))

    return Built(tmp / "花名册.xlsx", "residents", rows, after=after)


def h3_two_level_csv(tmp: Path) -> Built:
    """The same kind of two-level header saved as CSV (GB18030): the merged cells become a name on the first header
    line and a blank under it (姓名, 人口类别), the group titles a name over blanks."""
    ids = [vid("19760606"), vid("19780808", False)]
    lines = [["东联社区流动人口登记表", "", "", "", "", ""],
             ["序号", "姓名", "基本信息", "", "人口类别", "联系方式"],
             ["", "", "性别", "身份证号", "", "手机号"],
             E("create", ["1", "龚一", "男", ids[0], "流动人口", "13800138111"], label="clerk: CSV two-level header"),
             E("create", ["2", "龚二", "女", ids[1], "流动人口", ""], label="clerk: CSV two-level header")]
    rows = write_csv(tmp / "两级表头.csv", lines, "gb18030")
    return Built(tmp / "两级表头.csv", "residents", rows,
                 after=lambda _r: expect_fields("龚一", resident_by_id(ids[0]), name="龚一", residency="migrant")
                 + expect_phone("龚一", resident_by_id(ids[0]), "13800138111"))


# ---------------------------------------------------------------------------------------------------------------
# Rentals and tenancies


def _rentals_file(path: Path) -> None:
    # Not the template's example row (村前路8号 / 101 / 陈大文 / 13812345678), which the import skips.
    write_xlsx(path, [["出租屋地址", "房间号", "房东姓名", "房东电话"],
                      ["村前路8号", "101", "陈大文", "13812340008"], ["村前路8号", "102", "陈大文", "13812340008"],
                      ["村前路8号", "103", "陈大文", "13812340008"], ["村前路9号", "1", "黄生", "0757-86651234"]])


def _tenants_file(path: Path, ids: list[str]) -> None:
    write_xlsx(path, [["姓名", "身份证号", "人口类别"],
                      *[[f"租{n}", i, "流动人口"] for n, i in zip("甲乙丙丁", ids, strict=False)]])


def r3_migrant_roster(tmp: Path) -> Built:
    """A migrant officer's rental roster: 房东 and 房东电话 (a number cell) on every room, one
    property written 村前路8号 / 村前路８号 / 村前路 8号, room numbers as number cells, 可住人数（人）
    with "2人", 面积（㎡） as 15.5, "*" markers."""
    user = make_user(Role.MIGRANT_OFFICER, community("东联"))
    lines = [["东联社区出租屋（房间）登记台账", *[None] * 8],
             ["序号", "*出租屋地址", "*房间号", "*房东姓名", "房东电话", "可住人数（人）", "面积（㎡）", "出租用途",
              "隐患类型"],
             E("create", [1, "村前路8号", 101, "陈大文", 13812345678, 2, 15.5, "住宅", "无"], label="room 101 cell"),
             E("create", [2, "村前路８号", 102, "陈大文", 13812345678, "2人", 12, "住宅", "无"],
               label="clerk: 2人 is 2; full-width 8"),
             E("create", [3, "村前路 8号", 103, "陈大文", 13812345678.0, 3, "15.0", "住宅", "无"],
               label="spaced address, phone float"),
             E("refused", [4, "村前路８号", "101", "陈大文", 13812345678, 2, 15.5, "住宅", "无"], reason="重复",
               label="8号 101 again, full-width address, room as text"),
             E("create", [5, "村前路9号", 1, "黄生", "0757-86651234", "4人", 30.5, "员工宿舍", None],
               label="clerk: 4人 is 4")]
    rows = write_xlsx(tmp / "出租屋登记.xlsx", lines, prepare=merges("A1:I1"))

    def after(_result):
        from banyan.people.models import RentalProperty, RentalRoom

        problems = []
        eight = RentalProperty.objects.filter(address="村前路8号")
        if eight.count() != 1 or rooms_of("村前路8号") != ["101", "102", "103"]:
            every = list(RentalProperty.objects.values_list("address", flat=True))
            problems.append(f"村前路8号: {eight.count()} properties, rooms {rooms_of('村前路8号')}; all: {every}")
        else:
            problems += expect_phone("村前路8号", eight[0], "13812345678", "landlord_phone")
            problems += expect_fields("村前路8号", eight[0], landlord_name="陈大文", use="02")
            room = {r.number: r for r in eight[0].rooms.all()}
            problems += expect_fields("101", room["101"], capacity=2)
            if room["101"].area_m2 is None or float(room["101"].area_m2) != 15.5:
                problems.append(f"101: area_m2 = {room['101'].area_m2!r}, expected 15.5")
            problems += expect_fields("102", room["102"], capacity=2)
        problems += expect_fields("村前路9号 1", RentalRoom.objects.filter(rental_property__address="村前路9号",
                                                                        number="1").first(), capacity=4)
        return problems

    return Built(tmp / "出租屋登记.xlsx", "rentals", rows, user=user, after=after)


def t3_after_roster(tmp: Path) -> Built:
    """入住登记 of the rooms and residents just imported: the address written three ways, room numbers as number
    cells, 入住日期 as a datetime with a time and as text, 搬离日期 blank / 在住 / 未搬离, a tenant of 罗湖."""
    ids = [vid("19960101"), vid("19970202", False), vid("19980303"), vid("19990404", False)]
    luohu = ResidentFactory(community=community("罗湖"), residency="migrant", id_number=vid("19930303"))
    _tenants_file(tmp / "租客.xlsx", ids)
    _rentals_file(tmp / "出租屋.xlsx")
    lines = [["序号", "姓名", "身份证号", "出租屋地址", "房间号", "入住日期", "搬离日期"],
             E("create", [1, "租甲", ids[0], "村前路８号", 101, cell_time(2026, 2, 10, 9, 30), None],
               label="full-width 8, room cell, datetime+time"),
             E("create", [2, "租乙", ids[1], "村前路 8号", "102", "2026年2月10日", "在住"],
               label="clerk: 搬离日期 在住 = not moved out"),
             E("create", [3, "租丙", ids[2], "村前路8号", 103, "2026.2.10", "未搬离"],
               label="clerk: 未搬离 = not moved out"),
             E("refused", [4, "租丁", ids[3], "村前路9号", 1, "2/10/2026", None], reason="无法识别",
               label="clerk: 2/10/2026 ambiguous"),
             E("refused", [5, "罗某", pii_reveal(luohu, "id_number"), "村前路9号", 1, "2026-03-01", None],
               reason="未在该社区登记", label="tenant registered in 罗湖"),
             E("create", [6, "租丁", ids[3], "村前路9号", "1", "2026-03-01", "2026年6月30日"],
               label="moved out 2026年6月30日")]
    rows = write_xlsx(tmp / "入住登记.xlsx", lines)

    def after(_result):
        return (expect_fields("租甲", tenancy_of(ids[0]), moved_in=dt.date(2026, 2, 10), moved_out=None)
                + expect_fields("租乙", tenancy_of(ids[1]), moved_in=dt.date(2026, 2, 10), moved_out=None)
                + expect_fields("租丙", tenancy_of(ids[2]), moved_out=None)
                + expect_fields("租丁", tenancy_of(ids[3]), moved_in=dt.date(2026, 3, 1),
                                moved_out=dt.date(2026, 6, 30)))

    return Built(tmp / "入住登记.xlsx", "tenancies", rows, after=after,
                 prelude=[("residents", tmp / "租客.xlsx", {}), ("rentals", tmp / "出租屋.xlsx", {})])


def t3_moved_out_added(tmp: Path) -> Built:
    """The tenancies file sent again a few months on: a 搬离日期 added (an update, not a new tenancy), one row as
    before, one with 在住 where nothing was stored, a tenant moved to another room (a new tenancy)."""
    from banyan.people.models import Tenancy

    ids = [vid("19860101"), vid("19870202", False), vid("19880303")]
    _tenants_file(tmp / "租客.xlsx", ids)
    _rentals_file(tmp / "出租屋.xlsx")
    write_xlsx(tmp / "入住基础.xlsx", [["身份证号", "出租屋地址", "房间号", "入住日期"],
                                     [ids[0], "村前路8号", "101", "2026-02-10"],
                                     [ids[1], "村前路8号", "102", "2026-02-10"],
                                     [ids[2], "村前路8号", "103", "2026-03-01"]])
    lines = [["身份证号", "出租屋地址", "房间号", "入住日期", "搬离日期"],
             E("update", [ids[0], "村前路8号", 101, "2026-02-10", "2026-05-31"], label="搬离日期 added"),
             E("unchanged", [ids[1], "村前路8号", 102, cell_time(2026, 2, 10, 0, 0), None], label="as before"),
             E("unchanged", [ids[2], "村前路８号", "103", "2026.3.1", "在住"],
               label="clerk: 在住 where none stored is no change"),
             E("create", [ids[0], "村前路8号", "102", "2026-06-01", None], label="moved to 102")]
    rows = write_xlsx(tmp / "入住更新.xlsx", lines)

    def after(_result):
        person = resident_by_id(ids[0])
        count = Tenancy.objects.filter(resident=person).count() if person else 0
        problems = [] if count == 2 else [f"租甲: {count} tenancies, expected 2"]
        return problems + expect_fields("租甲 101", tenancy_of(ids[0], room__number="101"),
                                        moved_out=dt.date(2026, 5, 31))

    return Built(tmp / "入住更新.xlsx", "tenancies", rows, after=after,
                 prelude=[("residents", tmp / "租客.xlsx", {}), ("rentals", tmp / "出租屋.xlsx", {}),
                          ("tenancies", tmp / "入住基础.xlsx", {})])


def t3_page_property(tmp: Path) -> Built:
    """A property registered on its page with spaces in its address (东联村 后街 31号): the tenancies file writes the
    address without them, and the clerk expects the room found."""
    prop = RentalPropertyFactory(address="东联村 后街 31号")
    RentalRoomFactory(rental_property=prop, number="201")
    tenant = ResidentFactory(residency="migrant", id_number=vid("19910707"))
    lines = [["身份证号", "出租屋地址", "房间号", "入住日期"],
             E("create", [pii_reveal(tenant, "id_number"), "东联村后街31号", 201, "2026-04-01"],
               label="clerk: stored 东联村 后街 31号 is this address")]
    rows = write_xlsx(tmp / "入住.xlsx", lines)
    return Built(tmp / "入住.xlsx", "tenancies", rows)


# ---------------------------------------------------------------------------------------------------------------
# Users


def u3_grid_worker_other_grid(tmp: Path) -> Built:
    """A grid worker of 东联第一网格 imports a file naming their grid, a neighbour's, a 罗湖 grid, and a resident
    stored in the neighbour's grid."""
    own, other = GridFactory(name="东联第一网格"), GridFactory(name="东联第二网格")
    GridFactory(community=community("罗湖"), name="罗湖第一网格")
    user = make_user(Role.GRID_WORKER, own)
    neighbour = ResidentFactory(grid=other, id_number=vid("19660606"), name="邻一")
    ids = [vid("19720101"), vid("19730202"), vid("19740303")]
    lines = [["网格", "姓名", "身份证号", "人口类别"],
             E("create", ["东联第一网格", "网一", ids[0], "流动人口"], label="own grid"),
             E("refused", ["东联第二网格", "网二", ids[1], "流动人口"], reason="网格", label="neighbour's grid"),
             E("refused", ["罗湖第一网格", "网三", ids[2], "流动人口"], reason="网格", label="罗湖 grid"),
             E("refused", ["东联第一网格", "邻一", pii_reveal(neighbour, "id_number"), "户籍人口"],
               reason="管辖范围", label="stored in the neighbour's grid")]
    rows = write_xlsx(tmp / "网格.xlsx", lines)

    def after(_result):
        neighbour.refresh_from_db()
        return (expect_fields("网一", resident_by_id(ids[0]), grid_id=own.pk)
                + expect_fields("邻一", neighbour, grid_id=other.pk, residency="registered")
                + gone("网二", resident_by_id(ids[1])))

    return Built(tmp / "网格.xlsx", "residents", rows, user=user, after=after)


def u3_grid_worker_no_grid_column(tmp: Path) -> Built:
    """A grid worker of one grid (and nothing else) imports the rental roster of their grid without a 网格 column:
    the clerk expects the rooms registered in that grid, as a one-community user needs no 社区 column."""
    own = GridFactory(name="东联第三网格")
    user = make_user(Role.GRID_WORKER, own)
    lines = [["出租屋地址", "房间号", "房东姓名"],
             E("create", ["东联村后街40号", "101", "莫叔"], label="clerk: the user's only grid"),
             E("create", ["东联村后街40号", "102", "莫叔"], label="clerk: the user's only grid")]
    rows = write_xlsx(tmp / "本网格出租屋.xlsx", lines)

    def after(_result):
        from banyan.people.models import RentalProperty

        return expect_fields("后街40号", RentalProperty.objects.filter(address="东联村后街40号").first(),
                             grid_id=own.pk)

    return Built(tmp / "本网格出租屋.xlsx", "rentals", rows, user=user, after=after)


def u3_town_officer(tmp: Path) -> Built:
    """A town officer of 丹灶镇 (a role that views, never changes) imports a file naming 东联 and 西联 of the town:
    the whole file is refused for want of the right, nothing written."""
    user = make_user(Role.TOWN_OFFICER, town("丹灶镇"))
    ids = [vid("19800505"), vid("19800606")]
    lines = [["社区", "姓名", "身份证号", "人口类别"],
             E("not_created", ["东联", "镇一", ids[0], "户籍人口"], label="no right to change residents"),
             E("not_created", ["西联", "镇二", ids[1], "户籍人口"], label="no right to change residents")]
    rows = write_xlsx(tmp / "全镇.xlsx", lines)
    return Built(tmp / "全镇.xlsx", "residents", rows, user=user, community=None, refused_file="权限",
                  after=lambda _r: gone("镇一", resident_by_id(ids[0])) + gone("镇二", resident_by_id(ids[1])))


def u3_district_two_communities(tmp: Path) -> Built:
    """A district admin imports the town's enterprises with a 村(居)委会 column: 东联 and 西联 written as clerks write
    them, a park of 西联 named on a 东联 row, a row without a community, a town's name."""
    xilian_park = IndustrialParkFactory(community=community("西联"), name="西联工业园")
    user = make_user(Role.DISTRICT_ADMIN, nanhai())
    lines = [["丹灶镇企业名录"], ["村(居)委会", "企业名称", "所在工业园", "从业人数（人）"],
             E("create", ["东联", "东联精工厂", None, 35.0], label="东联, 35.0"),
             E("create", ["西联社区", "西联五金厂", "西联工业园", "20"], label="西联社区, its park"),
             E("create", ["东联社区居委会", "东联塑胶厂", None, 8], label="full name"),
             E("create", ["东联居委会", "东联纸箱厂", None, 5], label="clerk: 东联居委会 is 东联"),
             E("refused", ["东联", "东联电器厂", "西联工业园", 10], reason="工业园", label="park of 西联"),
             E("refused", [None, "无名厂", None, 3], reason="缺少社区", label="no community"),
             E("refused", ["丹灶镇", "镇上厂", None, 3], reason="不存在", label="a town is not a community")]
    rows = write_xlsx(tmp / "企业名录.xlsx", lines)

    def after(_result):
        from banyan.people.models import Enterprise

        return (expect_fields("东联精工厂", enterprise("东联精工厂"), headcount=35)
                + expect_fields("西联五金厂", Enterprise.objects.filter(name="西联五金厂").first(),
                                community_id=community("西联").pk, park_id=xilian_park.pk, headcount=20)
                + gone("东联电器厂", Enterprise.objects.filter(name="东联电器厂").first()))

    return Built(tmp / "企业名录.xlsx", "enterprises", rows, user=user, community=None, after=after)


def _two_places_user():
    from banyan.accounts.models import RoleAssignment

    user = make_user(Role.MIGRANT_OFFICER, community("东联"))
    RoleAssignment.objects.create(user=user, role=Role.COMMUNITY_STAFF, community=community("罗湖"))
    return user


def u3_two_roles_party(tmp: Path) -> Built:
    """A 流管专员 of 东联 who is also 社区工作人员 of 罗湖 imports party members of both: only 罗湖's are theirs."""
    PartyOrgFactory(community=community("罗湖"), name="罗湖社区党委")
    PartyOrgFactory(name="东联社区党委")
    ids = [vid("19700101"), vid("19710202"), vid("19720303", False)]
    lines = [["社区", "*姓名", "*身份证号", "*所在党组织", "入党日期", "手机"],
             E("create", ["罗湖", "罗党一", ids[0], "罗湖社区党委", "2001-07", 13800138201.0], label="罗湖"),
             E("refused", ["东联", "东党一", ids[1], "东联社区党委", "2001-07", None], reason="管辖范围",
               label="东联: a 流管专员 does not keep party members"),
             E("create", ["罗湖社区", "罗党二", ids[2], "罗湖社区党委", cell_time(2005, 7, 1, 10, 0), None],
               label="datetime with a time")]
    rows = write_xlsx(tmp / "两地党员.xlsx", lines)
    return Built(tmp / "两地党员.xlsx", "party-members", rows, user=_two_places_user(), community=None,
                 after=lambda _r: expect_fields("罗党一", member_by_id(ids[0]), community_id=community("罗湖").pk)
                 + expect_phone("罗党一", member_by_id(ids[0]), "13800138201")
                 + expect_fields("罗党二", member_by_id(ids[2]), joined_on=dt.date(2005, 7, 1), sex="2")
                 + gone("东党一", member_by_id(ids[1])))


def u3_two_roles_rentals(tmp: Path) -> Built:
    """The same user's rental roster of both places, with a 社区 column: both are theirs."""
    lines = [["社区", "出租屋地址", "房间号", "房东", "房东电话"],
             E("create", ["东联", "东联村后街50号", 101, "甘伯", 13800138301], label="东联 (流管专员)"),
             E("create", ["罗湖", "罗湖村大街5号", 101, "甘叔", 13800138302], label="罗湖 (社区工作人员)"),
             E("refused", ["灯湖", "灯湖路1号", 101, "甘姨", None], reason="管辖范围", label="灯湖: neither")]
    rows = write_xlsx(tmp / "两地出租屋.xlsx", lines)

    def after(_result):
        from banyan.people.models import RentalProperty

        return expect_fields("罗湖村大街5号", RentalProperty.objects.filter(address="罗湖村大街5号").first(),
                             community_id=community("罗湖").pk)

    return Built(tmp / "两地出租屋.xlsx", "rentals", rows, user=_two_places_user(), community=None, after=after)


# ---------------------------------------------------------------------------------------------------------------
# Households


def hh3_numbers(tmp: Path) -> Built:
    """户号 kept with leading zeros (0012, 0014 stored); the file has 0013 as text, 14 as a number cell (Excel
    dropped the zeros), a long 户号 number cell, 户别 blank, an address over 200 characters."""
    HouseholdFactory(number="0012", address="东联村南街12号")
    HouseholdFactory(number="0014", address="东联村南街14号")
    lines = [["户号", "户别", "地址"],
             E("create", ["0013", "家庭户", "东联村南街13号"], label="leading zeros as text"),
             E("no_new", [14, None, "东联村南街14号"],
               label="clerk: 14 is 0014 with Excel's zeros lost: never a second household"),
             E("create", [440605123038001, None, "东联村南街15号"], label="long number cell, 户别 blank"),
             E("refused", ["0016", None, "东联村南街" + "十" * 200], reason="内容过长", label="address > 200"),
             E("update", ["0012", "集体户", None], label="户别 set, address blank keeps")]
    rows = write_xlsx(tmp / "户号.xlsx", lines)

    def after(_result):
        return (gone("户 14", household("14"))
                + expect_fields("0013", household("0013"), kind="family")
                + expect_fields("440605123038001", household("440605123038001"), kind="family",
                                address="东联村南街15号")
                + expect_fields("0012", household("0012"), kind="collective", address="东联村南街12号")
                + gone("0016", household("0016")))

    return Built(tmp / "户号.xlsx", "households", rows, after=after)


# ---------------------------------------------------------------------------------------------------------------
# Enterprises


def e3_brackets(tmp: Path) -> Built:
    """佛山市南海区东联五金厂（普通合伙） imported, then written with half-width brackets: the same enterprise; one new
    firm written both ways in a file; a park of 罗湖; counts as 40.0 and "35.0"; phones as number cells."""
    IndustrialParkFactory(community=community("罗湖"), name="罗湖工业园")
    write_xlsx(tmp / "企业基础.xlsx", [["企业名称", "从业人数", "联系电话"],
                                     ["佛山市南海区东联五金厂（普通合伙）", "35", "13800138401"]])
    lines = [["序号", "*企业名称", "所在工业园", "从业人数（人）", "联系电话"],
             E("update", [1, "佛山市南海区东联五金厂(普通合伙)", None, 40.0, 13812345678],
               label="clerk: half-width brackets, the same firm"),
             E("create", [2, "佛山市南海区东联鞋厂（普通合伙）", None, 20, None], label="new"),
             E("refused", [3, "佛山市南海区东联鞋厂(普通合伙)", None, 20, None], reason="重复",
               label="clerk: the same new firm again, half-width"),
             E("refused", [4, "佛山市南海区东联塑料厂（有限合伙）", "罗湖工业园", 12, None], reason="工业园",
               label="park of 罗湖"),
             E("create", [5, "东联陶瓷厂", None, "35.0", 13800001111.0], label="35.0 text, phone float")]
    rows = write_xlsx(tmp / "企业.xlsx", lines)

    def after(_result):
        from banyan.people.models import Enterprise

        hardware = Enterprise.objects.filter(name__contains="东联五金厂")
        shoes = Enterprise.objects.filter(name__contains="东联鞋厂")
        problems = [] if hardware.count() == 1 else [f"东联五金厂: {hardware.count()} enterprises "
                                                     f"{list(hardware.values_list('name', flat=True))}"]
        problems += [] if shoes.count() == 1 else [f"东联鞋厂: {shoes.count()} enterprises"]
        if hardware.count() == 1:
            problems += expect_fields("东联五金厂", hardware[0], headcount=40)
            problems += expect_phone("东联五金厂", hardware[0], "13812345678", "contact_phone")
        return (problems + expect_fields("东联陶瓷厂", enterprise("东联陶瓷厂"), headcount=35)
                + expect_phone("东联陶瓷厂", enterprise("东联陶瓷厂"), "13800001111", "contact_phone"))

    return Built(tmp / "企业.xlsx", "enterprises", rows, after=after,
                 prelude=[("enterprises", tmp / "企业基础.xlsx", {})])


CASES: dict[str, Callable[[Path], Built]] = {f.__name__: f for f in (
    h3_group_titles, h3_vertical_merged_header, h3_two_level_csv, r3_migrant_roster, t3_after_roster,
    t3_moved_out_added, t3_page_property, u3_grid_worker_other_grid, u3_grid_worker_no_grid_column, u3_town_officer,
    u3_district_two_communities, u3_two_roles_party, u3_two_roles_rentals, hh3_numbers, e3_brackets,
    *map(twice, (h3_group_titles, r3_migrant_roster, t3_after_roster, e3_brackets)),
)}
