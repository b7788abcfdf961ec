"""What users saw and minded: English debug pages for errors, forms that lost what was typed, internal ids on
pages. Error pages are Chinese (in debug too) and say what happened; a form sent back with an error keeps every
value the user typed, their own personal numbers included; pickers and pages show names, never database ids."""

import logging
import re
from html.parser import HTMLParser

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory
from django.urls import include, path
from django.utils.functional import SimpleLazyObject

from banyan.accounts.roles import Role
from banyan.core import middleware
from banyan.core.testing import (
    BuildingFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    community,
    make_user,
    town,
    valid_id_number,
)
from banyan.people.models import Residency, Resident
from banyan.places.models import Grid

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("440605198503121234 went wrong")  # a clear number in an exception: never on the page


# The project's URLs and one that fails, for the 500 tests (ROOT_URLCONF points here).
urlpatterns = [path("boom/", boom), path("api/boom/", boom), path("", include("banyan.urls"))]
handler500 = "banyan.core.middleware.server_error"


@pytest.fixture
def secretary(client):
    user = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    client.force_login(user)
    return user


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def debug(request, settings):
    """Every error page is tested as the demo runs it (DEBUG on) and as production does."""
    settings.DEBUG = request.param
    return request.param


def text(response) -> str:
    return response.content.decode()


class _Text(HTMLParser):
    """The text a person reads on a page: text nodes only, no markup, no attribute values."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def input_value(html: str, name: str) -> str | None:
    """The value attribute of the input named `name` (None when it has none)."""
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    assert tag, f"no input named {name}"
    value = re.search(r'\bvalue="([^"]*)"', tag[0])
    return value[1] if value else None


def resident_form(**values) -> dict:
    data = {"community": community("东联").pk, "name": "新居民", "sex": "1", "ethnicity": "01",
            "residency": Residency.REGISTERED, "political_status": "13"}
    return {**data, **values}


# 404: Chinese, in debug too, the same for a missing record and one outside the user's places


def test_a_foreign_record_answers_our_404_in_debug_too(client, secretary, debug):
    foreign = ResidentFactory(community=community("罗湖"), name="罗湖的人")
    for url in (f"/residents/{foreign.pk}/", f"/residents/{foreign.pk}/edit/", "/residents/99999999/"):
        response = client.get(url, headers={"Referer": "http://testserver/residents/"})
        body = text(response)
        assert response.status_code == 404, url
        assert "不在您的管辖范围内" in body and "URLconf" not in body and "Page not found" not in body, url
        assert "罗湖的人" not in body
        assert 'href="/"' in body and "返回首页" in body
        assert 'href="http://testserver/residents/"' in body and "返回上一页" in body  # back to where they were
        assert 'href="/residents/"' in body and "返回居民列表" in body
        assert 'class="nav"' in body  # the user's own menu: the page sits in the application


def test_an_address_no_url_matches_answers_our_404_in_debug_too(client, secretary, debug):
    response = client.get("/no-such-page/")
    body = text(response)
    assert response.status_code == 404
    assert "您访问的页面不存在" in body and "返回首页" in body
    assert "URLconf" not in body and "urlpatterns" not in body and "accounts/login/" not in body


def test_a_missing_slash_still_redirects(client, secretary, debug):
    assert client.get("/residents").status_code == 301


def test_the_api_keeps_json_errors(client, secretary, debug):
    foreign = ResidentFactory(community=community("罗湖"))
    for url in (f"/api/residents/{foreign.pk}/", "/api/no-such-kind/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"].startswith("application/json"), url
        assert "<html" not in text(response)


def test_a_nul_byte_in_an_address_is_a_400_on_every_list_and_the_api(client, secretary, debug):
    # PostgreSQL refuses NUL in a query: without the check, every search and filter with one was a 500 there.
    for url in ("/residents/?q=%00", "/households/?grid=1%00", "/api/residents/?search=a%00b", "/cases/?q=%00",
                "/residents/export.csv?q=%00"):
        response = client.get(url)
        assert response.status_code == 400, url
    assert client.get("/api/residents/?search=%00")["Content-Type"].startswith("application/json")


# 403: which permission is missing


def test_403_says_which_permission_is_missing(client, debug):
    resident = ResidentFactory()
    client.force_login(make_user(Role.TOWN_OFFICER, town("丹灶镇")))
    for url in ("/residents/new/", f"/residents/{resident.pk}/edit/", f"/residents/{resident.pk}/delete/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "您没有修改“居民”的权限。" in text(response) and "没有权限" in text(response), url
    client.force_login(make_user(Role.VOLUNTEER, community("东联")))
    response = client.get("/residents/")
    assert response.status_code == 403 and "您没有查看“居民”的权限。" in text(response)
    assert "返回首页" in text(response) and "此操作" not in text(response)


def test_403_for_a_read_only_kind_says_so(client, debug):
    client.force_login(make_user(Role.COMMUNITY_SECRETARY, community("东联")))
    response = client.get("/communities/new/")
    assert response.status_code == 403 and "“社区”不能在页面上新增或修改。" in text(response)


def test_403_in_the_api_stays_json(client, debug):
    client.force_login(make_user(Role.VOLUNTEER, community("东联")))
    response = client.get("/api/residents/")
    assert response.status_code == 403 and response["Content-Type"].startswith("application/json")


# 500: a static Chinese page with a reference that is logged with the traceback


@pytest.fixture
def failing(settings):
    settings.ROOT_URLCONF = __name__
    return Client(raise_request_exception=False)


def test_500_is_a_chinese_page_with_a_reference_that_is_logged(failing, caplog, debug):
    failing.force_login(make_user(Role.COMMUNITY_SECRETARY, community("东联")))
    with caplog.at_level(logging.ERROR, logger="banyan.errors"):
        response = failing.get("/boom/")
    body = text(response)
    assert response.status_code == 500 and "服务器出错" in body and "错误编号" in body
    reference = re.search(r"<strong>([2-9A-Z]{4}-[2-9A-Z]{4})</strong>", body)[1]
    assert "440605198503121234" not in body and "Traceback" not in body and "RuntimeError" not in body
    logged = [r for r in caplog.records if r.name == "banyan.errors" and reference in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info and logged[0].exc_info[0] is RuntimeError


def test_500_in_the_api_is_json_with_its_reference(failing, caplog, debug):
    failing.force_login(make_user(Role.COMMUNITY_SECRETARY, community("东联")))
    with caplog.at_level(logging.ERROR, logger="banyan.errors"):
        response = failing.get("/api/boom/")
    assert response.status_code == 500 and response["Content-Type"].startswith("application/json")
    reference = response.json()["reference"]
    assert any(reference in r.getMessage() and r.exc_info for r in caplog.records if r.name == "banyan.errors")


def test_the_test_client_still_raises_what_a_view_raises(settings):
    """The middleware answers the user, and still tells those listening for failed requests (the test client,
    error reporting): tests see the real exception, not a page."""
    settings.ROOT_URLCONF = __name__
    with pytest.raises(RuntimeError):
        Client().get("/boom/")


def test_500_page_needs_no_database(django_assert_num_queries):
    """Rendered when the database is down: the user and session are never touched, no query runs."""
    def database_down():
        raise OperationalError("could not connect to server")

    request = RequestFactory().get("/residents/")
    request.user = SimpleLazyObject(database_down)
    request.session = SimpleLazyObject(database_down)
    with django_assert_num_queries(0):
        response = middleware.server_error(request)
    body = text(response)
    assert response.status_code == 500 and "服务器出错" in body
    assert re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}", body)
    assert 'href="/"' in body and "app.css" in body  # the site's look, a way home


def test_references_are_short_and_distinct():
    references = {middleware.new_reference() for _i in range(200)}
    assert len(references) == 200 and all(re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", r) for r in references)


# A form sent back with an error keeps what the user typed


def test_a_form_with_one_wrong_field_keeps_everything_typed(client, secretary):
    household = HouseholdFactory(number="H-东联-8", address="东联大街8号")
    stored = valid_id_number(born="19700101")
    ResidentFactory(id_number=stored, phone="13800001111")  # a stored number, never to be echoed
    good = valid_id_number()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = client.post("/residents/new/", resident_form(
        id_number=bad, phone="13912345678", birth_date="1985-03-12", sex="2", residency=Residency.MIGRANT,
        household=household.pk, current_address="东联大街8号301", arrived_on="2020-05-01"))
    body = text(response)
    assert response.status_code == 200 and "校验位" in body
    assert not Resident.objects.filter(name="新居民").exists()
    # The numbers the user just typed, exactly as typed; nothing stored comes back.
    assert input_value(body, "id_number") == bad and input_value(body, "phone") == "13912345678"
    assert stored not in body and "13800001111" not in body
    # Every other kind of field keeps its value: text, dates, choices, pickers.
    assert input_value(body, "name") == "新居民" and input_value(body, "current_address") == "东联大街8号301"
    assert input_value(body, "birth_date") == "1985-03-12" and input_value(body, "arrived_on") == "2020-05-01"
    assert re.search(r'<option value="2" selected>', body)  # sex
    assert re.search(rf'<option value="{Residency.MIGRANT}" selected>', body)
    assert input_value(body, "household") == str(household.pk)
    assert "H-东联-8" in visible_text(body)


def test_a_form_error_elsewhere_keeps_a_valid_number_and_blank_stays_blank(client, secretary):
    number = valid_id_number()
    resident = ResidentFactory(id_number=number, phone="13800001111", name="旧名")
    response = client.post(f"/residents/{resident.pk}/edit/", resident_form(
        name="", id_number="", phone="13912345678", birth_date="2999-01-01"))
    body = text(response)
    assert response.status_code == 200 and "晚于今天" in body
    assert input_value(body, "phone") == "13912345678"
    assert not input_value(body, "id_number") and number not in body and "13800001111" not in body
    assert input_value(body, "birth_date") == "2999-01-01"
    assert "留空则保持原号码不变" in body


def test_an_unbound_form_never_prefills_a_number(client, secretary):
    number = valid_id_number()
    resident = ResidentFactory(id_number=number, phone="13800001111")
    edit = text(client.get(f"/residents/{resident.pk}/edit/"))
    assert number not in edit and "13800001111" not in edit
    assert not input_value(edit, "id_number") and not input_value(edit, "phone")
    # Not from the address either: only a form the user posted shows a number.
    new = text(client.get("/residents/new/", {"id_number": number, "phone": "13800001111"}))
    assert not input_value(new, "id_number") and not input_value(new, "phone")


# Pickers and pages show names, never database ids


def test_the_picker_shows_the_chosen_rows_name_not_its_id(client, secretary):
    for i in range(5):
        HouseholdFactory(number=f"H-其他-{i}")
    household = HouseholdFactory(number="H-东联-8", address="东联大街8号")
    body = text(client.get("/residents/new/", {"household": household.pk}))
    shown = visible_text(body)
    assert "H-东联-8" in shown and "家庭户" in shown  # its name and a short detail
    assert input_value(body, "household") == str(household.pk)
    assert re.search(rf'<input type="hidden" name="household" value="{household.pk}"', body)
    assert 'type="number"' not in body and "编号" not in shown
    assert not re.search(rf"(?<![\d-]){household.pk}(?!\d)", shown)
    assert 'class="picker-clear"' in body and 'data-pick=""' in body  # a clear button: a choice of nothing
    assert 'for="id_household_q"' in body and 'id="id_household_q"' in body  # its label names the search box


def test_a_foreign_row_is_never_the_pickers_choice(client, secretary):
    foreign = HouseholdFactory(number="H-罗湖-1", community=community("罗湖"))
    body = text(client.get("/residents/new/", {"household": foreign.pk}))
    assert "H-罗湖-1" not in body and input_value(body, "household") == ""
    assert "未选择" in visible_text(body)
    response = client.post("/residents/new/", resident_form(household=foreign.pk))
    assert response.status_code == 200 and response.context["form"].errors["household"]
    assert "H-罗湖-1" not in text(response) and input_value(text(response), "household") == ""
    assert not Resident.objects.exists()


def test_pick_results_show_names_and_details_not_ids(client, secretary):
    households = [HouseholdFactory(number=f"H-MINE-{i}", address=f"东联路{i}号") for i in range(3)]
    HouseholdFactory(number="H-AWAY-1", community=community("罗湖"))
    body = text(client.get("/households/pick/", {"q": "H-"}, headers={"HX-Request": "true"}))
    shown = visible_text(body)
    assert "<html" not in body and "H-AWAY-1" not in body
    for household in households:
        assert household.number in shown and f'data-pick="{household.pk}"' in body
        assert f"#{household.pk}" not in body
    assert "#" not in shown and "家庭户" in shown


def test_the_list_filter_shows_the_chosen_rows_name(client, secretary):
    household = HouseholdFactory(number="H-东联-8")
    ResidentFactory(household=household)
    response = client.get("/residents/", {"household": household.pk})
    body = text(response)
    assert response.context["page"].paginator.count == 1
    assert "H-东联-8" in visible_text(body) and input_value(body, "household") == str(household.pk)
    assert 'type="number"' not in body and "编号" not in visible_text(body)


def test_the_picker_works_without_script(client, secretary):
    """A link (in <noscript>) opens the pick page as a page of its own; each row found links back to the form
    with that row chosen, and the form shows it chosen."""
    household = HouseholdFactory(number="H-东联-8")
    HouseholdFactory(number="H-AWAY-1", community=community("罗湖"))
    form = text(client.get("/residents/new/"))
    assert '<noscript><a class="picker-page" href="/households/pick/?field=household">' in form
    page = client.get("/households/pick/", {"field": "household", "q": "H-"},
                      headers={"Referer": "http://testserver/residents/new/?grid=3"})
    body = text(page)
    assert page.status_code == 200 and "<html" in body and "搜索并选择" in body
    assert "H-AWAY-1" not in body
    back = f"/residents/new/?grid=3&amp;household={household.pk}"
    assert f'href="{back}"' in body
    assert 'name="next" value="/residents/new/?grid=3"' in body  # a new search keeps the way back
    assert 'href="/residents/new/?grid=3&amp;household="' in body  # choose nothing
    chosen = text(client.get("/residents/new/", {"household": household.pk}))
    assert input_value(chosen, "household") == str(household.pk) and "H-东联-8" in visible_text(chosen)


def test_the_pick_page_links_back_only_to_this_site(client, secretary):
    HouseholdFactory(number="H-东联-8")
    for target in ("https://evil.example/residents/new/", "//evil.example/x", "javascript:alert(1)"):
        body = text(client.get("/households/pick/", {"field": "household", "q": "H-", "next": target}))
        assert "evil.example" not in body and "javascript:" not in body, target
        assert "<html" not in body  # no way back: just the rows, as for a picker


def test_no_two_fields_of_a_form_share_a_label(client, secretary):
    """A grid's 编号 and the picker's number were both 编号: every label on a form is distinct and says what
    it is."""
    response = client.get("/grids/new/")
    labels = [str(field.label) for field in response.context["form"]]
    assert len(labels) == len(set(labels)), labels
    assert "网格编码" in labels and "编号" not in labels
    assert "网格编码" in [h["label"] for h in client.get("/grids/").context["headers"]]


def test_a_boundary_is_described_not_dumped(client, secretary):
    square = {"type": "Polygon", "coordinates": [[[113.0, 23.0], [113.01, 23.0], [113.01, 23.01],
                                                   [113.0, 23.01], [113.0, 23.0]]]}
    drawn = GridFactory(name="画了边界的网格", boundary=square)
    body = text(client.get(f"/grids/{drawn.pk}/"))
    assert "已绘制边界（4 个顶点）" in body
    assert "coordinates" not in body and "113.01" not in body and "Polygon" not in body
    undrawn = GridFactory(name="没画边界的网格")
    assert "coordinates" not in text(client.get(f"/grids/{undrawn.pk}/"))
    assert Grid.objects.filter(pk=drawn.pk, boundary__isnull=False).exists()


def test_no_page_shows_a_record_id_as_text(client, secretary):
    """Ids live in addresses and hidden inputs only: never as words on a list, detail or form page."""
    grid = GridFactory(name="东联第一网格")
    building = BuildingFactory(grid=grid, name="东联一栋")
    household = HouseholdFactory(number="H-东联-8", grid=grid)
    resident = ResidentFactory(household=household, grid=grid, name="梁秀英")
    pages = ["/residents/", f"/residents/{resident.pk}/", f"/residents/{resident.pk}/edit/",
             f"/buildings/{building.pk}/", "/dwellings/new/", f"/households/{household.pk}/"]
    for url in pages:
        shown = visible_text(text(client.get(url)))
        assert not re.search(r"#\d", shown), url
        assert "编号" not in shown, url
