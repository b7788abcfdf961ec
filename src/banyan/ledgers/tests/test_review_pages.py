"""The import's page as a clerk uses it: what the updates change, columns matched by hand (and remembered), and
undoing a committed import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from banyan.accounts.roles import Role
from banyan.core.services import record_save
from banyan.core.testing import PASSWORD, GridFactory, ResidentFactory, community, make_user, text, valid_id_number
from banyan.ledgers.models import HeaderMapping, ImportJob
from banyan.ledgers.reading import csv_text
from banyan.people.models import Resident

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def secretary(client, settings):
    settings.TASKS = IMMEDIATE
    user = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    client.login(username=user.username, password=PASSWORD)
    return user


def post_file(client, rows, name="居民台账.csv"):
    client.post("/imports/new/", {"kind": "residents", "community": community("东联").pk,
                                  "file": SimpleUploadedFile(name, csv_text(rows), content_type="text/csv")})
    return ImportJob.objects.latest("pk")


def test_the_preview_shows_each_changed_field_before_and_after(client, secretary):
    grid = GridFactory()
    person = ResidentFactory(name="黄玲", grid=grid, current_address="旧址1号")
    number = valid_id_number(born="19700101", male=False)
    record_save(instance=person, by=secretary, values={"id_number": number, "sex": "2",
                                                       "birth_date": "1970-01-01"})
    job = post_file(client, [["姓名", "身份证号", "人口类别", "现住址"], ["黄玲", number, "户籍人口", "新址8号"]])
    page = text(client.get(f"/imports/{job.pk}/"))
    assert "将更新的字段" in page and "现住址 <strong>1</strong>" in page
    assert "旧址1号" in page and "新址8号" in page
    assert number not in page


def test_unknown_columns_are_matched_by_hand_and_remembered(client, secretary):
    rows = [["名", "证件", "人口类别"], ["蔡明", valid_id_number(born="19900202"), "户籍人口"]]
    job = post_file(client, rows)
    assert job.status == "refused" and set(job.changes["unknown"]) == {"名", "证件"}
    page = text(client.get(f"/imports/{job.pk}/"))
    assert "未识别的列" in page and "按所选的列重新校验" in page

    client.post(f"/imports/{job.pk}/columns/", {"map:名": "name", "map:证件": "id_number"})
    job.refresh_from_db()
    assert (job.status, job.created_rows, job.refused_rows) == ("validated", 1, 0)
    assert HeaderMapping.objects.get(user=secretary).mapping == {"名": "name", "证件": "id_number"}

    later = post_file(client, [["名", "证件", "人口类别"], ["蔡亮", valid_id_number(born="19910303"), "户籍人口"]])
    assert (later.status, later.created_rows) == ("validated", 1)  # the same layout: matched without asking


def test_the_uploader_undoes_a_committed_import_from_its_page(client, secretary):
    job = post_file(client, [["姓名", "身份证号", "人口类别"], ["葛新", valid_id_number(born="19850505"), "户籍人口"]])
    client.post(f"/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == "done" and Resident.objects.filter(name="葛新").exists()
    assert "撤销这次导入" in text(client.get(f"/imports/{job.pk}/"))

    other = make_user(Role.COMMUNITY_STAFF, community("东联"))
    client.login(username=other.username, password=PASSWORD)
    assert "撤销这次导入" not in text(client.get(f"/imports/{job.pk}/"))
    client.post(f"/imports/{job.pk}/undo/")
    assert Resident.objects.filter(name="葛新").exists()  # only the uploader or the community's secretary

    client.login(username=secretary.username, password=PASSWORD)
    response = client.post(f"/imports/{job.pk}/undo/", follow=True)
    assert "已撤销这次导入" in text(response)
    assert not Resident.objects.filter(name="葛新").exists()
    job.refresh_from_db()
    assert job.status == "undone"
