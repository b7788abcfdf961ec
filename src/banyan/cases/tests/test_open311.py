"""Open311 GeoReport v2 as apps use it: services, posting with an api_key, reading back, every refusal writing
nothing; the keys and their staff page; and a live server driven the way off-the-shelf clients drive one."""

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.utils import timezone

from banyan.accounts.roles import Role
from banyan.cases.models import Case, CaseState, Category, Open311Client
from banyan.cases.open311_clients import key_hash, open311_client_issue, open311_client_revoke
from banyan.core.testing import BuildingFactory, CaseFactory, GridFactory, UnitFactory, community, make_user, nanhai
from banyan.events.models import Event

DEMO_KEY = "banyan-demo-open311"
BASE = "/open311/v2/"
REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"]


@pytest.fixture
def donglian(db):
    return community("东联")


@pytest.fixture
def demo_key(db):
    open311_client_issue(name="演示应用", by=None, key=DEMO_KEY)
    return DEMO_KEY


def post(client, fmt="json", query="", **data):
    return client.post(f"{BASE}requests.{fmt}{query}", data)


def light_report(donglian, **extra):
    values = {"api_key": DEMO_KEY, "jurisdiction_id": donglian.code, "service_code": "C-LIGHT",
              "lat": "23.050000", "long": "113.010000", "description": "村前路路灯不亮，晚上很黑"}
    values.update(extra)
    return {k: v for k, v in values.items() if v is not None}


def errors(response, status):
    assert response.status_code == status, response.content.decode()
    if response["Content-Type"].startswith("text/xml"):
        root = ET.fromstring(response.content)
        assert root.tag == "errors"
        items = [{"code": int(e.findtext("code")), "description": e.findtext("description")} for e in root]
    else:
        items = json.loads(response.content)
    assert [e["code"] for e in items] == [status]
    assert items[0]["description"]
    return items[0]["description"]


def counts():
    return Case.objects.count(), Event.objects.count()


# ---------------------------------------------------------------------------------------------------------------
# Services.


@pytest.mark.django_db
def test_services_are_the_public_categories_with_their_group(client):
    hidden = Category.objects.get(code="C-WAGES")
    hidden.public = False
    hidden.save()
    rows = client.get(f"{BASE}services.json").json()
    by_code = {r["service_code"]: r for r in rows}
    assert by_code["C-LIGHT"] == {"service_code": "C-LIGHT", "service_name": "路灯", "group": "城乡建设",
                                  "metadata": True, "type": "realtime", "keywords": "路灯, 城乡建设",
                                  "description": by_code["C-LIGHT"]["description"]}
    assert "7个工作日" in by_code["C-LIGHT"]["description"]
    assert "C-WAGES" not in by_code
    assert len(rows) == Category.objects.filter(public=True).count()

    response = client.get(f"{BASE}services.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(response.content)
    assert root.tag == "services" and {e.tag for e in root} == {"service"}
    light = next(s for s in root if s.findtext("service_code") == "C-LIGHT")
    assert [e.tag for e in light] == ["service_code", "service_name", "description", "metadata", "type",
                                      "keywords", "group"]
    assert light.findtext("metadata") == "true"


@pytest.mark.django_db
def test_service_definition_and_unknown_codes(client, donglian):
    response = client.get(f"{BASE}services/C-LIGHT.xml", {"jurisdiction_id": donglian.code})
    root = ET.fromstring(response.content)
    assert root.tag == "service_definition" and root.findtext("service_code") == "C-LIGHT"
    attribute = root.find("attributes/attribute")
    assert attribute.findtext("code") == "kind" and attribute.findtext("datatype") == "singlevaluelist"
    assert [v.findtext("key") for v in attribute.find("values")] == ["complaint", "request", "suggestion",
                                                                     "consultation"]
    assert "C-NOPE" in errors(client.get(f"{BASE}services/C-NOPE.json"), 404)
    errors(client.get(f"{BASE}services/C-NOPE.xml"), 404)
    errors(client.get(f"{BASE}services.json", {"jurisdiction_id": "440605999999"}), 404)
    assert client.get(f"{BASE}services.json", {"jurisdiction_id": nanhai().code}).status_code == 200


@pytest.mark.django_db
def test_format_and_method_refusals(client):
    errors(client.get(f"{BASE}services.csv"), 404)
    response = client.post(f"{BASE}services.json")
    errors(response, 405)
    assert response["Allow"] == "GET"


# ---------------------------------------------------------------------------------------------------------------
# Posting and reading back.


@pytest.mark.django_db
def test_post_receives_a_case_and_reads_back_without_personal_data(client, donglian, demo_key):
    square = [[113.0, 23.0], [113.1, 23.0], [113.1, 23.1], [113.0, 23.1], [113.0, 23.0]]
    grid = GridFactory(community=donglian, name="拾陈网格", boundary={"type": "Polygon", "coordinates": [square]})
    events = Event.objects.count()
    response = post(client, **light_report(
        donglian, first_name="三", last_name="张", phone="138 1234 5678", email="zs@example.org",
        description="村前路路灯不亮，有事打13812345678", media_url="https://photos.example.org/1.jpg",
        **{"attribute[kind]": "complaint"}))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    [answered] = response.json()
    case = Case.objects.get()
    assert answered["service_request_id"] == case.tracking_code
    assert answered["account_id"] is None and case.tracking_code in answered["service_notice"]
    assert (case.channel, case.community, case.grid, case.category.code, case.kind) == (
        Case.Channel.OPEN311, donglian, grid, "C-LIGHT", Case.Kind.COMPLAINT)
    assert case.contact_name == "张三" and case.contact_phone == "138****5678"
    assert case.description.endswith("\n附图：https://photos.example.org/1.jpg")
    assert Event.objects.filter(model="cases.case", object_id=case.pk, action="received").exists()
    app = Open311Client.objects.get()
    assert Event.objects.filter(model="cases.open311client", object_id=app.pk, action="open311_posted",
                                data__case=case.pk).exists()
    assert Event.objects.count() == events + 2
    assert Open311Client.objects.get().last_used_at is not None

    [row] = client.get(f"{BASE}requests/{case.tracking_code}.json").json()
    assert list(row) == REQUEST_FIELDS
    assert row["status"] == "open" and row["service_code"] == "C-LIGHT" and row["service_name"] == "路灯"
    assert row["description"] == "村前路路灯不亮，有事打138****5678"
    assert row["media_url"] == "https://photos.example.org/1.jpg"
    assert (row["lat"], row["long"]) == (23.05, 113.01)
    assert row["requested_datetime"].endswith("+08:00") and row["expected_datetime"]
    body = json.dumps(row, ensure_ascii=False)
    assert "张三" not in body and "12345678" not in body and "zs@example.org" not in body

    xml = client.get(f"{BASE}requests/{case.tracking_code.lower()}.xml")
    root = ET.fromstring(xml.content)
    assert root.tag == "service_requests" and [e.tag for e in root] == ["request"]
    assert [e.tag for e in root[0]] == REQUEST_FIELDS
    assert root[0].findtext("service_request_id") == case.tracking_code

    token = client.get(f"{BASE}tokens/{case.tracking_code}.json").json()
    assert token == [{"service_request_id": case.tracking_code, "token": case.tracking_code}]
    errors(client.get(f"{BASE}tokens/NOSUCHTOKEN.xml"), 404)
    errors(client.get(f"{BASE}requests/NOSUCHCASE.json"), 404)


@pytest.mark.django_db
def test_post_as_other_clients_send_it(client, donglian, demo_key):
    """api_key and jurisdiction_id in the query string (as some clients send them), XML back, an address only."""
    query = "?" + urllib.parse.urlencode({"api_key": DEMO_KEY, "jurisdiction_id": donglian.code})
    response = post(client, "xml", query, service_code="C-NOISE", address_string="东联村委会旁大排档")
    assert response.status_code == 200, response.content
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    assert [e.tag for e in root[0]] == ["service_request_id", "service_notice", "account_id"]
    case = Case.objects.get(tracking_code=root[0].findtext("service_request_id"))
    # No description: the service's name stands for it; no attribute: a request (求助).
    assert (case.description, case.address, case.kind, case.grid) == ("噪音扰民", "东联村委会旁大排档",
                                                                       Case.Kind.REQUEST, None)


@pytest.mark.django_db
def test_post_with_a_building_as_address_id(client, donglian, demo_key):
    building = BuildingFactory(community=donglian, name="9栋", address="东联村大道9号")
    response = post(client, **light_report(donglian, lat=None, long=None, address_id=str(building.pk)))
    assert response.status_code == 200, response.content
    case = Case.objects.get()
    assert (case.building, case.address) == (building, "东联村大道9号")
    [row] = client.get(f"{BASE}requests/{case.tracking_code}.json").json()
    assert row["address_id"] == building.pk


@pytest.mark.django_db
def test_every_bad_post_is_refused_clearly_and_writes_nothing(client, donglian, demo_key):
    luohu = community("罗湖")
    assert luohu.town_id != donglian.town_id
    town_client, town_key = open311_client_issue(name="丹灶随手拍", by=None, town=donglian.town)
    revoked, revoked_key = open311_client_issue(name="旧应用", by=None)
    open311_client_revoke(client=revoked, by=None)
    elsewhere = BuildingFactory(community=luohu, name="1栋")
    Category.objects.filter(code="C-WAGES").update(public=False)
    before = counts()
    bad = [
        (400, light_report(donglian, api_key=None), "api_key"),
        (403, light_report(donglian, api_key="not-a-key-at-all"), "api_key"),
        (403, light_report(donglian, api_key=revoked_key), "api_key"),
        (403, light_report(luohu, api_key=town_key), "丹灶"),
        (400, light_report(donglian, jurisdiction_id=None), "jurisdiction_id"),
        (404, light_report(donglian, jurisdiction_id="440605000999"), "440605000999"),
        (404, light_report(donglian, jurisdiction_id="1 OR 1=1"), "jurisdiction_id"),
        (400, light_report(donglian, jurisdiction_id=donglian.town.code), "社区"),
        (400, light_report(donglian, service_code=None), "service_code"),
        (404, light_report(donglian, service_code="C-NOPE"), "C-NOPE"),
        (404, light_report(donglian, service_code="C-WAGES"), "C-WAGES"),
        (400, light_report(donglian, **{"attribute[kind]": "petition"}), "kind"),
        (400, light_report(donglian, **{"attribute[colour]": "red"}), "colour"),
        (400, light_report(donglian, lat=None, long=None), "lat"),
        (400, light_report(donglian, long=None), "long"),
        (400, light_report(donglian, lat="north"), "lat"),
        (400, light_report(donglian, lat="123.0"), "lat"),
        (400, light_report(donglian, lat=None, long=None, address_id=str(elsewhere.pk)), "address_id"),
        (400, light_report(donglian, lat=None, long=None, address_id="99999999"), "address_id"),
        (400, light_report(donglian, phone="12345"), "phone"),
        (400, light_report(donglian, media_url="javascript:alert(1)"), "media_url"),
        (400, light_report(donglian, description="长" * 4001), "4000"),
        (400, light_report(donglian, first_name="名" * 40), "反映人"),
    ]
    for status, data, said in bad:
        for fmt in ("json", "xml"):
            response = post(client, fmt, **data)
            assert said in errors(response, status), (data, response.content.decode())
    assert counts() == before
    assert Open311Client.objects.get(pk=town_client.pk).last_used_at is None
    # The town's key does post to its own town's communities.
    assert post(client, **light_report(donglian, api_key=town_key)).status_code == 200


# ---------------------------------------------------------------------------------------------------------------
# Listing requests.


def posted(client, donglian, key=DEMO_KEY, **extra) -> Case:
    response = post(client, **light_report(donglian, api_key=key, **extra))
    assert response.status_code == 200, response.content
    return Case.objects.get(tracking_code=response.json()[0]["service_request_id"])


@pytest.mark.django_db
def test_listing_is_the_apps_own_requests_filtered_as_the_standard_says(client, donglian, demo_key):
    now = timezone.now()
    unit = UnitFactory(community=donglian, name="东联社区办公室")
    recent = posted(client, donglian, description="路灯坏了", first_name="四", last_name="李")
    Case.objects.filter(pk=recent.pk).update(unit=unit)
    closed = posted(client, donglian, service_code="C-ROAD")
    Case.objects.filter(pk=closed.pk).update(state=CaseState.CLOSED, reply="已修复路面。",
                                             received_at=now - dt.timedelta(days=10))
    merged = posted(client, donglian)
    Case.objects.filter(pk=merged.pk).update(state=CaseState.MERGED, merged_into=recent)
    old = posted(client, donglian)
    Case.objects.filter(pk=old.pk).update(received_at=now - dt.timedelta(days=120))
    elsewhere = posted(client, community("罗湖"))
    _other_app, other_key = open311_client_issue(name="别的应用", by=None)
    others = posted(client, donglian, key=other_key)
    recorded = CaseFactory(community=donglian, contact_name="王五")  # recorded by staff, not through this app
    petition = CaseFactory(community=donglian, kind=Case.Kind.PETITION)

    def ids(key=DEMO_KEY, **params):
        response = client.get(f"{BASE}requests.json", {"api_key": key, **params})
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in response.json()]

    listed = ids()
    assert set(listed) == {recent.tracking_code, closed.tracking_code, merged.tracking_code,
                           elsewhere.tracking_code}
    assert ids(key=other_key) == [others.tracking_code]
    body = client.get(f"{BASE}requests.json", {"api_key": DEMO_KEY}).content.decode()
    assert "李四" not in body and "王五" not in body
    rows = {r["service_request_id"]: r for r in json.loads(body)}
    assert rows[recent.tracking_code]["agency_responsible"] == "东联社区办公室"
    assert rows[closed.tracking_code]["status"] == "closed"
    assert rows[closed.tracking_code]["status_notes"] == "已修复路面。"
    assert rows[merged.tracking_code]["status"] == "closed"
    assert recent.tracking_code in rows[merged.tracking_code]["status_notes"]

    assert set(ids(status="closed")) == {closed.tracking_code, merged.tracking_code}
    assert set(ids(status="open")) == {recent.tracking_code, elsewhere.tracking_code}
    assert ids(service_code="C-ROAD") == [closed.tracking_code]
    assert set(ids(service_code="C-ROAD,C-LIGHT", status="open,closed")) == set(listed)
    assert elsewhere.tracking_code not in ids(jurisdiction_id=donglian.code)
    assert elsewhere.tracking_code not in ids(jurisdiction_id=donglian.town.code)
    assert elsewhere.tracking_code in ids(jurisdiction_id=nanhai().code)
    window = {"start_date": (now - dt.timedelta(days=130)).date().isoformat(),
              "end_date": (now - dt.timedelta(days=100)).isoformat()}
    assert ids(**window) == [old.tracking_code]
    assert ids(start_date=(now - dt.timedelta(days=121)).strftime("%Y-%m-%dT%H:%M:%SZ")) == [old.tracking_code]

    # By id: anyone holding the ids reads them, whatever door the case came in by; never a petition.
    by_id = client.get(f"{BASE}requests.json", {"service_request_id": f"{old.tracking_code},{recorded.tracking_code}",
                                                 "status": "closed"})
    assert {r["service_request_id"] for r in by_id.json()} == {old.tracking_code, recorded.tracking_code}
    assert client.get(f"{BASE}requests.json", {"service_request_id": petition.tracking_code}).json() == []
    errors(client.get(f"{BASE}requests/{petition.tracking_code}.json"), 404)

    # Without ids, no key: nobody may harvest tracking codes (they let one rate a case on its status page).
    assert "api_key" in errors(client.get(f"{BASE}requests.json"), 400)
    errors(client.get(f"{BASE}requests.xml", {"api_key": "wrong-key"}), 403)
    for params, status, said in [
        ({"start_date": "2026-13-01"}, 400, "start_date"),
        ({"end_date": "yesterday"}, 400, "end_date"),
        ({"start_date": "2026-11-02", "end_date": "2026-11-01"}, 400, "start_date"),
        ({"start_date": "2026-01-01", "end_date": "2026-11-01"}, 400, "90"),
        ({"service_code": "C-LIGHT,C-NOPE"}, 404, "C-NOPE"),
        ({"status": "pending"}, 400, "status"),
        ({"jurisdiction_id": "999999999999"}, 404, "999999999999"),
    ]:
        params["api_key"] = DEMO_KEY
        assert said in errors(client.get(f"{BASE}requests.json", params), status)
        errors(client.get(f"{BASE}requests.xml", params), status)


# ---------------------------------------------------------------------------------------------------------------
# Keys and the staff page.


@pytest.mark.django_db
def test_issue_stores_only_the_hash_and_revoke_stops_the_key(client, donglian):
    admin = make_user(Role.DISTRICT_ADMIN, nanhai())
    app, key = open311_client_issue(name="随手拍", by=admin)
    assert len(key) >= 30 and app.key_hash == key_hash(key) and app.key_prefix == key[:8]
    stored = json.dumps(list(Open311Client.objects.values()), default=str)
    assert key not in stored
    assert Event.objects.filter(model="cases.open311client", object_id=app.pk, action="created", user=admin).exists()
    assert post(client, **light_report(donglian, api_key=key)).status_code == 200

    with pytest.raises(Exception, match="已被其他应用使用"):
        open311_client_issue(name="冒名", by=admin, key=key)
    open311_client_revoke(client=app, by=admin)
    assert Event.objects.filter(model="cases.open311client", object_id=app.pk, action="changed").exists()
    before = counts()
    errors(post(client, **light_report(donglian, api_key=key)), 403)
    assert counts() == before


@pytest.mark.django_db
def test_staff_page_issues_shows_the_key_once_and_revokes(client, donglian):
    dandzao, other = donglian.town, community("罗湖").town
    officer = make_user(Role.TOWN_OFFICER, dandzao)
    foreign, _ = open311_client_issue(name="别镇应用", by=None, town=other)
    client.force_login(officer)

    page = client.get(f"{BASE}clients/")
    assert page.status_code == 200 and "别镇应用" not in page.content.decode()
    refused = client.post(f"{BASE}clients/", {"name": "全区应用", "town": ""})
    assert refused.status_code == 400 and not Open311Client.objects.filter(name="全区应用").exists()
    refused = client.post(f"{BASE}clients/", {"name": "越权应用", "town": str(other.pk)})
    assert refused.status_code == 400 and not Open311Client.objects.filter(name="越权应用").exists()

    issued = client.post(f"{BASE}clients/", {"name": "丹灶随手拍", "town": str(dandzao.pk)})
    assert issued.status_code == 200 and "no-cache" in issued["Cache-Control"]
    app = Open311Client.objects.get(name="丹灶随手拍")
    key = issued.context["issued"]["key"]
    assert key in issued.content.decode() and app.key_hash == key_hash(key) and app.town == dandzao
    assert key not in client.get(f"{BASE}clients/").content.decode()  # shown once

    assert client.post(f"{BASE}clients/{foreign.pk}/revoke/").status_code == 404
    assert Open311Client.objects.get(pk=foreign.pk).active
    assert client.get(f"{BASE}clients/{app.pk}/revoke/").status_code == 200
    assert client.post(f"{BASE}clients/{app.pk}/revoke/").status_code == 302
    assert not Open311Client.objects.get(pk=app.pk).active

    client.force_login(make_user(Role.COMMUNITY_SECRETARY, donglian))
    assert client.get(f"{BASE}clients/").status_code == 403
    client.logout()
    assert client.get(f"{BASE}clients/").status_code == 302


# ---------------------------------------------------------------------------------------------------------------
# A live server, driven as an off-the-shelf client drives one.


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """`banyan serve` on a free port, with a migrated SQLite database of its own and the demo's key."""
    banyan = Path(sys.executable).with_name("banyan")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["BANYAN_DATA_DIR"] = str(tmp_path_factory.mktemp("open311-live"))
    run = {"capture_output": True, "text": True, "timeout": 300, "stdin": subprocess.DEVNULL, "env": env}
    assert subprocess.run([str(banyan), "migrate", "--quiet"], **run).returncode == 0
    issue = ("from banyan.cases.open311_clients import open311_client_issue; "
             f"open311_client_issue(name='演示应用', by=None, key='{DEMO_KEY}')")
    result = subprocess.run([str(banyan), "manage", "shell", "-c", issue], **run)
    assert result.returncode == 0, result.stderr
    port = _free_port()
    server = subprocess.Popen([str(banyan), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}{BASE}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "discovery.json", timeout=2).read()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                time.sleep(0.25)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _fetch(url: str, data: dict | None = None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body)
    if body is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], e.read()


def test_a_plain_client_discovers_lists_posts_and_reads_back(live):
    status, _, body = _fetch(live + "discovery.json")
    endpoint = json.loads(body)["endpoints"][0]
    assert status == 200 and endpoint["url"] == live and "text/xml" in endpoint["formats"]

    status, content_type, body = _fetch(endpoint["url"] + "services.xml")
    assert status == 200 and content_type.startswith("text/xml")
    services = ET.fromstring(body)
    codes = [s.findtext("service_code") for s in services.findall("service")]
    assert "C-LIGHT" in codes

    report = {"api_key": DEMO_KEY, "jurisdiction_id": "440605123038", "service_code": "C-LIGHT",
              "lat": "23.05", "long": "113.01", "description": "村前路路灯不亮", "first_name": "三",
              "last_name": "张", "phone": "13812345678", "attribute[kind]": "complaint"}
    status, _, body = _fetch(live + "requests.json", report)
    assert status == 200, body.decode()
    request_id = json.loads(body)[0]["service_request_id"]

    status, _, body = _fetch(f"{live}requests/{request_id}.xml")
    request = ET.fromstring(body).find("request")
    assert status == 200 and [e.tag for e in request] == REQUEST_FIELDS
    assert (request.findtext("service_request_id"), request.findtext("status"), request.findtext("service_code")) \
        == (request_id, "open", "C-LIGHT")
    assert "13812345678" not in body.decode() and "张三" not in body.decode()

    status, _, body = _fetch(live + "requests.xml?" + urllib.parse.urlencode({"api_key": DEMO_KEY, "status": "open"}))
    assert request_id in [r.findtext("service_request_id") for r in ET.fromstring(body).findall("request")]

    status, _, body = _fetch(live + "requests.xml", {**report, "api_key": "wrong"})
    assert status == 403 and ET.fromstring(body).find("error").findtext("code") == "403"


def test_the_georeport_client_lists_and_reads_back(live):
    georeport = pytest.importorskip("georeport")
    client = georeport.GeoReport(live, jurisdiction="440605123038")
    services = client.get_service_list()
    assert any(s["service_code"] == "C-LIGHT" for s in services)
    assert client.get_service_definition("C-LIGHT")["attributes"][0]["code"] == "kind"
    status, _, body = _fetch(live + "requests.json", {
        "api_key": DEMO_KEY, "jurisdiction_id": "440605123038", "service_code": "C-NOISE",
        "address_string": "东联村委会旁大排档", "description": "夜里大排档太吵"})
    assert status == 200, body.decode()
    request_id = json.loads(body)[0]["service_request_id"]
    assert client.get_service_request(request_id)["description"] == "夜里大排档太吵"
    [row] = client.get_service_requests(service_request_id=request_id)
    assert row["service_code"] == "C-NOISE" and row["status"] == "open"
    xml_client = georeport.GeoReport(live, jurisdiction="440605123038", output_format="xml")
    assert xml_client.get_service_request(request_id)["service_code"] == "C-NOISE"
    assert any(s["service_code"] == "C-LIGHT" for s in xml_client.get_service_list())
