"""Probes of the case chain as an attacker and a clumsy user would send them: markup, binary, odd JSON and forged
ids at the public doors; foreign cases, units and projects at the staff steps; Open311's edge cases; bad figure
parameters. Each one a real request; each refusal must be a clear answer (never a 500) that changes nothing."""

import json

import pytest
from django.test import Client
from django.utils.html import escape
from rest_framework.test import APIClient

from banyan.accounts.roles import Role
from banyan.cases import services
from banyan.cases.models import Case, CaseState, Category
from banyan.cases.open311_clients import open311_client_issue
from banyan.core.testing import GridFactory, ProjectFactory, UnitFactory, community, make_user, text, town
from banyan.events.models import Event

pytestmark = pytest.mark.django_db
API = "/api/public/cases/"
PHONE = "13812345678"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
KEY = "probe-open311-key"


@pytest.fixture(autouse=True)
def _roomy(settings, tmp_path):
    settings.BANYAN_PUBLIC_RATE = "1000/minute"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def donglian():
    return community("东联")


@pytest.fixture
def secretary(donglian):
    return make_user(Role.COMMUNITY_SECRETARY, donglian)


def post_api(client, body, key=None, raw=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    data = raw if raw is not None else json.dumps(body, ensure_ascii=False)
    return client.post(API, data=data, content_type="application/json", **headers)


def counts():
    return Case.objects.count(), Event.objects.count()


def received(by, place=None, **extra) -> Case:
    values = {"community": place or community("东联"), "channel": Case.Channel.WALK_IN,
              "description": "村前路一直没有路灯，晚上很黑", "contact_name": "陈阿姨", "contact_phone": PHONE}
    values.update(extra)
    return services.case_receive(by=by, **values)


def events_of(case) -> list[str]:
    return list(Event.objects.filter(model="cases.case", object_id=case.pk).values_list("action", flat=True))


# ---------------------------------------------------------------------------------------------------------------
# Public doors.


def test_markup_is_stored_as_text_and_escaped_everywhere(client, donglian, secretary):
    sent = post_api(client, {"community": donglian.code, "description": "路灯坏了" + XSS, "address": "3栋" + XSS,
                             "contact": {"name": "王" + XSS[:20], "phone": PHONE}})
    assert sent.status_code == 201, sent.content
    case = Case.objects.get()
    assert case.description.endswith(XSS) and case.address.endswith(XSS)
    code = case.tracking_code
    services.case_reply(case=services.case_dispatch(case=case, unit=UnitFactory(community=donglian),
                                                    by=secretary), by=secretary, reply="已修好" + XSS)
    staff = Client()
    staff.force_login(secretary)
    for url in (f"/cases/{case.pk}/", "/cases/", "/cases/?q=路灯"):
        page = staff.get(url)
        assert page.status_code == 200, url
        assert "<script>alert" not in text(page) and "onerror=alert(1)>" not in text(page), url
    detail = text(staff.get(f"/cases/{case.pk}/"))
    assert "&lt;script&gt;alert" in detail
    status = text(client.get(f"/t/{code}/"))
    assert "<script>alert" not in status and "&lt;script&gt;alert" in status  # the reply, escaped
    board = client.get(f"/board/{donglian.code}/")
    assert board.status_code == 200 and "<script>alert" not in text(board)


def test_status_page_and_json_never_show_the_resident(client, donglian):
    sent = post_api(client, {"community": donglian.code, "description": "楼道堆放杂物很危险", "address": "幸福里9栋",
                             "contact": f"刘秀英 {PHONE}"})
    code = sent.json()["tracking_code"]
    for body in (text(client.get(f"/t/{code}/")), text(client.get(f"{API}{code}/"))):
        # Not bare digits: a timestamp's microseconds or the tracking code can hold them.
        for private in ("刘秀英", PHONE, "138****5678", "幸福里", "堆放杂物"):
            assert private not in body


@pytest.mark.parametrize("description, message", [
    ("灯坏了\x00", "二进制"), ("灯坏了\x1b[31m", "二进制"), ("字" * 5001, "不能超过5000个字"),
    ("   \n\t ", "请填写反映内容"),
])
def test_bad_text_is_refused_by_the_api_and_the_form(client, donglian, description, message):
    before = counts()
    answer = post_api(client, {"community": donglian.code, "description": description})
    assert answer.status_code == 400 and message in answer.json()["errors"]["description"][0]
    form = client.post(f"/r/{donglian.code}/", {"description": description, "key": "k-" + str(len(description))})
    assert form.status_code == 400 and message in text(form)
    assert counts() == before


def test_lone_surrogates_in_json_are_refused_not_a_500(client, donglian):
    # A JSON "\ud83d" escape decodes to a lone surrogate, which no UTF-8 text holds: it was a 500 (the
    # idempotency hash, and PostgreSQL, could not encode it). A form's bytes are decoded with replacement.
    for field in ("description", "address"):
        raw = json.dumps({"community": donglian.code, "description": "灯坏了", field: "3栋@"}).replace("@", "\\ud83d")
        answer = post_api(client, None, raw=raw)
        assert answer.status_code == 400 and "二进制" in answer.json()["errors"][field][0]
    raw = json.dumps({"community": donglian.code, "description": "灯坏了", "contact": {"name": "王", "@": 1}})
    raw = raw.replace("@", "\\udc00")
    answer = post_api(client, None, raw=raw, key="surrogate-key")
    assert answer.status_code == 400 and answer.json()["errors"]["contact"]
    form = client.post(f"/r/{donglian.code}/", data="description=%ED%A0%80%E7%81%AF&key=k9",
                       content_type="application/x-www-form-urlencoded")
    assert form.status_code == 400 and "二进制" in text(form)
    assert not Case.objects.exists()


def test_emoji_is_kept(client, donglian):
    answer = post_api(client, {"community": donglian.code, "description": "路灯坏了😡🔦", "contact": "王🌸"})
    assert answer.status_code == 201
    assert Case.objects.get().description == "路灯坏了😡🔦"
    assert "😡" not in text(client.get(f"/t/{answer.json()['tracking_code']}/"))  # the resident's text stays private


@pytest.mark.parametrize("raw, status", [
    ("not json", 400), ("[1, 2]", 400), ('"text"', 400), ("{" * 5000, 400), (b"\xff\xfe", 400), ("", 415),
])
def test_non_object_bodies_are_refused(client, raw, status):
    answer = post_api(client, None, raw=raw)
    assert answer.status_code == status and answer.json()["detail"]
    assert not Case.objects.exists()


def test_nan_where_text_is_expected(client, donglian):
    body = {"community": donglian.code, "description": float("nan"), "lat": float("nan"), "long": float("inf")}
    answer = post_api(client, None, raw=json.dumps(body))  # Python writes NaN and Infinity, as some clients do
    assert answer.status_code == 400
    assert set(answer.json()["errors"]) == {"description", "lat", "long"}
    assert not Case.objects.exists()


@pytest.mark.parametrize("field, value, where", [
    ("description", {"text": "灯"}, "description"), ("description", ["灯"], "description"),
    ("address", {"a": 1}, "address"), ("community", {"code": "x"}, "community"), ("contact", ["王", PHONE], "contact"),
    ("lat", 91, "lat"), ("lat", "91", "lat"), ("lat", "NaN", "lat"), ("lat", "Infinity", "lat"),
    ("lat", "1e400", "lat"), ("lat", True, "lat"), ("long", "-181", "long"), ("lat", "二十三", "lat"),
    ("building", {"id": 1}, "building"),
    ("category", {"id": 1}, "category"), ("category", 10 ** 30, "category"), ("building", "9" * 40, "building"),
])
def test_wrong_types_get_a_field_message(client, donglian, field, value, where):
    body = {"community": donglian.code, "description": "路灯坏了", "lat": "23.05", "long": "113.01", field: value}
    answer = post_api(client, body)
    assert answer.status_code == 400, answer.content
    assert answer.json()["errors"][where]
    assert not Case.objects.exists()


def test_numbers_as_strings_for_coordinates_are_accepted(client, donglian):
    answer = post_api(client, {"community": donglian.code, "description": "路灯坏了", "lat": " 23.05 ",
                               "long": "113.010001"})
    assert answer.status_code == 201
    case = Case.objects.get()
    assert str(case.latitude) == "23.050000" and str(case.longitude) == "113.010001"


def test_unknown_community_a_towns_code_and_a_hidden_category(client, donglian):
    dz = town("丹灶镇")
    hidden = Category.objects.filter(public=False).first() or Category.objects.get(code="C-WAGES")
    hidden.public = False
    hidden.save()
    for body, field in (({"community": "999999999999"}, "community"), ({"community": dz.code}, "community"),
                        ({"community": donglian.code, "category": hidden.pk}, "category"),
                        ({"community": donglian.code, "category": hidden.code}, "category")):
        answer = post_api(client, {"description": "路灯坏了", **body})
        assert answer.status_code == 400 and answer.json()["errors"][field], body
    assert client.get(f"/r/{dz.code}/").status_code == 404
    assert client.get("/r/nope/").status_code == 404
    form = client.post(f"/r/{donglian.code}/", {"description": "路灯坏了", "category": hidden.pk, "key": "k1"})
    assert form.status_code == 400 and "不可选择" in text(form)
    assert not Case.objects.exists()


@pytest.mark.parametrize("key", ["k" * 101, "has space", "中文键", "\t"])
def test_bad_idempotency_keys_are_refused(client, donglian, key):
    answer = post_api(client, {"community": donglian.code, "description": "路灯坏了"}, key=key)
    if key.strip():
        assert answer.status_code == 400 and answer.json()["errors"]["Idempotency-Key"]
        assert not Case.objects.exists()
    else:  # whitespace alone is no key
        assert answer.status_code == 201


def test_a_hundred_char_key_works_and_a_form_key_too_long_is_replaced(client, donglian):
    assert post_api(client, {"community": donglian.code, "description": "路灯坏了"}, key="k" * 100).status_code == 201
    again = post_api(client, {"community": donglian.code, "description": "路灯坏了"}, key="k" * 100)
    assert again.status_code == 200 and Case.objects.count() == 1
    form = client.post(f"/r/{donglian.code}/", {"description": "井盖松了", "key": "x" * 500})
    assert form.status_code == 303 and Case.objects.count() == 2


def test_tracking_codes_lower_case_or_unknown(client, donglian):
    code = post_api(client, {"community": donglian.code, "description": "路灯坏了"}).json()["tracking_code"]
    lower = client.get(f"/t/{code.lower()}/")
    assert lower.status_code == 302 and lower["Location"] == f"/t/{code}/"
    assert client.get(f"{API}{code.lower()}/").json()["tracking_code"] == code
    for bad in ("NOPE1234", "%00", "x" * 5000, "'; DROP TABLE x;--", "\u200b"):
        assert client.get(f"/t/{bad}/").status_code == 404, bad
        assert client.get(f"{API}{bad}/").status_code == 404, bad
        assert client.post(f"/t/{bad}/", {"satisfaction": "satisfied"}).status_code == 404, bad
    assert client.get("/t/", {"code": "x" * 5000}).status_code == 404
    assert client.get("/t/", {"code": "\x00"}).status_code in (200, 404)


def test_rating_refusals_change_nothing(client, donglian, secretary):
    code = post_api(client, {"community": donglian.code, "description": "路灯坏了"}).json()["tracking_code"]
    case = Case.objects.get()
    before = counts()
    early = client.post(f"/t/{code}/", {"satisfaction": "satisfied"})
    assert early.status_code == 400 and "不能评价" in text(early)
    assert counts() == before
    services.case_reply(case=services.case_dispatch(case=case, unit=UnitFactory(community=donglian),
                                                    by=secretary), by=secretary, reply="已修好")
    before = counts()
    for value in ("great", "", "satisfied" * 100, "<b>"):
        odd = client.post(f"/t/{code}/", {"satisfaction": value})
        assert odd.status_code == 400 and "满意" in text(odd), value
        assert counts() == before
    long_note = client.post(f"/t/{code}/", {"satisfaction": "satisfied", "note": "长" * 5000})
    assert long_note.status_code == 400 and counts() == before
    assert client.post(f"/t/{code}/", {"satisfaction": "satisfied"}).status_code == 303
    case.refresh_from_db()
    assert case.satisfaction == "satisfied"
    before = counts()
    twice = client.post(f"/t/{code}/", {"satisfaction": "dissatisfied"})
    assert twice.status_code == 400 and text(twice).count("满意") > 0
    case.refresh_from_db()
    assert case.satisfaction == "satisfied" and counts() == before


def test_public_doors_refuse_other_methods(client, donglian):
    assert client.get(API).status_code == 405
    assert client.put(f"{API}ABC/").status_code == 405
    assert client.delete(f"/r/{donglian.code}/").status_code == 405


# ---------------------------------------------------------------------------------------------------------------
# Staff steps.


STEPS = ["categorise", "dispatch", "accept", "return", "reply", "follow_up", "close", "reopen", "escalate",
         "flag_difficult", "petition_forward", "instruct", "extend", "merge", "note"]
API_STEPS = ["dispatch", "accept", "return", "reply", "follow-up", "close", "reopen", "escalate", "flag-difficult",
             "petition-forward", "instruct", "extend", "merge", "categorise", "link-project", "note"]


def test_every_step_on_a_foreign_case_is_a_404_and_writes_nothing(client):
    luohu = community("罗湖")
    foreign = received(make_user(Role.COMMUNITY_SECRETARY, luohu), luohu)
    me = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    client.force_login(me)
    api = APIClient()
    api.force_authenticate(me)
    before = counts()
    for name in STEPS:
        assert client.post(f"/cases/{foreign.pk}/step/{name}/", {f"{name}-note": "x", f"{name}-reason": "x",
                                                                 "into": foreign.pk}).status_code == 404, name
    for name in API_STEPS:
        assert api.post(f"/api/cases/{foreign.pk}/{name}/", {"note": "x", "reason": "x"},
                        format="json").status_code == 404, name
    assert client.get(f"/cases/{foreign.pk}/").status_code == 404
    assert counts() == before


def test_unknown_step_missing_case_and_get_on_post_only(client, secretary):
    case = received(secretary)
    client.force_login(secretary)
    assert client.post(f"/cases/{case.pk}/step/explode/").status_code == 404
    assert client.post(f"/cases/{case.pk}/step/__init__/").status_code == 404
    assert client.post("/cases/99999999/step/accept/").status_code == 404
    assert client.post(f"/cases/{10 ** 20}/step/accept/").status_code == 404
    assert client.get(f"/cases/{case.pk}/step/dispatch/").status_code == 405
    api = APIClient()
    api.force_authenticate(secretary)
    assert api.get(f"/api/cases/{case.pk}/dispatch/").status_code == 405
    assert api.post(f"/api/cases/{case.pk}/explode/", {}, format="json").status_code == 404
    assert events_of(case) == ["received"]


def test_dispatch_to_a_forged_unit_is_refused_as_if_it_did_not_exist(client, secretary):
    case = received(secretary)
    elsewhere = UnitFactory(community=community("罗湖"), name="罗湖社区秘密办公室")
    other_town = UnitFactory(community=None, town=town("西樵镇"), name="西樵镇某局")
    client.force_login(secretary)
    api = APIClient()
    api.force_authenticate(secretary)
    before = counts()
    for unit in (elsewhere, other_town):
        page = client.post(f"/cases/{case.pk}/step/dispatch/", {"dispatch-unit": unit.pk})
        assert page.status_code == 200 and unit.name not in text(page)
        answer = api.post(f"/api/cases/{case.pk}/dispatch/", {"unit": unit.pk}, format="json")
        assert answer.status_code == 400, answer.content
        assert unit.name not in answer.content.decode() and "unit" in answer.json()
    for bad in ("abc", -1, 10 ** 20, None, {"id": 1}):
        answer = api.post(f"/api/cases/{case.pk}/dispatch/", {"unit": bad}, format="json")
        assert answer.status_code == 400, (bad, answer.content)
        page = client.post(f"/cases/{case.pk}/step/dispatch/", {"dispatch-unit": str(bad)})
        assert page.status_code == 200, bad
    assert counts() == before
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED and case.unit is None


def test_merge_into_a_foreign_case_link_a_foreign_project_categorise_unknown(client, secretary):
    case = received(secretary)
    luohu = community("罗湖")
    foreign = received(make_user(Role.COMMUNITY_SECRETARY, luohu), luohu)
    project = ProjectFactory(community=luohu, name="罗湖的项目")
    client.force_login(secretary)
    api = APIClient()
    api.force_authenticate(secretary)
    before = counts()
    page = client.post(f"/cases/{case.pk}/step/merge/", {"into": foreign.pk})
    assert page.status_code == 200 and "不存在" in text(page) and foreign.tracking_code not in text(page)
    for into in (10 ** 20, "abc", case.pk):
        assert client.post(f"/cases/{case.pk}/step/merge/", {"into": into}).status_code == 200, into
    assert api.post(f"/api/cases/{case.pk}/merge/", {"into": foreign.pk}, format="json").status_code == 400
    assert api.post(f"/api/cases/{case.pk}/merge/", {"into": 10 ** 20}, format="json").status_code == 400
    answer = api.post(f"/api/cases/{case.pk}/link-project/", {"project": project.pk}, format="json")
    assert answer.status_code == 400 and "罗湖的项目" not in answer.content.decode()
    for bad in (99999999, 10 ** 20, "abc"):
        assert api.post(f"/api/cases/{case.pk}/categorise/", {"category": bad}, format="json").status_code == 400
        page = client.post(f"/cases/{case.pk}/step/categorise/", {"categorise-category": bad})
        assert page.status_code == 200 and "未能确认分类" in text(page)
    assert counts() == before
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED and case.project is None and case.merged_into is None


def test_grid_worker_and_party_member_on_cases_not_theirs(client):
    mine, other = GridFactory(), GridFactory(community=community("东联"))
    worker = make_user(Role.GRID_WORKER, mine)
    elsewhere = received(make_user(Role.GRID_WORKER, other), other.community, grid=other)
    member = make_user(Role.PARTY_MEMBER, other)
    by_someone = received(make_user(Role.GRID_WORKER, other), other.community, grid=other)
    before = counts()
    client.force_login(worker)
    for name in ("accept", "note", "escalate", "close"):
        assert client.post(f"/cases/{elsewhere.pk}/step/{name}/", {f"{name}-note": "x",
                                                                   f"{name}-reason": "x"}).status_code == 404
    client.force_login(member)
    for name in ("note", "escalate", "dispatch"):
        answer = client.post(f"/cases/{by_someone.pk}/step/{name}/", {f"{name}-note": "x", f"{name}-reason": "x"})
        assert answer.status_code == 404, name
    assert client.get(f"/cases/{by_someone.pk}/").status_code == 404
    api = APIClient()
    api.force_authenticate(member)
    assert api.post(f"/api/cases/{by_someone.pk}/note/", {"note": "x"}, format="json").status_code == 404
    assert counts() == before


def test_a_step_without_the_csrf_token_is_refused(secretary):
    case = received(secretary)
    unit = UnitFactory(community=community("东联"))
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(secretary)
    assert guarded.post(f"/cases/{case.pk}/step/dispatch/", {"dispatch-unit": unit.pk}).status_code == 403
    assert guarded.post("/cases/record/", {"description": "x", "channel": "visit"}).status_code == 403
    assert events_of(case) == ["received"] and Case.objects.count() == 1


# ---------------------------------------------------------------------------------------------------------------
# Open311.


@pytest.fixture
def open311_key(db):
    open311_client_issue(name="探测应用", by=None, key=KEY)
    return KEY


def o311(donglian, **extra):
    values = {"jurisdiction_id": donglian.code, "service_code": "C-LIGHT", "lat": "23.05", "long": "113.01",
              "description": "村前路路灯不亮"}
    values.update(extra)
    return values


def assert_errors(response, status):
    assert response.status_code == status, response.content.decode()[:300]
    items = json.loads(response.content)
    assert isinstance(items, list) and items[0]["code"] == status and items[0]["description"]


def test_open311_keys_in_query_or_body_and_empty(client, donglian, open311_key):
    before = counts()
    assert_errors(client.post("/open311/v2/requests.json", o311(donglian, api_key="")), 400)
    assert_errors(client.post("/open311/v2/requests.json", o311(donglian)), 400)
    assert_errors(client.post("/open311/v2/requests.json", o311(donglian, api_key="wrong")), 403)
    assert counts() == before
    by_query = client.post(f"/open311/v2/requests.json?api_key={KEY}", o311(donglian))
    by_body = client.post("/open311/v2/requests.json", o311(donglian, api_key=KEY, description="井盖松了"))
    assert by_query.status_code in (200, 201, 403) and by_body.status_code in (200, 201)
    assert Case.objects.count() == before[0] + (2 if by_query.status_code != 403 else 1)


def test_open311_bad_posts_are_the_standards_errors(client, donglian, open311_key):
    before = counts()
    for extra in ({"description": "字" * 6000}, {"attribute[kind]": "petition"}, {"attribute[kind]": "x"},
                  {"lat": "91"}, {"lat": "NaN"}, {"long": "Infinity"}, {"service_code": "NOPE"},
                  {"jurisdiction_id": "nope"}, {"description": "灯\x00"}, {"description": "灯\x1b"}):
        answer = client.post("/open311/v2/requests.json", o311(donglian, api_key=KEY, **extra))
        assert answer.status_code == 400 or answer.status_code == 404, (extra, answer.content)
        assert_errors(answer, answer.status_code)
    assert counts() == before


def test_open311_petitions_stay_hidden_and_bad_queries_are_errors(client, donglian, secretary):
    petition = received(secretary, kind=Case.Kind.PETITION, description="信访内容")
    plain = received(secretary)
    assert client.get(f"/open311/v2/requests/{plain.tracking_code}.json").status_code == 200
    for ident in (petition.tracking_code, petition.pk, "nope", "x" * 3000):
        assert_errors(client.get(f"/open311/v2/requests/{ident}.json"), 404)
    assert client.get(f"/open311/v2/requests/{plain.tracking_code}.csv").status_code in (400, 404)
    assert client.get("/open311/v2/services.csv").status_code in (400, 404)
    listed = client.get("/open311/v2/requests.json",
                        {"service_request_id": f"{plain.tracking_code},{petition.tracking_code}"}).content.decode()
    assert plain.tracking_code in listed and petition.tracking_code not in listed
    for query in ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
                  {"start_date": "yesterday"}, {"end_date": "2026-13-45"}, {"start_date": "9" * 5000},
                  {"status": "weird"}, {"service_request_id": "," * 500}, {"start_date": "2026-01-01T00:00:00\x00"}):
        answer = client.get("/open311/v2/requests.json", query)
        assert answer.status_code in (200, 400), (query, answer.status_code)
        if answer.status_code == 400:
            assert_errors(answer, 400)
        assert petition.tracking_code not in answer.content.decode()


# ---------------------------------------------------------------------------------------------------------------
# Figures.


@pytest.mark.parametrize("query", [
    {"by": "nope"}, {"by": "x" * 50000}, {"from": "2026-13"}, {"from": "2026-06", "to": "2026-01"},
    {"from": "x" * 50000}, {"to": "2026-00"}, {"from": "0000-01"}, {"from": "99999-01"}, {"by": "month\x00"},
])
def test_bad_figure_parameters_are_a_message(client, secretary, query):
    api = APIClient()
    api.force_authenticate(secretary)
    answer = api.get("/api/case-figures/", query)
    assert answer.status_code == 400, (query, answer.status_code)
    detail = answer.json()["detail"]
    assert detail and len(detail) < 300
    client.force_login(secretary)
    page = client.get("/cases/figures/", query)
    assert page.status_code == 400 and escape(detail) in text(page)


def test_open311_xml_stays_well_formed_when_a_desk_pasted_control_characters(client, secretary):
    # A vertical tab or form feed pasted from a word processor at the desk was written into the XML as is: no
    # XML parser could read the answer.
    import xml.etree.ElementTree as ET

    case = received(secretary, description="路灯\x0b不亮\x0c，晚上很黑", address="3栋\x1b门口")
    answer = client.get(f"/open311/v2/requests/{case.tracking_code}.xml")
    assert answer.status_code == 200
    root = ET.fromstring(answer.content)
    assert root.find("request/description").text == "路灯不亮，晚上很黑"
    assert json.loads(client.get(f"/open311/v2/requests/{case.tracking_code}.json").content)[0]["description"]


def test_nul_bytes_in_codes_and_parameters_are_not_a_500(client, donglian, secretary, open311_key):
    # PostgreSQL refuses a NUL in any text it compares: each of these was a 500 there (SQLite just found nothing).
    case = received(secretary)
    before = counts()
    for url in ("/t/AB%00CD/", f"{API}AB%00CD/", "/r/44%00/", "/r/44%00/poster/", "/board/44%00/"):
        assert client.get(url).status_code == 404, url
    assert client.post("/t/AB%00CD/", {"satisfaction": "satisfied"}).status_code == 404
    assert client.get("/t/", {"code": "AB\x00CD"}).status_code == 404
    assert client.get(f"/r/{donglian.code}/", {"building": "1\x00"}).status_code == 404
    answer = post_api(client, {"community": "44\x00", "description": "路灯坏了"}, key="nul-key")
    assert answer.status_code == 400 and answer.json()["errors"]["community"]
    answer = post_api(client, {"community": donglian.code, "description": "路灯坏了", "category": "C-\x00"})
    assert answer.status_code == 400 and answer.json()["errors"]["category"]
    for url in ("/open311/v2/requests/AB%00.json", "/open311/v2/tokens/AB%00.json",
                "/open311/v2/services/C-%00.json"):
        assert_errors(client.get(url), 404)
    for query in ({"service_request_id": f"{case.tracking_code},A\x00"}, {"jurisdiction_id": "44\x00"},
                  {"api_key": "k\x00"}, {"service_code": "C\x00", "api_key": KEY}, {"status": "open\x00"}):
        answer = client.get("/open311/v2/requests.json", query)
        assert answer.status_code in (200, 400, 403, 404), (query, answer.status_code)
        if answer.status_code != 200:
            assert_errors(answer, answer.status_code)
    for extra in ({"api_key": "k\x00"}, {"jurisdiction_id": "44\x00"}, {"service_code": "C-\x00"},
                  {"address_id": "1\x00"}, {"address_string": "3栋\x00", "lat": ""}, {"first_name": "王\x00"},
                  {"email": "a\x00@b.c"}, {"device_id": "d\x00"}, {"media_url": "http://x/\x00"}):
        answer = client.post("/open311/v2/requests.json", o311(donglian, **{"api_key": KEY, **extra}))
        assert answer.status_code in (201, 200, 400, 403, 404), (extra, answer.status_code)
        if answer.status_code >= 400:
            assert_errors(answer, answer.status_code)
    assert Case.objects.count() - before[0] in range(0, 4)
    client.force_login(secretary)
    assert client.get("/cases/", {"q": "路\x00灯"}).status_code in (200, 400)
    assert client.get("/cases/figures/", {"by": "month\x00", "from": "2026-01\x00"}).status_code in (200, 400)


def test_export_keeps_markup_as_text_formulas_inert_and_phones_masked(client, secretary):
    received(secretary, title='=HYPERLINK("http://evil","点我")', address="+cmd|' /C calc'!A0" + XSS)
    client.force_login(secretary)
    csv_text = text(client.get("/cases/export.csv"))
    assert "'=HYPERLINK" in csv_text and "'+cmd" in csv_text and XSS.replace('"', '""') in csv_text
    assert PHONE not in csv_text and "138****5678" in csv_text
    xlsx = client.get("/cases/export.xlsx")
    assert xlsx.status_code == 200


def test_control_characters_pasted_at_the_desk_do_not_break_exports(client, secretary):
    # A vertical tab or form feed (pasted from a word processor) is kept by the staff form; the XLSX writer
    # refuses such characters.
    client.force_login(secretary)
    form = {"kind": "request", "channel": "visit", "description": "路灯\x0b不亮\x0c", "priority": "normal",
            "community": community("东联").pk, "contact_name": "李\x1b伯", "address": "3栋\x07"}
    client.post("/cases/record/", form)
    assert Case.objects.count() in (0, 1)
    received(secretary, description="井盖\x0b松了", title="井盖\x0b松了", address="5栋\x0c")
    for url in ("/cases/export.xlsx", "/cases/export.csv", "/cases/"):
        assert client.get(url).status_code == 200, url


def test_the_board_escapes_what_staff_typed(client, donglian):
    from banyan.cases.models import Milestone

    project = ProjectFactory(community=donglian, name="路灯" + XSS, public=True, owner=XSS[:40])
    Milestone.objects.create(project=project, name="立项" + XSS)
    ProjectFactory(community=donglian, name="内部项目", public=False)
    board = text(client.get(f"/board/{donglian.code}/"))
    assert "&lt;script&gt;" in board and "<script>alert" not in board and "onerror=alert(1)>" not in board
    assert "内部项目" not in board


def test_staff_api_and_forms_refuse_nul_and_surrogates(client, secretary):
    case = received(secretary)
    api = APIClient()
    api.force_authenticate(secretary)
    before = counts()
    raw = json.dumps({"community": community("东联").pk, "channel": "visit", "description": "灯@"})
    for bad in ("\\u0000", "\\ud800"):
        answer = api.post("/api/cases/", raw.replace("@", bad), content_type="application/json")
        assert answer.status_code == 400 and "description" in answer.json(), answer.content
        answer = api.post(f"/api/cases/{case.pk}/note/", '{"note": "x' + bad + '"}', content_type="application/json")
        assert answer.status_code == 400 and "note" in answer.json()
    client.force_login(secretary)
    page = client.post(f"/cases/{case.pk}/step/note/", {"note-note": "补充\x00"})
    assert page.status_code == 200 and "未能补充说明" in text(page)
    assert counts() == before
    assert api.get("/api/cases/", {"search": "路\x00灯"}).status_code in (200, 400)


def test_open311_hidden_categories_town_codes_and_methods(client, donglian, open311_key):
    hidden = Category.objects.get(code="C-WAGES")
    hidden.public = False
    hidden.save()
    assert_errors(client.get("/open311/v2/services/C-WAGES.json"), 404)
    assert "C-WAGES" not in client.get("/open311/v2/services.json").content.decode()
    before = counts()
    for extra in ({"service_code": "C-WAGES"}, {"jurisdiction_id": town("丹灶镇").code}):
        answer = client.post("/open311/v2/requests.json", o311(donglian, **{"api_key": KEY, **extra}))
        assert answer.status_code in (400, 404), (extra, answer.status_code)
        assert_errors(answer, answer.status_code)
    assert counts() == before
    for method in (client.put, client.delete):
        assert_errors(method("/open311/v2/requests.json"), 405)
    assert client.get("/open311/v2/requests.csv").status_code == 404
    assert client.get("/open311/v2/discovery.json").status_code == 200


def test_find_page_echoes_escaped_and_posters_refuse_foreign_buildings(client, donglian):
    from banyan.core.testing import BuildingFactory, EstateFactory

    found = client.get("/t/", {"code": "<b>x</b><script>"})
    assert found.status_code == 404 and "<SCRIPT>" not in text(found) and "&lt;B&gt;X&lt;/B&gt;" in text(found)
    luohu = community("罗湖")
    foreign = BuildingFactory(community=luohu, estate=EstateFactory(community=luohu, name="罗湖花园"))
    for url in (f"/r/{donglian.code}/", f"/r/{donglian.code}/poster/"):
        assert client.get(url, {"building": foreign.pk}).status_code == 404
        assert client.get(url, {"building": "1 OR 1=1"}).status_code == 404
    before = counts()
    form = client.post(f"/r/{donglian.code}/", {"description": "路灯坏了", "building": foreign.pk, "key": "kb"})
    assert form.status_code == 400 and "不属于该社区" in text(form) and "罗湖花园" not in text(form)
    assert counts() == before
