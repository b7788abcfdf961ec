import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import load_workbook

from banyan.accounts.roles import Role
from banyan.core.testing import PASSWORD, community, make_user, valid_id_number
from banyan.events.models import Event
from banyan.ledgers.models import ImportJob
from banyan.ledgers.reading import csv_text
from banyan.people.models import Resident

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def upload(rows, name="居民台账.csv"):
    return SimpleUploadedFile(name, csv_text(rows), content_type="text/csv")


@pytest.fixture
def secretary(client):
    user = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    client.login(username=user.username, password=PASSWORD)
    return user


def ledger(bad_id):
    return [["姓名", "身份证号", "人口类别", "手机号"], ["张三", valid_id_number(), "户籍人口", "13800001111"],
            ["李四", valid_id_number(), "流动人口", ""], ["王五", bad_id, "户籍", "13900002222"]]


@pytest.mark.django_db(transaction=True)
def test_upload_preview_confirm_in_the_browser_flow(client, secretary, settings):
    settings.TASKS = IMMEDIATE
    bad_id = "440605198503120011"
    response = client.post("/imports/new/", {"kind": "residents", "community": community("东联").pk,
                                             "file": upload(ledger(bad_id))})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    assert (job.status, job.created_rows, job.refused_rows, job.user) == ("validated", 2, 1, secretary)
    assert not Resident.objects.exists()

    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "确认导入 2 行" in page and "校验位" in page
    assert bad_id not in page and "440605********0011" in page  # the preview masks numbers

    refused = client.get(f"/imports/{job.pk}/refused.xlsx")
    assert refused.status_code == 200 and refused["Cache-Control"] == "no-store"
    audit = Event.objects.filter(action__in=("revealed", "exported")).get()
    assert (audit.action, audit.data["rows"], audit.data["masked"]) == ("exported", 1, False)

    assert client.post(f"/imports/{job.pk}/confirm/").status_code == 302
    job.refresh_from_db()
    assert (job.status, job.created_rows) == ("done", 2)
    assert sorted(Resident.objects.values_list("name", flat=True)) == ["张三", "李四"]


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_queued_imports(client, secretary):
    client.post("/imports/new/", {"kind": "residents", "community": community("东联").pk,
                                  "file": upload(ledger("123"))})
    job = ImportJob.objects.get()
    assert job.status == "queued"
    assert "排队中" in client.get(f"/imports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    job.refresh_from_db()
    from django.db import connections

    connections.close_all()  # the worker's connections must not outlive the test database
    assert (job.status, job.created_rows, job.refused_rows) == ("validated", 2, 1)


@pytest.mark.django_db
def test_bad_uploads_get_a_chinese_message(client, secretary):
    response = client.post("/imports/new/", {"kind": "residents",
                                             "file": SimpleUploadedFile("x.pdf", b"%PDF", "application/pdf")})
    assert response.status_code == 200 and "请上传 .xlsx 或 .csv 文件" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_others_cannot_see_or_confirm_an_import(client, settings):
    owner = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    job = ImportJob.objects.create(user=owner, kind="residents", file_name="a.csv", community=community("东联"),
                                   status="validated", created_rows=3)
    foreign = make_user(Role.COMMUNITY_SECRETARY, community("罗湖"))
    client.login(username=foreign.username, password=PASSWORD)
    for url in (f"/imports/{job.pk}/", f"/imports/{job.pk}/refused.xlsx"):
        assert client.get(url).status_code == 404
    assert client.post(f"/imports/{job.pk}/confirm/").status_code == 404
    colleague = make_user(Role.COMMUNITY_STAFF, community("东联"))
    client.login(username=colleague.username, password=PASSWORD)
    assert client.get(f"/imports/{job.pk}/").status_code == 200
    assert client.post(f"/imports/{job.pk}/confirm/").status_code == 403
    job.refresh_from_db()
    assert job.status == "validated"


@pytest.mark.django_db
def test_district_admin_sees_every_import_of_the_district(client):
    from banyan.core.testing import nanhai

    ImportJob.objects.create(user=make_user(Role.COMMUNITY_SECRETARY, community("罗湖")), kind="residents",
                             file_name="罗湖台账.csv", community=community("罗湖"))
    ImportJob.objects.create(kind="residents", file_name="命令行台账.csv")
    for admin in (make_user(Role.DISTRICT_ADMIN, nanhai()), make_user(is_superuser=True)):
        client.force_login(admin)
        page = client.get("/imports/").content.decode()
        assert "罗湖台账.csv" in page, admin
    assert "命令行台账.csv" in page  # a superuser sees imports made from the terminal too


@pytest.mark.django_db
def test_roles_without_write_cannot_import(client):
    volunteer = make_user(Role.VOLUNTEER, community("东联"))
    client.login(username=volunteer.username, password=PASSWORD)
    assert client.get("/imports/new/").status_code == 403
    assert client.get("/imports/templates/residents.xlsx").status_code == 404


@pytest.mark.django_db
def test_template_download_has_the_columns(client, secretary):
    response = client.get("/imports/templates/residents.xlsx")
    assert response.status_code == 200
    import io

    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["姓名", "身份证号", "人口类别"]
    assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb.endswith("FFF2CC")  # required: marked
    assert sheet["D1"].font.b and sheet["D1"].fill.fill_type is None  # 社区: optional


@pytest.mark.django_db
def test_the_template_holds_no_sample_row_and_says_where_the_example_is(client, secretary, tmp_path):
    import io

    from banyan.ledgers.importing import ledger_import
    from banyan.ledgers.reading import FileRefused

    book = load_workbook(io.BytesIO(client.get("/imports/templates/residents.xlsx").content))
    data = list(book.worksheets[0].values)
    assert len(data) == 1 and "张三" not in str(data)  # the header only
    notes = list(book["填写说明"].values)
    assert notes[0][-1] == "示例" and [row[-1] for row in notes if row[0] == "姓名"] == ["张三"]
    assert any("示例只在本表" in str(row[0]) for row in notes)
    # The blank template, uploaded as it is, imports nobody.
    path = tmp_path / "模板.xlsx"
    book.save(path)
    with pytest.raises(FileRefused, match="没有数据行"):
        ledger_import(kind="residents", path=path, file_name=path.name, by=secretary, community=community("东联"))
    assert not Resident.objects.exists()


@pytest.mark.django_db
def test_the_upload_page_takes_the_whole_file_options(client, secretary):
    page = client.get("/imports/new/").content.decode()
    assert "工作表" in page and "按户号建户（户号不存在时按文件中的户号和地址新建户）" in page
    assert "整份文件的人口类别" in page and "residents-only" in page
    client.post("/imports/new/", {"kind": "residents", "file": upload(ledger("1")), "sheet": " 花名册 ",
                                  "households": "on", "residency": "流动人口"})
    client.post("/imports/new/", {"kind": "households", "file": upload(ledger("1")), "households": "on",
                                  "residency": "流动人口"})
    residents, households = ImportJob.objects.order_by("pk")
    assert residents.options == {"sheet": "花名册", "households": True, "fixed": {"residency": "流动人口"}}
    assert households.options == {}  # the residents' options mean nothing for households
    # A user with one community needs not choose it.
    assert residents.community == community("东联")


@pytest.mark.django_db
def test_long_file_names_keep_their_extension_and_a_bare_extension_is_refused(client, secretary):
    long = "东联社区2026年第一季度流动人口及出租屋综合管理台账" * 10 + ".csv"
    client.post("/imports/new/", {"kind": "residents", "file": upload(ledger("1"), name=long)})
    job = ImportJob.objects.get()
    assert job.file_name.endswith(".csv")
    assert len(job.file_name) == 200 and job.file_name.startswith("东联社区2026年")
    assert job.file.name.endswith(".csv") and len(job.file.name) <= 100
    response = client.post("/imports/new/", {"kind": "residents", "file": upload(ledger("1"), name=".xlsx")})
    assert "文件名只有扩展名" in response.content.decode() and ImportJob.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_committed_imports_upload_is_deleted_at_once_its_refused_rows_after_the_keep_days(client, secretary,
                                                                                           settings):
    import datetime as dt
    from pathlib import Path

    from django.utils import timezone

    from banyan.ledgers import services

    settings.TASKS = IMMEDIATE
    client.post("/imports/new/", {"kind": "residents", "file": upload(ledger("440605198503120011"))})
    job = ImportJob.objects.get()
    upload_path, checked_path = Path(job.file.path), Path(job.refused_file.path)
    client.post(f"/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    refused_path = Path(job.refused_file.path)  # the commit run's, which replaced the dry run's
    assert not checked_path.exists() or checked_path == refused_path
    assert job.status == "done" and not job.file and not upload_path.exists() and job.file_purged_at
    assert job.refused_file and refused_path.exists()  # the rows to fix stay, for now
    deleted = Event.objects.get(action="import_files_deleted", object_id=job.pk)
    assert (deleted.user, deleted.note) == (None, "已删除上传的文件")
    assert "文件已删除" in client.get("/imports/").content.decode()
    later = timezone.now() + dt.timedelta(days=settings.BANYAN_IMPORT_KEEP_DAYS, hours=1)
    assert services.import_files_purge(now=later) == 1
    job.refresh_from_db()
    assert not job.refused_file and not refused_path.exists()
    assert client.get(f"/imports/{job.pk}/refused.xlsx").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_an_import_never_confirmed_loses_its_files_after_the_keep_days(client, secretary, settings):
    import datetime as dt
    from pathlib import Path

    from django.utils import timezone

    from banyan.ledgers import services

    settings.TASKS = IMMEDIATE
    settings.BANYAN_IMPORT_KEEP_DAYS = 3
    client.post("/imports/new/", {"kind": "residents", "file": upload(ledger("440605198503120011"))})
    job = ImportJob.objects.get()
    files = [Path(job.file.path), Path(job.refused_file.path)]
    assert services.import_files_purge(now=timezone.now() + dt.timedelta(days=2)) == 0
    assert all(f.exists() for f in files)
    assert services.import_files_purge(now=timezone.now() + dt.timedelta(days=3, minutes=1)) == 1
    job.refresh_from_db()
    assert not any(f.exists() for f in files) and not job.file and not job.refused_file and job.file_purged_at
    assert Event.objects.get(action="import_files_deleted").note == "已删除上传的文件和错误行文件"
    assert job.status == "validated"
    response = client.post(f"/imports/{job.pk}/confirm/")
    assert response.status_code == 403 and "上传的文件已删除" in response.content.decode()
    assert not Resident.objects.exists()
