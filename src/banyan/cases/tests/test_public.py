"""The residents' door: the QR form, the status page and its rating, the public JSON API, the poster, photos."""

import io
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from banyan.accounts.roles import Role
from banyan.cases import services
from banyan.cases.models import Case, CaseAttachment, CaseState, Category, PublicSubmission
from banyan.cases.photos import MAX_BYTES, photos_clean
from banyan.core.testing import BuildingFactory, EstateFactory, ProjectFactory, UnitFactory, community, make_user
from banyan.events.models import Event

pytestmark = pytest.mark.django_db
API = "/api/public/cases/"
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _roomy(settings, tmp_path):
    # The limit is tested on its own, with its own address; uploads go to a temporary folder.
    settings.BANYAN_PUBLIC_RATE = "1000/minute"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def donglian():
    return community("东联")


@pytest.fixture
def office(donglian):
    return UnitFactory(community=donglian, name="东联社区办公室")


@pytest.fixture
def secretary(donglian):
    return make_user(Role.COMMUNITY_SECRETARY, donglian)


def jpeg_with_gps(size=(40, 20), orientation=None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    if orientation:
        exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (22.0, 59.0, 1.5), 3: "E", 4: (113.0, 6.0, 7.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def form_key(response) -> str:
    return re.search(r'name="key" value="([^"]+)"', response.content.decode()).group(1)


def post_api(client, body, key=None, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(API, data=json.dumps(body, ensure_ascii=False), content_type="application/json",
                       **headers, **extra)


# ---------------------------------------------------------------------------------------------------------------
# The whole flow through the pages.


def test_a_resident_reports_follows_and_rates_and_dissatisfaction_reopens(client, donglian, office, secretary):
    estate = EstateFactory(community=donglian, name="碧桂花园")
    building = BuildingFactory(community=donglian, estate=estate, name="3栋")
    light = Category.objects.get(code="C-LIGHT")
    page = client.get(f"/r/{donglian.code}/?building={building.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "碧桂花园 3栋" in html and f'name="building" value="{building.pk}"' in html
    assert "<script>" not in html.replace('<script src=', '')  # CSP: no inline script
    photo = SimpleUploadedFile("门口.jpg", jpeg_with_gps(), content_type="image/jpeg")
    sent = {"key": form_key(page), "building": building.pk, "description": "楼下路灯不亮<script>alert(1)</script>",
            "category": light.pk, "address": "3栋502门口", "contact_name": "王阿姨", "contact_phone": PHONE,
            "photos": photo}
    response = client.post(f"/r/{donglian.code}/", sent)
    assert response.status_code == 303
    case = Case.objects.get()
    assert response["Location"] == f"/t/{case.tracking_code}/?new=1"
    assert (case.community, case.building, case.category, case.channel) == (donglian, building, light, "qr")
    assert case.description == "楼下路灯不亮<script>alert(1)</script>" and case.recorded_by is None
    assert case.contact_name == "王阿姨" and case.contact_phone == "138****5678" and PHONE not in case.contact_phone_enc
    stored = CaseAttachment.objects.get(case=case)
    assert stored.by_resident and stored.content_type == "image/jpeg"
    with stored.file.open("rb") as f:
        cleaned = Image.open(io.BytesIO(f.read()))
        assert not cleaned.getexif() and "exif" not in cleaned.info

    # A double submit (or a refresh of the POST) is the same case.
    photo.seek(0)
    again = client.post(f"/r/{donglian.code}/", sent)
    assert again.status_code == 303 and again["Location"] == response["Location"] and Case.objects.count() == 1

    status = client.get(response["Location"])
    body = status.content.decode()
    assert status.status_code == 200 and case.tracking_code in body and "已受理" in body and "路灯" in body
    for private in ("王阿姨", PHONE, "138****5678", "路灯不亮", "碧桂花园"):  # not bare digits (see below)
        assert private not in body

    case = services.case_dispatch(case=case, unit=office, by=secretary)
    services.case_reply(case=case, by=secretary, reply="已更换灯泡<b>谢谢</b>")
    body = client.get(f"/t/{case.tracking_code}/").content.decode()
    assert "已更换灯泡&lt;b&gt;谢谢&lt;/b&gt;" in body and "东联社区办公室" in body and "已答复" in body
    assert 'value="dissatisfied"' in body and "不满意" in body

    rated = client.post(f"/t/{case.tracking_code}/", {"satisfaction": "dissatisfied", "note": "晚上还是黑的"})
    assert rated.status_code == 303
    case.refresh_from_db()
    assert case.state == CaseState.REOPENED and case.satisfaction == "dissatisfied"
    assert list(Event.objects.filter(model="cases.case", object_id=case.pk).order_by("at", "pk")
                .values_list("action", flat=True))[-2:] == ["rated", "reopened"]
    body = client.get(rated["Location"]).content.decode()
    assert "重新办理" in body and 'value="dissatisfied"' not in body


def test_rating_before_a_reply_is_refused_and_changes_nothing(client, donglian):
    case = services.case_receive(community=donglian, description="噪音", channel=Case.Channel.QR)
    response = client.post(f"/t/{case.tracking_code}/", {"satisfaction": "satisfied"})
    assert response.status_code == 400 and "不能评价" in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED and case.satisfaction == ""


def test_the_form_refuses_bad_input_and_stores_nothing(client, donglian):
    other = BuildingFactory(community=community("罗湖"))
    key = form_key(client.get(f"/r/{donglian.code}/"))
    cases = [({"description": "   "}, "请填写反映内容"),
             ({"description": "x" * 5001}, "不能超过5000个字"),
             ({"description": "abc\x01\x02def"}, "无法识别的字符"),
             ({"description": "路灯", "building": other.pk}, "不属于该社区"),
             ({"description": "路灯", "contact_phone": "12345"}, "联系电话应为"),
             ({"description": "路灯", "category": "999999"}, "不存在或不可选择"),
             ({"description": "路灯", "lat": "95", "long": "113"}, "纬度应在")]
    for fields, message in cases:
        response = client.post(f"/r/{donglian.code}/", {"key": key, **fields})
        assert response.status_code == 400, fields
        assert message in response.content.decode(), fields
    text_as_jpeg = SimpleUploadedFile("fake.jpg", b"just some text, not a photo", content_type="image/jpeg")
    response = client.post(f"/r/{donglian.code}/", {"key": key, "description": "路灯", "photos": text_as_jpeg})
    assert response.status_code == 400 and "不是可识别的照片" in response.content.decode()
    assert not Case.objects.exists() and not PublicSubmission.objects.exists()
    assert client.get("/r/000000000000/").status_code == 404
    assert client.get(f"/r/{donglian.code}/?building={other.pk}").status_code == 404


def test_the_same_form_sent_again_with_other_text_keeps_the_first_and_asks_again(client, donglian):
    key = form_key(client.get(f"/r/{donglian.code}/"))
    client.post(f"/r/{donglian.code}/", {"key": key, "description": "第一件事"})
    response = client.post(f"/r/{donglian.code}/", {"key": key, "description": "另一件事"})
    first = Case.objects.get()
    assert response.status_code == 422 and first.tracking_code in response.content.decode()
    assert form_key(response) != key and first.description == "第一件事"


def test_the_form_offers_public_categories_grouped_by_their_class(client, donglian):
    Category.objects.filter(code="C-WAGES").update(public=False)
    html = client.get(f"/r/{donglian.code}/").content.decode()
    assert '<optgroup label="城乡建设">' in html and ">路灯</option>" in html
    assert ">欠薪</option>" not in html


# ---------------------------------------------------------------------------------------------------------------
# The JSON API.


def test_api_creates_once_per_key_and_refuses_the_key_with_another_body(client, donglian):
    body = {"community": donglian.code, "description": "健身器材坏了", "category": "C-FITNESS",
            "address": "文化广场", "lat": 23.0431, "long": 113.0012, "contact": f"李先生 {PHONE}"}
    first = post_api(client, body, key="app-1")
    assert first.status_code == 201
    code = first.json()["tracking_code"]
    case = Case.objects.get(tracking_code=code)
    assert case.channel == "app" and case.category.code == "C-FITNESS" and str(case.latitude) == "23.043100"
    assert case.contact_name == "李先生" and case.contact_phone == "138****5678"
    again = post_api(client, body, key="app-1")
    assert again.status_code == 200 and again.json()["tracking_code"] == code
    other = post_api(client, {**body, "description": "另一件事"}, key="app-1")
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["detail"]
    assert Case.objects.count() == 1
    # Without a key each post is a new case; a category may be given by id.
    plain = post_api(client, {"community": donglian.code, "description": "又一件事",
                              "category": Category.objects.get(code="C-NOISE").pk})
    assert plain.status_code == 201 and Case.objects.count() == 2


@pytest.mark.parametrize("change, field", [
    ({"community": "440605999999"}, "community"),
    ({"community": None}, "community"),
    ({"category": "NO-SUCH"}, "category"),
    ({"category": 99999999}, "category"),
    ({"description": ""}, "description"),
    ({"description": "长" * 5001}, "description"),
    ({"description": "bin\x00ary"}, "description"),
    ({"description": ["a list"]}, "description"),
    ({"lat": 91, "long": 113}, "lat"),
    ({"lat": 23, "long": -181}, "long"),
    ({"lat": "north", "long": 113}, "lat"),
    ({"lat": 23}, "lat"),
    ({"contact": "王 1381234"}, "contact"),
    ({"contact": {"name": "王", "phone": "abc"}}, "contact"),
    ({"building": 99999999}, "building"),
    ({"building": 10**30}, "building"),
    ({"category": 10**30}, "category"),
    ({"category": "99999999999999999999999"}, "category"),
    ({"secret": "x"}, "secret"),
])
def test_api_refuses_bad_fields_in_chinese_and_changes_nothing(client, donglian, change, field):
    body = {"community": donglian.code, "description": "路面塌陷", **change}
    response = post_api(client, body, key=f"bad-{field}")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors and re.search(r"[\u4e00-\u9fff]", errors[field][0])
    assert not Case.objects.exists() and not PublicSubmission.objects.exists()


def test_api_refuses_what_is_not_json(client, donglian):
    assert client.post(API, {"community": donglian.code, "description": "x"}).status_code == 415
    broken = client.post(API, data=b"{not json", content_type="application/json")
    assert broken.status_code == 400 and "JSON" in broken.json()["detail"]
    assert client.post(API, data=b"[1, 2]", content_type="application/json").status_code == 400
    deep = b"[" * 100_000 + b"]" * 100_000
    assert client.post(API, data=deep, content_type="application/json").status_code == 400
    assert client.post(API, data=b"\xff\xfe\x00", content_type="application/json").status_code == 400
    assert client.get(API).status_code == 405
    assert not Case.objects.exists()


def test_api_status_shows_progress_and_reply_but_no_person(client, donglian, office, secretary):
    body = {"community": donglian.code, "description": "我家502漏水", "address": "东联路1号502",
            "contact": {"name": "张三", "phone": PHONE}}
    code = post_api(client, body, key="status-1").json()["tracking_code"]
    case = Case.objects.get(tracking_code=code)
    services.case_dispatch(case=case, unit=office, by=secretary)
    services.case_reply(case=case, by=secretary, reply="已联系物业维修")
    response = client.get(f"{API}{code.lower()}/")
    assert response.status_code == 200
    status = response.json()
    assert status["tracking_code"] == code and status["state"] == "replied" and status["reply"] == "已联系物业维修"
    assert [s["step"] for s in status["steps"]] == ["received", "dispatched", "replied"]
    assert status["steps"][1]["unit"] == "东联社区办公室" and status["can_rate"] is True
    text = response.content.decode()
    # Not bare digits: "5678" or "502" can occur in a timestamp's microseconds or a tracking code.
    for private in ("张三", PHONE, "****5678", "1号502", "东联路", "漏水"):
        assert private not in text
    missing = client.get(f"{API}ZZZZZZZZZZ/")
    assert missing.status_code == 404 and "detail" in missing.json()


def test_api_over_the_rate_limit_gets_429_and_stores_nothing_more(client, settings, donglian):
    settings.BANYAN_PUBLIC_RATE = "3/minute"
    address = {"REMOTE_ADDR": "203.0.113.77"}
    answers = [post_api(client, {"community": donglian.code, "description": f"第{i}件"}, key=f"rate-{i}", **address)
               .status_code for i in range(5)]
    assert answers == [201, 201, 201, 429, 429]
    over = post_api(client, {"community": donglian.code, "description": "再来"}, **address)
    assert "频繁" in over.json()["detail"] and int(over["Retry-After"]) > 0
    assert Case.objects.count() == 3
    # Another address still gets in; the form over the limit answers 429 on the page.
    assert post_api(client, {"community": donglian.code, "description": "邻居"},
                    REMOTE_ADDR="203.0.113.78").status_code == 201
    page = client.post(f"/r/{donglian.code}/", {"key": "form-x", "description": "表单"}, **address)
    assert page.status_code == 429 and "频繁" in page.content.decode() and Case.objects.count() == 4


# ---------------------------------------------------------------------------------------------------------------
# Merged duplicates and projects.


def test_a_merged_residents_status_shows_the_replies_of_the_case_it_joined(client, donglian, office, secretary):
    mine = services.case_receive(community=donglian, description="路灯不亮", channel=Case.Channel.QR,
                                 contact_name="赵六")
    theirs = services.case_receive(community=donglian, description="村口路灯坏了", channel=Case.Channel.QR,
                                   contact_name="钱七")
    services.case_merge(case=mine, into=theirs, by=secretary)
    services.case_dispatch(case=theirs, unit=office, by=secretary)
    services.case_reply(case=theirs, by=secretary, reply="路灯已修复")
    body = client.get(f"/t/{mine.tracking_code}/").content.decode()
    assert "已合并" in body and "路灯已修复" in body and "东联社区办公室" in body
    assert theirs.tracking_code not in body and "钱七" not in body and 'value="satisfied"' not in body
    status = client.get(f"{API}{mine.tracking_code}/").json()
    assert status["state"] == "merged" and status["merged_into"]["reply"] == "路灯已修复"
    assert theirs.tracking_code not in json.dumps(status) and status["can_rate"] is False


def test_a_case_linked_to_a_project_tells_the_resident(client, donglian, secretary):
    case = services.case_receive(community=donglian, description="想要一个健身广场", channel=Case.Channel.QR)
    project = ProjectFactory(community=donglian, name="文化广场健身区改造", progress=40, status="underway")
    services.case_link_project(case=case, project=project, by=secretary)
    body = client.get(f"/t/{case.tracking_code}/").content.decode()
    assert "您反映的问题已转为项目" in body and "文化广场健身区改造" in body and "40%" in body
    status = client.get(f"{API}{case.tracking_code}/").json()
    assert status["project"]["name"] == "文化广场健身区改造" and status["project"]["progress"] == 40


def test_status_lookup_by_typed_code(client, donglian):
    case = services.case_receive(community=donglian, description="噪音", channel=Case.Channel.QR)
    found = client.get("/t/", {"code": f" {case.tracking_code.lower()} "})
    assert found.status_code == 302 and found["Location"] == f"/t/{case.tracking_code}/"
    missing = client.get("/t/", {"code": "NOPE"})
    assert missing.status_code == 404 and "没有找到查询码" in missing.content.decode()
    assert client.get("/t/NOPE2345XY/").status_code == 404


# ---------------------------------------------------------------------------------------------------------------
# The poster.


def test_the_poster_carries_a_qr_code_of_the_absolute_form_address(client, donglian):
    building = BuildingFactory(community=donglian, name="8栋")
    page = client.get(f"/r/{donglian.code}/poster/?building={building.pk}")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "poster-qr" in html and "8栋" in html
    assert f"http://testserver/r/{donglian.code}/?building={building.pk}" in html
    assert client.get(f"/r/{donglian.code}/poster/?building=abc").status_code == 404


# ---------------------------------------------------------------------------------------------------------------
# Photos.


def test_photos_lose_gps_and_camera_data_and_keep_their_orientation():
    upload = SimpleUploadedFile("x.jpg", jpeg_with_gps(size=(40, 20), orientation=6), content_type="image/jpeg")
    assert Image.open(io.BytesIO(upload.read())).getexif().get_ifd(0x8825)  # the test photo has a position
    upload.seek(0)
    [(name, content_type, data)] = photos_clean([upload])
    cleaned = Image.open(io.BytesIO(data))
    assert (name, content_type, cleaned.format) == ("photo-1.jpg", "image/jpeg", "JPEG")
    assert not cleaned.getexif() and b"SpyCam" not in data
    assert cleaned.size == (20, 40)  # turned as the camera said, before the tag went


def test_photos_are_judged_by_content_not_by_name():
    png = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 128)).save(png, "PNG")
    [(name, content_type, _data)] = photos_clean([SimpleUploadedFile("picture.jpg", png.getvalue())])
    assert (name, content_type) == ("photo-1.png", "image/png")
    for fake in (b"hello, I am text", b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>", b"GIF89a...."):
        with pytest.raises(ValidationError, match="不是可识别的照片"):
            photos_clean([SimpleUploadedFile("photo.jpg", fake, content_type="image/jpeg")])
    gif = io.BytesIO()
    Image.new("RGB", (5, 5)).save(gif, "GIF")
    with pytest.raises(ValidationError, match="JPG、PNG 或 WebP"):
        photos_clean([SimpleUploadedFile("anim.png", gif.getvalue())])


def test_photos_too_big_or_too_many_are_refused():
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * MAX_BYTES, content_type="image/jpeg")
    with pytest.raises(ValidationError, match="太大"):
        photos_clean([big])
    one = jpeg_with_gps()
    with pytest.raises(ValidationError, match="最多上传6张"):
        photos_clean([SimpleUploadedFile(f"{i}.jpg", one) for i in range(7)])
    huge = io.BytesIO()
    Image.new("L", (2560 * 3, 2000)).save(huge, "PNG")  # fits in bytes, but is shrunk to the cap
    [(_n, _t, data)] = photos_clean([SimpleUploadedFile("wide.png", huge.getvalue())])
    assert max(Image.open(io.BytesIO(data)).size) == 2560
