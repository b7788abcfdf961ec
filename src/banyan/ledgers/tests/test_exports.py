"""Exports too long for the request: built by a background task from the list's own query, with progress, for
their owner only, recorded once as an export and once per download, deleted when they expire."""

import csv
import datetime as dt
import io
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from banyan.accounts.roles import Role
from banyan.core.pii import pii_reveal
from banyan.core.testing import PASSWORD, GridFactory, ResidentFactory, community, make_user, valid_id_number
from banyan.events.models import Event, EventSubject
from banyan.ledgers import services
from banyan.ledgers.models import EXPORT_DOWNLOADED, ExportJob
from banyan.people.models import Residency, Resident

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
NUMBER_LIKE = re.compile(r"\d{17}[\dX]|1\d{10}")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp_path(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def secretary(client):
    user = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    client.login(username=user.username, password=PASSWORD)
    return user


_born = itertools.count()


def residents(n: int, place, **fields) -> list[Resident]:
    """`n` residents in one statement (a factory's save each would take most of the test's time), each with an
    ID number of their own birthday (the factory's serial numbers repeat after 500)."""
    days = (dt.date(1940, 1, 1) + dt.timedelta(days=next(_born)) for _ in range(n))
    return Resident.objects.bulk_create([
        ResidentFactory.build(community=place, id_number=valid_id_number(born=f"{day:%Y%m%d}"), **fields)
        for day in days])


def file_text(response) -> str:
    raw = b"".join(response.streaming_content)
    if response["Content-Disposition"].rstrip('"').endswith(".xlsx"):
        sheet = load_workbook(io.BytesIO(raw), read_only=True).active
        rows = sheet.iter_rows(values_only=True)
        return "\n".join("\t".join("" if v is None else str(v) for v in row) for row in rows)
    assert raw.startswith(b"\xef\xbb\xbf")
    return raw.decode("utf-8-sig")


def names_in(text: str) -> list[str]:
    lines = [line.split("\t") for line in text.splitlines()] if "\t" in text else list(csv.reader(io.StringIO(text)))
    assert lines[0][:4] == ["系统编号", "姓名", "身份证号", "人口类别"]  # the import template's columns
    return [line[1] for line in lines[1:]]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_long_list_is_built_in_the_background_with_exactly_the_scoped_rows_masked(
        client, secretary, settings, monkeypatch, django_capture_on_commit_callbacks, fmt):
    settings.TASKS = IMMEDIATE
    donglian = community("东联")
    migrants = residents(2400, donglian, residency=Residency.MIGRANT)
    formula = ResidentFactory(name="=HYPERLINK(\"http://x\")", residency=Residency.MIGRANT)
    residents(50, donglian, residency=Residency.REGISTERED)  # filtered out by the page's query
    residents(30, community("罗湖"), residency=Residency.MIGRANT)  # outside the secretary's place
    # Every progress report the task writes, kept (with no pause between reports: one per row).
    monkeypatch.setattr(services, "PROGRESS_EVERY", 0)
    reported = []
    real_written = services._written

    def written(job, n):
        reported.append(n)
        real_written(job, n)

    monkeypatch.setattr(services, "_written", written)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(f"/residents/export.{fmt}", {"residency": Residency.MIGRANT, "q": ""})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
    assert (job.user, job.kind, job.format, job.status) == (secretary, "residents", fmt, "done")
    assert job.total_rows == job.written_rows == 2401 and job.message == ""
    assert reported[:3] == [1, 2, 3] and reported[-1] == 2401 and reported == sorted(reported)
    assert job.expires_at - job.finished_at == services.EXPORT_KEEP

    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert "共 2,401 行" in page and f"/exports/{job.pk}/download/" in page

    download = client.get(f"/exports/{job.pk}/download/")
    assert download.status_code == 200 and download["Cache-Control"] == "no-store"
    assert "attachment" in download["Content-Disposition"]
    text = file_text(download)
    expected = sorted(r.name for r in migrants) + ["'=HYPERLINK(\"http://x\")"]
    assert sorted(names_in(text)) == sorted(expected)  # exactly the scoped, filtered rows; the formula inert
    assert formula.phone_masked in text and not NUMBER_LIKE.search(text)  # masked: no clear number at all
    assert pii_reveal(formula, "phone") not in text

    exported = Event.objects.get(action="exported")
    assert (exported.user, exported.model, exported.data["rows"], exported.data["masked"]) == \
        (secretary, "people.resident", 2401, True)
    assert (exported.data["job"], exported.data["format"], exported.pk) == (job.pk, fmt, job.event_id)
    subjects = set(EventSubject.objects.filter(event=exported).values_list("object_id", flat=True))
    assert subjects == {r.pk for r in migrants} | {formula.pk}

    client.get(f"/exports/{job.pk}/download/")
    downloads = Event.objects.filter(action=EXPORT_DOWNLOADED)
    assert Event.objects.filter(action="exported").count() == 1  # one export, however many downloads
    assert [(e.user, e.model, e.object_id, e.data["exported"]) for e in downloads] == \
        [(secretary, "ledgers.exportjob", job.pk, exported.pk)] * 2
    steps = Event.objects.filter(model="ledgers.exportjob", object_id=job.pk).order_by("pk")
    assert [e.action for e in steps] == ["export_queued", "export_running", "export_done", EXPORT_DOWNLOADED,
                                         EXPORT_DOWNLOADED]


def test_a_short_list_is_still_sent_at_once(client, secretary):
    residents(services.INLINE_EXPORT_ROWS, community("东联"))
    response = client.get("/residents/export.csv")
    assert response.status_code == 200 and len(names_in(file_text(response))) == services.INLINE_EXPORT_ROWS
    assert not ExportJob.objects.exists()
    assert Event.objects.get(action="exported").data["rows"] == services.INLINE_EXPORT_ROWS


def test_an_export_is_its_owners_alone(client, secretary, monkeypatch):
    monkeypatch.setattr(services, "INLINE_EXPORT_ROWS", 0)
    ResidentFactory()
    client.get("/residents/export.xlsx")
    job = ExportJob.objects.get()
    services.export_job_run(job=job)
    assert client.get(f"/exports/{job.pk}/download/").status_code == 200
    for other in (make_user(Role.COMMUNITY_SECRETARY, community("东联")), make_user(is_superuser=True)):
        client.force_login(other)
        for url in (f"/exports/{job.pk}/", f"/exports/{job.pk}/download/"):
            assert client.get(url).status_code == 404, url
        assert f"/exports/{job.pk}/" not in client.get("/exports/").content.decode()
    assert Event.objects.filter(action=EXPORT_DOWNLOADED).count() == 1


def test_no_export_without_the_permission(client):
    client.force_login(make_user(Role.GRID_WORKER, GridFactory()))
    assert client.get("/residents/export.csv").status_code == 403
    assert client.get("/exports/").status_code == 403
    assert not ExportJob.objects.exists()


def test_the_page_shows_progress_while_running(client, secretary):
    job = ExportJob.objects.create(user=secretary, kind="residents", format="csv", status="running",
                                   total_rows=66500, written_rows=33250)
    partial = client.get(f"/exports/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "已写入 33,250 / 66,500 行（50%）" in partial and 'hx-trigger="every 1s"' in partial
    assert "<html" not in partial
    ExportJob.objects.filter(pk=job.pk).update(status="queued", written_rows=0, total_rows=0)
    assert "排队中" in client.get(f"/exports/{job.pk}/").content.decode()
    # Not ready: the download link leads back to the page.
    assert client.get(f"/exports/{job.pk}/download/")["Location"] == f"/exports/{job.pk}/"
    ExportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert "已中断" in page and "hx-trigger" not in page


def test_a_second_click_while_building_leads_to_the_same_export(client, secretary, monkeypatch):
    monkeypatch.setattr(services, "INLINE_EXPORT_ROWS", 0)
    ResidentFactory()
    first = client.get("/residents/export.csv", {"q": "居民"})
    again = client.get("/residents/export.csv", {"q": "居民"})
    other = client.get("/residents/export.xlsx", {"q": "居民"})
    assert first["Location"] == again["Location"] != other["Location"]
    assert ExportJob.objects.count() == 2


def test_a_failed_export_says_why_and_leaves_no_file_and_no_event(client, secretary, settings, monkeypatch,
                                                                  django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    monkeypatch.setattr(services, "INLINE_EXPORT_ROWS", 0)
    ResidentFactory.create_batch(3)
    from banyan.ledgers import template_export

    real_value = template_export.template_value
    calls = []

    def broken(obj, parts, named):
        calls.append(obj.pk)
        if len(calls) > 5:
            raise OSError("磁盘已满")
        return real_value(obj, parts, named)

    monkeypatch.setattr(template_export, "template_value", broken)
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/residents/export.xlsx")
    job = ExportJob.objects.get()
    assert job.status == "failed" and "磁盘已满" in job.message and not job.file and job.finished_at
    assert "磁盘已满" in Event.objects.get(action="export_failed").note
    assert "磁盘已满" in client.get(f"/exports/{job.pk}/").content.decode()
    assert not Event.objects.filter(action="exported").exists() and not EventSubject.objects.exists()
    assert client.get(f"/exports/{job.pk}/download/").status_code == 302
    assert not list(settings.MEDIA_ROOT.rglob("*.xlsx"))


def test_a_role_withdrawn_while_queued_builds_nothing(client, secretary, monkeypatch):
    monkeypatch.setattr(services, "INLINE_EXPORT_ROWS", 0)
    ResidentFactory()
    client.get("/residents/export.csv")
    job = ExportJob.objects.get()
    assert job.status == "queued"
    secretary.role_assignments.all().delete()
    secretary._banyan_assignments = None
    services.export_job_run(job=job)
    assert job.status == "failed" and "没有导出" in job.message and not job.file
    assert not Event.objects.filter(action="exported").exists()


def test_files_are_deleted_when_they_expire(client, secretary, monkeypatch):
    monkeypatch.setattr(services, "INLINE_EXPORT_ROWS", 0)
    ResidentFactory()
    client.get("/residents/export.csv")
    job = services.export_job_run(job=ExportJob.objects.get())
    path = job.file.path
    assert services.export_files_purge() == 0
    # Past its time a file is never served, even before the sweep has removed it.
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(f"/exports/{job.pk}/download/")["Location"] == f"/exports/{job.pk}/"
    assert "已过期删除" in client.get(f"/exports/{job.pk}/").content.decode()
    assert services.export_files_purge() == 1
    job.refresh_from_db()
    assert job.status == "expired" and not job.file and not Path(path).exists()
    expired = Event.objects.get(action="export_expired")
    assert (expired.user, expired.object_id) == (None, job.pk)  # the system deleted it
    assert "已过期删除" in client.get("/exports/").content.decode()
    assert not Event.objects.filter(action=EXPORT_DOWNLOADED).exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_builds_queued_exports_and_schedules_their_deletion(client, secretary, monkeypatch):
    from django.db import connections
    from django_tasks_db.models import DBTaskResult

    monkeypatch.setattr(services, "INLINE_EXPORT_ROWS", 0)
    ResidentFactory.create_batch(2)
    client.get("/residents/export.csv")
    job = ExportJob.objects.get()
    assert job.status == "queued"
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    connections.close_all()  # the worker's connections must not outlive the test database
    job.refresh_from_db()
    assert (job.status, job.total_rows) == ("done", 2)
    purge = DBTaskResult.objects.get(task_path__endswith="export_files_purge_task")
    assert purge.run_after > job.expires_at - dt.timedelta(seconds=5)
    assert "我的导出" in client.get("/").content.decode()


# The worker's own database, as `banyan worker` has it (SQLite in WAL mode, in a file): while the export reads its
# rows, another user's request writes; the progress writes that follow must still land, and the export finish.
EXPORT_WHILE_OTHERS_WRITE = """
import datetime as dt, os, threading

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banyan.settings")
import django

django.setup()
from django.db import connections

from banyan.accounts.roles import Role
from banyan.core.testing import ResidentFactory, community, make_user, valid_id_number
from banyan.ledgers import services, template_export
from banyan.ledgers.models import ExportJob
from banyan.people.models import Resident

donglian = community("东联")
days = [dt.date(1940, 1, 1) + dt.timedelta(days=i) for i in range(4000)]
Resident.objects.bulk_create([ResidentFactory.build(community=donglian, id_number=valid_id_number(born=f"{d:%Y%m%d}"))
                              for d in days])
user = make_user(Role.COMMUNITY_SECRETARY, donglian)
job = ExportJob.objects.create(user=user, kind="residents", format="csv")
services.PROGRESS_EVERY = 0
real_value, cells = template_export.template_value, [0]


def another_request():
    Resident.objects.filter(pk=Resident.objects.order_by("pk").values("pk")[:1]).update(name="改名")
    connections.close_all()


def template_value(obj, parts, named):
    cells[0] += 1
    if cells[0] == 5400:  # about row 300: the reader's cursor is open
        thread = threading.Thread(target=another_request)
        thread.start()
        thread.join()
    return real_value(obj, parts, named)


template_export.template_value = template_value
services.export_job_run(job=job)
job.refresh_from_db()
print("status", job.status, job.written_rows, job.message)
"""


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="SQLite's snapshots are the point; runs its own database in a subprocess")
def test_an_export_finishes_while_others_write(tmp_path):
    env = {**os.environ, "BANYAN_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    banyan = str(Path(sys.executable).with_name("banyan"))
    subprocess.run([banyan, "migrate", "--quiet"], env=env, check=True)
    done = subprocess.run([sys.executable, "-c", EXPORT_WHILE_OTHERS_WRITE], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "status done 4000", done.stdout
