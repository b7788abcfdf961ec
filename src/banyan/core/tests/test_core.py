import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from banyan.accounts.roles import Action, Role
from banyan.accounts.services import pii_reveal_for
from banyan.core import pii
from banyan.core.scoping import get_visible_or_404
from banyan.core.services import record_save
from banyan.core.testing import GridFactory, ResidentFactory, community, make_user, nanhai, town, valid_id_number
from banyan.core.validators import validate_id_number, validate_mobile
from banyan.events.models import Event
from banyan.people.models import Residency, Resident

pytestmark = pytest.mark.django_db


def test_id_number_rules_give_chinese_messages():
    good = valid_id_number()
    assert validate_id_number(good.lower()) == good
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    cases = {
        "12345": "18位",
        bad_check: "校验位",
        "990605198503120011": "省级行政区划",
        "440605198502300011": "不是有效日期",
        "440605209901010011": "不合理",
    }
    for value, message in cases.items():
        with pytest.raises(ValidationError) as err:
            validate_id_number(value)
        assert message in err.value.messages[0], value


def test_mobile_rules():
    assert validate_mobile("+86 138-1234-5678") == "13812345678"
    for bad in ("12812345678", "1381234567", "abc"):
        with pytest.raises(ValidationError, match="手机号码"):
            validate_mobile(bad)


def test_personal_numbers_are_encrypted_hashed_and_masked():
    number = valid_id_number()
    resident = ResidentFactory(id_number=number, phone="13812345678")
    row = Resident.objects.values("id_number_enc", "id_number_masked", "phone_masked").get(pk=resident.pk)
    assert number not in row["id_number_enc"]
    assert row["id_number_masked"] == number[:6] + "********" + number[-4:]
    assert row["phone_masked"] == "138****5678"
    assert resident.id_number == row["id_number_masked"]
    assert Resident.objects.filter(**pii.pii_lookup("id_number", number.lower())).get() == resident


def test_grid_worker_sees_only_their_grid():
    mine, other = GridFactory(), GridFactory()
    micro = GridFactory(level=3, parent=mine)
    inside, below, outside = ResidentFactory(grid=mine), ResidentFactory(grid=micro), ResidentFactory(grid=other)
    worker = make_user(Role.GRID_WORKER, mine)
    assert set(Resident.objects.visible_to(worker)) == {inside, below}
    assert outside not in Resident.objects.visible_to(worker)


def test_community_town_and_district_scopes():
    donglian, luohu = ResidentFactory(community=community("东联")), ResidentFactory(community=community("罗湖"))
    secretary = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    officer = make_user(Role.TOWN_OFFICER, town("丹灶镇"))
    admin = make_user(Role.DISTRICT_ADMIN, nanhai())
    assert list(Resident.objects.visible_to(secretary)) == [donglian]
    assert list(Resident.objects.visible_to(officer)) == [donglian]
    assert set(Resident.objects.visible_to(admin)) == {donglian, luohu}
    assert not Resident.objects.visible_to(officer, Action.CHANGE).exists()
    assert not Resident.objects.visible_to(make_user()).exists()


def test_foreign_row_is_404_like_a_missing_one():
    from django.http import Http404

    luohu = ResidentFactory(community=community("罗湖"))
    secretary = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    for pk in (luohu.pk, 10**9, "x"):
        with pytest.raises(Http404):
            get_visible_or_404(Resident, secretary, pk)


def test_record_save_refuses_a_place_outside_scope_and_writes_nothing():
    secretary = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    resident = Resident(community=community("罗湖"), name="越界", residency=Residency.REGISTERED)
    with pytest.raises(ValidationError, match="管辖范围"):
        record_save(instance=resident, by=secretary, values={"id_number": valid_id_number()})
    assert not Resident.objects.filter(name="越界").exists()


def test_record_save_validates_dates():
    secretary = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    resident = Resident(community=community("东联"), name="未来", residency=Residency.REGISTERED,
                        birth_date=dt.date(2999, 1, 1))
    with pytest.raises(ValidationError) as err:
        record_save(instance=resident, by=secretary)
    assert "晚于今天" in str(err.value)
    assert not Resident.objects.filter(name="未来").exists()


def test_reveal_needs_permission_and_reason_and_is_audited():
    number = valid_id_number()
    resident = ResidentFactory(id_number=number)
    secretary = make_user(Role.COMMUNITY_SECRETARY, community("东联"))
    staff = make_user(Role.COMMUNITY_STAFF, community("东联"))
    with pytest.raises(ValidationError):
        pii_reveal_for(obj=resident, field="id_number", by=secretary, reason=" ")
    with pytest.raises(PermissionDenied):
        pii_reveal_for(obj=resident, field="id_number", by=staff, reason="核对")
    assert pii_reveal_for(obj=resident, field="id_number", by=secretary, reason="核对身份") == number
    audit = Event.objects.filter(action__in=("revealed", "exported")).get()
    assert (audit.user, audit.object_id, audit.data["field"], audit.note) == \
        (secretary, resident.pk, "id_number", "核对身份")


def test_bulk_created_rows_keep_their_whole_hash():
    # PostgreSQL's bulk insert casts each column to its type's array: char(32)[] would keep one character.
    numbers = [valid_id_number() for _ in range(3)]
    rows = []
    for number in numbers:
        resident = Resident(community=community("东联"), name="批量", residency=Residency.REGISTERED)
        resident.id_number = number
        rows.append(resident)
    Resident.objects.bulk_create(rows)
    for number in numbers:
        assert Resident.objects.filter(**pii.pii_lookup("id_number", number)).count() == 1
    assert {len(h) for h in Resident.objects.values_list("id_number_hash", flat=True)} == {32}


def test_bulk_sealing_matches_one_by_one_hashing_and_decrypts():
    """Imports seal a million numbers in bulk: each must be found by the same keyed hash as a page search, and
    decrypt to itself; a blank stays blank."""
    from banyan.core.pii import decrypt, keyed_hash, raw_keys, seal_lines

    values = ["440605198503120016", "", "13812345678", "张三", "0757-86651234"]
    hashes, ciphertexts = seal_lines(*raw_keys(), "\n".join(values), True)
    assert hashes.split("\n") == [keyed_hash(v) if v else "" for v in values]
    sealed = ciphertexts.split("\n")
    assert [decrypt(c) if c else "" for c in sealed] == values
    assert len(set(c for c in sealed if c)) == 4  # a fresh nonce each


@pytest.mark.django_db
def test_a_contact_phone_may_be_a_landline_but_a_residents_phone_is_a_mobile():
    """The forms and the API take what the import takes: 0757-86651234 for an enterprise, not for a person."""
    from django.core.exceptions import ValidationError

    from banyan.core.pii import number_clean
    from banyan.people.models import Enterprise, Resident

    assert number_clean(Enterprise, "contact_phone", "0757-86651234", taken=False).startswith("0757")
    with pytest.raises(ValidationError):
        number_clean(Resident, "phone", "0757-86651234", taken=False)
