"""An import updates only what its file says: absent columns and blank cells leave stored values alone, the
clear marker clears, a row key and masked numbers match an exported file, and a committed import can be undone."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from banyan.accounts.roles import Role
from banyan.core.pii import pii_reveal
from banyan.core.services import record_save
from banyan.core.testing import (
    EnterpriseFactory,
    GridFactory,
    HouseholdFactory,
    IndustrialParkFactory,
    ResidentFactory,
    community,
    make_user,
    valid_id_number,
)
from banyan.events.models import Event, EventSubject
from banyan.events.selectors import record_history
from banyan.ledgers.importing import ledger_import
from banyan.ledgers.models import ImportJob
from banyan.ledgers.reading import csv_text
from banyan.ledgers.undo import import_undo, undo_refusal
from banyan.people.models import Enterprise, Household, Resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary():
    return make_user(Role.COMMUNITY_SECRETARY, community("东联"))


def run(tmp_path, user, kind, rows, *, job=None, dry_run=False, **options):
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(csv_text(rows))
    return ledger_import(kind=kind, path=path, file_name=path.name, by=user, community=community("东联"),
                         job=job, options=options, dry_run=dry_run)


def resident_in_household(born="19800101"):
    """A woman registered in a household and a grid, with the sex and birth date her ID number gives."""
    grid = GridFactory()
    household = HouseholdFactory(grid=grid)
    return ResidentFactory(name="王芳", grid=grid, household=household, relation="02", current_address="村前路1号",
                           id_number=valid_id_number(born=born, male=False), sex="2",
                           birth_date=dt.date(int(born[:4]), int(born[4:6]), int(born[6:])))


def test_a_four_column_file_changes_the_phone_and_nothing_else(tmp_path, secretary):
    person = resident_in_household()
    number = pii_reveal(person, "id_number")
    result = run(tmp_path, secretary, "residents", [["姓名", "身份证号", "人口类别", "手机号"],
                                                    ["王芳", number, "户籍人口", "13911112222"]])
    assert (result.created, result.updated, result.refused) == (0, 1, 0)
    assert result.changes["fields"] == {"手机号": 1}
    assert result.changes["samples"][0]["fields"][0][0] == "手机号"
    assert result.changes["samples"][0]["fields"][0][2] == "139****2222"  # masked in the preview
    person.refresh_from_db()
    assert person.household_id is not None and person.grid_id is not None
    assert person.relation == "02" and person.current_address == "村前路1号"
    assert person.phone_masked == "139****2222"


def test_blank_cells_keep_stored_values_and_the_marker_clears(tmp_path, secretary):
    person = resident_in_household(born="19700101")
    number = pii_reveal(person, "id_number")
    phone = pii_reveal(person, "phone")
    header = ["姓名", "身份证号", "人口类别", "与户主关系", "现住址", "户号", "手机号"]
    same = run(tmp_path, secretary, "residents", [header, ["王芳", number, "户籍人口", "", "", "", ""]])
    assert (same.updated, same.unchanged) == (0, 1)
    person.refresh_from_db()
    assert person.relation == "02" and person.household_id is not None

    moved = run(tmp_path, secretary, "residents", [header, ["王芳", number, "户籍人口", "", "河东路5号", "", ""]])
    assert moved.updated == 1
    person.refresh_from_db()
    assert pii_reveal(person, "phone") == phone  # a blank phone cell leaves the stored number whole

    cleared = run(tmp_path, secretary, "residents", [header, ["王芳", number, "户籍人口", "", "<清空>", "<清空>", ""]])
    assert cleared.updated == 1 and set(cleared.changes["fields"]) == {"现住址", "户号"}
    person.refresh_from_db()
    assert person.current_address == "" and person.household_id is None and person.relation == "02"


def test_a_required_column_cannot_be_cleared(tmp_path, secretary):
    person = ResidentFactory(name="李明")
    result = run(tmp_path, secretary, "residents", [["姓名", "身份证号", "人口类别"],
                                                    ["<清空>", "", "户籍人口"]])
    assert result.refused == 1
    person.refresh_from_db()
    assert person.name == "李明"


def test_an_enterprise_file_of_two_columns_keeps_park_and_grid(tmp_path, secretary):
    park, grid = IndustrialParkFactory(), GridFactory()
    firm = EnterpriseFactory(name="东联五金厂", park=park, grid=grid, headcount=20, credit_code="")
    result = run(tmp_path, secretary, "enterprises", [["企业名称", "从业人数"], ["东联五金厂", "35"]])
    assert (result.updated, result.refused) == (1, 0)
    firm.refresh_from_db()
    assert (firm.headcount, firm.park_id, firm.grid_id) == (35, park.pk, grid.pk)
    again = run(tmp_path, secretary, "enterprises", [["企业名称", "从业人数"], ["东联五金厂", "35"]])
    assert (again.updated, again.unchanged) == (0, 1)


def test_an_exported_file_with_masked_numbers_changes_nothing(tmp_path, secretary):
    person = resident_in_household()
    exported = [["系统编号", "姓名", "身份证号", "人口类别", "手机号"],
                [str(person.pk), "王芳", person.id_number_masked, "户籍人口", person.phone_masked]]
    result = run(tmp_path, secretary, "residents", exported)
    assert (result.created, result.updated, result.unchanged, result.refused) == (0, 0, 1, 0)

    exported[1][1] = "王芳芳"  # a clerk corrects the name in the exported file
    result = run(tmp_path, secretary, "residents", exported)
    assert result.updated == 1
    person.refresh_from_db()
    assert person.name == "王芳芳" and person.household_id is not None


def test_a_masked_number_on_a_new_row_is_refused_saying_why(tmp_path, secretary):
    result = run(tmp_path, secretary, "residents", [["姓名", "身份证号", "人口类别"],
                                                    ["赵磊", "440605********0016", "户籍人口"]])
    assert (result.created, result.refused) == (0, 1)
    assert not Resident.objects.filter(name="赵磊").exists()


def test_a_row_key_of_another_record_or_place_is_refused(tmp_path, secretary):
    elsewhere = ResidentFactory(community=community("罗湖"))
    result = run(tmp_path, secretary, "residents", [["系统编号", "姓名", "人口类别"],
                                                    [str(elsewhere.pk), "改名", "户籍人口"],
                                                    ["99999999", "不存在", "户籍人口"]])
    assert (result.updated, result.refused) == (0, 2)
    elsewhere.refresh_from_db()
    assert elsewhere.name != "改名"


def test_the_whole_file_residency_and_households_from_the_file(tmp_path, secretary):
    rows = [["姓名", "身份证号", "户号", "户籍地址"],
            ["陈伟", valid_id_number(born="19600101"), "DL-0101", "村前路3号"],
            ["陈静", valid_id_number(born="19620202", male=False), "DL-0101", "村前路3号"]]
    refused = run(tmp_path, secretary, "residents", rows, fixed={"residency": "户籍人口"})
    assert refused.refused == 2  # the 户号 does not exist and 按户号建户 was not ticked
    result = run(tmp_path, secretary, "residents", rows, fixed={"residency": "户籍人口"}, households=True)
    assert (result.created, result.refused) == (2, 0)
    household = Household.objects.get(number="DL-0101")
    assert household.address == "村前路3号"
    assert set(household.members.values_list("residency", flat=True)) == {"registered"}
    assert Event.objects.filter(model="people.household", object_id=household.pk, action="created").exists()


def test_each_written_row_shows_the_import_on_its_timeline(tmp_path, secretary):
    result = run(tmp_path, secretary, "residents", [["姓名", "身份证号", "人口类别"],
                                                    ["周敏", valid_id_number(born="19880808"), "户籍人口"],
                                                    ["吴刚", valid_id_number(born="19890909"), "户籍人口"],
                                                    ["郑洁", valid_id_number(born="19900101", male=False), "户籍人口"]])
    event = Event.objects.get(pk=result.event_id)
    assert event.action == "imported" and event.data["created"] == 3
    for person in Resident.objects.all():  # new rows are tied to the event by their run of ids
        assert [e.pk for e in record_history(person)] == [event.pk]
    assert EventSubject.objects.filter(event=event).count() == 1


def _job(user, kind="residents"):
    return ImportJob.objects.create(user=user, kind=kind, file_name="a.csv", community=community("东联"),
                                    dry_run=False, status=ImportJob.Status.WRITING)


def _done(job, result):
    job.status, job.event_id = ImportJob.Status.DONE, result.event_id
    job.save()
    return job


def test_undo_removes_created_rows_and_restores_updated_ones(tmp_path, secretary):
    person = resident_in_household(born="19750505")
    number = pii_reveal(person, "id_number")
    job = _job(secretary)
    result = run(tmp_path, secretary, "residents", [["姓名", "身份证号", "人口类别", "现住址"],
                                                    ["王芳", number, "流动人口", "新村路9号"],
                                                    ["孙丽", valid_id_number(born="19990909"), "户籍人口", ""]],
                 job=job)
    assert (result.created, result.updated) == (1, 1)
    _done(job, result)
    clerk = make_user(Role.GRID_WORKER, GridFactory())
    assert undo_refusal(job, clerk)  # neither the uploader nor the community's secretary

    import_undo(job=job, by=secretary)
    person.refresh_from_db()
    assert (person.residency, person.current_address, person.household_id is not None) == (
        "registered", "村前路1号", True)
    assert not Resident.objects.filter(name="孙丽").exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UNDONE
    undone = Event.objects.get(action="import_undo")
    assert EventSubject.objects.filter(event=undone, object_id=person.pk).exists()
    with pytest.raises(ValidationError):
        import_undo(job=job, by=secretary)  # once only


def test_undo_is_refused_once_a_row_was_changed_since(tmp_path, secretary):
    job = _job(secretary)
    result = run(tmp_path, secretary, "residents", [["姓名", "身份证号", "人口类别"],
                                                    ["钱进", valid_id_number(born="19810101"), "户籍人口"]],
                 job=job)
    _done(job, result)
    person = Resident.objects.get(name="钱进")
    record_save(instance=person, by=secretary, values={"current_address": "后街2号"})
    assert "1条记录被修改" in undo_refusal(job, secretary)
    with pytest.raises(ValidationError):
        import_undo(job=job, by=secretary)
    assert Resident.objects.filter(name="钱进").exists()


def test_an_old_templates_example_row_is_not_imported(tmp_path, secretary):
    rows = [["姓名", "身份证号", "人口类别", "社区", "网格", "手机号"],
            ["张三", "440605198503120016", "户籍人口", "东联", "", "13812345678"],
            ["冯军", valid_id_number(born="19830303"), "户籍人口", "东联", "", ""]]
    result = run(tmp_path, secretary, "residents", rows)
    assert (result.created, result.refused) == (1, 0)
    assert not Resident.objects.filter(name="张三").exists()
    assert any("示例行" in w for w in result.warnings)


def test_a_number_repeated_in_a_later_frame_is_refused(tmp_path, secretary, monkeypatch):
    import functools

    from banyan.ledgers import importing, reading

    monkeypatch.setattr(importing, "open_ledger", functools.partial(reading.open_ledger, chunk_rows=2))
    number = valid_id_number(born="19770707")
    rows = [["姓名", "身份证号", "人口类别"], ["梁山", number, "户籍人口"], ["何水", valid_id_number(born="19780808"),
                                                                        "户籍人口"],
            ["罗田", valid_id_number(born="19790909"), "户籍人口"], ["梁山", number, "流动人口"]]
    result = run(tmp_path, secretary, "residents", rows)
    assert (result.created, result.refused) == (3, 1)
    assert Resident.objects.get(name="梁山").residency == "registered"


def test_a_landline_only_under_the_second_phone_column_is_kept(tmp_path, secretary):
    rows = [["企业名称", "手机号", "联系电话"], ["东联塑料厂", "13912345678", "0757-86651234"],
            ["东联纸品厂", "", "0757-86650000"], ["东联五金店", "无", "86650001"]]
    result = run(tmp_path, secretary, "enterprises", rows)
    assert (result.created, result.refused) == (3, 0) and "联系电话" not in result.unknown_headers
    phones = dict(Enterprise.objects.values_list("name", "contact_phone_masked"))
    assert phones == {"东联塑料厂": "139****5678", "东联纸品厂": "075****0000", "东联五金店": "86****"}


def test_a_tenancy_finds_a_room_whose_address_was_typed_with_other_spaces(tmp_path, secretary):
    from banyan.core.testing import RentalPropertyFactory, RentalRoomFactory
    from banyan.people.models import Tenancy

    grid = GridFactory()
    room = RentalRoomFactory(rental_property=RentalPropertyFactory(address="村前路 ８号", grid=grid), number="101")
    tenant = resident_in_household(born="19920202")
    rows = [["身份证号", "出租屋地址", "房间号", "入住日期"],
            [pii_reveal(tenant, "id_number"), "村前路8号", "101", "2026-02-10"]]
    result = run(tmp_path, secretary, "tenancies", rows)
    assert (result.created, result.refused) == (1, 0)
    tenancy = Tenancy.objects.get()
    assert (tenancy.room_id, tenancy.grid_id) == (room.pk, grid.pk)


def test_undo_is_refused_once_a_later_import_updated_a_row(tmp_path, secretary):
    number = valid_id_number(born="19820202")
    job = _job(secretary)
    first = run(tmp_path, secretary, "residents", [["姓名", "身份证号", "人口类别"], ["严华", number, "户籍人口"]],
                job=job)
    _done(job, first)
    later = run(tmp_path, secretary, "residents", [["姓名", "身份证号", "人口类别"], ["严华", number, "流动人口"]])
    assert later.updated == 1
    assert "1条记录被修改" in undo_refusal(job, secretary)
