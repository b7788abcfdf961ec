"""The residents' door (no account): the form a QR-code poster leads to, the poster itself, the status page
that a tracking code opens (with the rating once a reply is given), and the same intake and status as JSON for
apps (`POST /api/public/cases/`, `GET /api/public/cases/<tracking code>/`).

Nothing here shows a person: the status page and the status JSON give the community, category, state, the public
steps with their dates and units, the reply and the project, never a name, phone, address or the text a resident
wrote. Writes go through `cases.services` (each step an event); an idempotency key (`PublicSubmission`, in the
database so that every app server agrees) makes a double submit, a refreshed POST or an app's retry one case.
"""

import hashlib
import json
import re
import secrets
import time
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from banyan.cases import services
from banyan.cases.models import Case, CaseState, Category, PublicSubmission
from banyan.cases.photos import photos_clean
from banyan.core.validators import validate_contact_phone
from banyan.events.models import Event, event_action_label
from banyan.places.models import Building, Community

# The steps a resident sees on the status page: the case's progress, not staff's internal notes (a return's
# reason, an instruction, a difficult-case flag may name people or judge them).
PUBLIC_STEPS = ("received", "dispatched", "accepted", "escalated", "extended", "replied", "followed_up", "rated",
                "reopened", "closed", "merged", "linked_project")
API_FIELDS = ("community", "description", "category", "address", "lat", "long", "contact", "building")
# Control characters other than tab and line breaks, the replacement character a broken encoding leaves, and
# lone surrogates (JSON's "\\ud800" escapes, which no UTF-8 text holds and no database stores): what binary pasted
# or posted as text looks like.
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\ud800-\udfff]")
_DIGITS = re.compile(r"\+?\d[\d\s\-()（）－—]*\d|\d")
_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")
_CODE = re.compile(r"^[A-Z0-9]{1,12}$")  # a tracking code (Case.tracking_code)
_PLACE_CODE = re.compile(r"^[0-9A-Za-z-]{1,40}$")  # a community's official code
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


# ---------------------------------------------------------------------------------------------------------------
# Rate limit: per client address, counted in the shared cache so that every process and server agrees.


def rate_parse(rate: str) -> tuple[int, int]:
    """"30/minute" → (30, 60); "100/hour" → (100, 3600); "5/10s" → (5, 10)."""
    count, _sep, period = (rate or "").partition("/")
    match = re.fullmatch(r"(\d*)\s*([smhd])\w*", period.strip().lower())
    if not count.strip().isdigit() or match is None:
        raise ValueError(f"BANYAN_PUBLIC_RATE must look like '30/minute', not {rate!r}")
    return int(count), int(match.group(1) or 1) * _PERIODS[match.group(2)]


def client_address(request) -> str:
    """The address the request came from. Behind a proxy, the proxy (or waitress's trusted_proxy settings) must
    put the client's address in REMOTE_ADDR: a forwarded-for header anyone can send is not trusted here."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def rate_wait(request) -> int:
    """Count this request against its address's allowance: 0 if it may go on, else the seconds to wait."""
    allowed, period = rate_parse(settings.BANYAN_PUBLIC_RATE)
    now = time.time()
    window = int(now // period)
    address = hashlib.sha256(client_address(request).encode()).hexdigest()[:24]
    key = f"banyan:public-rate:{period}:{window}:{address}"
    cache.add(key, 0, timeout=period + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period + 5)
        count = 1
    return 0 if count <= allowed else int(period - now % period) + 1


def _too_many() -> str:
    return _("提交太频繁，请稍后再试。")


# ---------------------------------------------------------------------------------------------------------------
# Intake: the same checks for the form and the API, then one idempotent write.


class IntakeInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


class KeyReused(Exception):
    """The idempotency key was used before with another body."""

    def __init__(self, case: Case):
        super().__init__(case.tracking_code)
        self.case = case


def _plain(value, label: str, *, limit: int, required: bool = False) -> str:
    """A text field: a string, no binary, not too long; `<script>` and the like are kept as text (shown escaped)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_("%(label)s应为文字。") % {"label": label})
    if _BINARY.search(value):
        raise ValidationError(_("%(label)s含有无法识别的字符（可能是二进制内容），请只填写文字。") % {"label": label})
    value = value.strip()
    if required and not value:
        raise ValidationError(_("请填写%(label)s。") % {"label": label})
    if len(value) > limit:
        raise ValidationError(_("%(label)s不能超过%(n)d个字（现有%(m)d个）。")
                              % {"label": label, "n": limit, "m": len(value)})
    return value


def _coordinate(value, label: str, bound: int) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationError(_("%(label)s应为数字。") % {"label": label})
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(_("%(label)s应为数字。") % {"label": label}) from None
    if not number.is_finite() or not -bound <= number <= bound:
        raise ValidationError(_("%(label)s应在-%(b)d到%(b)d之间。") % {"label": label, "b": bound})
    return number.quantize(Decimal("0.000001"))


def _id(value) -> int | None:
    """A row id as a client may send it (a number or digits), within what a database column holds."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value).strip()
    return int(text) if text.isdigit() and len(text) <= 18 else None


def _category(value) -> Category | None:
    """By code ("C-LIGHT") or id; only the categories residents may choose."""
    if value is None or value == "":
        return None
    rows = Category.objects.filter(public=True)
    found = rows.filter(code=value.strip()).first() if isinstance(value, str) and "\x00" not in value else None
    if found is None and _id(value) is not None:
        found = rows.filter(pk=_id(value)).first()
    if found is None:
        raise ValidationError(_("分类“%(value)s”不存在或不可选择。") % {"value": str(value)[:30]})
    return found


def _building(value, community: Community | None) -> Building | None:
    if value is None or value == "":
        return None
    found = None
    if _id(value) is not None and community is not None:
        found = Building.objects.filter(pk=_id(value), community=community).select_related("estate").first()
    if found is None:
        raise ValidationError(_("所选楼栋不存在或不属于该社区。"))
    return found


def _contact(name, phone) -> tuple[str, str]:
    name = _plain(name, _("称呼"), limit=30)
    phone = _plain(phone, _("联系电话"), limit=30)
    return name, (validate_contact_phone(phone) if phone else "")


def contact_split(contact) -> tuple[str, str]:
    """The API's `contact`: "王女士 13812345678", a phone alone, a name alone, or {"name": …, "phone": …}.
    Any digits in it must make a valid phone number (a name has none)."""
    if contact is None or contact == "":
        return "", ""
    if isinstance(contact, dict):
        if set(contact) - {"name", "phone"}:
            raise ValidationError(_("联系方式只能包含 name 和 phone。"))
        return _contact(contact.get("name"), contact.get("phone"))
    text = _plain(contact, _("联系方式"), limit=60)
    found = _DIGITS.search(text)
    if found is None:
        return _contact(text, "")
    name = (text[:found.start()] + " " + text[found.end():]).strip(" ,，;；:：/、")
    return _contact(name, found.group(0))


def intake_clean(*, community, description, category=None, address="", lat=None, long=None, contact_name="",
                 contact_phone="", building=None) -> dict:
    """The keyword arguments of `services.case_receive` for one public submission, or IntakeInvalid with every
    field's message. `community` is a Community or its official code."""
    errors: dict[str, list[str]] = {}

    def check(field, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.messages)
            return None

    if not isinstance(community, Community):
        code = community.strip() if isinstance(community, str) else ""
        community = Community.objects.filter(code=code).first() if _PLACE_CODE.match(code) else None
        if community is None:
            errors["community"] = [_("社区代码“%(code)s”不存在，请核对海报上的社区。") % {"code": code[:20]}
                                   if code else _("请提供社区代码。")]
    fields = {
        "community": community,
        "description": check("description", _plain, description, _("反映内容"), limit=services.MAX_TEXT,
                             required=True),
        "category": check("category", _category, category),
        "address": check("address", _plain, address, _("地点"), limit=200) or "",
        "latitude": check("lat", _coordinate, lat, _("纬度"), 90),
        "longitude": check("long", _coordinate, long, _("经度"), 180),
        "building": check("building", _building, building, community) if community is not None else None,
    }
    if (fields["latitude"] is None) != (fields["longitude"] is None) and "lat" not in errors \
            and "long" not in errors:
        errors["lat"] = [_("经纬度须同时提供或同时留空。")]
    contact = check("contact", _contact, contact_name, contact_phone)
    fields["contact_name"], fields["contact_phone"] = contact or ("", "")
    if errors:
        raise IntakeInvalid(errors)
    return fields


def _submission(key: str) -> PublicSubmission | None:
    return PublicSubmission.objects.filter(key=key).select_related("case").first()


def _answered(found: PublicSubmission, digest: str) -> tuple[Case, bool]:
    if found.body_hash != digest:
        raise KeyReused(found.case)
    return found.case, False


def intake_submit(*, key: str, payload: dict, fields: dict, channel: str, photos=()) -> tuple[Case, bool]:
    """Receive the case once per idempotency key: (case, True) the first time; (the same case, False) for the
    same key and body again, even when both arrive at once; KeyReused for the key with another body."""
    digest = services.body_hash(payload)
    if key:
        found = _submission(key)
        if found is not None:
            return _answered(found, digest)
    try:
        # The case and its key in one savepoint: a concurrent twin that loses the race on the unique key leaves
        # no case behind, and answers with the winner's.
        with transaction.atomic():
            case = services.case_receive(by=None, channel=channel, photos=photos, **fields)
            if key:
                PublicSubmission.objects.create(key=key, body_hash=digest, case=case)
    except IntegrityError:
        found = _submission(key) if key else None
        if found is None:
            raise
        return _answered(found, digest)
    return case, True


def _service_errors(error: ValidationError) -> dict[str, list[str]]:
    """A model-level refusal from case_receive, by the field names the API uses."""
    names = {"latitude": "lat", "longitude": "long", "contact_name": "contact", "contact_phone_enc": "contact"}
    if hasattr(error, "error_dict"):
        return {names.get(k, k): v for k, v in error.message_dict.items()}
    return {"description": error.messages}


# ---------------------------------------------------------------------------------------------------------------
# What the public sees of a case.


def case_by_code(code: str) -> Case:
    code = (code or "").strip().upper()
    # Only what a tracking code can look like is looked up: a NUL (or other junk) would be a 500 on PostgreSQL.
    case = (Case.objects.filter(tracking_code=code)
            .select_related("community", "category", "unit", "project", "merged_into").first()
            if _CODE.match(code) else None)
    if case is None:
        raise Http404(_("没有这个查询码。"))
    return case


def _steps(case: Case) -> list[dict]:
    rows = (Event.objects.filter(model="cases.case", object_id=case.pk, action__in=PUBLIC_STEPS)
            .order_by("at", "pk").values("action", "at", "data"))
    return [{"step": row["action"], "label": event_action_label(row["action"]), "at": row["at"],
             "unit": (row["data"] or {}).get("unit", "") if row["action"] in ("dispatched", "escalated") else ""}
            for row in rows]


def _project(case: Case) -> dict | None:
    project = case.project
    if project is None or not project.public:
        return None
    return {"name": project.name, "status": project.status, "status_label": project.get_status_display(),
            "progress": project.progress, "due_on": project.due_on, "finished_on": project.finished_on}


def public_status(case: Case, *, depth: int = 0) -> dict:
    """The public view of a case (no personal data). A merged case carries the progress and reply of the case it
    was merged into, without that case's tracking code (another resident's)."""
    status = {
        "community": case.community.name,
        "category": case.category.name if case.category_id else "",
        "state": case.state, "state_label": case.get_state_display(),
        "received_at": case.received_at, "due_at": case.due_at,
        "unit": case.unit.name if case.unit_id else "",
        "steps": _steps(case),
        "reply": case.reply, "replied_at": case.replied_at,
        "satisfaction": case.satisfaction,
        "satisfaction_label": case.get_satisfaction_display() if case.satisfaction else "",
        "project": _project(case),
        "merged_into": None,
        "can_rate": case.state == CaseState.REPLIED,
    }
    if case.state == CaseState.MERGED and case.merged_into_id and depth < 5:
        target = case_by_code(case.merged_into.tracking_code)
        status["merged_into"] = public_status(target, depth=depth + 1)
        status["merged_into"]["can_rate"] = False
    return status


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# ---------------------------------------------------------------------------------------------------------------
# Pages.


def _community(code: str) -> Community:
    if not _PLACE_CODE.match(code):
        raise Http404
    return get_object_or_404(Community.objects.select_related("town"), code=code)


def _poster_building(request, community: Community) -> Building | None:
    value = request.GET.get("building", "")
    if not value:
        return None
    if _id(value) is None:
        raise Http404
    return get_object_or_404(Building.objects.select_related("estate"), pk=_id(value), community=community)


def category_groups() -> list[tuple[str, list[tuple[int, str]]]]:
    """The categories residents may choose, grouped under their top-level class: [(class, [(id, name)])].
    A class is itself a choice ("其他…") for what fits none of its parts."""
    rows = list(Category.objects.filter(public=True).select_related("parent").order_by("order", "code"))
    parents = {c.pk: c.parent_id for c in Category.objects.only("pk", "parent")}
    names = {c.pk: c.name for c in rows}

    def root(pk):
        seen = 0
        while parents.get(pk) and seen < 10:
            pk, seen = parents[pk], seen + 1
        return pk

    groups: dict[int, list[tuple[int, str]]] = {}
    for category in rows:
        top = root(category.pk)
        groups.setdefault(top, [])
        if category.pk != top:
            groups[top].append((category.pk, category.name))
    result = []
    for top, children in groups.items():
        label = names.get(top) or Category.objects.get(pk=top).name
        choices = children + ([(top, _("其他%(name)s问题") % {"name": label})] if top in names else [])
        result.append((label, choices))
    return result


def _form_context(community, building, *, key, values=None, errors=None) -> dict:
    return {"community": community, "building": building, "key": key, "values": values or {},
            "errors": errors or {}, "groups": category_groups(), "max_text": services.MAX_TEXT,
            "title": _("反映问题")}


def _new_key() -> str:
    return "form-" + secrets.token_urlsafe(24)


def _files_digest(files) -> list[str]:
    digests = []
    for file in files:
        sha = hashlib.sha256()
        for chunk in file.chunks():
            sha.update(chunk)
        digests.append(sha.hexdigest())
    return digests


@require_http_methods(["GET", "POST"])
def intake_form(request, code: str):
    """The phone form a poster's QR code opens: what, where (the poster's building, if any), photos, contact."""
    community = _community(code)
    if request.method == "GET":
        building = _poster_building(request, community)
        return render(request, "cases/public_form.html", _form_context(community, building, key=_new_key()))
    post = request.POST
    building = Building.objects.filter(pk=_id(post["building"]), community=community).select_related("estate") \
        .first() if _id(post.get("building", "")) is not None else None
    key = post.get("key", "")
    key = key if _KEY.match(key) else _new_key()
    values = {name: post.get(name, "") for name in ("description", "category", "address", "contact_name",
                                                    "contact_phone", "lat", "long")}

    def again(errors, status=400, key=key):
        return render(request, "cases/public_form.html",
                      _form_context(community, building, key=key, values=values, errors=errors), status=status)

    wait = rate_wait(request)
    if wait:
        response = again({"form": [_too_many()]}, status=429)
        response["Retry-After"] = str(wait)
        return response
    files = request.FILES.getlist("photos")
    try:
        fields = intake_clean(community=community, building=post.get("building", ""),
                              description=values["description"], category=values["category"],
                              address=values["address"], lat=values["lat"], long=values["long"],
                              contact_name=values["contact_name"], contact_phone=values["contact_phone"])
    except IntakeInvalid as invalid:
        return again(invalid.errors)
    try:
        photos = photos_clean(files)
    except ValidationError as error:
        return again({"photos": error.messages})
    payload = {"community": community.code, "building": post.get("building", ""), **values,
               "photos": _files_digest(files)}
    try:
        case, _created = intake_submit(key=key, payload=payload, fields=fields, channel=Case.Channel.QR,
                                       photos=photos)
    except KeyReused as reused:
        # The form sent before went back and edited: the first one is kept; this one needs a fresh submit.
        return again({"form": [_("这张表单已经提交过（查询码 %(code)s）。如要反映另一个问题，请确认内容后再次提交。")
                                  % {"code": reused.case.tracking_code}]}, status=422, key=_new_key())
    except ValidationError as error:
        return again(_service_errors(error))
    return HttpResponseRedirect(reverse("public-status", args=[case.tracking_code]) + "?new=1", status=303)


@require_http_methods(["GET"])
def intake_poster(request, code: str):
    """An A4 poster to print and put up: the community (and building), what to report, the QR code of the form."""
    import segno

    community = _community(code)
    building = _poster_building(request, community)
    url = reverse("public-form", args=[community.code])
    if building is not None:
        url += f"?building={building.pk}"
    url = request.build_absolute_uri(url)
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(scale=4, border=2, omitsize=True, svgclass="poster-qr", dark="#0f3b2a",
                        title=_("扫码反映问题"))
    return render(request, "cases/public_poster.html", {
        "community": community, "building": building, "url": url, "qr": mark_safe(svg),  # segno's own SVG
        "title": _("扫码反映问题")})


@require_http_methods(["GET"])
def status_find(request):
    """/t/?code=…: a tracking code typed in goes to its status page."""
    code = (request.GET.get("code") or "").strip().upper()
    if code:
        if _CODE.match(code) and Case.objects.filter(tracking_code=code).exists():
            return HttpResponseRedirect(reverse("public-status", args=[code]))
        return render(request, "cases/public_find.html", {"code": code, "title": _("查询办理进度"),
                                                          "error": _("没有找到查询码 %(code)s，请核对后重新输入。")
                                                          % {"code": code[:20]}}, status=404)
    return render(request, "cases/public_find.html", {"code": "", "title": _("查询办理进度")})


@require_http_methods(["GET", "POST"])
def status_page(request, tracking_code: str):
    """The resident's view of their case: progress, reply, project; the rating once replied."""
    case = case_by_code(tracking_code)
    if case.tracking_code != tracking_code:
        return HttpResponseRedirect(reverse("public-status", args=[case.tracking_code]))
    error, status = "", 200
    if request.method == "POST":
        wait = rate_wait(request)
        if wait:
            error, status = _too_many(), 429
        else:
            try:
                services.case_rate(case=case, satisfaction=request.POST.get("satisfaction", ""),
                                   note=request.POST.get("note", ""))
            except ValidationError as refusal:
                error, status = " ".join(refusal.messages), 400
            else:
                return HttpResponseRedirect(reverse("public-status", args=[case.tracking_code]) + "?rated=1",
                                            status=303)
        case = case_by_code(tracking_code)
    return render(request, "cases/public_status.html", {
        "case": case, "status": public_status(case), "new": request.GET.get("new") == "1",
        "rated": request.GET.get("rated") == "1", "error": error, "choices": Case.Satisfaction.choices,
        "title": _("办理进度"), "url": request.build_absolute_uri()}, status=status)


# ---------------------------------------------------------------------------------------------------------------
# JSON API (no account, no session: CSRF does not apply; the rate limit and idempotency key do).


def _json_error(status: int, detail: str, **extra) -> JsonResponse:
    return JsonResponse({"detail": detail, **extra}, status=status, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_http_methods(["POST"])
def api_cases(request):
    """POST a case: 201 {"tracking_code"} the first time, 200 with the same code for the same key and body,
    422 for the key with another body, 400 with {"errors": {field: [...]}} for bad fields, 429 over the limit."""
    wait = rate_wait(request)
    if wait:
        response = _json_error(429, _too_many())
        response["Retry-After"] = str(wait)
        return response
    if request.content_type != "application/json":
        return _json_error(415, _("请以 JSON 格式提交（Content-Type: application/json）。"))
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _json_error(400, _("请求内容不是有效的 JSON。"))
    if not isinstance(data, dict):
        return _json_error(400, _("请求内容应为 JSON 对象。"))
    key = request.headers.get("Idempotency-Key", "").strip()
    if key and not _KEY.match(key):
        return JsonResponse({"errors": {"Idempotency-Key": [_("Idempotency-Key 应为1至100个可见ASCII字符。")]}},
                            status=400, json_dumps_params={"ensure_ascii": False})
    unknown = sorted(set(data) - set(API_FIELDS))
    errors = {name: [_("不认识的字段。")] for name in unknown}
    fields = None
    try:
        name, phone = contact_split(data.get("contact"))
    except ValidationError as error:
        errors["contact"] = error.messages
        name = phone = ""
    try:
        fields = intake_clean(community=data.get("community"), description=data.get("description"),
                              category=data.get("category"), address=data.get("address"), lat=data.get("lat"),
                              long=data.get("long"), contact_name=name, contact_phone=phone,
                              building=data.get("building"))
    except IntakeInvalid as invalid:
        errors = {**invalid.errors, **errors}
    if errors:
        return JsonResponse({"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False})
    payload = {k: data[k] for k in API_FIELDS if k in data}
    try:
        case, created = intake_submit(key=key, payload=payload, fields=fields, channel=Case.Channel.APP)
    except KeyReused:
        return _json_error(422, _("该 Idempotency-Key 已用于另一份内容不同的提交，请为新的诉求使用新的 Key。"))
    except ValidationError as error:
        return JsonResponse({"errors": _service_errors(error)}, status=400,
                            json_dumps_params={"ensure_ascii": False})
    status_url = request.build_absolute_uri(reverse("public-status", args=[case.tracking_code]))
    return JsonResponse({"tracking_code": case.tracking_code, "status_url": status_url},
                        status=201 if created else 200)


@require_http_methods(["GET"])
def api_case(request, tracking_code: str):
    """The public status of a case as JSON (no personal data)."""
    case = case_by_code(tracking_code)
    body = {"tracking_code": case.tracking_code, **_jsonable(public_status(case))}
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
