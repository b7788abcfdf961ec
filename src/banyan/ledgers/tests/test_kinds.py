"""Each kind of ledger: imported, re-imported unchanged, corrected in place."""

import pytest

from banyan.accounts.roles import Role
from banyan.core.testing import IndustrialParkFactory, PartyOrgFactory, community, make_user, valid_id_number
from banyan.ledgers.importing import ledger_import
from banyan.ledgers.reading import csv_text
from banyan.party.models import PartyMember
from banyan.people.models import Enterprise, RentalProperty, RentalRoom, Resident, Tenancy

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary():
    return make_user(Role.COMMUNITY_SECRETARY, community("东联"))


def run(tmp_path, user, kind, rows, name="x.csv"):
    path = tmp_path / name
    path.write_bytes(csv_text(rows))
    return ledger_import(kind=kind, path=path, file_name=name, by=user, community=community("东联"))


def counts(result):
    return result.created, result.updated, result.unchanged, result.refused


RENTAL_HEADER = ["出租屋地址", "房间号", "房东姓名", "房东电话", "可住人数"]


def test_rentals_create_properties_with_rooms_and_take_corrections(tmp_path, secretary):
    rows = [RENTAL_HEADER, ["村前路8号", "101", "陈大文", "13800001111", "4"],
            ["村前路8号", "102", "陈大文", "13800001111", "4"], ["村后街3号", "101", "李小梅", "", "2"],
            ["村前路8号", "101", "陈大文", "13800001111", "6"]]
    assert counts(run(tmp_path, secretary, "rentals", rows)) == (3, 0, 0, 1)
    assert RentalProperty.objects.count() == 2 and RentalRoom.objects.count() == 3
    assert RentalProperty.objects.get(address="村前路8号").landlord_phone == "138****1111"
    assert counts(run(tmp_path, secretary, "rentals", rows[:4])) == (0, 0, 3, 0)
    fixed = [RENTAL_HEADER, ["村前路8号", "101", "陈大文", "13900002222", "4"]]
    assert counts(run(tmp_path, secretary, "rentals", fixed)) == (0, 1, 0, 0)
    assert RentalProperty.objects.get(address="村前路8号").landlord_phone == "139****2222"
    assert RentalProperty.objects.count() == 2


def test_tenancies_link_residents_to_rooms(tmp_path, secretary):
    number = valid_id_number()
    run(tmp_path, secretary, "residents", [["姓名", "身份证号", "人口类别"], ["王五", number, "流动人口"]], "r.csv")
    run(tmp_path, secretary, "rentals", [RENTAL_HEADER, ["村前路8号", "101", "陈大文", "", "4"]], "p.csv")
    rows = [["身份证号", "出租屋地址", "房间号", "入住日期", "搬离日期"],
            [number, "村前路8号", "101", "2026-02-10", ""],
            [number, "村前路8号", "109", "2026-02-10", ""],
            [valid_id_number(), "村前路8号", "101", "2026-02-10", ""],
            [number, "村前路8号", "101", "2026-03-01", "2026-01-01"]]
    result = run(tmp_path, secretary, "tenancies", rows)
    assert counts(result) == (1, 0, 0, 3)
    tenancy = Tenancy.objects.get()
    assert (tenancy.resident, tenancy.room.number, tenancy.community) == (Resident.objects.get(), "101",
                                                                          community("东联"))
    assert counts(run(tmp_path, secretary, "tenancies", rows[:2])) == (0, 0, 1, 0)


def test_enterprises_in_parks(tmp_path, secretary):
    IndustrialParkFactory(name="东联第一工业园")
    rows = [["企业名称", "所在工业园", "行业", "从业人数", "联系电话"],
            ["东联五金厂", "东联第一工业园", "五金", "35", "13800001111"],
            ["无名厂", "不存在工业园", "五金", "5", ""], ["负数厂", "", "五金", "-3", ""]]
    assert counts(run(tmp_path, secretary, "enterprises", rows)) == (1, 0, 0, 2)
    enterprise = Enterprise.objects.get()
    assert (enterprise.park.name, enterprise.headcount, enterprise.contact_phone) == ("东联第一工业园", 35,
                                                                                       "138****1111")
    rows[1][3] = "40"
    assert counts(run(tmp_path, secretary, "enterprises", rows[:2])) == (0, 1, 0, 0)
    assert Enterprise.objects.get().headcount == 40


def test_party_members_need_their_org_and_in_service_members_a_work_unit(tmp_path, secretary):
    PartyOrgFactory(name="拾陈经济社党支部")
    number = valid_id_number()
    rows = [["姓名", "身份证号", "所在党组织", "党员类别", "工作单位"],
            ["陈党员", number, "拾陈经济社党支部", "本地党员", ""],
            ["机关甲", valid_id_number(), "拾陈经济社党支部", "在职党员", ""],
            ["无组织", valid_id_number(), "不存在党支部", "本地党员", ""]]
    assert counts(run(tmp_path, secretary, "party-members", rows)) == (1, 0, 0, 2)
    member = PartyMember.objects.get()
    assert (member.name, member.org.name, member.id_number) == ("陈党员", "拾陈经济社党支部",
                                                                number[:6] + "********" + number[-4:])
