"""The terminal: `banyan export` writes what the page exports (the template's columns, masked, audited, only the
rows the user may export); `banyan import` needs no --community for a user of one community and takes the
whole-file options; `banyan worker` fails what a dead worker left running."""

import csv
import io

import pytest
from django.core.files.base import ContentFile
from openpyxl import load_workbook

from banyan.accounts.roles import Role
from banyan.cli import main
from banyan.core.pii import pii_reveal
from banyan.core.testing import ResidentFactory, community, make_user, valid_id_number
from banyan.events.models import Event, EventSubject
from banyan.ledgers.kinds import KINDS, ROW_KEY_HEADER
from banyan.ledgers.models import ExportJob, ImportJob
from banyan.people.models import Resident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp_path(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run(*argv: str) -> int:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    return exited.value.code


def test_export_writes_the_users_rows_as_the_template_masked_and_audited(tmp_path, capsys):
    secretary = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    mine = ResidentFactory.create_batch(3)
    ResidentFactory(community=community("罗湖"))
    out = tmp_path / "居民.xlsx"
    assert run("export", "residents", str(out), "--user", secretary.username) == 0
    assert "已导出3行居民" in capsys.readouterr().out
    rows = list(load_workbook(out).active.values)
    assert rows[0] == (ROW_KEY_HEADER, *(c.header for c in KINDS["residents"].columns))
    assert sorted(r[0] for r in rows[1:]) == sorted(r.pk for r in mine)
    text = str(rows)
    assert all(r.id_number_masked in text and pii_reveal(r, "id_number") not in text for r in mine)
    audit = Event.objects.get(action="exported")
    assert (audit.user, audit.model, audit.data["rows"], audit.data["masked"]) == \
        (secretary, "people.resident", 3, True)
    assert set(EventSubject.objects.filter(event=audit).values_list("object_id", flat=True)) == {r.pk for r in mine}


def test_export_without_user_is_district_wide_and_community_narrows_it(tmp_path):
    ResidentFactory.create_batch(2)
    luohu = ResidentFactory(community=community("罗湖"))
    out = tmp_path / "all.csv"
    assert run("export", "residents", str(out)) == 0
    assert len(list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))) == 1 + 3
    assert run("export", "residents", str(out), "--community", "罗湖") == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == ROW_KEY_HEADER and [r[0] for r in rows[1:]] == [str(luohu.pk)]
    assert Event.objects.filter(action="exported", user=None).count() == 2


def test_export_refuses_an_unknown_suffix_and_a_role_without_export(tmp_path, capsys):
    ResidentFactory()
    assert run("export", "residents", str(tmp_path / "a.pdf")) == 2
    assert "应以 .xlsx 或 .csv 结尾" in capsys.readouterr().err
    worker = make_user(Role.VOLUNTEER, community("东联"))
    out = tmp_path / "none.csv"
    assert run("export", "residents", str(out), "--user", worker.username) == 0
    assert out.read_text(encoding="utf-8-sig").splitlines()[1:] == []  # no row they may export
    assert not (tmp_path / "a.pdf").exists()


def _ledger(tmp_path, rows, header=("姓名", "身份证号", "人口类别")):
    path = tmp_path / "居民.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def test_import_of_a_user_with_one_community_needs_no_community(tmp_path):
    secretary = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    path = _ledger(tmp_path, [["张伟", valid_id_number(), "户籍人口"]])
    assert run("import", "residents", str(path), "--user", secretary.username) == 0
    job = ImportJob.objects.get()
    assert (job.status, job.community, job.created_rows) == ("done", community("东联"), 1)
    assert Resident.objects.get().community == community("东联")


def test_import_options_are_kept_on_the_job(tmp_path):
    secretary = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    path = _ledger(tmp_path, [["张伟", valid_id_number()]], header=("姓名", "身份证号"))
    run("import", "residents", str(path), "--user", secretary.username, "--dry-run", "--households",
        "--set", "人员类别=户籍人口", "--set", "现住址=村前路1号")
    job = ImportJob.objects.get()
    assert job.options == {"households": True, "fixed": {"residency": "户籍人口", "current_address": "村前路1号"}}


@pytest.mark.parametrize(("argv", "message"), [
    (["--set", "人口类别"], "--set 应写成 列名=值"),
    (["--set", "血型=A"], "没有“血型”列"),
    (["--set", "人口类别=外星人"], "人口类别：“外星人”不在可选值中"),
])
def test_bad_import_options_get_a_message_and_import_nothing(tmp_path, argv, message):
    path = _ledger(tmp_path, [["张伟", valid_id_number(), "户籍人口"]])
    with pytest.raises(SystemExit) as exited:
        main(["import", "residents", str(path), *argv])
    assert message in str(exited.value.code)
    assert not ImportJob.objects.exists() and not Resident.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_fails_what_a_dead_worker_left_running(capsys):
    from django.db import connections

    owner = make_user(Role.COMMUNITY_SECRETARY, community("东联"))

    def job(status, **extra):
        made = ImportJob(user=owner, kind="residents", file_name="a.csv", community=community("东联"),
                         status=status, **extra)
        made.file.save("a.csv", ContentFile(b"x"), save=False)
        made.save()
        return made

    validating, writing, queued = job("validating"), job("writing", dry_run=False), job("queued")
    terminal = ImportJob.objects.create(kind="residents", file_name="b.csv", status="writing")  # `banyan import`
    export = ExportJob.objects.create(user=owner, kind="residents", format="csv", status="running")
    main(["worker", "--batch"])
    connections.close_all()  # the worker's connections must not outlive the test database
    assert "已将3个因处理进程停止而中断的任务标记为失败" in capsys.readouterr().err
    for stuck in (validating, writing):
        stuck.refresh_from_db()
        assert (stuck.status, stuck.message) == ("failed", "导入中断（处理进程已停止），未写入任何数据，请重新提交")
        assert Event.objects.filter(action="import_failed", object_id=stuck.pk, note=stuck.message).exists()
    for left in (queued, terminal):
        status = left.status
        left.refresh_from_db()
        assert left.status == status
    export.refresh_from_db()
    assert export.status == "failed" and "导出中断" in export.message
    assert Event.objects.filter(action="export_failed", object_id=export.pk).exists()
