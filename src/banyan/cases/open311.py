"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2/) under /open311/v2/, so that existing Open311
apps and clients report to Banyan and follow what they reported, unchanged.

Resources, each as `.json` or `.xml` (the suffix chooses the format; XML as the standard writes it, JSON by its
Spark convention): `discovery`, `services`, `services/{service_code}`, `requests` (GET, and POST with an
api_key), `requests/{service_request_id}`, `tokens/{token}`. Errors are the standard's list of
`{"code": <HTTP status>, "description": "..."}` (XML: `<errors><error><code/><description/></error></errors>`),
with the HTTP status of the first; descriptions in the user's language (Chinese by default).

How Banyan's records map onto the standard:
- Services are the public categories (`Category.public`): service_code = the category's code, service_name its
  name, group the parent category's name (a top-level category is its own group), type `realtime`. Every service
  has metadata: one optional attribute, `kind` (投诉 / 求助 / 建议 / 咨询; petitions, 信访, follow their own legal
  procedure and are not taken here).
- jurisdiction_id is an official division code (12 digits, GB/T 2260 and the statistical codes). POST requires it
  and it must name a community (社区 / 村): that is where the case is received. GET requests takes a community's,
  a town's or the district's code as a filter; GET services takes any of them and lists the same district-wide
  services. An unknown code is a 404, as the standard says. Discovery says so too.
- A POST needs an api_key issued by staff (`cases/open311_clients.py`), in the form body or the query string (both
  are what clients send). A wrong or revoked key is a 403; a key limited to a town posts only to its communities.
- A location is lat & long, address_string, or address_id: address_id is the id of a building (楼栋) of Banyan's
  place registry in that community. With lat & long, the case takes the smallest grid of the community whose
  boundary holds the point.
- POST writes through `services.case_receive` (channel Open311, by nobody: the resident, through the app);
  first_name and last_name become the resident's name (family name first when it is written in Chinese), phone
  the contact number (stored encrypted, shown masked to staff). email, device_id and account_id are not stored
  (account_id is answered as null). A media_url is kept at the end of the description (one line 附图：URL), where
  staff read it, and answered back as media_url. Without a description the service name stands for it.
- Requests are created at once: POST answers the service_request_id (never a token). service_request_id is the
  case's tracking code (查询码), never a database id. tokens/{token} answers for a token that is a tracking code
  (the request's own id, as created) and 404 for any other.
- status: `closed` for closed and merged cases, else `open`; status_notes is the reply when there is one (a
  merged case names the case it was merged into), else the state's name. agency_responsible is the handling
  unit's name; expected_datetime the deadline; updated_datetime the time of the case's last event.
- A tracking code is what lets a resident follow and rate their case (the status page at /t/<code>/), so it is
  never published to whoever asks: reading requests by id (requests/{id}, tokens/{id}, GET requests with
  service_request_id) is open to anyone holding the id, as the standard has it; listing requests without ids
  (GET requests with dates, codes, status) needs the app's api_key and lists the requests that app posted (each
  POST leaves a "posted" event on the app's record, which says which case it was). Where the standard reads GET
  requests as open to all, this is the one departure, for the residents' sake.
- What is answered is never personal: never a name, phone or email; mobile and ID numbers typed into a description
  or an address are masked. Petitions (信访) are never answered. Without dates a listing answers the last 90 days;
  start_date and end_date (w3 datetimes; a bare date is a whole day in Asia/Shanghai) may not span more than 90
  days; newest first, at most 1000 rows. service_request_id (comma separated, up to 100) overrides every other
  filter.

Bad input (a wrong key, a bad date, an unknown service code or place) is answered with the error list and writes
nothing. The staff page listing apps and issuing and revoking keys is at /open311/v2/clients/.
"""

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BigIntegerField, Max, OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from banyan.cases import services
from banyan.cases.deadlines import GENERAL
from banyan.cases.models import DONE_STATES, Case, CaseState, Category, Open311Client, TimeLimit
from banyan.cases.open311_clients import (
    client_for_key,
    client_used,
    manageable_towns,
    may_manage,
    open311_client_issue,
    open311_client_revoke,
)
from banyan.core.validators import validate_contact_phone
from banyan.events.models import STEPS, Event
from banyan.events.services import event_record
from banyan.places import geo
from banyan.places.models import Building, Community, District, Grid, Town

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-01T00:00:00+08:00"  # when this endpoint's behaviour last changed (discovery's changeset)
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MAX_ROWS = 1000
MAX_IDS = 100
WINDOW = dt.timedelta(days=90)
MEDIA_MARK = "附图："  # stored data, not UI text: the line that keeps a media_url in a case's description
MAX_DESCRIPTION = 4000  # the standard's limit
MAX_MEDIA_URL = 500
POSTED_KINDS = (Case.Kind.COMPLAINT, Case.Kind.REQUEST, Case.Kind.SUGGESTION, Case.Kind.CONSULTATION)
# XML element of each item of a list, by the list's element (the Spark convention read backwards).
ITEMS = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
         "endpoints": "endpoint", "formats": "format", "errors": "error"}

POSTED = "open311_posted"
STEPS.update({POSTED: gettext_noop("通过Open311提交诉求")})

_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_ID_IN_TEXT = re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?![\dXx])")
_CJK = re.compile(r"[\u3400-\u9fff]")


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# ---------------------------------------------------------------------------------------------------------------
# Answers in either format.


# What XML 1.0 cannot hold (control characters but tab and line breaks, lone surrogates, U+FFFE/U+FFFF): a
# vertical tab pasted into a case recorded at a desk would otherwise make the whole answer unreadable to a client.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else _NOT_XML.sub("", str(value))


def _element(name: str, value) -> ET.Element:
    node = ET.Element(name)
    if isinstance(value, dict):
        for key, item in value.items():
            node.append(_element(key, item))
    elif isinstance(value, list):
        for item in value:
            node.append(_element(ITEMS.get(name, "item"), item))
    else:
        node.text = _text(value)
    return node


def xml_document(root: str, value) -> str:
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(_element(root, value), encoding="unicode")


def answer(fmt: str, root: str, value, status: int = 200) -> HttpResponse:
    body = xml_document(root, value) if fmt == "xml" else json.dumps(value, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type=FORMATS[fmt])


def error_answer(fmt: str, status: int, description: str) -> HttpResponse:
    return answer(fmt if fmt in FORMATS else "json", "errors", [{"code": status, "description": description}],
                  status=status)


def open311_view(*methods):
    """An Open311 resource: the format from the suffix, the methods it answers, errors as the standard's list."""
    def decorate(view):
        @csrf_exempt  # apps post without a session; the api_key is what authorises a POST
        @wraps(view)
        def wrapped(request, *args, fmt, **kwargs):
            if fmt not in FORMATS:
                return error_answer("json", 404, _("不支持的格式“%(fmt)s”，请使用 .json 或 .xml。") % {"fmt": fmt})
            if request.method not in methods:
                response = error_answer(fmt, 405, _("此资源不接受 %(method)s 请求。") % {"method": request.method})
                response["Allow"] = ", ".join(methods)
                return response
            if any("\x00" in value for value in kwargs.values()):  # an id or code no record has
                return error_answer(fmt, 404, _("请求的资源不存在。"))
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as e:
                return error_answer(fmt, e.status, e.description)
        return wrapped
    return decorate


def _param(request, name: str) -> str:
    """A parameter from the form body or the query string (some clients put api_key and jurisdiction_id in the
    URL of a POST). Empty is the same as absent, as the standard asks."""
    value = request.POST.get(name) if request.method == "POST" else None
    if not value:
        value = request.GET.get(name)
    if value and "\x00" in value:  # PostgreSQL cannot compare text holding a NUL: say so, not a 500
        raise Open311Error(400, _("参数 %(name)s 含有无法识别的字符。") % {"name": name})
    return (value or "").strip()


def _w3(value) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------------------------------------------
# Places and services.


def division_for(code: str):
    """The district, town or community with this official code; 404 if there is none."""
    code = code.strip()
    for model in (Community, Town, District):
        found = model.objects.filter(code=code).first() if code.isdigit() else None
        if found is not None:
            return found
    raise Open311Error(404, _("jurisdiction_id “%(code)s” 不存在：请使用社区、镇街或区的12位区划代码。")
                       % {"code": code[:20]})


def _categories() -> dict[int, Category]:
    return {c.pk: c for c in Category.objects.select_related("time_limit")}


def _limit(category: Category, by_pk: dict, default):
    """The category's time limit, or its nearest parent's, else the general one (as `deadlines.limit_for`)."""
    while category is not None:
        if category.time_limit_id:
            return category.time_limit
        category = by_pk.get(category.parent_id)
    return default


def service_row(category: Category, by_pk: dict, default_limit=None) -> dict:
    parent = by_pk.get(category.parent_id)
    limit = _limit(category, by_pk, default_limit)
    description = category.get_source_display()
    if limit is not None:
        description = _("%(source)s；办理时限：%(limit)s") % {"source": description, "limit": limit.name}
    names, above = [category.name], parent
    while above is not None:
        names.append(above.name)
        above = by_pk.get(above.parent_id)
    return {"service_code": category.code, "service_name": category.name, "description": description,
            "metadata": True, "type": "realtime", "keywords": ", ".join(names),
            "group": parent.name if parent is not None else category.name}


def public_category(code: str) -> Category:
    category = Category.objects.filter(code=code.strip(), public=True).select_related("parent").first()
    if category is None:
        raise Open311Error(404, _("service_code “%(code)s” 不存在，请先查询服务列表（services）。")
                           % {"code": code[:30]})
    return category


def kind_attribute() -> dict:
    return {"variable": True, "code": "kind", "datatype": "singlevaluelist", "required": False,
            "datatype_description": _("不选时按“求助”受理"), "order": 1, "description": _("诉求类型"),
            "values": [{"key": k, "name": str(Case.Kind(k).label)} for k in POSTED_KINDS]}


@open311_view("GET")
def discovery(request, *, fmt):
    base = request.build_absolute_uri(reverse("open311-discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0] + "/"
    return answer(fmt, "discovery", {
        "changeset": CHANGESET,
        "contact": _("榕树头 Banyan 基层治理平台。jurisdiction_id 为社区、镇街或区的12位区划代码，"
                     "提交诉求（POST requests）时必须填写社区的代码；api_key 由区、镇街管理人员签发。"
                     "按 service_request_id 查询无需 api_key；按条件列出诉求需要 api_key，只列出该应用提交的诉求。"),
        "key_service": request.build_absolute_uri(reverse("open311-clients")),
        "endpoints": [{"specification": SPECIFICATION, "url": base, "changeset": CHANGESET, "type": "production",
                       "formats": ["text/xml", "application/json"]}],
    })


@open311_view("GET")
def service_list(request, *, fmt):
    if _param(request, "jurisdiction_id"):
        division_for(_param(request, "jurisdiction_id"))
    by_pk = _categories()
    general = TimeLimit.objects.filter(code=GENERAL).first()
    rows = [service_row(c, by_pk, general) for c in sorted(by_pk.values(), key=lambda c: (c.order, c.code)) if c.public]
    return answer(fmt, "services", rows)


@open311_view("GET")
def service_definition(request, code, *, fmt):
    if _param(request, "jurisdiction_id"):
        division_for(_param(request, "jurisdiction_id"))
    category = public_category(code)
    return answer(fmt, "service_definition", {"service_code": category.code, "attributes": [kind_attribute()]})


# ---------------------------------------------------------------------------------------------------------------
# Reading requests.


def masked_text(text: str) -> str:
    """A resident's words as the public may read them: mobile and ID numbers in them masked."""
    text = _MOBILE_IN_TEXT.sub(lambda m: f"{m[1]}****{m[3]}", text)
    return _ID_IN_TEXT.sub(lambda m: f"{m[1]}{'*' * 8}{m[3]}", text)


def split_media(description: str) -> tuple[str, str | None]:
    """The description and the media_url kept on its last line, if any."""
    head, sep, last = description.rpartition("\n")
    if last.startswith(MEDIA_MARK) and re.match(r"https?://", last[len(MEDIA_MARK):]):
        return (head.rstrip() if sep else ""), last[len(MEDIA_MARK):]
    return description, None


def _status_notes(case: Case) -> str:
    if case.state == CaseState.MERGED and case.merged_into_id:
        return _("与诉求 %(code)s 合并办理。") % {"code": case.merged_into.tracking_code}
    return case.reply or str(case.get_state_display())


def _coordinate(value):
    return float(value) if value is not None else None


def request_row(case: Case) -> dict:
    description, media_url = split_media(case.description)
    return {
        "service_request_id": case.tracking_code,
        "status": "closed" if case.state in DONE_STATES else "open",
        "status_notes": masked_text(_status_notes(case)),
        "service_name": case.category.name if case.category_id else None,
        "service_code": case.category.code if case.category_id else None,
        "description": masked_text(description),
        "agency_responsible": case.unit.name if case.unit_id else None,
        "service_notice": _notice(case),
        "requested_datetime": _w3(case.received_at),
        "updated_datetime": _w3(max(t for t in (case.received_at, getattr(case, "last_event_at", None)) if t)),
        "expected_datetime": _w3(case.due_at),
        "address": masked_text(case.address) or None,
        "address_id": case.building_id,
        "zipcode": None,
        "lat": _coordinate(case.latitude),
        "long": _coordinate(case.longitude),
        "media_url": media_url,
    }


def _notice(case: Case) -> str:
    if case.due_at is None:
        return ""
    return _("按%(limit)s时限办理，应于%(date)s前答复。") % {
        "limit": case.time_limit.name if case.time_limit_id else _("规定"),
        "date": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")}


def posted_by(client: Open311Client):
    """The ids of the cases an app posted, from the "posted" events on its record."""
    return (Event.objects.filter(model="cases.open311client", object_id=client.pk, action=POSTED)
            .annotate(case_id=Cast(KeyTextTransform("case", "data"), BigIntegerField())).values("case_id"))


def public_cases():
    """The cases Open311 shows: every one but petitions, with what the rows name and the time of the last step."""
    last = (Event.objects.filter(model="cases.case", object_id=OuterRef("pk")).order_by().values("object_id")
            .annotate(at=Max("at")).values("at"))
    return (Case.objects.exclude(kind=Case.Kind.PETITION)
            .select_related("category", "unit", "time_limit", "merged_into")
            .annotate(last_event_at=Coalesce(Subquery(last), "received_at")))


def w3_datetime(value: str, name: str, *, end: bool = False) -> dt.datetime:
    """A w3 datetime (2010-01-01T00:00:00Z, with an offset, or local time without one), or a bare date: its start,
    or for end_date its end."""
    value = value.strip()
    try:
        moment = parse_datetime(value.replace(" ", "+", 1) if "T" in value else value)
        day = parse_date(value) if moment is None else None
    except ValueError:
        moment = day = None
    if moment is None and day is None:
        raise Open311Error(400, _("%(name)s “%(value)s” 不是有效的日期时间，"
                                  "请使用 w3 格式，如 2026-11-01T00:00:00+08:00。")
                           % {"name": name, "value": value[:40]})
    if day is not None:
        moment = dt.datetime.combine(day + dt.timedelta(days=1) if end else day, dt.time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _date_window(request) -> tuple[dt.datetime, dt.datetime]:
    start = _param(request, "start_date")
    end = _param(request, "end_date")
    start = w3_datetime(start, "start_date") if start else None
    end = w3_datetime(end, "end_date", end=True) if end else None
    if start and end and start > end:
        raise Open311Error(400, _("start_date 晚于 end_date。"))
    if start and end and end - start > WINDOW:
        raise Open311Error(400, _("start_date 与 end_date 相隔不能超过90天。"))
    if start is None and end is None:
        end = timezone.now()
    return (start or end - WINDOW), (end or start + WINDOW)


def _listed(values: str) -> list[str]:
    return [v.strip() for v in values.split(",") if v.strip()]


def requests_filtered(request):
    """The requests a GET asks for: by id for anyone holding the ids, else the api_key's app's own."""
    rows = public_cases()
    jurisdiction = _param(request, "jurisdiction_id")
    if jurisdiction:
        place = division_for(jurisdiction)
        lookup = {Community: "community", Town: "community__town", District: "community__town__district"}
        rows = rows.filter(**{lookup[type(place)]: place})
    ids = _listed(_param(request, "service_request_id"))
    if ids:
        if len(ids) > MAX_IDS:
            raise Open311Error(400, _("service_request_id 一次最多%(n)d个。") % {"n": MAX_IDS})
        return rows.filter(tracking_code__in=[i.upper() for i in ids])
    if not _param(request, "api_key"):
        raise Open311Error(400, _("按条件列出诉求需要 api_key（只列出该应用提交的诉求）；"
                                  "没有 api_key 时请用 service_request_id 查询。"))
    rows = rows.filter(pk__in=posted_by(_client(request)))
    codes = _listed(_param(request, "service_code"))
    if codes:
        known = set(Category.objects.filter(code__in=codes, public=True).values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise Open311Error(404, _("service_code “%(code)s” 不存在，请先查询服务列表（services）。")
                               % {"code": unknown[0][:30]})
        rows = rows.filter(category__code__in=codes)
    statuses = {s.lower() for s in _listed(_param(request, "status"))}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status 只能是 open 或 closed（可用逗号分隔）。"))
    if statuses == {"open"}:
        rows = rows.exclude(state__in=DONE_STATES)
    elif statuses == {"closed"}:
        rows = rows.filter(state__in=DONE_STATES)
    start, end = _date_window(request)
    return rows.filter(received_at__gte=start, received_at__lte=end)


@open311_view("GET", "POST")
def requests_resource(request, *, fmt):
    if request.method == "POST":
        return request_post(request, fmt)
    rows = requests_filtered(request).order_by("-received_at", "-pk")[:MAX_ROWS]
    return answer(fmt, "service_requests", [request_row(c) for c in rows])


@open311_view("GET")
def request_detail(request, request_id, *, fmt):
    rows = public_cases()
    if _param(request, "jurisdiction_id"):
        division_for(_param(request, "jurisdiction_id"))
    case = rows.filter(tracking_code=request_id.strip().upper()).first()
    if case is None:
        raise Open311Error(404, _("service_request_id “%(id)s” 不存在。") % {"id": request_id[:20]})
    return answer(fmt, "service_requests", [request_row(case)])


@open311_view("GET")
def token_detail(request, token, *, fmt):
    """Requests are created at once, so a token is only ever the request's own id."""
    case = Case.objects.exclude(kind=Case.Kind.PETITION).filter(tracking_code=token.strip().upper()).first()
    if case is None:
        raise Open311Error(404, _("token “%(token)s” 不存在。") % {"token": token[:20]})
    return answer(fmt, "service_requests", [{"service_request_id": case.tracking_code, "token": token.strip()}])


# ---------------------------------------------------------------------------------------------------------------
# Posting a request.


def _client(request) -> Open311Client:
    key = _param(request, "api_key")
    if not key:
        raise Open311Error(400, _("缺少 api_key：提交诉求需要由管理人员签发的接入密钥。"))
    client = client_for_key(key)
    if client is None:
        raise Open311Error(403, _("api_key 无效或已停用。"))
    return client


def _community(request, client: Open311Client) -> Community:
    code = _param(request, "jurisdiction_id")
    if not code:
        raise Open311Error(400, _("缺少 jurisdiction_id：请填写受理诉求的社区的12位区划代码。"))
    place = division_for(code)
    if not isinstance(place, Community):
        raise Open311Error(400, _("jurisdiction_id “%(code)s” 是%(name)s，提交诉求须填写具体社区的区划代码。")
                           % {"code": place.code, "name": place.name})
    if client.town_id is not None and place.town_id != client.town_id:
        raise Open311Error(403, _("该 api_key 只能向%(town)s的社区提交诉求。") % {"town": client.town.name})
    return place


def _attributes(request) -> dict[str, list[str]]:
    """attribute[code]=value and attribute[code][]=value (a multivaluelist) → {code: [values]}."""
    out: dict[str, list[str]] = {}
    for name in request.POST:
        match = re.fullmatch(r"attribute\[([^\]]*)\](\[\])?", name)
        if match:
            out.setdefault(match[1], []).extend(v for v in request.POST.getlist(name) if v.strip())
    return out


def _kind(request) -> str:
    attributes = _attributes(request)
    for code in attributes:
        if code != "kind":
            raise Open311Error(400, _("不认识的属性 attribute[%(code)s]，请按服务定义（services/{service_code}）填写。")
                               % {"code": code[:30]})
    values = attributes.get("kind") or []
    if len(values) > 1:
        raise Open311Error(400, _("attribute[kind] 只能选一项。"))
    if values and values[0] not in POSTED_KINDS:
        raise Open311Error(400, _("attribute[kind] 只能是 %(keys)s 之一。") % {"keys": ", ".join(POSTED_KINDS)})
    return values[0] if values else Case.Kind.REQUEST


def _coordinates(request) -> tuple[Decimal | None, Decimal | None]:
    lat, lon = _param(request, "lat"), _param(request, "long")
    if not lat and not lon:
        return None, None
    if not lat or not lon:
        raise Open311Error(400, _("lat 与 long 须同时填写。"))
    try:
        lat, lon = Decimal(lat), Decimal(lon)
    except InvalidOperation:
        raise Open311Error(400, _("lat、long 应为数字（WGS84 经纬度）。")) from None
    if not (lat.is_finite() and lon.is_finite() and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise Open311Error(400, _("lat、long 超出经纬度范围。"))
    return lat.quantize(Decimal("0.000001")), lon.quantize(Decimal("0.000001"))


def _building(request, community: Community) -> Building | None:
    value = _param(request, "address_id")
    if not value:
        return None
    building = Building.objects.filter(pk=value, community=community).first() if value.isdigit() else None
    if building is None:
        raise Open311Error(400, _("address_id “%(id)s” 不是%(community)s的楼栋编号。")
                           % {"id": value[:20], "community": community.name})
    return building


def grid_at(community: Community, lat: Decimal, lon: Decimal) -> Grid | None:
    """The smallest grid of the community whose boundary holds the point."""
    found = None
    for grid in Grid.objects.filter(community=community, boundary__isnull=False).order_by("-level", "pk"):
        if geo.contains_point(grid.boundary, float(lon), float(lat)):
            found = grid
            break
    return found


def person_name(first: str, last: str) -> str:
    """A name as it is written: family name first, without a space, when it is Chinese."""
    if _CJK.search(first + last):
        return (last + first).replace(" ", "")
    return " ".join(p for p in (first, last) if p)


def _media_url(request) -> str:
    url = _param(request, "media_url")
    if url and (len(url) > MAX_MEDIA_URL or not re.fullmatch(r"https?://[^\s<>\"]+", url)):
        raise Open311Error(400, _("media_url 应为 http:// 或 https:// 开头、不超过%(n)d个字符的网址。")
                           % {"n": MAX_MEDIA_URL})
    return url


def _first_message(error: ValidationError) -> str:
    messages = error.messages if hasattr(error, "messages") else [str(error)]
    return "；".join(dict.fromkeys(messages))


def request_post(request, fmt):
    client = _client(request)
    community = _community(request, client)
    service_code = _param(request, "service_code")
    if not service_code:
        raise Open311Error(400, _("缺少 service_code，请先查询服务列表（services）。"))
    category = public_category(service_code)
    kind = _kind(request)
    latitude, longitude = _coordinates(request)
    building = _building(request, community)
    address = _param(request, "address_string")
    if latitude is None and building is None and not address:
        raise Open311Error(400, _("请提供地点：lat 与 long，或 address_string，或 address_id。"))
    if building is not None and not address:
        address = building.address or str(building)
    description = _param(request, "description")
    if _NOT_XML.search(description):
        raise Open311Error(400, _("description 含有无法识别的字符（可能是二进制内容），请只填写文字。"))
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, _("description 不能超过%(n)d个字（现有%(m)d个）。")
                           % {"n": MAX_DESCRIPTION, "m": len(description)})
    media_url = _media_url(request)
    description = description or category.name
    if media_url:
        description = f"{description}\n{MEDIA_MARK}{media_url}"
    phone = _param(request, "phone")
    if phone:
        try:
            phone = validate_contact_phone(phone)
        except ValidationError as e:
            raise Open311Error(400, "phone: " + _first_message(e)) from None
    grid = None
    if building is None and latitude is not None:
        grid = grid_at(community, latitude, longitude)
    try:
        with transaction.atomic():
            case = services.case_receive(
                by=None, channel=Case.Channel.OPEN311, community=community, grid=grid, building=building,
                description=description, category=category, kind=kind, address=address[:200],
                latitude=latitude, longitude=longitude, contact_phone=phone,
                contact_name=person_name(_param(request, "first_name"), _param(request, "last_name")))
            client_used(client)
            event_record(by=None, action=POSTED, obj=client, note=case.tracking_code,
                         data={"case": case.pk, "channel": Case.Channel.OPEN311})
    except ValidationError as e:
        raise Open311Error(400, _first_message(e)) from None
    return answer(fmt, "service_requests", [{
        "service_request_id": case.tracking_code,
        "service_notice": _("已受理，查询码 %(code)s。") % {"code": case.tracking_code} + _notice(case),
        "account_id": None}])


# ---------------------------------------------------------------------------------------------------------------
# Staff: the apps and their keys.


def _manager(request):
    towns = manageable_towns(request.user)
    if towns is not None and not towns:
        raise PermissionDenied(_("只有区管理员和镇街干部可以管理Open311接入应用。"))
    return towns


def _page(request, towns, *, issued=None, errors=(), name="", town_id=""):
    clients = Open311Client.objects.select_related("town", "created_by").order_by("-active", "-created_at", "-pk")
    if towns is not None:
        clients = clients.filter(town_id__in=towns)
    choices = Town.objects.order_by("code")
    if towns is not None:
        choices = choices.filter(pk__in=towns)
    return render(request, "cases/open311_clients.html", {
        "title": _("Open311接入应用"), "clients": clients, "towns": choices, "district_wide": towns is None,
        "issued": issued, "errors": errors, "name": name, "town_id": str(town_id),
        "crumbs": [{"url": reverse("home"), "label": _("首页")}],
        "endpoint": request.build_absolute_uri(reverse("open311-discovery", kwargs={"fmt": "json"})),
    }, status=400 if errors else 200)


@never_cache  # the page that shows a new key once must not be kept by a browser or a proxy
@login_required
def clients_page(request):
    towns = _manager(request)
    if request.method != "POST":
        return _page(request, towns)
    name = request.POST.get("name", "").strip()
    town_id = request.POST.get("town", "").strip()
    town = None
    if town_id:
        town = Town.objects.filter(pk=town_id).first() if town_id.isdigit() else None
        if town is None or not may_manage(request.user, town.pk):
            return _page(request, towns, errors=[_("请选择您管辖的镇街。")], name=name, town_id=town_id)
    elif towns is not None:
        return _page(request, towns, errors=[_("请选择镇街：您只能为本镇街签发密钥。")], name=name)
    try:
        client, key = open311_client_issue(name=name, by=request.user, town=town)
    except ValidationError as e:
        return _page(request, towns, errors=e.messages, name=name, town_id=town_id)
    return _page(request, towns, issued={"client": client, "key": key})


@login_required
def client_revoke(request, pk):
    towns = _manager(request)
    rows = Open311Client.objects.select_related("town")
    if towns is not None:
        rows = rows.filter(town_id__in=towns)
    client = get_object_or_404(rows, pk=pk)
    if request.method == "POST":
        try:
            open311_client_revoke(client=client, by=request.user)
        except ValidationError as e:
            return render(request, "cases/open311_revoke.html", {"client": client, "errors": e.messages,
                                                                  "title": _("停用密钥")}, status=400)
        return redirect("open311-clients")
    return render(request, "cases/open311_revoke.html", {
        "client": client, "title": _("停用密钥"), "crumbs": [{"url": reverse("home"), "label": _("首页")},
                                                           {"url": reverse("open311-clients"),
                                                            "label": _("Open311接入应用")}]})
