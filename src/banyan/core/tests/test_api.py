"""The REST API: token login, me, summary, the generated registry endpoints (masking, validation, scoping, reveal),
query counts of every list, and the schema and docs served from our own origin."""

import itertools
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from banyan.accounts.roles import Role
from banyan.cases.models import Category
from banyan.core.api.serializers import SummarySerializer, error_detail
from banyan.core.pii import pii_reveal
from banyan.core.registry import BY_SLUG, ENTRIES
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
    town,
    valid_id_number,
    valid_phone,
)
from banyan.events.models import Event
from banyan.party.models import PartyOrg
from banyan.people.models import Residency, Resident
from banyan.places.models import Community, District, Dwelling, Grid, Town

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def donglian():
    return community("东联")


@pytest.fixture
def secretary(donglian):
    return make_user(Role.COMMUNITY_SECRETARY, donglian, display_name="东联书记")


# ---------------------------------------------------------------------------------------------------------------
# Token, me


def test_token_login_then_me_with_the_token(secretary, donglian):
    response = APIClient().post("/api/token/", {"username": secretary.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = client.get("/api/me/").json()
    assert me["username"] == secretary.username and me["display_name"] == "东联书记"
    assert me["roles"] == [{"role": "community_secretary", "role_display": "社区书记", "level": "community",
                            "place_id": donglian.pk, "place_name": "东联"}]
    session = APIClient()  # the pages' login works for the API too
    assert session.login(username=secretary.username, password=PASSWORD)
    assert session.get("/api/me/").json() == me


def test_bad_credentials_and_no_credentials_are_refused_in_chinese(secretary):
    response = APIClient().post("/api/token/", {"username": secretary.username, "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert "无法使用提供的认证信息登录" in text(response)
    response = APIClient().get("/api/residents/")
    assert response.status_code == 401
    assert "身份认证信息未提供" in text(response)


# ---------------------------------------------------------------------------------------------------------------
# Summary


@pytest.fixture
def two_grids(donglian):
    """Residents: two in grid one, one in grid two, one in 东联 without a grid, one in 罗湖."""
    one, two = GridFactory(community=donglian, name="测试一网格"), GridFactory(community=donglian, name="测试二网格")
    ResidentFactory.create_batch(2, grid=one, residency=Residency.MIGRANT)
    ResidentFactory(grid=two)
    ResidentFactory()
    ResidentFactory(community=community("罗湖"))
    return one, two


def test_summary_counts_what_each_user_can_see(secretary, two_grids):
    worker = make_user(Role.GRID_WORKER, two_grids[0])
    mine = api(secretary).get("/api/summary/").json()
    assert set(mine) == set(SummarySerializer().fields)
    assert (mine["place"], mine["residents"], mine["residents_migrant"], mine["grids"]) == (None, 4, 2, 3)
    theirs = api(worker).get("/api/summary/").json()
    assert (theirs["residents"], theirs["residents_migrant"], theirs["communities"]) == (2, 2, 0)


def test_summary_narrows_to_a_place_and_refuses_a_foreign_or_unknown_one(secretary, two_grids, donglian):
    client = api(secretary)
    grid = client.get("/api/summary/", {"place": "测试一网格"}).json()
    assert grid["place"] == {"id": two_grids[0].pk, "name": "测试一网格", "level": "grid"}
    assert grid["residents"] == 2
    assert client.get("/api/summary/", {"place": donglian.code}).json()["residents"] == 4
    assert client.get("/api/summary/", {"place": str(donglian.pk)}).json()["place"]["name"] == "东联"
    for place in ("罗湖", str(community("罗湖").pk), "没有这个地方"):
        response = client.get("/api/summary/", {"place": place})
        assert response.status_code == 404, place
        assert "未找到该地点" in text(response)


# ---------------------------------------------------------------------------------------------------------------
# Personal numbers: masked out, validated in, revealed with a reason


PII_ROWS = {
    "residents": ResidentFactory,
    "rental-properties": RentalPropertyFactory,
    "enterprises": EnterpriseFactory,
    "property-companies": PropertyCompanyFactory,
    "party-members": PartyMemberFactory,
    "cases": CaseFactory,  # the contact phone of who raised it
}


def test_every_entry_with_personal_numbers_is_covered():
    assert set(PII_ROWS) == {e.slug for e in ENTRIES if e.pii}


@pytest.mark.parametrize("slug", sorted(PII_ROWS))
def test_lists_and_details_show_masks_never_the_number_or_its_ciphertext(slug, secretary):
    entry = BY_SLUG[slug]
    numbers = {name: valid_id_number() if name.endswith("id_number") else valid_phone() for name in entry.pii}
    row = PII_ROWS[slug](**numbers)
    stored = type(row).objects.values(*(f"{n}_{part}" for n in entry.pii for part in ("enc", "hash"))).get(pk=row.pk)
    client = api(secretary)
    # The API shows an entry's columns and form fields, a number among them masked (a case has neither: its phone
    # is only revealed, never listed); never the number itself or what is stored for it.
    shown = set(entry.list_fields + entry.form_fields)
    for url in (f"/api/{slug}/", f"/api/{slug}/{row.pk}/"):
        response = client.get(url)
        assert response.status_code == 200
        body = text(response)
        for name, clear in numbers.items():
            assert clear not in body
            if name in shown:
                assert getattr(row, name) in body, (url, name)  # the mask
        for value in stored.values():
            assert value not in body
        assert "_enc" not in body and "_hash" not in body and "_masked" not in body


def test_a_resident_with_a_bad_check_digit_is_refused_and_nothing_written(secretary, donglian):
    good = valid_id_number()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = api(secretary).post("/api/residents/", {"community": donglian.pk, "name": "张三",
                                                       "residency": Residency.REGISTERED, "id_number": bad},
                                   format="json")
    assert response.status_code == 400
    assert "校验位" in response.json()["id_number"][0]
    assert not Resident.objects.exists()


def test_a_registered_id_number_is_refused_with_a_clear_message(secretary, donglian):
    taken = valid_id_number()
    ResidentFactory(community=community("罗湖"), id_number=taken)
    response = api(secretary).post("/api/residents/", {"community": donglian.pk, "name": "张三",
                                                       "residency": Residency.REGISTERED,
                                                       "id_number": taken.lower()}, format="json")
    assert response.status_code == 400
    # Registered in another community: the person moves in by a transfer request (people/api.py).
    assert response.json() == {"id_number": ["该身份证号已在其他社区登记，请提交迁入申请。"]}
    assert Resident.objects.count() == 1


def test_a_clash_found_by_the_model_is_keyed_by_the_number_never_by_its_columns():
    # The race the serializer's check cannot see: full_clean, or the database, finds the hash taken.
    error = ValidationError({"id_number_hash": ["具有 身份证号(检索摘要) 的 居民 已存在。"], "__all__": ["未保存。"]})
    assert error_detail(error) == {"id_number": ["具有 身份证号(检索摘要) 的 居民 已存在。"],
                                   "non_field_errors": ["未保存。"]}


def test_reveal_needs_the_permission_and_a_reason_and_is_audited(secretary, donglian):
    clear = valid_id_number()
    resident = ResidentFactory(id_number=clear)
    url = f"/api/residents/{resident.pk}/reveal/"
    response = api(secretary).post(url, {"field": "id_number", "reason": "核实身份"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"field": "id_number", "value": clear}
    assert response["Cache-Control"] == "no-store"
    audit = Event.objects.filter(action__in=("revealed", "exported")).get()
    assert (audit.user, audit.model, audit.object_id, audit.data["field"], audit.note) == \
           (secretary, "people.resident", resident.pk, "id_number", "核实身份")

    staff = make_user(Role.COMMUNITY_STAFF, donglian)
    refused = api(staff).post(url, {"field": "id_number", "reason": "核实身份"}, format="json")
    assert refused.status_code == 403 and "没有查看完整号码的权限" in text(refused)
    assert api(secretary).post(url, {"field": "id_number"}, format="json").status_code == 400
    assert api(secretary).post(url, {"field": "landlord_phone", "reason": "x"}, format="json").status_code == 400
    foreign = ResidentFactory(community=community("罗湖"))
    response = api(secretary).post(f"/api/residents/{foreign.pk}/reveal/", {"field": "id_number", "reason": "x"},
                                   format="json")
    assert response.status_code == 404
    assert clear not in text(refused) and Event.objects.filter(action__in=("revealed", "exported")).count() == 1


def test_only_entries_with_personal_numbers_have_reveal(secretary):
    household = HouseholdFactory()
    response = api(secretary).post(f"/api/households/{household.pk}/reveal/", {"field": "phone", "reason": "x"},
                                   format="json")
    assert response.status_code == 404


# ---------------------------------------------------------------------------------------------------------------
# Writes: placed where the user may write, derived places, round trips, scoping


def test_a_grid_worker_creates_a_resident_in_their_grid_and_it_lands_in_its_community(donglian):
    grid = GridFactory(community=donglian)
    worker = make_user(Role.GRID_WORKER, grid)
    clear = valid_id_number()
    response = api(worker).post("/api/residents/", {"grid": grid.pk, "name": "李四", "residency": "migrant",
                                                    "id_number": clear, "phone": "138 1234 5678"}, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["community"], data["community_name"], data["grid_name"]) == (donglian.pk, "东联", grid.name)
    assert (data["residency_display"], data["inflow_reason_display"]) == ("流动人口", "其他")
    assert (data["id_number"], data["phone"]) == (clear[:6] + "********" + clear[-4:], "138****5678")
    resident = Resident.objects.get()
    assert pii_reveal(resident, "id_number") == clear and pii_reveal(resident, "phone") == "13812345678"


def test_a_read_sent_back_unchanged_keeps_the_numbers(secretary):
    clear = valid_id_number()
    resident = ResidentFactory(id_number=clear, phone="13912345678")
    client = api(secretary)
    data = client.get(f"/api/residents/{resident.pk}/").json()
    data["name"] = "王五"
    response = client.put(f"/api/residents/{resident.pk}/", data, format="json")
    assert response.status_code == 200, response.json()
    assert client.patch(f"/api/residents/{resident.pk}/", {"current_address": "村前路1号"},
                        format="json").status_code == 200
    resident.refresh_from_db()
    assert (resident.name, resident.current_address) == ("王五", "村前路1号")
    assert (pii_reveal(resident, "id_number"), pii_reveal(resident, "phone")) == (clear, "13912345678")


def test_a_dwelling_is_where_its_building_is(donglian):
    grid = GridFactory(community=donglian)
    worker = make_user(Role.GRID_WORKER, grid)
    building = BuildingFactory(grid=grid)
    response = api(worker).post("/api/dwellings/", {"building": building.pk, "number": "101"}, format="json")
    assert response.status_code == 201, response.json()
    dwelling = Dwelling.objects.get()
    assert (dwelling.community_id, dwelling.grid_id) == (donglian.pk, grid.pk)


def test_a_record_placed_in_foreign_territory_is_refused_and_nothing_written(secretary, donglian):
    luohu = community("罗湖")
    luohu_grid, my_grid, other_grid = GridFactory(community=luohu), GridFactory(), GridFactory()
    attempts = [
        (secretary, {"community": luohu.pk}),
        (secretary, {"community": donglian.pk, "grid": luohu_grid.pk}),
        (make_user(Role.GRID_WORKER, my_grid), {"grid": other_grid.pk}),
        (make_user(Role.GRID_WORKER, my_grid), {"community": donglian.pk, "grid": other_grid.pk}),
    ]
    for user, place in attempts:
        response = api(user).post("/api/residents/", {**place, "name": "赵六", "residency": "registered"},
                                  format="json")
        assert response.status_code == 400, place
        assert "不存在" in text(response)
    assert not Resident.objects.exists()


def test_a_foreign_row_answers_404_to_every_method_and_stays_as_it_was(secretary):
    foreign = ResidentFactory(community=community("罗湖"), name="罗湖居民")
    client, url = api(secretary), f"/api/residents/{foreign.pk}/"
    for method, data in (("get", None), ("put", {"name": "改名", "residency": "registered"}),
                         ("patch", {"name": "改名"}), ("delete", None)):
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 404, method
        assert "未找到该记录" in text(response) and "罗湖居民" not in text(response)
    assert Resident.objects.get(pk=foreign.pk).name == "罗湖居民"
    assert api(secretary).get("/api/residents/", {"community": community("罗湖").pk}).status_code == 400


def test_kinds_a_role_may_not_view_or_change_answer_403(donglian):
    grid = GridFactory(community=donglian)
    volunteer, captain = make_user(Role.VOLUNTEER, donglian), make_user(Role.BUILDING_CAPTAIN, grid)
    response = api(volunteer).get("/api/residents/")
    assert response.status_code == 403 and "没有查看此类记录的权限" in text(response)
    household = HouseholdFactory(grid=grid)
    assert api(captain).get(f"/api/households/{household.pk}/").status_code == 200
    for method, url in (("post", "/api/households/"), ("patch", f"/api/households/{household.pk}/")):
        response = getattr(api(captain), method)(url, {"number": "H1"}, format="json")
        assert response.status_code == 403 and "没有修改此类记录的权限" in text(response)
    # The division tree: no role may change it (403); it has no write methods at all (a superuser: 405).
    admin, root = make_user(Role.DISTRICT_ADMIN, nanhai()), make_user(is_superuser=True)
    assert api(admin).post("/api/communities/", {"name": "新社区"}, format="json").status_code == 403
    assert api(admin).delete(f"/api/communities/{donglian.pk}/").status_code == 403
    assert api(root).delete(f"/api/communities/{donglian.pk}/").status_code == 405


def test_deleting_a_record_still_referenced_is_refused_in_chinese(secretary, donglian):
    grid = GridFactory(community=donglian)
    ResidentFactory(grid=grid)
    response = api(secretary).delete(f"/api/grids/{grid.pk}/")
    assert response.status_code == 400
    assert "不能删除" in text(response) and "居民" in text(response)
    assert Grid.objects.filter(pk=grid.pk).exists()


# ---------------------------------------------------------------------------------------------------------------
# Lists: search, filters, ordering, pages


def test_search_filters_ordering_and_page_size(secretary):
    clear = valid_id_number()
    ResidentFactory(name="陈大文", id_number=clear, residency=Residency.MIGRANT)
    ResidentFactory(name="陈小文")
    ResidentFactory(name="黄美玲")
    ResidentFactory(name="陈外人", community=community("罗湖"))
    client = api(secretary)

    def names(**params):
        return [r["name"] for r in client.get("/api/residents/", params).json()["results"]]

    assert sorted(names(search="陈")) == ["陈大文", "陈小文"]
    assert names(search=clear.lower()) == ["陈大文"]  # a whole number matches, by its keyed hash
    assert names(search=clear[:10]) == []  # never by part of one
    assert names(residency=Residency.MIGRANT) == ["陈大文"]
    assert names(ordering="-name") == ["黄美玲", "陈小文", "陈大文"]
    page = client.get("/api/residents/", {"page_size": 2, "ordering": "name"}).json()
    assert (page["count"], len(page["results"]), page["next"] is not None) == (3, 2, True)


def test_pages_hold_50_rows_and_at_most_200():
    admin, communities = api(make_user(Role.DISTRICT_ADMIN, nanhai())), "/api/communities/"
    assert admin.get(communities).json()["count"] > 200  # the district's real division tree
    assert len(admin.get(communities).json()["results"]) == 50
    assert len(admin.get(communities, {"page_size": 1000}).json()["results"]) == 200


# Rows with every related field filled, each with its own related records: a per-row query would show.
_codes = itertools.count(1)
BUILD = {
    "districts": lambda: District.objects.create(code=f"99{next(_codes):04d}", name="测试区"),
    "towns": lambda: Town.objects.create(district=nanhai(), code=f"99{next(_codes):07d}", name="测试镇",
                                         kind=Town.Kind.TOWN),
    "communities": lambda: Community.objects.create(town=town("丹灶镇"), code=f"99{next(_codes):010d}",
                                                    name="测试村", full_name="测试村委会"),
    "cooperatives": lambda: CooperativeFactory(),
    "grids": lambda: GridFactory(cooperative=CooperativeFactory()),
    "industrial-parks": lambda: IndustrialParkFactory(grid=GridFactory()),
    "estates": lambda: EstateFactory(grid=GridFactory(), property_company=PropertyCompanyFactory()),
    "buildings": lambda: BuildingFactory(grid=GridFactory(), estate=EstateFactory(), cooperative=CooperativeFactory()),
    "dwellings": lambda: DwellingFactory(building=BuildingFactory(grid=GridFactory(), estate=EstateFactory())),
    "households": lambda: HouseholdFactory(grid=GridFactory(), dwelling=DwellingFactory(
        building=BuildingFactory(estate=EstateFactory()))),
    "residents": lambda: ResidentFactory(grid=GridFactory(), household=HouseholdFactory(), dwelling=DwellingFactory(
        building=BuildingFactory(estate=EstateFactory()))),
    "rental-properties": lambda: RentalPropertyFactory(grid=GridFactory(), building=BuildingFactory(
        estate=EstateFactory())),
    "rental-rooms": lambda: RentalRoomFactory(rental_property=RentalPropertyFactory(grid=GridFactory())),
    "tenancies": lambda: TenancyFactory(room=RentalRoomFactory(rental_property=RentalPropertyFactory(
        grid=GridFactory()))),
    "enterprises": lambda: EnterpriseFactory(grid=GridFactory(), park=IndustrialParkFactory()),
    "property-companies": lambda: PropertyCompanyFactory(),
    "party-orgs": lambda: PartyOrgFactory(parent=PartyOrgFactory(level=PartyOrg.Level.GENERAL_BRANCH),
                                          cooperative=CooperativeFactory()),
    "party-members": lambda: PartyMemberFactory(grid=GridFactory()),
    "transfer-requests": lambda: TransferRequestFactory(to_grid=GridFactory(community=community("罗湖")),
                                                        to_household=HouseholdFactory(community=community("罗湖"))),
    "case-units": lambda: UnitFactory(grid=GridFactory()),
    "cases": lambda: CaseFactory(grid=GridFactory(), category=Category.objects.filter(children=None).first(),
                                 unit=UnitFactory(), building=BuildingFactory(estate=EstateFactory()),
                                 resident=ResidentFactory(), deliberation=DeliberationFactory(),
                                 project=ProjectFactory(), contact_phone=valid_phone()),
    "deliberations": lambda: DeliberationFactory(cooperative=CooperativeFactory()),
    "projects": lambda: ProjectFactory(deliberation=DeliberationFactory(), unit=UnitFactory()),
}
# Token and user, role assignments, count, page, and one query per related kind named but not joined.
LIST_QUERY_BOUND = 6


def test_every_entry_has_a_builder():
    assert set(BUILD) == set(BY_SLUG)


@pytest.mark.parametrize("slug", sorted(BY_SLUG))
def test_a_list_costs_the_same_queries_for_3_rows_and_for_30(slug, django_assert_max_num_queries):
    # The district admin sees every row built here; the district itself only a superuser sees beside others.
    viewer = make_user(is_superuser=True) if slug == "districts" else make_user(Role.DISTRICT_ADMIN, nanhai())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=viewer).key}")
    counts = []
    for rows in (3, 27):
        for _ in range(rows):
            BUILD[slug]()
        with django_assert_max_num_queries(LIST_QUERY_BOUND) as queries:
            response = client.get(f"/api/{slug}/", {"page_size": 200})
        assert response.status_code == 200
        assert response.json()["count"] >= rows
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# ---------------------------------------------------------------------------------------------------------------
# Schema and docs


def test_schema_is_valid_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    schema = (tmp_path / "schema.yml").read_text()
    for entry in ENTRIES:
        assert f"/api/{entry.slug}/{{id}}/:" in schema


def test_schema_and_docs_are_served_from_our_own_origin():
    schema = APIClient().get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200 and "/api/residents/{id}/reveal/" in schema.json()["paths"]
    page = APIClient().get("/api/docs/")
    html = text(page)
    assert page.status_code == 200 and "swagger-ui" in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith(("/static/", "/api/docs/?")) for u in urls), urls
    assert "http://" not in html and "https://" not in html
    assert "<script>" not in html  # the start-up script is a file too: our content security policy allows no inline
    script = text(APIClient().get("/api/docs/", {"script": ""}))
    assert '"validatorUrl": null' in script and "https://" not in script and "/api/schema/" in script


@pytest.mark.parametrize("backend", ["files", "redis"])
def test_password_guesses_are_limited_per_address(settings, tmp_path, backend):
    from django.core.cache import caches

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(tmp_path)}} if backend == "files" else \
        {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/15"}}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "3/minute"}}
    caches["default"].clear()
    secretary = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    guesses = [APIClient().post("/api/token/", {"username": secretary.username, "password": f"guess{i}"},
                                format="json").status_code for i in range(4)]
    assert guesses == [400, 400, 400, 429]
    right = APIClient().post("/api/token/", {"username": secretary.username, "password": PASSWORD}, format="json")
    assert right.status_code == 429 and "限" in right.json()["detail"]
    caches["default"].clear()
