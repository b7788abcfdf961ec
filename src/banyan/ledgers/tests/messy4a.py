"""A fourth pass over ledger files (messy4a.py): what clerks do with Banyan's own exports, and partial updates.

Every exported file here comes from the real list export (`/<kind>/export.xlsx` or `.csv`, through the test client,
logged in as the importing user), then is edited as a clerk edits it in Excel: rows sorted, columns and rows
deleted, new rows inserted (系统编号 blank), a value fixed, `<清空>` typed, masked numbers left alone or pasted into
a new row, a full ID number typed over a masked one, the 社区 changed, text in 系统编号, a row duplicated, saved as
GB18030 CSV, a 合计 footer added, the sheet renamed. Partial-update files without 系统编号 key by ID number, 户号,
address + room, enterprise name. Every case is imported once and checked row by row; the `_twice` cases import the
same file a second time, which must change nothing.

Each builder returns a `messy.Built` with its `timeline`: the records whose timeline
(events.selectors.record_history) must show this import's `imported` event, or must not (unchanged rows).

Where a clerk's expectation is a judgement (not what the README says), the row's label says "clerk:" and why."""

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.test import Client
from openpyxl import load_workbook

from banyan.accounts.roles import Role
from banyan.core.pii import pii_reveal
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
    TenancyFactory,
    community,
    make_user,
)
from banyan.ledgers.tests.messy import (
    Built,
    E,
    expect_fields,
    gone,
    list_slug,
    member_by_id,
    resident_by_id,
    twice,
    vid,
    write_csv,
    write_xlsx,
)
from banyan.ledgers.tests.messy2 import enterprise, expect_phone, household


def sec(*others: str):
    """A community secretary of 东联 (and of `others`)."""
    from banyan.accounts.models import RoleAssignment

    user = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    for name in others:
        RoleAssignment.objects.create(user=user, role=Role.COMMUNITY_SECRETARY, community=community(name))
    return user


def exported(kind: str, user, fmt: str = "xlsx", **params) -> list[list]:
    """The list export as the user downloads it: rows of cells (XLSX values as openpyxl reads them, CSV text)."""
    client = Client()
    client.force_login(user)
    response = client.get(f"/{list_slug(kind)}/export.{fmt}", params)
    assert response.status_code == 200, (kind, fmt, response.status_code)
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        return [list(r) for r in csv.reader(io.StringIO(data.decode("utf-8-sig")))]
    return [["" if c is None else c for c in r] for r in load_workbook(io.BytesIO(data)).active.values]


class Sheet:
    """An exported sheet as a clerk edits it: by header."""

    def __init__(self, rows: list[list]):
        self.header = list(rows[0])
        self.rows = [list(r) for r in rows[1:]]

    def i(self, header: str) -> int:
        return self.header.index(header)

    def by_pk(self, pk: int) -> list:
        return next(r for r in self.rows if str(r[0]) == str(pk))

    def row(self, pk: int, **changes) -> list:
        """A copy of the record's exported row with `changes` ({header: value}; headers with spaces via dict)."""
        out = list(self.by_pk(pk))
        for header, value in changes.items():
            out[self.i(header)] = value
        return out

    def set(self, row: list, header: str, value) -> list:
        row = list(row)
        row[self.i(header)] = value
        return row

    def new(self, **cells) -> list:
        out = [""] * len(self.header)
        for header, value in cells.items():
            out[self.i(header)] = value
        return out

    def drop(self, *headers: str) -> None:
        keep = [n for n, h in enumerate(self.header) if h not in headers]
        self.header = [self.header[n] for n in keep]
        self.rows = [[r[n] for n in keep] for r in self.rows]

    def cells(self, row: list, header: str):
        return row[self.i(header)]


def refreshed(obj):
    if obj is None:
        return None
    return type(obj).objects.filter(pk=obj.pk).first()


def footer(width: int, label: str = "合计", **at) -> list:
    out = [label] + [""] * (width - 1)
    for n, v in at.items():
        out[int(n[1:])] = v
    return out


# ---------------------------------------------------------------------------------------------------------------
# Residents


def _people(grid):
    hh = HouseholdFactory(grid=grid, number="H4001", address="东联村前路41号")
    specs = [("甘一", "19700101", True, "02"), ("甘二", "19720202", False, "10"), ("甘三", "19950303", True, "20"),
             ("甘四", "19980404", False, "20")]
    out = []
    for name, born, male, relation in specs:
        out.append(ResidentFactory(
            name=name, grid=grid, household=hh, relation=relation, id_number=vid(born, male), sex="1" if male else "2",
            birth_date=dt.date(int(born[:4]), int(born[4:6]), int(born[6:])), ethnicity="01", political_status="13",
            registered_address="佛山市南海区丹灶镇东联村", current_address="东联村前路41号",
            phone=f"1381234{born[2:6]}"))
    return hh, out


def r4_export_xlsx_edited(tmp: Path) -> Built:
    """The residents' XLSX export, edited: sorted by 姓名 descending, 民族 / 户籍地址 / 出生日期 columns deleted, one
    row deleted, an address fixed, <清空> in 手机号, a new row (系统编号 blank, full numbers), a new row with a masked
    ID number pasted from another row, the sheet renamed, a 合计 footer."""
    user = sec()
    grid = GridFactory(name="甘家网格")
    hh, (a, b, c, d) = _people(grid)
    sheet = Sheet(exported("residents", user))
    sheet.drop("民族", "户籍地址", "出生日期")
    rows = sorted(sheet.rows, key=lambda r: r[sheet.i("姓名")], reverse=True)
    new_id = vid("20010505", False)
    by = {r[sheet.i("姓名")]: r for r in rows}
    lines = [sheet.header,
             E("unchanged", by["甘四"], label="exported as is (sorted)"),
             E("update", sheet.set(by["甘三"], "现住址", "东联村后街7号"), label="address fixed"),
             E("update", sheet.set(by["甘二"], "手机号", "<清空>"), label="<清空> 手机号"),
             # 甘一's row deleted by the clerk
             E("create", sheet.new(姓名="甘五", 身份证号=new_id, 人口类别="户籍人口", 社区="东联", 网格="甘家网格",
                                   户号="H4001", 与户主关系="孙女", 手机号="13812349999"),
               label="new row, full numbers"),
             E("refused", sheet.new(姓名="甘六", 身份证号=sheet.cells(by["甘一"], "身份证号"), 人口类别="户籍人口"),
               reason="遮盖", label="new row, masked ID pasted"),
             footer(len(sheet.header), "合计", c1="5人")]
    rows_ = write_xlsx(tmp / "居民导出改.xlsx", lines, title="居民（改）")

    def after(_r):
        a2, b2, c2, d2 = (refreshed(p) for p in (a, b, c, d))
        problems = []
        for p, before in ((a2, a), (b2, b), (c2, c), (d2, d)):
            problems += expect_fields(p.name, p, ethnicity="01", registered_address="佛山市南海区丹灶镇东联村",
                                      birth_date=before.birth_date, household_id=hh.pk, grid_id=grid.pk,
                                      relation=before.relation, id_number_hash=before.id_number_hash)
        problems += expect_fields("甘三", c2, current_address="东联村后街7号", phone_masked=c.phone_masked)
        problems += expect_fields("甘二", b2, phone_masked="", current_address="东联村前路41号")
        problems += expect_phone("甘二", b2, "")
        problems += expect_fields("甘一", a2, phone_masked=a.phone_masked)
        five = resident_by_id(new_id)
        problems += expect_fields("甘五", five, household_id=hh.pk, grid_id=grid.pk, relation="30", sex="2")
        problems += expect_phone("甘五", five, "13812349999")
        from banyan.people.models import Resident
        problems += gone("甘六", Resident.objects.filter(name="甘六").first())
        return problems

    return Built(tmp / "居民导出改.xlsx", "residents", rows_, user=user, after=after,
                  timeline=lambda: [("甘二", b, True), ("甘三", c, True), ("甘五", resident_by_id(new_id), True),
                                    ("甘四", d, False), ("甘一", a, False)])


def r4_export_csv_gb18030(tmp: Path) -> Built:
    """The residents' CSV export opened in Excel and saved as CSV (GB18030): a full ID number typed over a masked
    one (the record's own, and another person's), the 社区 changed to 罗湖, text in 系统编号, a 系统编号 that is no
    record, the same row twice, a masked phone left in a row whose name is corrected."""
    user = sec()
    grid = GridFactory(name="甘家网格")
    _hh, (a, b, c, d) = _people(grid)
    sheet = Sheet(exported("residents", user, "csv"))
    other = vid("19720202", False)  # 甘二's birth date and sex (the row's 出生日期 / 性别), another sequence number
    lines = [sheet.header,
             E("unchanged", sheet.row(a.pk, 身份证号=pii_reveal(a, "id_number")),
               label="its own full ID typed over the mask"),
             E("refused", sheet.row(b.pk, 身份证号=other), reason="更正身份证号",
               label="another full ID typed over the mask: corrected on the record's page (README: key hash)"),
             E("refused", sheet.row(c.pk, 社区="罗湖"), reason="罗湖", label="社区 changed to 罗湖 (not the user's)"),
             E("update", sheet.row(d.pk, 姓名="甘肆"), label="name corrected, masked numbers left"),
             E("refused", sheet.row(d.pk, 姓名="甘肆"), reason="重复", label="the same row twice"),
             E("refused", sheet.set(sheet.row(a.pk), "系统编号", "新增"), reason="不是本系统导出的编号",
               label="text in 系统编号"),
             E("refused", sheet.set(sheet.row(a.pk), "系统编号", "99999999"), reason="不存在",
               label="系统编号 of no record")]
    rows = write_csv(tmp / "居民.csv", lines, "gb18030")

    def after(_r):
        problems = expect_fields("甘肆", refreshed(d), name="甘肆", phone_masked=d.phone_masked,
                                 household_id=d.household_id, ethnicity="01")
        problems += expect_fields("甘二", refreshed(b), id_number_hash=b.id_number_hash)
        problems += expect_fields("甘三", refreshed(c), community_id=community("东联").pk)
        problems += gone("another ID", resident_by_id(other))
        return problems

    return Built(tmp / "居民.csv", "residents", rows, user=user, after=after,
                  timeline=lambda: [("甘肆", d, True), ("甘一", a, False), ("甘二", b, False)])


def r4_partial_by_id(tmp: Path) -> Built:
    """A partial update without 系统编号, keyed by ID number: 姓名, 身份证号, 人口类别 (required) and 政治面貌,
    现住址, 手机号; blank cells keep, <清空> clears, a masked phone keeps, 人口类别 <清空> is refused, a new person
    is created, a masked ID on a row the key cannot find is refused."""
    user = sec()
    grid = GridFactory(name="甘家网格")
    hh, (a, b, c, d) = _people(grid)
    new_id = vid("19890909")
    lines = [["姓名", "身份证号", "人口类别", "政治面貌", "现住址", "手机号"],
             E("update", ["甘一", pii_reveal(a, "id_number"), "户籍人口", "党员", "", ""], label="政治面貌 set"),
             E("update", ["甘二", pii_reveal(b, "id_number"), "", "", "<清空>", b.phone_masked],
               label="现住址 cleared, masked phone kept, 人口类别 blank"),
             E("unchanged", ["甘三", pii_reveal(c, "id_number"), "户籍人口", "群众", "东联村前路41号", ""],
               label="same values"),
             E("refused", ["甘四", pii_reveal(d, "id_number"), "<清空>", "", "", ""], reason="不能清空",
               label="required 人口类别 cleared"),
             E("create", ["甘七", new_id, "流动人口", "", "东联村后街1号", "13812340077"], label="new person"),
             E("refused", ["甘八", a.id_number_masked, "户籍人口", "", "", ""], reason="遮盖",
               label="masked ID, no 系统编号")]
    rows = write_xlsx(tmp / "部分更新.xlsx", lines)

    def after(_r):
        a2, b2, d2 = refreshed(a), refreshed(b), refreshed(d)
        return (expect_fields("甘一", a2, political_status="01", current_address="东联村前路41号",
                              phone_masked=a.phone_masked, household_id=hh.pk, relation="02")
                + expect_fields("甘二", b2, current_address="", phone_masked=b.phone_masked, residency="registered",
                                registered_address="佛山市南海区丹灶镇东联村", household_id=hh.pk)
                + expect_fields("甘四", d2, residency="registered")
                + expect_fields("甘七", resident_by_id(new_id), residency="migrant", current_address="东联村后街1号"))

    return Built(tmp / "部分更新.xlsx", "residents", rows, user=user, after=after,
                  timeline=lambda: [("甘一", a, True), ("甘二", b, True), ("甘三", c, False),
                                    ("甘七", resident_by_id(new_id), True)])


# ---------------------------------------------------------------------------------------------------------------
# Households


def _households():
    grid = GridFactory(name="户网格")
    return grid, [HouseholdFactory(number="H4101", grid=grid, address="东联村南街1号", kind="family"),
                  HouseholdFactory(number="H4102", grid=grid, address="东联村南街2号", kind="family"),
                  HouseholdFactory(number="H4103", grid=grid, address="东联村南街3号", kind="collective")]


def hh4_export_edited(tmp: Path) -> Built:
    """The households' XLSX export: 网格 column deleted, rows sorted by 户号 descending, 户别 changed, <清空> 地址, a
    户号 corrected on its row (matched by 系统编号), a new household (系统编号 blank), a 合计 footer."""
    user = sec()
    grid, (a, b, c) = _households()
    sheet = Sheet(exported("households", user))
    sheet.drop("网格")
    lines = [sheet.header,
             E("update", sheet.row(c.pk, 户别="家庭户"), label="户别 changed"),
             E("update", sheet.row(b.pk, 地址="<清空>"), label="<清空> 地址"),
             E("update", sheet.row(a.pk, 户号="H4101A"), label="户号 corrected on its row (系统编号)"),
             E("create", sheet.new(户号="H4104", 社区="东联", 户别="集体户", 地址="东联村南街4号"), label="new"),
             footer(len(sheet.header), "合计", c1="4户")]
    rows = write_xlsx(tmp / "户导出.xlsx", lines, title="户（修改）")

    def after(_r):
        return (expect_fields("H4103", refreshed(c), kind="family", address="东联村南街3号", grid_id=grid.pk)
                + expect_fields("H4102", refreshed(b), address="", grid_id=grid.pk, kind="family")
                + expect_fields("H4101", refreshed(a), number="H4101A", address="东联村南街1号", grid_id=grid.pk)
                + expect_fields("H4104", household("H4104"), kind="collective", address="东联村南街4号"))

    return Built(tmp / "户导出.xlsx", "households", rows, user=user, after=after,
                  timeline=lambda: [("H4103", c, True), ("H4102", b, True), ("H4101", a, True),
                                    ("H4104", household("H4104"), True)])


def hh4_renumber_collision(tmp: Path) -> Built:
    """The households' export: a clerk types on H4101's row (its 系统编号) the 户号 of another stored household
    (H4102): a row refused, not two households with one number, nor the whole file lost; the other rows go on."""
    user = sec()
    _grid, (a, b, c) = _households()
    sheet = Sheet(exported("households", user))
    lines = [sheet.header,
             E("refused", sheet.row(a.pk, 户号="H4102"), reason="H4102",
               label="clerk: 户号 of another stored household: that row refused"),
             E("unchanged", sheet.row(b.pk), label="as exported"),
             E("update", sheet.row(c.pk, 地址="东联村南街33号"), label="address fixed")]
    rows = write_xlsx(tmp / "户号冲突.xlsx", lines)
    return Built(tmp / "户号冲突.xlsx", "households", rows, user=user,
                  after=lambda _r: expect_fields("H4101", refreshed(a), number="H4101")
                  + expect_fields("H4103", refreshed(c), address="东联村南街33号"))


def hh4_partial_gb18030(tmp: Path) -> Built:
    """Partial update by 户号 (no 系统编号), CSV in GB18030: 户号 + 户别 + 地址; blank keeps, <清空> clears, a 合计
    footer, a duplicated 户号."""
    user = sec()
    grid, (a, b, c) = _households()
    lines = [["户号", "户别", "地址"],
             E("update", ["H4101", "集体户", ""], label="户别 set, address kept"),
             E("update", ["H4102", "", "<清空>"], label="address cleared"),
             E("unchanged", ["H4103", "集体", "东联村南街3号"], label="same"),
             E("refused", ["H4103", "家庭户", ""], reason="重复", label="户号 again"),
             E("create", ["H4105", "", "东联村南街5号"], label="new"),
             ["合计", "4户", ""]]
    rows = write_csv(tmp / "户.csv", lines, "gb18030")
    return Built(tmp / "户.csv", "households", rows, user=user,
                  after=lambda _r: expect_fields("H4101", refreshed(a), kind="collective", address="东联村南街1号",
                                                 grid_id=grid.pk)
                  + expect_fields("H4102", refreshed(b), address="", grid_id=grid.pk)
                  + expect_fields("H4103", refreshed(c), kind="collective")
                  + expect_fields("H4105", household("H4105"), address="东联村南街5号", kind="family"),
                  timeline=lambda: [("H4101", a, True), ("H4102", b, True), ("H4103", c, False),
                                    ("H4105", household("H4105"), True)])


# ---------------------------------------------------------------------------------------------------------------
# Rentals


def _rooms():
    grid = GridFactory(name="出租网格")
    home = RentalPropertyFactory(address="东联村北街8号", grid=grid, landlord_name="冯伯", landlord_phone="13812340801",
                                 attendant_name="冯值守", use="02", hazard="00")
    other = RentalPropertyFactory(address="东联村北街9号", grid=grid, landlord_name="冯叔",
                                  landlord_phone="13812340901")
    rooms = [RentalRoomFactory(rental_property=home, number=n, capacity=2, area_m2=Decimal("12.5"))
             for n in ("201", "202", "203")]
    rooms.append(RentalRoomFactory(rental_property=other, number="1", capacity=4, area_m2=Decimal("30")))
    return grid, home, other, rooms


def rt4_export_edited(tmp: Path) -> Built:
    """The rental rooms' XLSX export: sorted by 房间号 descending, 值守人 and 出租用途 deleted, a capacity fixed,
    <清空> 面积, a room deleted, a new room of a stored property (blank 房东电话), a new room with the masked landlord
    phone pasted, a 合计 footer."""
    user = sec()
    grid, home, other, (r1, r2, r3, r4) = _rooms()
    sheet = Sheet(exported("rentals", user))
    sheet.drop("值守人", "出租用途")
    masked = sheet.cells(sheet.by_pk(r1.pk), "房东电话")
    lines = [sheet.header,
             E("update", sheet.row(r3.pk, 可住人数=3), label="capacity fixed"),
             E("update", sheet.row(r2.pk, 面积="<清空>"), label="<清空> 面积"),
             # 201 deleted
             E("unchanged", sheet.row(r4.pk), label="as exported"),
             E("create", sheet.new(出租屋地址="东联村北街8号", 房间号="204", 房东姓名="冯伯", 社区="东联",
                                   可住人数=1), label="new room, stored property, 房东电话 blank"),
             E("refused", sheet.new(出租屋地址="东联村北街9号", 房间号="2", 房东姓名="冯叔", 房东电话=masked,
                                    社区="东联"), reason="遮盖", label="new room, masked phone pasted"),
             footer(len(sheet.header), "合计", c6=10)]
    rows = write_xlsx(tmp / "出租屋导出.xlsx", lines, title="房间")

    def after(_r):
        from banyan.people.models import RentalRoom

        home2 = refreshed(home)
        new = RentalRoom.objects.filter(rental_property=home, number="204").first()
        return (expect_fields("203", refreshed(r3), capacity=3, area_m2=Decimal("12.5"))
                + expect_fields("202", refreshed(r2), area_m2=None, capacity=2)
                + expect_fields("201", refreshed(r1), capacity=2, area_m2=Decimal("12.5"))
                + expect_fields("北街8号", home2, attendant_name="冯值守", use="02", landlord_name="冯伯",
                                landlord_phone_masked=home.landlord_phone_masked, grid_id=grid.pk)
                + expect_fields("204", new, capacity=1)
                + gone("北街9号 2", RentalRoom.objects.filter(rental_property=other, number="2").first()))

    return Built(tmp / "出租屋导出.xlsx", "rentals", rows, user=user, after=after,
                  timeline=lambda: [("203", r3, True), ("202", r2, True), ("1", r4, False), ("201", r1, False)])


def rt4_phone_on_second_room(tmp: Path) -> Built:
    """The rental rooms' CSV export (GB18030): a new full 房东电话 typed over the mask on the second room's row of a
    property; its first and third rooms left as exported, with the old masked phone."""
    user = sec()
    _grid, home, other, (r1, r2, r3, r4) = _rooms()
    sheet = Sheet(exported("rentals", user, "csv"))
    lines = [sheet.header,
             E("accepted", sheet.row(r1.pk), label="as exported (its property is corrected by another row)"),
             E("update", sheet.row(r2.pk, 房东电话="13812340899"), label="new landlord phone on the 2nd room"),
             E("accepted", sheet.row(r3.pk), label="as exported"),
             E("unchanged", sheet.row(r4.pk), label="as exported")]
    rows = write_csv(tmp / "出租屋.csv", lines, "gb18030")

    def after(_r):
        home2 = refreshed(home)
        return (expect_fields("北街8号", home2, attendant_name="冯值守", landlord_name="冯伯")
                + expect_phone("北街8号", home2, "13812340899", "landlord_phone")
                + expect_fields("北街9号", refreshed(other), landlord_phone_masked=other.landlord_phone_masked))

    return Built(tmp / "出租屋.csv", "rentals", rows, user=user, after=after)


def rt4_property_first_row(tmp: Path) -> Built:
    """The rental rooms' XLSX export: on a property's first room row, <清空> 值守人 and a new full 房东电话; its
    other rooms as exported."""
    user = sec()
    _grid, home, _other, (r1, r2, r3, _r4) = _rooms()
    sheet = Sheet(exported("rentals", user))
    lines = [sheet.header,
             E("update", sheet.row(r1.pk, 值守人="<清空>", 房东电话="13812340899"),
               label="<清空> 值守人, new landlord phone, first row"),
             E("accepted", sheet.row(r2.pk), label="as exported"),
             E("accepted", sheet.row(r3.pk), label="as exported")]
    rows = write_xlsx(tmp / "出租屋值守人.xlsx", lines)

    def after(_r):
        home2 = refreshed(home)
        from banyan.events.selectors import record_history

        notes = [e.note for e in record_history(home2) if e.action == "imported"]
        return (expect_fields("北街8号", home2, attendant_name="", landlord_name="冯伯", use="02")
                + expect_phone("北街8号", home2, "13812340899", "landlord_phone")
                + ([] if any("随出租屋房间导入" in n for n in notes) else [f"北街8号 timeline: imported {notes}"]))

    return Built(tmp / "出租屋值守人.xlsx", "rentals", rows, user=user, after=after,
                  timeline=lambda: [("201", r1, True), ("202", r2, True)])


def rt4_partial_by_address(tmp: Path) -> Built:
    """A partial update without 系统编号, by 出租屋地址 + 房间号: 房东姓名 (a required column) left blank on stored
    rooms, 可住人数 and 面积 given; a new room of a stored property with no landlord written."""
    user = sec()
    _grid, home, other, (r1, r2, r3, r4) = _rooms()
    lines = [["出租屋地址", "房间号", "房东姓名", "可住人数", "面积"],
             E("update", ["东联村北街8号", "201", "", "3", ""], label="capacity, landlord blank"),
             E("update", ["东联村北街 8号", "202", "", "", "<清空>"], label="area cleared, spaced address"),
             E("unchanged", ["东联村北街9号", "1", "冯叔", "4", "30"], label="same"),
             E("create", ["东联村北街9号", "3", "", "2", ""],
               label="clerk: new room of a stored property: its landlord is stored"),
             E("refused", ["东联村北街10号", "1", "", "2", ""], reason="房东姓名", label="new property, no landlord")]
    rows = write_xlsx(tmp / "房间更新.xlsx", lines)

    def after(_r):
        return (expect_fields("201", refreshed(r1), capacity=3, area_m2=Decimal("12.5"))
                + expect_fields("202", refreshed(r2), capacity=2, area_m2=None)
                + expect_fields("北街8号", refreshed(home), landlord_name="冯伯", attendant_name="冯值守"))

    return Built(tmp / "房间更新.xlsx", "rentals", rows, user=user, after=after,
                  timeline=lambda: [("201", r1, True), ("202", r2, True), ("1", r4, False), ("203", r3, False)])


# ---------------------------------------------------------------------------------------------------------------
# Tenancies


def _tenancies():
    grid = GridFactory(name="租住网格")
    home = RentalPropertyFactory(address="东联村西街6号", grid=grid)
    rooms = [RentalRoomFactory(rental_property=home, number=n) for n in ("101", "102", "103")]
    people = [ResidentFactory(name=n, grid=grid, residency="migrant", id_number=vid(b, m))
              for n, b, m in (("租一", "19900101", True), ("租二", "19910202", False), ("租三", "19920303", True))]
    t = [TenancyFactory(room=rooms[0], resident=people[0], moved_in=dt.date(2026, 1, 5)),
         TenancyFactory(room=rooms[1], resident=people[1], moved_in=dt.date(2026, 1, 6), moved_out=dt.date(2026, 3, 1)),
         TenancyFactory(room=rooms[2], resident=people[2], moved_in=dt.date(2026, 1, 7))]
    return rooms, people, t


def tn4_export_edited(tmp: Path) -> Built:
    """The tenancies' CSV export (GB18030), 社区 column deleted, sorted by 房间号 descending: a 搬离日期 added, one
    cleared with <清空>, an 入住日期 corrected (系统编号), a new tenancy with a full ID, one with a masked ID pasted,
    a 搬离日期 before the 入住日期."""
    user = sec()
    rooms, people, (t1, t2, t3) = _tenancies()
    sheet = Sheet(exported("tenancies", user, "csv"))
    sheet.drop("社区")
    masked = sheet.cells(sheet.by_pk(t1.pk), "身份证号")
    lines = [sheet.header,
             E("update", sheet.row(t3.pk, 入住日期="2026-01-08"), label="入住日期 corrected on its row"),
             E("update", sheet.row(t2.pk, 搬离日期="<清空>"), label="<清空> 搬离日期"),
             E("update", sheet.row(t1.pk, 搬离日期="2026-04-30"), label="搬离日期 added"),
             E("create", sheet.new(身份证号=pii_reveal(people[0], "id_number"), 出租屋地址="东联村西街6号",
                                   房间号="102",
                                   入住日期="2026-05-01"), label="moved to 102, full ID"),
             E("refused", sheet.new(身份证号=masked, 出租屋地址="东联村西街6号", 房间号="103", 入住日期="2026-05-02"),
               reason="遮盖", label="new tenancy, masked ID pasted"),
             E("refused", sheet.row(t3.pk, 搬离日期="2025-12-31"), reason="搬离日期",
               label="moved out before moving in (the same row again)")]
    rows = write_csv(tmp / "入住.csv", lines, "gb18030")

    def after(_r):
        from banyan.people.models import Tenancy

        moved = Tenancy.objects.filter(resident=people[0], room=rooms[1]).first()
        return (expect_fields("租三", refreshed(t3), moved_in=dt.date(2026, 1, 8), moved_out=None, room_id=rooms[2].pk)
                + expect_fields("租二", refreshed(t2), moved_out=None, moved_in=dt.date(2026, 1, 6))
                + expect_fields("租一", refreshed(t1), moved_out=dt.date(2026, 4, 30), resident_id=people[0].pk)
                + expect_fields("租一 102", moved, moved_in=dt.date(2026, 5, 1)))

    def timeline():
        from banyan.people.models import Tenancy

        return [("租三", t3, True), ("租二", t2, True), ("租一", t1, True),
                ("租一 102", Tenancy.objects.filter(resident=people[0], room=rooms[1]).first(), True)]

    return Built(tmp / "入住.csv", "tenancies", rows, user=user, after=after, timeline=timeline)


def tn4_partial_by_key(tmp: Path) -> Built:
    """Tenancies without 系统编号 (by ID number, address + room and 入住日期): 搬离日期 added, <清空>, as stored, and
    a masked ID (no 系统编号 to find it by)."""
    user = sec()
    _rooms_, people, (t1, t2, t3) = _tenancies()
    ids = [pii_reveal(p, "id_number") for p in people]
    lines = [["身份证号", "出租屋地址", "房间号", "入住日期", "搬离日期"],
             E("update", [ids[0], "东联村西街6号", "101", "2026-01-05", "2026-02-28"], label="搬离日期 added"),
             E("update", [ids[1], "东联村西街6号", "102", "2026/1/6", "<清空>"], label="<清空> 搬离日期"),
             E("unchanged", [ids[2], "东联村西街６号", "103", "2026-01-07", ""], label="as stored"),
             E("refused", [people[2].id_number_masked, "东联村西街6号", "103", "2026-01-07", "2026-02-01"],
               reason="遮盖", label="masked ID, no 系统编号")]
    rows = write_xlsx(tmp / "入住更新.xlsx", lines)
    return Built(tmp / "入住更新.xlsx", "tenancies", rows, user=user,
                  after=lambda _r: expect_fields("租一", refreshed(t1), moved_out=dt.date(2026, 2, 28))
                  + expect_fields("租二", refreshed(t2), moved_out=None)
                  + expect_fields("租三", refreshed(t3), moved_out=None),
                  timeline=lambda: [("租一", t1, True), ("租二", t2, True), ("租三", t3, False)])


# ---------------------------------------------------------------------------------------------------------------
# Enterprises


def _firms():
    grid = GridFactory(name="企业网格")
    park = IndustrialParkFactory(name="东联工业园")
    return grid, park, [
        EnterpriseFactory(name="东联甲五金厂", grid=grid, park=park, headcount=10, address="工业大道1号",
                          contact_name="钟厂长", contact_phone="13812341001", industry="五金"),
        EnterpriseFactory(name="东联乙电器厂", grid=grid, park=park, headcount=20, address="工业大道2号",
                          contact_name="钟经理", contact_phone="13812341002", industry="电器"),
        EnterpriseFactory(name="东联丙塑料厂", grid=grid, headcount=30, contact_phone="13812341003"),
    ]


def en4_export_edited(tmp: Path) -> Built:
    """The enterprises' XLSX export: 统一社会信用代码 and 行业 deleted, a firm renamed on its row, <清空> 所在工业园,
    a new phone typed over the mask, a new firm with a masked phone pasted, text and duplicate 系统编号, a new row
    (系统编号 blank) naming a firm another row matches by 系统编号, a 合计 footer, sheet renamed."""
    user = sec()
    grid, park, (a, b, c) = _firms()
    sheet = Sheet(exported("enterprises", user))
    sheet.drop("统一社会信用代码", "行业")
    masked = sheet.cells(sheet.by_pk(a.pk), "联系电话")
    lines = [sheet.header,
             E("update", sheet.row(a.pk, 企业名称="佛山市南海区东联甲五金厂"), label="renamed on its row"),
             E("update", sheet.row(b.pk, 所在工业园="<清空>", 联系电话="13812341022"),
               label="<清空> park, new phone"),
             E("refused", sheet.row(b.pk, 所在工业园="<清空>", 联系电话="13812341022"), reason="重复",
               label="the same row twice"),
             E("refused", sheet.row(c.pk, 系统编号="丙厂"), reason="不是本系统导出的编号", label="text 系统编号"),
             E("refused", sheet.new(企业名称="东联丁陶瓷厂", 社区="东联", 联系电话=masked), reason="遮盖",
               label="new firm, masked phone pasted"),
             E("create", sheet.new(企业名称="东联戊玻璃厂", 社区="东联", 从业人数="8人", 联系电话="0757-86650001"),
               label="new firm, landline"),
             E("refused", sheet.new(企业名称="东联乙电器厂", 社区="东联", 从业人数=99), reason="重复",
               label="clerk: a new row naming the firm the row above matched by 系统编号"),
             footer(len(sheet.header), "合计", c5=200)]
    rows = write_xlsx(tmp / "企业导出.xlsx", lines, title="企业名录")

    def after(_r):
        from banyan.people.models import Enterprise

        return (expect_fields("甲", refreshed(a), name="佛山市南海区东联甲五金厂", park_id=park.pk, headcount=10,
                              industry="五金", contact_phone_masked=a.contact_phone_masked, grid_id=grid.pk)
                + expect_fields("乙", refreshed(b), park_id=None, headcount=20, industry="电器", address="工业大道2号",
                                contact_name="钟经理")
                + expect_phone("乙", refreshed(b), "13812341022", "contact_phone")
                + expect_fields("丙", refreshed(c), headcount=30)
                + gone("丁", enterprise("东联丁陶瓷厂"))
                + expect_fields("戊", enterprise("东联戊玻璃厂"), headcount=8)
                + ([] if Enterprise.objects.filter(name="东联乙电器厂").count() == 1 else ["乙: two firms"]))

    return Built(tmp / "企业导出.xlsx", "enterprises", rows, user=user, after=after,
                  timeline=lambda: [("甲", a, True), ("乙", b, True), ("丙", c, False),
                                    ("戊", enterprise("东联戊玻璃厂"), True)])


def en4_rename_collision(tmp: Path) -> Built:
    """The enterprises' export: a firm renamed on its row (系统编号) to the name of another stored firm."""
    user = sec()
    _grid, _park, (a, b, c) = _firms()
    sheet = Sheet(exported("enterprises", user))
    lines = [sheet.header,
             E("refused", sheet.row(a.pk, 企业名称="东联乙电器厂"), reason="东联乙电器厂",
               label="clerk: renamed to another stored firm's name: never two firms of one name"),
             E("unchanged", sheet.row(c.pk), label="as exported")]
    rows = write_xlsx(tmp / "企业重名.xlsx", lines)

    def after(_r):
        from banyan.people.models import Enterprise

        n = Enterprise.objects.filter(community=community("东联"), name="东联乙电器厂").count()
        return [] if n == 1 else [f"东联乙电器厂: {n} enterprises of that name"]

    return Built(tmp / "企业重名.xlsx", "enterprises", rows, user=user, after=after)


def en4_partial_by_name(tmp: Path) -> Built:
    """Enterprises by name (no 系统编号): 从业人数, 负责人 <清空>, a masked phone as it was exported, a new firm."""
    user = sec()
    grid, park, (a, b, c) = _firms()
    lines = [["企业名称", "从业人数", "负责人", "联系电话"],
             E("update", ["东联甲五金厂", "12", "", a.contact_phone_masked], label="headcount, masked phone kept"),
             E("update", ["东联乙电器厂", "", "<清空>", ""], label="<清空> 负责人"),
             E("unchanged", ["东联丙塑料厂", "30人", "", ""], label="same (30人)"),
             E("create", ["东联己纸品厂", "5", "钟新", "13812341006"], label="new")]
    rows = write_csv(tmp / "企业.csv", lines, "gb18030")
    return Built(tmp / "企业.csv", "enterprises", rows, user=user,
                  after=lambda _r: expect_fields("甲", refreshed(a), headcount=12, park_id=park.pk,
                                                 contact_phone_masked=a.contact_phone_masked, address="工业大道1号")
                  + expect_fields("乙", refreshed(b), contact_name="", park_id=park.pk, headcount=20)
                  + expect_fields("己", enterprise("东联己纸品厂"), headcount=5, contact_name="钟新"),
                  timeline=lambda: [("甲", a, True), ("乙", b, True), ("丙", c, False),
                                    ("己", enterprise("东联己纸品厂"), True)])


# ---------------------------------------------------------------------------------------------------------------
# Party members


def _members():
    org = PartyOrgFactory(name="东联第一支部")
    PartyOrgFactory(name="罗湖第一支部", community=community("罗湖"))
    specs = [("党甲", "19600101", True, "local", ""), ("党乙", "19650202", False, "in_service", "区委办"),
             ("党丙", "19700303", True, "mobile", ""), ("党丁", "19750404", False, "local", "")]
    return [PartyMemberFactory(name=n, org=org, id_number=vid(b, m), sex="1" if m else "2", kind=k, work_unit=w,
                               joined_on=dt.date(int(b[:4]) + 25, 7, 1), phone=f"1391234{b[2:6]}")
            for n, b, m, k, w in specs]


def pm4_export_two_communities(tmp: Path) -> Built:
    """The party members' XLSX export by a secretary of 东联 and 罗湖: 入党日期 deleted, a row's 社区 changed to 罗湖
    (and its 党组织), another person's full ID typed over a mask, the member's own, <清空> 工作单位 on an 在职党员,
    <清空> 手机号, a new member with full numbers in 罗湖."""
    user = sec("罗湖")
    a, b, c, d = _members()
    sheet = Sheet(exported("party-members", user))
    sheet.drop("入党日期")
    new_id = vid("19800505", False)
    lines = [sheet.header,
             E("refused", sheet.row(a.pk, 社区="罗湖", 所在党组织="罗湖第一支部"), reason="另一个社区",
               label="社区 changed to 罗湖: a transfer, never a file"),
             E("refused", sheet.row(b.pk, 工作单位="<清空>"), reason="工作单位",
               label="<清空> 工作单位 of an 在职党员"),
             E("refused", sheet.row(c.pk, 身份证号=vid("19710101")), reason="身份证号",
               label="another full ID over the mask"),
             E("update", sheet.row(d.pk, 身份证号=pii_reveal(d, "id_number"), 手机号="<清空>"),
               label="own full ID, <清空> 手机号"),
             E("create", sheet.new(姓名="党戊", 身份证号=new_id, 所在党组织="罗湖第一支部", 社区="罗湖",
                                   手机号="13912340505", 性别="女"), label="new member in 罗湖")]
    rows = write_xlsx(tmp / "党员导出.xlsx", lines, title="党员名册")

    def after(_r):
        return (expect_fields("党甲", refreshed(a), community_id=community("东联").pk, org_id=a.org_id)
                + expect_fields("党乙", refreshed(b), work_unit="区委办")
                + expect_fields("党丙", refreshed(c), id_number_hash=c.id_number_hash)
                + expect_fields("党丁", refreshed(d), phone_masked="", joined_on=d.joined_on, kind="local", sex="2")
                + expect_fields("党戊", member_by_id(new_id), community_id=community("罗湖").pk, sex="2")
                + expect_fields("党甲 joined", refreshed(a), joined_on=a.joined_on))

    return Built(tmp / "党员导出.xlsx", "party-members", rows, user=user, community=None, after=after,
                  timeline=lambda: [("党丁", d, True), ("党戊", member_by_id(new_id), True), ("党甲", a, False)])


def pm4_partial_by_id(tmp: Path) -> Built:
    """Party members by ID number (no 系统编号): 姓名, 身份证号, 所在党组织 (blank on stored rows), 手机号 and 党员类别;
    正式党员 says nothing about 类别; a masked phone keeps."""
    user = sec()
    a, b, c, d = _members()
    lines = [["姓名", "身份证号", "所在党组织", "党员类别", "手机号"],
             E("update", ["党甲", pii_reveal(a, "id_number"), "", "流动党员", ""], label="类别 changed, org blank"),
             E("unchanged", ["党乙", pii_reveal(b, "id_number"), "", "正式党员", b.phone_masked],
               label="正式党员 and masked phone: nothing said"),
             E("update", ["党丙", pii_reveal(c, "id_number"), "东联第一支部", "", "13912349999"], label="new phone"),
             E("refused", ["党己", vid("19850606"), "", "", ""], reason="所在党组织", label="new member, no org")]
    rows = write_xlsx(tmp / "党员更新.xlsx", lines)
    return Built(tmp / "党员更新.xlsx", "party-members", rows, user=user,
                  after=lambda _r: expect_fields("党甲", refreshed(a), kind="mobile", org_id=a.org_id,
                                                 phone_masked=a.phone_masked, joined_on=a.joined_on)
                  + expect_fields("党乙", refreshed(b), kind="in_service", work_unit="区委办")
                  + expect_phone("党丙", refreshed(c), "13912349999"),
                  timeline=lambda: [("党甲", a, True), ("党丙", c, True), ("党乙", b, False), ("党丁", d, False)])


# ---------------------------------------------------------------------------------------------------------------
# Exports sent back untouched: every row unchanged, masked numbers and all


def _untouched(kind: str, make: Callable[[], list], fmt: str):
    def build(tmp: Path) -> Built:
        user = sec()
        records = make()
        sheet = Sheet(exported(kind, user, "csv" if fmt == "gb18030" else "xlsx"))
        lines = [sheet.header, *[E("unchanged", sheet.by_pk(r.pk), label=f"#{r.pk} as exported")
                                 for r in records]]
        path = tmp / f"{kind}.{'csv' if fmt == 'gb18030' else 'xlsx'}"
        rows = write_csv(path, lines, "gb18030") if fmt == "gb18030" else write_xlsx(path, lines)
        return Built(path, kind, rows, user=user,
                      timeline=lambda: [(f"#{r.pk}", r, False) for r in records])

    build.__name__ = f"x4_untouched_{kind.replace('-', '_')}_{fmt}"
    build.__doc__ = f"The {kind} export ({fmt}) sent back as it is: every row unchanged."
    return build


def _all_people():
    return _people(GridFactory(name="甘家网格"))[1]


def _all_rooms():
    return _rooms()[3]


def _all_tenancies():
    return _tenancies()[2]


def _all_firms():
    return _firms()[2]


UNTOUCHED = [_untouched(k, m, f) for k, m in (("residents", _all_people), ("households", lambda: _households()[1]),
                                               ("rentals", _all_rooms), ("tenancies", _all_tenancies),
                                               ("enterprises", _all_firms), ("party-members", _members))
             for f in ("xlsx", "gb18030")]


FIRST = (r4_export_xlsx_edited, r4_export_csv_gb18030, r4_partial_by_id, hh4_export_edited, hh4_renumber_collision,
         hh4_partial_gb18030, rt4_export_edited, rt4_phone_on_second_room, rt4_property_first_row,
         rt4_partial_by_address,
         tn4_export_edited, tn4_partial_by_key, en4_export_edited, en4_rename_collision, en4_partial_by_name,
         pm4_export_two_communities, pm4_partial_by_id)

CASES: dict[str, Callable[[Path], Built]] = {f.__name__: f for f in (
    *FIRST, *UNTOUCHED,
    *map(twice, (r4_export_xlsx_edited, r4_export_csv_gb18030, r4_partial_by_id, hh4_export_edited,
                  hh4_partial_gb18030, rt4_export_edited, rt4_phone_on_second_room, rt4_property_first_row,
                  rt4_partial_by_address, tn4_export_edited, tn4_partial_by_key, en4_export_edited, en4_partial_by_name,
                  pm4_export_two_communities, pm4_partial_by_id)),
)}
