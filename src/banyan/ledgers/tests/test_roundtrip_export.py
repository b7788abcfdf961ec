"""What Banyan exports, Banyan imports: the list export of every kind that can be imported has the import
template's columns (after 系统编号), cells the import reads back to the same records, numbers masked."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from banyan.accounts.roles import Role
from banyan.core.pii import pii_reveal
from banyan.core.testing import (
    PASSWORD,
    EnterpriseFactory,
    GridFactory,
    HouseholdFactory,
    IndustrialParkFactory,
    PartyMemberFactory,
    PartyOrgFactory,
    PropertyCompanyFactory,
    RentalPropertyFactory,
    RentalRoomFactory,
    ResidentFactory,
    TenancyFactory,
    community,
    make_user,
    valid_id_number,
)
from banyan.events.models import Event, EventSubject
from banyan.ledgers.importing import ledger_import
from banyan.ledgers.kinds import KINDS, ROW_KEY_HEADER
from banyan.ledgers.tests.messy import list_slug
from banyan.people.models import Residency

pytestmark = pytest.mark.django_db



@pytest.fixture
def secretary(client):
    user = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    client.login(username=user.username, password=PASSWORD)
    return user


def csv_rows(response) -> list[list[str]]:
    raw = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(raw)))


def _residents(grid):
    household = HouseholdFactory(grid=grid, address="村前路1号")
    return [ResidentFactory(name="张伟", grid=grid, household=household, sex="1", ethnicity="01",
                            birth_date=dt.date(1985, 3, 12), relation="02", registered_address="佛山市南海区丹灶镇",
                            current_address="村前路1号"),
            ResidentFactory(name="李娜", grid=grid, sex="1", birth_date=dt.date(1985, 3, 12),
                            residency=Residency.PERMANENT,
                            arrived_on=dt.date(2020, 5, 1))]


def _households(grid):
    return [HouseholdFactory(grid=grid, address="村前路2号", kind="collective"), HouseholdFactory()]


def _rentals(grid):
    home = RentalPropertyFactory(grid=grid, attendant_name="李值守")
    return [RentalRoomFactory(rental_property=home, capacity=3, area_m2=Decimal("15.5")),
            RentalRoomFactory(rental_property=home, capacity=2, area_m2=Decimal("12"))]


def _tenancies(grid):
    room = RentalRoomFactory(rental_property=RentalPropertyFactory(grid=grid))
    resident = ResidentFactory(name="王芳", sex="1", birth_date=dt.date(1985, 3, 12))
    return [TenancyFactory(room=room, resident=resident, moved_out=dt.date(2026, 4, 2)),
            TenancyFactory(room=room, resident=resident, moved_in=dt.date(2026, 5, 1))]


def _enterprises(grid):
    return [EnterpriseFactory(grid=grid, park=IndustrialParkFactory(), address="工业大道3号", contact_name="陈厂长"),
            EnterpriseFactory()]


def _party_members(grid):
    org = PartyOrgFactory()
    return [PartyMemberFactory(name="陈明", org=org, grid=grid, sex="1", kind="mobile", joined_on=dt.date(2005, 7, 1)),
            PartyMemberFactory(name="欧阳修远", org=org, sex="1", kind="in_service", work_unit="区委办")]


BUILD = {"residents": _residents, "households": _households, "rentals": _rentals, "tenancies": _tenancies,
         "enterprises": _enterprises, "party-members": _party_members}
NUMBERS = {"residents": {"身份证号": "id_number", "手机号": "phone"}, "households": {},
           "rentals": {"房东电话": "rental_property.landlord_phone"}, "tenancies": {"身份证号": "resident.id_number"},
           "enterprises": {"联系电话": "contact_phone"}, "party-members": {"身份证号": "id_number", "手机号": "phone"}}


def _clear(obj, path: str) -> str:
    *parents, name = path.split(".")
    for part in parents:
        obj = getattr(obj, part)
    return pii_reveal(obj, name) or ""


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_importable_list_exports_as_its_template_and_imports_back_unchanged(client, secretary, tmp_path,
                                                                                   kind):
    spec = KINDS[kind]
    records = {r.pk: r for r in BUILD[kind](GridFactory())}
    rows = csv_rows(client.get(f"/{list_slug(kind)}/export.csv"))
    assert rows[0] == [ROW_KEY_HEADER, *(c.header for c in spec.columns)]
    assert sorted(int(r[0]) for r in rows[1:]) == sorted(records)
    # Personal numbers are masked as on the page; with the clear numbers put back (what a clerk fixing a file
    # would type), the file imports as exactly the records it came from: nothing new, nothing refused.
    clear_rows = [rows[0]]
    for row in rows[1:]:
        cells = dict(zip(rows[0], row, strict=True))
        obj = records[int(cells[ROW_KEY_HEADER])]
        for header, path in NUMBERS[kind].items():
            clear = _clear(obj, path)
            assert "*" in cells[header] and clear not in cells[header]
            assert cells[header] == (clear[:6] + "********" + clear[-4:] if len(clear) == 18 else
                                     clear[:3] + "****" + clear[-4:] if clear else "")
            cells[header] = clear
        clear_rows.append(list(cells.values()))
    path = tmp_path / f"{kind}.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(clear_rows)
    result = ledger_import(kind=kind, path=path, file_name=path.name, by=secretary, dry_run=True)
    reasons = [r[-1] for r in load_workbook(result.refused_path).active.values][1:] if result.refused_path else []
    assert (result.created, result.refused, result.unchanged, reasons) == (0, 0, len(records), [])


def test_cells_are_what_the_import_reads(client, secretary):
    grid = GridFactory(name="第一网格")
    household = HouseholdFactory(number="H0099", grid=grid)
    number = valid_id_number(region="440682")
    resident = ResidentFactory(id_number=number, phone="13912348888", grid=grid, household=household,
                               residency=Residency.MIGRANT, sex="1", ethnicity="01", birth_date=dt.date(1985, 3, 12),
                               arrived_on=dt.date(2021, 1, 31), inflow_reason="01")
    room = RentalRoomFactory(number="302", rental_property=RentalPropertyFactory(address="村前路9号"))
    TenancyFactory(room=room, resident=resident, moved_in=dt.date(2026, 2, 10))
    member = PartyMemberFactory(org=PartyOrgFactory(name="拾陈经济社党支部"), kind="in_service", work_unit="区委办")

    header, row = csv_rows(client.get("/residents/export.csv", {"q": resident.name}))
    cells = dict(zip(header, row, strict=True))
    assert cells[ROW_KEY_HEADER] == str(resident.pk)
    assert (cells["身份证号"], cells["手机号"]) == (number[:6] + "********" + number[-4:], "139****8888")
    assert (cells["人口类别"], cells["社区"], cells["网格"], cells["户号"]) == ("流动人口", "东联", "第一网格", "H0099")
    assert (cells["性别"], cells["出生日期"], cells["民族"], cells["来本地日期"]) == ("男", "1985-03-12", "汉族",
                                                                                 "2021-01-31")
    header, row = csv_rows(client.get("/tenancies/export.csv"))
    cells = dict(zip(header, row, strict=True))
    assert (cells["出租屋地址"], cells["房间号"], cells["入住日期"], cells["搬离日期"]) == \
        ("村前路9号", "302", "2026-02-10", "")
    header, row = csv_rows(client.get("/party-members/export.csv"))
    cells = dict(zip(header, row, strict=True))
    assert (cells["所在党组织"], cells["党员类别"], cells[ROW_KEY_HEADER]) == \
        ("拾陈经济社党支部", "在职党员（机关报到）", str(member.pk))
    # Audited as before: one `exported` event naming the rows, masked.
    audit = Event.objects.filter(action="exported").order_by("pk").first()
    assert (audit.model, audit.data["rows"], audit.data["masked"]) == ("people.resident", 1, True)
    assert list(EventSubject.objects.filter(event=audit).values_list("object_id", flat=True)) == [resident.pk]


def test_other_lists_keep_their_columns(client, secretary):
    PropertyCompanyFactory(name="好管家物业")
    header, row = csv_rows(client.get("/property-companies/export.csv"))
    assert ROW_KEY_HEADER not in header and header[0] == "名称" and row[0] == "好管家物业"


def test_export_as_template_is_a_ready_to_fill_workbook(client, secretary):
    resident = ResidentFactory(name="模板甲")
    ResidentFactory(name="罗湖人", community=community("罗湖"))
    response = client.get("/residents/export.xlsx", {"template": "1"})
    assert response.status_code == 200 and "%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["居民", "填写说明"]
    data = list(book["居民"].values)
    assert data[0] == (ROW_KEY_HEADER, *(c.header for c in KINDS["residents"].columns))
    assert [r[:2] for r in data[1:]] == [(resident.pk, "模板甲")]
    assert book["居民"]["B1"].fill.fgColor.rgb.endswith("FFF2CC")  # 姓名 is required, marked as on the template
    notes = "\n".join(str(c) for row in book["填写说明"].values for c in row if c)
    assert "请勿修改" in notes and "遮挡" in notes and "张三" in notes
    assert Event.objects.get(action="exported").data["rows"] == 1
    # A CSV has no second sheet: asked as a template it is the same template-shaped CSV.
    assert csv_rows(client.get("/residents/export.csv", {"template": "1"}))[0][0] == ROW_KEY_HEADER


@pytest.mark.parametrize("kind", list(KINDS))
def test_export_queries_do_not_grow_with_rows(client, secretary, kind):
    grid = GridFactory()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/{list_slug(kind)}/export.csv")
            b"".join(response.streaming_content)
        return len(captured)

    BUILD[kind](grid)
    few = queries()
    for _ in range(4):
        BUILD[kind](grid)
    assert queries() == few
