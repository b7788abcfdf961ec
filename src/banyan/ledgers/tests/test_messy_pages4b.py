"""The two doors (the upload page and `banyan import` / `banyan export`) end to end, with messy but plausible
inputs, as a clerk meets them: what the page says (in Chinese), the job's status and counts, and what is stored.

Where the behaviour is debatable, the test says in its docstring what a careful clerk would expect and why."""

import csv
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from banyan.accounts.roles import Role
from banyan.cli import main
from banyan.core.pii import pii_reveal
from banyan.core.testing import (
    PASSWORD,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    community,
    make_user,
    text,
    valid_id_number,
)
from banyan.ledgers.models import HeaderMapping, ImportJob
from banyan.ledgers.reading import csv_text
from banyan.people.models import Household, Residency, Resident

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _immediate_worker_and_media(settings, tmp_path):
    settings.TASKS = IMMEDIATE
    settings.MEDIA_ROOT = tmp_path / "media"


def login(client, user):
    client.login(username=user.username, password=PASSWORD)
    return user


@pytest.fixture
def secretary(client):
    return login(client, make_user(Role.COMMUNITY_SECRETARY, community("东联")))


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def post(client, content: bytes, name: str, **fields):
    data = {"kind": "residents", "file": SimpleUploadedFile(name, content), **fields}
    return client.post("/imports/new/", data)


def post_rows(client, rows, name="居民台账.csv", **fields):
    response = post(client, csv_text(rows), name, **fields)
    assert response.status_code == 302, text(response)
    return ImportJob.objects.latest("pk")


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# The upload page: names and types ---------------------------------------------------------------------------


def test_a_file_named_only_xlsx_is_refused_on_the_form(client, secretary):
    """WeChat and some phones save an attachment as just `.xlsx`: the form says so and nothing is queued."""
    response = post(client, xlsx_bytes({"Sheet1": [["姓名", "身份证号", "人口类别"]]}), ".xlsx")
    body = text(response)
    assert response.status_code == 200 and "文件名只有扩展名" in body
    assert not ImportJob.objects.exists()


def test_a_250_character_chinese_name_is_kept_with_its_extension(client, secretary):
    name = ("东联社区二〇二六年第一季度流动人口出租屋综合管理台账（第三网格汇总版）" * 8)[:250] + ".xlsx"
    assert len(name) == 255
    content = xlsx_bytes({"花名册": [["姓名", "身份证号", "人口类别"], ["甘雨", valid_id_number(), "户籍人口"]]})
    response = post(client, content, name)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.file_name.endswith(".xlsx") and len(job.file_name) <= 200 and job.file_name.startswith("东联社区二〇")
    assert (job.status, job.created_rows) == ("validated", 1)  # read as an .xlsx, by its kept extension
    assert job.file_name in text(client.get(f"/imports/{job.pk}/"))


def test_an_old_xls_file_is_told_to_be_saved_as_xlsx(client, secretary):
    """Debatable: the form only takes .xlsx/.csv, so a .xls is refused there. A careful clerk expects the page to
    say what to do with the old format (另存为 .xlsx), as the reader's own .xls message does, not just that the
    type is wrong."""
    response = post(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "2025年居民台账.xls")
    body = text(response)
    assert response.status_code == 200 and not ImportJob.objects.exists()
    assert ".xlsx" in body
    assert "另存为" in body, "a .xls upload should be told to 另存为 .xlsx"


@pytest.mark.parametrize("name", ["居民台账.numbers", "居民台账.docx", "居民台账.XLSX.docx", "居民台账"])
def test_other_document_types_are_refused_on_the_form(client, secretary, name):
    response = post(client, b"PK\x03\x04 not a ledger", name)
    body = text(response)
    assert response.status_code == 200 and "请上传 .xlsx 或 .csv 文件" in body
    assert not ImportJob.objects.exists()


def test_an_empty_file_is_refused_on_the_form(client, secretary):
    response = post(client, b"", "居民台账.csv")
    body = text(response)
    assert response.status_code == 200 and not ImportJob.objects.exists()
    assert "空文件" in visible(body)  # Django's own: 提交的是空文件。


def test_a_header_only_csv_is_refused_with_a_message_not_left_validating(client, secretary):
    job = post_rows(client, [["姓名", "身份证号", "人口类别"]])
    assert job.status == "refused" and "没有数据行" in job.message
    page = visible(text(client.get(f"/imports/{job.pk}/")))
    assert "没有数据行" in page and "校验中" not in page


def test_a_utf16_csv_gets_a_message_naming_the_encodings(client, secretary):
    """Excel's 「Unicode 文本」 and some exports write UTF-16 (with its BOM). The job is refused — not read as
    mojibake — and the message tells the clerk which encodings to save as."""
    rows = [["姓名", "身份证号", "人口类别"], ["宁静", valid_id_number(), "户籍人口"]]
    content = "\r\n".join(",".join(r) for r in rows).encode("utf-16")
    response = post(client, content, "居民台账.csv")
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.status == "refused" and "UTF-8" in job.message and "编码" in job.message
    page = visible(text(client.get(f"/imports/{job.pk}/")))
    assert "UTF-8" in page and "文件被拒绝" in page and "校验中" not in page
    assert not Resident.objects.exists()


def test_a_utf16_tab_separated_txt_from_excel_gets_the_same_message(client, secretary):
    rows = [["姓名", "身份证号", "人口类别"], ["宁静", valid_id_number(), "户籍人口"]]
    content = "\r\n".join("\t".join(r) for r in rows).encode("utf-16")
    post(client, content, "居民台账.txt")
    job = ImportJob.objects.get()
    assert job.status == "refused" and "UTF-8" in job.message
    assert not Resident.objects.exists()


def _zip_bomb(path, megabytes: int = 300) -> None:
    """A real-looking XLSX whose sheet XML unpacks to `megabytes` MB of zeros (a few hundred KB on disk)."""
    good = zipfile.ZipFile(io.BytesIO(xlsx_bytes({"Sheet1": [["姓名", "身份证号", "人口类别"]]})))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in good.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info.filename, good.read(info.filename))
                continue
            with out.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(b'<?xml version="1.0"?><worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>')
                block = b"0" * (1 << 20)
                for _ in range(megabytes):
                    sheet.write(block)
                sheet.write(b"</t></is></c></row></sheetData></worksheet>")


def test_a_zip_bomb_xlsx_is_refused_clearly_and_never_stays_validating(client, secretary, tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    _zip_bomb(bomb)
    assert bomb.stat().st_size < 2 << 20
    response = post(client, bomb.read_bytes(), "居民台账.xlsx")
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.status == "refused" and "压缩比异常" in job.message, job.message
    page = visible(text(client.get(f"/imports/{job.pk}/")))
    assert "压缩比异常" in page and "校验中" not in page
    status = visible(text(client.get(f"/imports/{job.pk}/", HTTP_HX_REQUEST="true")))
    assert "校验中" not in status and "排队中" not in status
    assert not Resident.objects.exists()


# The upload page: sheets and whole-file options -------------------------------------------------------------


def _two_sheets(first_has_data: bool):
    a, b = valid_id_number(born="19800101"), valid_id_number(born="19810101")
    first = [["填表说明：本表由网格员每月更新"], ["请勿修改表头"]]
    if first_has_data:
        first = [["姓名", "身份证号", "人口类别"], ["旧表人", valid_id_number(born="19700101"), "户籍人口"]]
    return xlsx_bytes({"说明": first, "花名册": [["东联社区居民花名册"], ["姓名", "身份证号", "人口类别"],
                                                 ["周一", a, "户籍人口"], ["周二", b, "流动人口"]]})


def test_data_on_the_second_sheet_is_found_without_choosing_it(client, secretary):
    """README: the data sheet is the first visible one with a header — a notes sheet in front is skipped."""
    post(client, _two_sheets(first_has_data=False), "两个表.xlsx")
    job = ImportJob.objects.get()
    assert (job.status, job.created_rows, job.refused_rows) == ("validated", 2, 0), job.message


def test_data_on_the_second_sheet_when_the_first_also_has_a_ledger(client, secretary):
    """Without 工作表 the first ledger sheet is read and the page says the other was not; with 工作表 = 花名册 the
    second is read; a sheet name that is not there is refused naming the sheets that are."""
    post(client, _two_sheets(first_has_data=True), "两个表.xlsx")
    first = ImportJob.objects.get()
    assert (first.status, first.created_rows) == ("validated", 1)
    page = visible(text(client.get(f"/imports/{first.pk}/")))
    assert "花名册" in page and "未导入" in page

    post(client, _two_sheets(first_has_data=True), "两个表.xlsx", sheet="花名册")
    chosen = ImportJob.objects.latest("pk")
    assert (chosen.status, chosen.created_rows, chosen.options) == ("validated", 2, {"sheet": "花名册"})

    post(client, _two_sheets(first_has_data=True), "两个表.xlsx", sheet="Sheet2")
    wrong = ImportJob.objects.latest("pk")
    assert wrong.status == "refused" and "Sheet2" in wrong.message and "花名册" in wrong.message
    assert "说明" in visible(text(client.get(f"/imports/{wrong.pk}/")))


def _household_rows():
    return [["姓名", "身份证号", "人口类别", "户号", "户籍地址", "与户主关系"],
            ["陈大", valid_id_number(born="19600101"), "户籍人口", "DL-0901", "东联村前路9号", "户主"],
            ["陈二", valid_id_number(born="19900101"), "户籍人口", "DL-0901", "东联村前路9号", "子"]]


def test_households_unticked_a_new_household_number_is_refused_with_its_reason(client, secretary):
    job = post_rows(client, _household_rows())
    assert (job.status, job.created_rows, job.refused_rows) == ("validated", 0, 2)
    page = visible(text(client.get(f"/imports/{job.pk}/")))
    assert "DL-0901" in page and "按户号建户" in page  # the reason says the number is new and what to tick
    assert not Household.objects.exists()


def test_households_ticked_creates_the_household_and_its_members(client, secretary):
    job = post_rows(client, _household_rows(), households="on")
    assert (job.status, job.created_rows, job.refused_rows) == ("validated", 2, 0), job.message
    assert not Household.objects.exists()  # a preview writes nothing
    client.post(f"/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == "done"
    household = Household.objects.get(number="DL-0901")
    assert household.community == community("东联")
    assert sorted(household.members.values_list("name", flat=True)) == ["陈二", "陈大"]


def test_whole_file_residency_fills_a_file_without_the_column(client, secretary):
    rows = [["姓名", "身份证号"], ["林甲", valid_id_number()], ["林乙", valid_id_number()]]
    unset = post_rows(client, rows)
    assert unset.status == "refused" and "人口类别" in unset.message  # a required column: the page names it
    chosen = post_rows(client, rows, residency="流动人口")
    assert (chosen.status, chosen.created_rows) == ("validated", 2)
    client.post(f"/imports/{chosen.pk}/confirm/")
    assert set(Resident.objects.values_list("residency", flat=True)) == {Residency.MIGRANT}


def test_whole_file_residency_does_not_overwrite_a_column_the_file_has(client, secretary):
    """Debatable: the option is labelled for files *without* the column (README: "fills a column the file
    lacks"). A careful clerk who left it set from the last file expects each row's own 人口类别 to stand, not every
    row to become 流动人口."""
    rows = [["姓名", "身份证号", "人口类别"], ["何甲", valid_id_number(), "户籍人口"],
            ["何乙", valid_id_number(), "常住人口"]]
    job = post_rows(client, rows, residency="流动人口")
    assert job.status == "validated", job.message
    client.post(f"/imports/{job.pk}/confirm/")
    stored = dict(Resident.objects.values_list("name", "residency"))
    assert stored == {"何甲": Residency.REGISTERED, "何乙": Residency.PERMANENT}


# The preview page -------------------------------------------------------------------------------------------


def test_updates_are_shown_field_by_field_with_no_clear_number_anywhere(client, secretary):
    number, old_phone, new_phone = valid_id_number(born="19750505"), "13711112222", "13933334444"
    person = ResidentFactory(name="郭静", id_number=number, phone=old_phone, current_address="村前路1号")
    job = post_rows(client, [["姓名", "身份证号", "人口类别", "手机号", "现住址"],
                             ["郭静", number, "户籍人口", new_phone, "村后路2号"],
                             ["新人", valid_id_number(born="19990909"), "户籍人口", "13655556666", ""]])
    assert (job.status, job.created_rows, job.updated_rows) == ("validated", 1, 1)
    html = text(client.get(f"/imports/{job.pk}/"))
    page = visible(html)
    assert "将更新的字段" in page and "村前路1号" in page and "村后路2号" in page
    assert re.search(r"手机号\s*1", page) and re.search(r"现住址\s*1", page)
    for clear in (number, old_phone, new_phone, "13655556666"):
        assert clear not in html, clear
    assert "139****4444" in html or "137****2222" in html  # the phone change, masked
    person.refresh_from_db()
    assert pii_reveal(person, "phone") == old_phone  # a preview writes nothing


def test_unknown_columns_are_offered_and_the_matching_is_remembered_with_ignore(client, secretary):
    header = ["居民名", "证件编码", "人口类别", "微信号"]
    job = post_rows(client, [header, ["柳一", valid_id_number(born="19880808"), "户籍人口", "liu1"]])
    assert job.status == "refused"
    page = visible(text(client.get(f"/imports/{job.pk}/")))
    assert "未识别的列" in page and "居民名" in page and "证件编码" in page and "微信号" in page
    assert "忽略该列" in page
    client.post(f"/imports/{job.pk}/columns/", {"map:居民名": "name", "map:证件编码": "id_number", "map:微信号": ""})
    job.refresh_from_db()
    assert (job.status, job.created_rows) == ("validated", 1), job.message
    assert HeaderMapping.objects.get(user=secretary).mapping["居民名"] == "name"

    later = post_rows(client, [header, ["柳二", valid_id_number(born="19890909"), "户籍人口", "liu2"]],
                      name="下个月.csv")
    assert (later.status, later.created_rows) == ("validated", 1), later.message
    client.post(f"/imports/{later.pk}/confirm/")
    assert Resident.objects.get().name == "柳二"


def test_confirm_writes_and_the_uploader_undoes_a_colleague_cannot(client, secretary):
    """A 社区工作人员 of the same community is neither offered 撤销这次导入 nor allowed it by a direct POST; the
    page tells them why."""
    uploader = login(client, make_user(Role.COMMUNITY_STAFF, community("东联")))
    job = post_rows(client, [["姓名", "身份证号", "人口类别"], ["邓一", valid_id_number(), "户籍人口"],
                             ["邓二", valid_id_number(), "户籍人口"]])
    response = client.post(f"/imports/{job.pk}/confirm/", follow=True)
    job.refresh_from_db()
    assert (job.status, job.created_rows) == ("done", 2) and Resident.objects.count() == 2
    assert "已导入" in visible(text(response)) and "撤销这次导入" in text(response)

    login(client, make_user(Role.COMMUNITY_STAFF, community("东联")))
    assert "撤销这次导入" not in text(client.get(f"/imports/{job.pk}/"))
    refused = client.post(f"/imports/{job.pk}/undo/", follow=True)
    assert "只有导入人或该社区的书记可以撤销导入" in text(refused)
    assert Resident.objects.count() == 2

    login(client, uploader)
    done = client.post(f"/imports/{job.pk}/undo/", follow=True)
    assert "已撤销这次导入" in text(done) and not Resident.objects.exists()
    job.refresh_from_db()
    assert job.status == "undone"


def test_undo_is_refused_after_a_record_was_edited_on_its_page(client, secretary):
    job = post_rows(client, [["姓名", "身份证号", "人口类别"], ["彭一", valid_id_number(), "户籍人口"],
                             ["彭二", valid_id_number(), "户籍人口"]])
    client.post(f"/imports/{job.pk}/confirm/")
    edited = Resident.objects.get(name="彭一")
    response = client.post(f"/residents/{edited.pk}/edit/", {
        "community": community("东联").pk, "name": "彭一改", "sex": "1", "ethnicity": "01",
        "residency": Residency.REGISTERED, "political_status": "13"})
    assert response.status_code == 302, visible(text(response))[:2000]
    undo = client.post(f"/imports/{job.pk}/undo/", follow=True)
    assert "导入后已有1条记录被修改" in visible(text(undo))
    assert Resident.objects.count() == 2 and Resident.objects.filter(name="彭一改").exists()
    job.refresh_from_db()
    assert job.status == "done"


# Who uploads ------------------------------------------------------------------------------------------------


def test_a_grid_worker_uploads_without_community_or_grid_columns(client):
    grid = GridFactory(name="第七网格")
    login(client, make_user(Role.GRID_WORKER, grid))
    job = post_rows(client, [["姓名", "身份证号", "人口类别"], ["网格甲", valid_id_number(), "流动人口"]])
    assert (job.status, job.created_rows, job.refused_rows) == ("validated", 1, 0), job.message
    client.post(f"/imports/{job.pk}/confirm/")
    person = Resident.objects.get()
    assert (person.community, person.grid) == (community("东联"), grid)


def test_a_dong_lian_secretary_cannot_write_rows_saying_luo_hu(client, secretary):
    rows = [["姓名", "身份证号", "人口类别", "社区"], ["外社甲", valid_id_number(), "户籍人口", "罗湖"],
            ["本社乙", valid_id_number(), "户籍人口", "东联"]]
    job = post_rows(client, rows)
    assert (job.status, job.created_rows, job.refused_rows) == ("validated", 1, 1)
    page = visible(text(client.get(f"/imports/{job.pk}/")))
    assert "罗湖" in page
    client.post(f"/imports/{job.pk}/confirm/")
    assert list(Resident.objects.values_list("name", "community__name")) == [("本社乙", "东联")]


def test_a_user_with_two_roles_at_two_places(client):
    """No 社区 column and no community chosen: a careful clerk expects to be asked which community (the form
    says 文件没有“社区”列时必选), never a silent pick: either the form asks, or each row is refused saying
    so (what it does: 缺少社区…, nothing written). With a 社区 column, each row goes to its own community."""
    user = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    from banyan.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=user, role=Role.COMMUNITY_STAFF, community=community("罗湖"))
    login(client, user)
    response = post(client, csv_text([["姓名", "身份证号", "人口类别"], ["两地甲", valid_id_number(), "户籍人口"]]),
                    "无社区.csv")
    job = ImportJob.objects.latest("pk") if ImportJob.objects.exists() else None
    if job is None:
        assert response.status_code == 200 and "社区" in visible(text(response))
    else:
        # Every row refused, each saying what to do: acceptable, as nothing is written and the reason is plain.
        assert (job.community, job.created_rows, job.refused_rows) == (None, 0, 1)
        assert "缺少社区：请填写“社区”列，或在导入时选择社区" in visible(text(client.get(f"/imports/{job.pk}/")))
    assert not Resident.objects.exists()

    job = post_rows(client, [["姓名", "身份证号", "人口类别", "社区"],
                             ["两地乙", valid_id_number(), "户籍人口", "东联"],
                             ["两地丙", valid_id_number(), "户籍人口", "罗湖"]], name="有社区.csv")
    assert (job.status, job.created_rows, job.refused_rows) == ("validated", 2, 0), job.message
    client.post(f"/imports/{job.pk}/confirm/")
    assert dict(Resident.objects.values_list("name", "community__name")) == {"两地乙": "东联", "两地丙": "罗湖"}


# The terminal ------------------------------------------------------------------------------------------------


def run(*argv: str):
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    return exited.value.code


def write_csv(path, rows):
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


@pytest.fixture
def clerk():
    return make_user(Role.COMMUNITY_SECRETARY, community("东联"))


def test_cli_dry_run_then_for_real(tmp_path, clerk, capsys):
    path = write_csv(tmp_path / "居民.csv", [["姓名", "身份证号", "人口类别"], ["命一", valid_id_number(), "户籍人口"],
                                           ["命二", valid_id_number(), "流动人口"], ["命三", "123", "户籍人口"]])
    assert run("import", "residents", str(path), "--user", clerk.username, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "created=2" in out and "refused=1" in out and "written=no" in out
    assert not Resident.objects.exists()
    assert run("import", "residents", str(path), "--user", clerk.username) == 0
    out = capsys.readouterr().out
    assert "created=2" in out and "written=yes" in out and "错误行文件" in out
    assert Resident.objects.count() == 2
    assert list(ImportJob.objects.order_by("pk").values_list("status", "dry_run")) == \
        [("validated", True), ("done", False)]


def test_cli_set_fills_a_missing_column_and_an_unknown_one_is_a_clear_error(tmp_path, clerk, capsys):
    path = write_csv(tmp_path / "居民.csv", [["姓名", "身份证号"], ["设一", valid_id_number()]])
    assert run("import", "residents", str(path), "--user", clerk.username, "--set", "人口类别=户籍人口") == 0
    assert Resident.objects.get().residency == Residency.REGISTERED
    code = run("import", "residents", str(path), "--user", clerk.username, "--set", "不存在=1")
    assert code not in (0, None) and "没有“不存在”列" in str(code) and "人口类别" in str(code)
    assert ImportJob.objects.count() == 1


def test_cli_households_and_sheet(tmp_path, clerk, capsys):
    book = tmp_path / "台账.xlsx"
    book.write_bytes(xlsx_bytes({"说明": [["姓名", "身份证号", "人口类别"], ["说明人", valid_id_number(), "户籍人口"]],
                                 "户籍": _household_rows()}))
    assert run("import", "residents", str(book), "--user", clerk.username, "--sheet", "户籍") == 0
    assert "created=0" in capsys.readouterr().out and not Household.objects.exists()  # the 户号 is new
    assert run("import", "residents", str(book), "--user", clerk.username, "--sheet", "户籍", "--households") == 0
    assert "created=2" in capsys.readouterr().out
    assert Household.objects.get().members.count() == 2
    assert not Resident.objects.filter(name="说明人").exists()
    code = run("import", "residents", str(book), "--user", clerk.username, "--sheet", "花名册")
    out = capsys.readouterr().out
    assert code == 1 and "没有名为“花名册”的工作表" in out and "户籍" in out


def test_cli_exit_codes_for_a_missing_file_and_an_unknown_user(tmp_path, clerk, capsys):
    assert run("import", "residents", str(tmp_path / "没有.csv"), "--user", clerk.username) == 2
    assert "找不到文件" in capsys.readouterr().err
    path = write_csv(tmp_path / "居民.csv", [["姓名", "身份证号", "人口类别"], ["甲", valid_id_number(), "户籍人口"]])
    code = run("import", "residents", str(path), "--user", "nobody")
    assert "找不到用户“nobody”" in str(code) and not Resident.objects.exists()


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_cli_export_then_reimport_changes_nothing(tmp_path, clerk, capsys, suffix):
    household = HouseholdFactory(number="0012", address="东联村前路12号")
    grid = GridFactory(name="第三网格")
    ResidentFactory(name="出一", household=household, grid=grid, current_address="村前路12号")
    ResidentFactory(name="出二", residency=Residency.MIGRANT, phone="13800009999")
    ResidentFactory(name="罗湖人", community=community("罗湖"))
    out = tmp_path / f"out.{suffix}"
    assert run("export", "residents", str(out), "--user", clerk.username) == 0
    assert "已导出2行居民" in capsys.readouterr().out
    assert run("import", "residents", str(out), "--user", clerk.username) == 0
    printed = capsys.readouterr().out
    assert "created=0" in printed and "updated=0" in printed and "unchanged=2" in printed and "refused=0" in printed
    assert Resident.objects.count() == 3


# More messy uploads ------------------------------------------------------------------------------------------


def test_a_csv_renamed_to_xlsx_is_refused_as_not_excel_not_failed(client, secretary):
    """A clerk renamed 居民.csv to 居民.xlsx to get past the form: a clear refusal, never 失败 with a traceback."""
    post(client, csv_text([["姓名", "身份证号", "人口类别"], ["改名", valid_id_number(), "户籍人口"]]), "居民.xlsx")
    job = ImportJob.objects.get()
    assert job.status == "refused" and "Excel" in job.message, (job.status, job.message)
    assert "Traceback" not in job.message and not Resident.objects.exists()


def test_an_xlsx_renamed_to_csv_is_refused_and_not_read_as_text(client, secretary):
    """The other way round: the bytes are a zip. Debatable which words; a careful clerk expects a refusal that
    does not import garbage rows and points at the format (Excel / .xlsx) or at least the encoding."""
    content = xlsx_bytes({"Sheet1": [["姓名", "身份证号", "人口类别"], ["改名", valid_id_number(), "户籍人口"]]})
    post(client, content, "居民.csv")
    job = ImportJob.objects.get()
    assert job.status == "refused", (job.status, job.message, job.created_rows)
    assert any(word in job.message for word in ("xlsx", "Excel", "编码")), job.message
    assert not Resident.objects.exists()


def test_sending_the_same_file_again_after_confirming_changes_nothing(client, secretary):
    rows = [["姓名", "身份证号", "人口类别", "手机号"], ["重一", valid_id_number(), "户籍人口", "13800002345"],
            ["重二", valid_id_number(), "流动人口", "无"]]
    first = post_rows(client, rows)
    client.post(f"/imports/{first.pk}/confirm/")
    again = post_rows(client, rows, name="居民台账(1).csv")
    assert (again.status, again.created_rows, again.updated_rows, again.unchanged_rows) == ("validated", 0, 0, 2)
    page = visible(text(client.get(f"/imports/{again.pk}/")))
    assert "确认导入 0" not in page
    response = client.post(f"/imports/{again.pk}/confirm/")
    again.refresh_from_db()
    assert again.status == "validated" and response.status_code in (302, 403)
    assert Resident.objects.count() == 2


def test_a_sheet_name_given_for_a_csv_is_ignored(client, secretary):
    job = post_rows(client, [["姓名", "身份证号", "人口类别"], ["表名", valid_id_number(), "户籍人口"]], sheet="花名册")
    assert (job.status, job.created_rows) == ("validated", 1), job.message


def test_a_long_named_file_with_a_refused_row_still_gives_its_refused_rows_file(client, secretary):
    name = "东联社区流动人口登记台账" * 25 + ".csv"  # 300 characters
    job = post_rows(client, [["姓名", "身份证号", "人口类别"], ["长名", "440605198503120011", "户籍人口"]], name=name)
    assert (job.status, job.refused_rows) == ("validated", 1), job.message
    response = client.get(f"/imports/{job.pk}/refused.xlsx")
    assert response.status_code == 200
    assert ".xlsx" in response["Content-Disposition"]


def test_the_cli_export_uploaded_on_the_page_changes_nothing(client, secretary, tmp_path, capsys):
    """What Banyan exports, Banyan imports — from the other door too: masked numbers mean "unchanged"."""
    ResidentFactory(name="页一", phone="13800007777", current_address="村前路7号")
    ResidentFactory(name="页二", residency=Residency.MIGRANT)
    out = tmp_path / "导出.xlsx"
    assert run("export", "residents", str(out), "--user", secretary.username) == 0
    post(client, out.read_bytes(), "导出.xlsx")
    job = ImportJob.objects.get()
    assert (job.status, job.created_rows, job.updated_rows, job.unchanged_rows, job.refused_rows) == \
        ("validated", 0, 0, 2, 0), job.message
