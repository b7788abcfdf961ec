"""The demo built by banyan.demo.build at 1% of its people: structure whole, identities valid, accounts working.

The demo is loaded once for the module (about a second) and deleted after it; the tests that load it again run
inside their own transaction, so they leave the module's copy as it was.
"""

import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, F, Sum

from banyan.accounts.models import RoleAssignment, User
from banyan.accounts.roles import RULES
from banyan.core.pii import pii_reveal
from banyan.core.validators import id_birth_date, id_sex, validate_id_number, validate_mobile
from banyan.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from banyan.demo.build import demo_load, demo_reset
from banyan.demo.figures import COMMUNITIES
from banyan.events.models import Event
from banyan.party.models import PartyMember, PartyOrg
from banyan.people.models import (
    Enterprise,
    Household,
    RentalProperty,
    RentalRoom,
    Residency,
    Resident,
    Tenancy,
)
from banyan.places.models import Building, Community, Cooperative, Dwelling, Estate, Grid, IndustrialPark

pytestmark = pytest.mark.django_db
SEED, SCALE = 20200209, 0.01


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        out = io.StringIO()
        summary = demo_load(seed=SEED, scale=SCALE, out=out)
        yield summary, out.getvalue()
        # Leave the test database as the migrations made it, for the test modules that come after.
        demo_reset()
        users = User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])
        with connection.cursor() as cursor:  # the log is append-only, but this module's loads are no one's history
            cursor.execute(f"DELETE FROM {Event._meta.db_table} WHERE model = %s OR user_id IN "
                           f"({', '.join(str(pk) for pk in users.values_list('pk', flat=True)) or 'NULL'})",
                           ["demo.demoload"])
        users.delete()
        Community.objects.filter(name__in=[p.name for p in COMMUNITIES]).update(area_km2=None, description="")


def snapshot() -> list[tuple]:
    return list(Resident.objects.order_by("community__code", "pk")
                .values_list("community__name", "name", "id_number_masked", "phone_masked", "residency"))


def test_prints_accounts_then_the_final_line(demo):
    summary, printed = demo
    lines = printed.splitlines()
    assert re.fullmatch(r"demo: residents=\d+ households=\d+ seconds=\d+\.\d", lines[-1])
    assert f"residents={summary['residents']} households={summary['households']}" in lines[-1]
    assert all(any(line.startswith(a.username + " ") for line in lines) for a in DEMO_ACCOUNTS)
    # People shrink with the scale: 1% of 东联's 4,830 registered residents and 9,060 migrants.
    assert summary["communities"]["东联"] == {Residency.REGISTERED: 48, Residency.PERMANENT: 0,
                                             Residency.MIGRANT: 91}


def test_structural_figures_are_the_seeds_at_every_scale(demo):
    donglian = {"community__name": "东联"}
    assert RentalProperty.objects.filter(**donglian).count() == 191
    assert RentalRoom.objects.filter(**donglian).count() == 2379
    assert IndustrialPark.objects.filter(**donglian).count() == 11
    hardware = Enterprise.objects.filter(**donglian, park__isnull=False)
    assert hardware.count() >= 1300 and hardware.filter(industry="五金").count() > hardware.count() / 2
    assert Cooperative.objects.filter(**donglian, name="拾陈经济社").exists()
    assert PartyOrg.objects.filter(community__name="罗湖", level=PartyOrg.Level.GROUP).count() == 119
    assert {"罗村花园B区党支部", "罗湖花园党支部", "罗湖社区“两新”联合党支部"} <= set(
        PartyOrg.objects.filter(community__name="罗湖", level=PartyOrg.Level.BRANCH).values_list("name", flat=True))
    assert set(Estate.objects.filter(community__name="罗湖").values_list("name", flat=True)) >= {"龙光·君悦龙庭",
                                                                                                  "长信银湾"}
    in_service = PartyMember.objects.filter(community__name="灯湖", kind=PartyMember.Kind.IN_SERVICE)
    assert in_service.count() == 690 and not in_service.filter(work_unit="").exists()
    assert PartyOrg.objects.filter(community__name="灯湖", name="干灯湖联合党委",
                                   level=PartyOrg.Level.COMMITTEE).exists()
    assert Estate.objects.get(name="中海万锦豪园").property_company.name == "中海物业"
    pingzhou = IndustrialPark.objects.get(community__name="凤鸣", name="平洲工业园")
    assert pingzhou.area_mu == Decimal(2800)
    assert pingzhou.enterprises.aggregate(n=Sum("headcount"))["n"] == 30000
    assert pingzhou.enterprises.filter(industry="鞋业", headcount__gt=1000).exists()
    assert "2013" in Community.objects.get(name="凤鸣").description


def test_every_community_lets_rooms_to_its_migrants_and_has_firms(demo):
    """罗湖 (many migrants, a factory town) and 灯湖 (a business district) have rentals and firms like the others,
    in proportion to their migrants; 东联 and 凤鸣 keep exactly what they had."""
    rentals, firms = {}, {}
    for plan in COMMUNITIES:
        here = {"community__name": plan.name}
        rentals[plan.name] = (RentalProperty.objects.filter(**here).count(), RentalRoom.objects.filter(**here).count())
        firms[plan.name] = Enterprise.objects.filter(**here)
        # Every tenant is a migrant of the community the room is in, and every room holds its current tenants.
        tenancies = Tenancy.objects.filter(**here)
        assert tenancies.exists(), plan.name
        assert not tenancies.exclude(resident__community=F("community")).exists()
        assert not tenancies.exclude(resident__residency=Residency.MIGRANT).exists()
        migrants = Resident.objects.filter(**here, residency=Residency.MIGRANT).count()
        tenants = tenancies.filter(moved_out=None).values("resident").distinct().count()
        assert tenants == round(migrants * plan.rental_share), plan.name
        crowded = (RentalRoom.objects.filter(**here, tenancies__moved_out=None).annotate(n=Count("tenancies"))
                   .filter(n__gt=F("capacity")))
        assert not crowded.exists(), plan.name
    assert rentals["东联"] == (191, 2379) and firms["东联"].count() == 1320
    assert rentals["凤鸣"] == (48, 560) and firms["凤鸣"].count() == 350
    # 罗湖: village houses and older estates' flats let room by room; workshops of two small industrial zones.
    assert rentals["罗湖"] == (370, 2260)
    assert RentalProperty.objects.filter(community__name="罗湖", building__estate__isnull=False).count() == 200
    assert firms["罗湖"].count() == 170 and not firms["罗湖"].filter(park=None).exists()
    assert IndustrialPark.objects.filter(community__name="罗湖").count() == 2
    # 灯湖: flats let room by room, and offices: finance first, each firm in a suite of an office tower.
    assert rentals["灯湖"] == (70, 180)
    offices = firms["灯湖"]
    assert offices.count() == 280 and not offices.exclude(park=None).exists()
    towers = Building.objects.filter(community__name="灯湖", use="03")  # 办公
    assert set(offices.values_list("grid", flat=True)) == set(towers.values_list("grid", flat=True))
    assert towers.count() == 5 and set(offices.values_list("grid__level", flat=True)) == {Grid.Level.MICRO}
    assert offices.filter(industry="金融服务").count() > offices.count() / 5
    assert offices.values("address").distinct().count() == offices.count()
    median = sorted(offices.values_list("headcount", flat=True))[140]
    assert median > sorted(firms["罗湖"].values_list("headcount", flat=True))[85]
    assert not offices.filter(name__endswith="厂").exists()


def test_identities_are_valid_masked_and_synthetic(demo):
    for model in (Resident, PartyMember):
        for person in model.objects.all():
            number = pii_reveal(person, "id_number")
            assert validate_id_number(number) == number
            assert 900 <= int(number[14:17]) <= 999, number  # the order codes of the demo
            assert person.id_number == number[:6] + "********" + number[-4:]
            assert person.sex == id_sex(number)
            if model is Resident:
                assert person.birth_date == id_birth_date(number)
            if person.phone_enc:
                phone = pii_reveal(person, "phone")
                assert validate_mobile(phone) == phone and person.phone == phone[:3] + "****" + phone[-4:]
    registered = Resident.objects.filter(residency=Residency.REGISTERED)
    assert not registered.exclude(id_number_masked__startswith="44").exists()
    provinces = {masked[:2] for masked in Resident.objects.filter(residency=Residency.MIGRANT)
                 .values_list("id_number_masked", flat=True)}
    assert len(provinces) > 3


def test_every_row_is_placed_in_its_community_and_grid(demo):
    for model in (Building, Dwelling, Household, Resident, RentalProperty, RentalRoom, Tenancy, Enterprise):
        rows = model.objects.values_list("community_id", "grid__community_id", "grid__level")
        assert rows and all(c == gc and level in (2, 3) for c, gc, level in rows), model.__name__
    for plan in COMMUNITIES:
        grids = Grid.objects.filter(community__name=plan.name)
        top = grids.get(level=1)
        assert not grids.filter(level=2).exclude(parent=top).exists()
        assert not grids.filter(level=3).exclude(parent__level=2).exists()
        assert all(grid.boundary["type"] == "Polygon" for grid in grids)
        lat, lon = plan.centre
        for building in Building.objects.filter(community__name=plan.name):
            assert abs(building.latitude - Decimal(lat)) < Decimal("0.05")
            assert abs(building.longitude - Decimal(lon)) < Decimal("0.05")
    assert not Tenancy.objects.exclude(grid=F("room__grid")).exists()
    assert not Tenancy.objects.filter(moved_out=None).exclude(resident__grid=F("grid")).exists()
    assert Tenancy.objects.filter(moved_out__isnull=False).exists()


def test_demo_accounts_log_in_with_their_roles(demo, client):
    for account in DEMO_ACCOUNTS:
        assert client.login(username=account.username, password=DEMO_PASSWORD), account.username
        assignment = RoleAssignment.objects.get(user__username=account.username)
        assignment.clean()  # the place is at a level the role may be held at
        assert assignment.role == account.role and assignment.level in RULES[account.role].levels
        assert assignment.place.name == account.place.split("/")[-1]
    assert User.objects.get(username="admin").is_superuser
    member = User.objects.get(username="denghu-member").party_member
    assert (member.kind, member.community.name, member.name) == (PartyMember.Kind.IN_SERVICE, "灯湖", "周志明")
    grid = RoleAssignment.objects.get(user__username="luohu-grid").grid
    captain = RoleAssignment.objects.get(user__username="luohu-captain").grid
    assert (grid.level, captain.level, captain.parent_id) == (2, 3, grid.pk)


def test_same_seed_same_demo_reset_twice_same_counts(demo):
    summary, _ = demo
    before = snapshot()
    again = demo_load(seed=SEED, scale=SCALE, out=io.StringIO())
    assert snapshot() == before
    assert again["counts"] == summary["counts"]
    kept = io.StringIO()
    assert demo_load(seed=SEED + 1, scale=SCALE, reset=False, out=kept)["counts"] == summary["counts"]
    assert "already loaded" in kept.getvalue()
    demo_load(seed=SEED + 1, scale=SCALE, out=io.StringIO())
    assert snapshot() != before
