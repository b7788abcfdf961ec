"""The web pages, through the Django test client: login, the dashboard, lists, detail pages, forms, export,
reveal, breadcrumbs, the English catalog, and bounded queries on every list page."""

import csv
import datetime as dt
import io
from pathlib import Path

import polib
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from banyan.accounts.roles import Role
from banyan.cases.models import Category
from banyan.core.pii import pii_reveal
from banyan.core.registry import ENTRIES
from banyan.core.testing import (
    PASSWORD,
    BuildingFactory,
    CaseFactory,
    CooperativeFactory,
    DeliberationFactory,
    DwellingFactory,
    EnterpriseFactory,
    EstateFactory,
    GridFactory,
    HouseholdFactory,
    IndustrialParkFactory,
    PartyMemberFactory,
    PartyOrgFactory,
    ProjectFactory,
    PropertyCompanyFactory,
    RentalPropertyFactory,
    RentalRoomFactory,
    ResidentFactory,
    TenancyFactory,
    TransferRequestFactory,
    UnitFactory,
    community,
    make_user,
    nanhai,
    text,
    town,
    valid_id_number,
)
from banyan.events.models import Event
from banyan.people.models import Residency, Resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary(client):
    user = make_user(Role.COMMUNITY_SECRETARY, community("东联"), display_name="陈兆辉")
    client.force_login(user)
    return user


def resident_form(**values) -> dict:
    data = {"community": community("东联").pk, "name": "新居民", "sex": "1", "ethnicity": "01",
            "residency": Residency.REGISTERED, "political_status": "13"}
    return {**data, **values}


# Logging in and the home dashboard


def test_login_page_and_redirects(client):
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and 'name="username"' in text(page) and 'type="submit"' in text(page)
    assert client.get("/").url.startswith("/accounts/login/")
    assert client.get("/residents/").url.startswith("/accounts/login/")
    make_user(Role.COMMUNITY_STAFF, community("东联"), username="staff")
    response = client.post("/accounts/login/", {"username": "staff", "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get("/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_dashboard_shows_the_users_place_only(client, secretary):
    for _ in range(3):
        ResidentFactory(residency=Residency.MIGRANT)
    ResidentFactory(residency=Residency.REGISTERED)
    for _ in range(5):
        ResidentFactory(community=community("罗湖"))
    EnterpriseFactory(headcount=1200)
    response = client.get("/")
    figures = response.context["dashboard"]["figures"]
    assert (figures["residents"], figures["residents_migrant"], figures["enterprise_headcount"]) == (4, 3, 1200)
    body = text(response)
    assert "1,200" in body  # thousands separator
    assert 'id="dashboard-data"' in body and "echarts.min.js" in body
    assert "<script>" not in body.replace('<script id="dashboard-data" type="application/json">', "")
    assert response.context["dashboard"]["comparison"] is None


def test_town_officer_compares_the_communities_of_the_town(client):
    ResidentFactory(community=community("东联"))
    ResidentFactory(community=community("罗湖"))  # 狮山镇: not this officer's town
    client.force_login(make_user(Role.TOWN_OFFICER, town("丹灶镇")))
    response = client.get("/")
    rows = response.context["dashboard"]["comparison"]
    assert rows[0]["community"].name == "东联" and rows[0]["residents"] == 1
    assert {r["community"].town.name for r in rows} == {"丹灶镇"}
    idle = response.context["dashboard"]["idle"]  # the town's other communities: named, without a row of zeros
    assert idle and all(r["residents"] == 0 for r in idle)
    assert "罗湖" not in text(response)


def test_place_switcher_for_a_user_with_several_places(client):
    user = make_user(Role.COMMUNITY_STAFF, community("东联"))
    make_user(Role.COMMUNITY_STAFF, community("罗湖"))  # someone else
    from banyan.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=user, role=Role.COMMUNITY_STAFF, community=community("罗湖"))
    ResidentFactory(community=community("东联"))
    ResidentFactory(community=community("罗湖"))
    ResidentFactory(community=community("罗湖"))
    client.force_login(user)
    assert client.get("/").context["dashboard"]["figures"]["residents"] == 3
    luohu = client.get("/", {"place": f"community-{community('罗湖').pk}"})
    assert luohu.context["place"] == community("罗湖")
    assert luohu.context["dashboard"]["figures"]["residents"] == 2


def test_user_without_a_role_sees_a_note_and_no_registry(client):
    client.force_login(make_user())
    response = client.get("/")
    assert response.status_code == 200 and "尚未分配角色" in text(response)
    assert client.get("/residents/").status_code == 403


# Lists


def test_list_search_filter_and_scope(client, secretary):
    ResidentFactory(name="梁秀英", residency=Residency.MIGRANT)
    ResidentFactory(name="梁志强", residency=Residency.REGISTERED)
    ResidentFactory(name="何丽娟", residency=Residency.MIGRANT)
    ResidentFactory(name="梁外社区", community=community("罗湖"))
    body = text(client.get("/residents/"))
    assert "梁秀英" in body and "何丽娟" in body and "梁外社区" not in body
    found = client.get("/residents/", {"q": "梁"})
    assert found.context["page"].paginator.count == 2
    migrants = client.get("/residents/", {"q": "梁", "residency": Residency.MIGRANT})
    assert [r["cells"][0]["text"] for r in migrants.context["rows"]] == ["梁秀英"]
    partial = client.get("/residents/", {"q": "何"}, headers={"HX-Request": "true"})
    assert "<html" not in text(partial) and "何丽娟" in text(partial)


def test_list_finds_a_person_by_full_id_number_only(client, secretary):
    number = valid_id_number()
    ResidentFactory(name="持证人", id_number=number)
    assert client.get("/residents/", {"q": number}).context["page"].paginator.count == 1
    assert client.get("/residents/", {"q": number[:10]}).context["page"].paginator.count == 0


def test_list_filter_by_a_foreign_household_shows_nothing(client, secretary):
    foreign = HouseholdFactory(community=community("罗湖"))
    ResidentFactory(community=community("罗湖"), household=foreign)
    ResidentFactory()
    response = client.get("/residents/", {"household": foreign.pk})
    assert response.context["page"].paginator.count == 0


def test_list_pages_and_sorts(client, secretary):
    for i in range(55):
        ResidentFactory(name=f"居民{i:02d}", birth_date=dt.date(1950 + i, 1, 1))
    first = client.get("/residents/")
    assert len(first.context["rows"]) == 50 and first.context["page"].paginator.count == 55
    assert len(client.get("/residents/", {"page": 2}).context["rows"]) == 5
    oldest_last = client.get("/residents/", {"o": "-birth_date"})
    assert oldest_last.context["rows"][0]["cells"][0]["text"] == "居民54"


def test_role_that_may_not_list_a_kind_gets_403(client):
    client.force_login(make_user(Role.VOLUNTEER, community("东联")))
    assert client.get("/residents/").status_code == 403
    assert client.get("/buildings/").status_code == 200


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.slug)
def test_every_list_page_has_bounded_queries(client, entry):
    """The same number of queries for one row of each kind as for five: no query per row (N+1)."""
    client.force_login(make_user(Role.DISTRICT_ADMIN, nanhai()))
    kit()
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/{entry.slug}/").status_code == 200
    for _ in range(4):
        kit()
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/{entry.slug}/")
    assert len(response.context["rows"]) >= 5 or entry.slug in ("districts", "towns", "communities")
    assert len(few) == len(many) <= 16, [q["sql"][:120] for q in many.captured_queries]


def kit():
    """One row of every kind in a new grid of 东联."""
    grid = GridFactory()
    company = PropertyCompanyFactory()
    estate = EstateFactory(grid=grid, property_company=company)
    building = BuildingFactory(grid=grid, estate=estate)
    household = HouseholdFactory(grid=grid, dwelling=DwellingFactory(building=building))
    resident = ResidentFactory(grid=grid, household=household)
    TransferRequestFactory(resident=resident, to_grid=GridFactory(community=community("罗湖")))
    TenancyFactory(room=RentalRoomFactory(rental_property=RentalPropertyFactory(grid=grid)))
    EnterpriseFactory(grid=grid, park=IndustrialParkFactory(grid=grid))
    PartyMemberFactory(org=PartyOrgFactory(parent=PartyOrgFactory(level="committee")))
    CooperativeFactory()
    unit = UnitFactory(grid=grid, kind="grid")
    project = ProjectFactory(deliberation=DeliberationFactory(), unit=unit)
    CaseFactory(grid=grid, unit=unit, project=project, category=Category.objects.first())


# Personal numbers: masked everywhere, revealed once with a reason


def test_numbers_are_masked_on_list_detail_and_export(client, secretary):
    number, phone = valid_id_number(), "13912345678"
    resident = ResidentFactory(id_number=number, phone=phone)
    masked = number[:6] + "********" + number[-4:]
    for url in ("/residents/", f"/residents/{resident.pk}/", "/residents/export.csv", "/"):
        body = text(client.get(url))
        assert number not in body and phone not in body, url
    assert masked in text(client.get("/residents/")) and "139****5678" in text(client.get(f"/residents/{resident.pk}/"))


def test_export_csv(client, secretary):
    ResidentFactory(name="=HYPERLINK(\"http://x\")", phone="13912345678")
    ResidentFactory(name="@SUM(A1)")
    ResidentFactory(name="罗湖人", community=community("罗湖"))
    response = client.get("/residents/export.csv", {"q": ""})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["系统编号", "姓名", "身份证号", "人口类别"]  # the import template's columns
    names = sorted(r[1] for r in rows[1:])
    assert names == ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)"]
    assert "139****5678" in raw.decode("utf-8-sig") and "13912345678" not in raw.decode("utf-8-sig")
    audit = Event.objects.get(action="exported")
    assert (audit.user, audit.model, audit.data["rows"], audit.data["masked"]) == \
        (secretary, "people.resident", 2, True)


def test_export_xlsx(client, secretary):
    from openpyxl import load_workbook

    ResidentFactory(name="-1+2", phone="13912345678", residency=Residency.MIGRANT)
    ResidentFactory(name="户籍乙", residency=Residency.REGISTERED)
    ResidentFactory(name="罗湖人", community=community("罗湖"))
    response = client.get("/residents/export.xlsx", {"residency": Residency.MIGRANT})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][:4] == ("系统编号", "姓名", "身份证号", "人口类别")
    assert [r[1] for r in rows[1:]] == ["'-1+2"]
    assert "139****5678" in rows[1] and "13912345678" not in str(rows)
    assert Event.objects.get(action="exported").data["rows"] == 1


def test_export_keeps_the_lists_filters_and_needs_the_permission(client, secretary):
    ResidentFactory(name="流动甲", residency=Residency.MIGRANT)
    ResidentFactory(name="户籍乙", residency=Residency.REGISTERED)
    body = text(client.get("/residents/export.csv", {"residency": Residency.MIGRANT}))
    assert "流动甲" in body and "户籍乙" not in body
    client.force_login(make_user(Role.GRID_WORKER, GridFactory()))
    assert client.get("/residents/export.csv").status_code == 403
    assert Event.objects.filter(action="exported").count() == 1


def test_reveal_flow(client, secretary):
    number = valid_id_number()
    resident = ResidentFactory(id_number=number)
    url = f"/residents/{resident.pk}/reveal/"
    detail = text(client.get(f"/residents/{resident.pk}/"))
    assert "查看完整号码" in detail and number not in detail
    refused = client.post(url, {"field": "id_number", "reason": " "})
    assert refused.status_code == 200 and "须填写事由" in text(refused) and number not in text(refused)
    assert not Event.objects.filter(action__in=("revealed", "exported")).exists()
    shown = client.post(url, {"field": "id_number", "reason": "上门核对身份"}, headers={"HX-Request": "true"})
    assert number in text(shown) and "<html" not in text(shown)
    assert "no-store" in shown["Cache-Control"]
    audit = Event.objects.filter(action__in=("revealed", "exported")).get()
    assert (audit.user, audit.object_id, audit.data["field"]) == (secretary, resident.pk, "id_number")
    assert audit.note == "上门核对身份"
    full = client.post(url, {"field": "phone", "reason": "回访"})  # without htmx: the whole page, this once
    assert pii_reveal(resident, "phone") in text(full) and number not in text(full)
    assert number not in text(client.get(f"/residents/{resident.pk}/"))
    assert client.post(url, {"field": "name", "reason": "x"}).status_code == 400


def test_reveal_needs_the_permission_and_a_row_in_scope(client):
    resident = ResidentFactory()
    foreign = ResidentFactory(community=community("罗湖"))
    client.force_login(make_user(Role.COMMUNITY_STAFF, community("东联")))
    assert "查看完整号码" not in text(client.get(f"/residents/{resident.pk}/"))
    assert client.post(f"/residents/{resident.pk}/reveal/", {"field": "phone", "reason": "x"}).status_code == 404
    client.force_login(make_user(Role.COMMUNITY_SECRETARY, community("东联")))
    assert client.post(f"/residents/{foreign.pk}/reveal/", {"field": "phone", "reason": "x"}).status_code == 404
    assert not Event.objects.filter(action__in=("revealed", "exported")).exists()


# Forms


def test_create_resident(client, secretary):
    grid = GridFactory()
    number = valid_id_number()
    response = client.post("/residents/new/", resident_form(grid=grid.pk, id_number=number.lower(),
                                                            phone="+86 139-1234-5678", birth_date="1985-03-12"))
    resident = Resident.objects.get(name="新居民")
    assert response.status_code == 302 and response.url == f"/residents/{resident.pk}/"
    assert (resident.grid, resident.id_number_masked, resident.phone_masked) == (grid, number[:6] + "********"
                                                                                 + number[-4:], "139****5678")
    assert pii_reveal(resident, "id_number") == number


def test_create_resident_with_a_bad_id_number_writes_nothing(client, secretary):
    good = valid_id_number()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = client.post("/residents/new/", resident_form(id_number=bad))
    assert response.status_code == 200 and "校验位" in text(response)
    # What the user just typed comes back to them, once, in its own field to correct; never anywhere else.
    assert text(response).count(bad) == 1 and f'value="{bad}"' in text(response)
    assert not Resident.objects.exists()


def test_create_resident_born_in_the_future_writes_nothing(client, secretary):
    response = client.post("/residents/new/", resident_form(birth_date="2999-01-01"))
    assert response.status_code == 200 and "晚于今天" in text(response)
    assert not Resident.objects.exists()


def test_create_resident_in_a_foreign_community_is_refused(client, secretary):
    response = client.post("/residents/new/", resident_form(community=community("罗湖").pk))
    assert response.status_code == 200 and response.context["form"].errors
    assert not Resident.objects.exists()
    form_html = text(client.get("/residents/new/"))
    assert "罗湖" not in form_html and "东联" in form_html


def test_duplicate_id_number_is_a_form_error(client, secretary):
    number = valid_id_number()
    ResidentFactory(id_number=number, community=community("罗湖"))
    response = client.post("/residents/new/", resident_form(id_number=number))
    # Registered in another community: the person moves in by a transfer request (people/views.py).
    assert response.status_code == 200 and "该身份证号已在其他社区登记，请提交迁入申请。" in text(response)
    assert Resident.objects.count() == 1


def test_edit_keeps_personal_numbers_when_left_blank(client, secretary):
    number = valid_id_number()
    resident = ResidentFactory(id_number=number, phone="13912345678", name="旧名")
    form = text(client.get(f"/residents/{resident.pk}/edit/"))
    assert number not in form and "13912345678" not in form and "留空则保持原号码不变" in form
    response = client.post(f"/residents/{resident.pk}/edit/", resident_form(name="新名", id_number="", phone=""))
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.name == "新名" and pii_reveal(resident, "id_number") == number
    assert pii_reveal(resident, "phone") == "13912345678"


def test_grid_worker_creates_a_dwelling_placed_by_its_building(client):
    grid = GridFactory()
    building = BuildingFactory(grid=grid)
    client.force_login(make_user(Role.GRID_WORKER, grid))
    form = text(client.get("/dwellings/new/"))
    assert 'class="picker"' in form
    response = client.post("/dwellings/new/", {"building": building.pk, "number": "301"})
    assert response.status_code == 302
    dwelling = building.dwellings.get()
    assert (dwelling.community, dwelling.grid) == (community("东联"), grid)


def test_grid_worker_creates_a_resident_in_their_grid_without_a_community_field(client):
    grid = GridFactory()
    client.force_login(make_user(Role.GRID_WORKER, grid))
    assert 'name="community"' not in text(client.get("/residents/new/"))
    response = client.post("/residents/new/", resident_form(community="", grid=grid.pk))
    assert response.status_code == 302
    assert Resident.objects.get().community == community("东联")


def test_change_pages_need_the_permission(client):
    resident = ResidentFactory()
    client.force_login(make_user(Role.TOWN_OFFICER, town("丹灶镇")))
    for url in ("/residents/new/", f"/residents/{resident.pk}/edit/", f"/residents/{resident.pk}/delete/"):
        assert client.get(url).status_code == 403, url
        assert client.post(url, resident_form()).status_code == 403, url
    assert Resident.objects.count() == 1


def test_delete_and_protected_delete(client, secretary):
    # A resident is deleted only as the enterer's mistake (people/tests/test_status.py): entered here first.
    client.post("/residents/new/", resident_form(name="待删除"))
    resident = Resident.objects.get(name="待删除")
    assert "待删除" in text(client.get(f"/residents/{resident.pk}/delete/"))
    assert client.post(f"/residents/{resident.pk}/delete/").url == "/residents/"
    assert not Resident.objects.exists()
    building = BuildingFactory()
    DwellingFactory(building=building)
    response = client.post(f"/buildings/{building.pk}/delete/", follow=True)
    assert "不能删除" in text(response) and building.__class__.objects.filter(pk=building.pk).exists()


def test_picker_lists_only_rows_in_scope(client, secretary):
    HouseholdFactory(number="H-MINE-1")
    HouseholdFactory(number="H-AWAY-1", community=community("罗湖"))
    body = text(client.get("/households/pick/", {"q": "H-"}))
    assert "H-MINE-1" in body and "H-AWAY-1" not in body


# Detail and place pages, breadcrumbs


def test_foreign_or_missing_row_is_404(client, secretary):
    foreign = ResidentFactory(community=community("罗湖"))
    for url in (f"/residents/{foreign.pk}/", f"/residents/{foreign.pk}/edit/", f"/residents/{foreign.pk}/delete/",
                "/residents/999999/"):
        assert client.get(url).status_code == 404, url


def test_breadcrumbs_link_only_places_the_user_can_see(client, secretary):
    grid = GridFactory(name="东联第九网格")
    resident = ResidentFactory(grid=grid)
    crumbs = client.get(f"/residents/{resident.pk}/").context["crumbs"]
    assert [c["label"] for c in crumbs][:3] == ["南海区", "丹灶镇", "东联"]
    assert crumbs[0]["url"] is None and crumbs[1]["url"] is None
    assert crumbs[2]["url"] == f"/communities/{community('东联').pk}/"
    assert crumbs[-1] == {"label": "东联第九网格", "url": f"/grids/{grid.pk}/"}


def test_community_page_is_a_place_page(client, secretary):
    grid = GridFactory(name="东联第一网格")
    ResidentFactory(grid=grid)
    response = client.get(f"/communities/{community('东联').pk}/")
    body = text(response)
    assert response.context["dashboard"]["figures"]["residents"] == 1
    assert f"/grids/{grid.pk}/" in body
    assert f"/residents/?place=community-{community('东联').pk}" in body
    narrowed = client.get("/residents/", {"place": f"grid-{grid.parent_id}"})
    assert narrowed.context["page"].paginator.count == 1


# Language


@pytest.fixture
def english_catalog(tmp_path, settings):
    """The English catalog compiled from the committed .po, as scripts/compile-messages would."""
    po = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"
    target = tmp_path / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    polib.pofile(str(po)).save_as_mofile(str(target / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path]


def test_language_switch_to_english(client, secretary, english_catalog):
    ResidentFactory(sex="2", birth_date=dt.date(1985, 3, 12))
    chinese = text(client.get("/residents/"))
    assert "居民" in chinese and "1985年3月12日" in chinese and "退出登录" in chinese
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/residents/"})
    assert response.status_code == 302
    english = text(client.get("/residents/"))
    assert "Residents" in english and "Log out" in english and "Female" in english and "Date of birth" in english
    assert "退出登录" not in english
