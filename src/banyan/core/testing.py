"""Factories for tests: one per model, and users holding a role at a place. No shared fixture world."""

import itertools
import random

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from banyan.accounts.models import RoleAssignment
from banyan.core.validators import id_check_digit
from banyan.party.models import PartyMember, PartyOrg
from banyan.people.models import (
    Enterprise,
    Household,
    PropertyCompany,
    RentalProperty,
    RentalRoom,
    Residency,
    Resident,
    Tenancy,
    TransferRequest,
)
from banyan.places.models import (
    Building,
    Community,
    Cooperative,
    District,
    Dwelling,
    Estate,
    Grid,
    IndustrialPark,
    Town,
)

_serial = itertools.count(1)
PASSWORD = "test-pass-9d"


def valid_id_number(*, born: str = "19850312", region: str = "440605", male: bool = True) -> str:
    """A fresh, valid ID number (GB 11643-1999), unique within a test run."""
    seq = next(_serial) % 500 * 2 + (1 if male else 0)
    first17 = f"{region}{born}{seq:03d}"
    return first17 + id_check_digit(first17)


def valid_phone() -> str:
    return f"1380000{next(_serial) % 10000:04d}"


def ensure_divisions() -> None:
    """The district tree, as its data migration loads it; transactional tests flush it away after each test."""
    if not District.objects.exists():
        from importlib import import_module

        from django.apps import apps

        import_module("banyan.places.migrations.0001_initial").load(apps, None)


def nanhai() -> District:
    ensure_divisions()
    return District.objects.get(code="440605")


def community(name: str) -> Community:
    """A real community of the district tree (loaded by migration), e.g. 东联, 罗湖, 灯湖, 凤鸣."""
    ensure_divisions()
    return Community.objects.get(name=name)


def town(name: str) -> Town:
    ensure_divisions()
    return Town.objects.get(name=name)


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    community = factory.LazyFunction(lambda: community("东联"))
    level = 2
    parent = factory.LazyAttribute(
        lambda o: Grid.objects.get_or_create(community=o.community, level=1, defaults={"name": f"{o.community}"})[0]
        if o.level == 2 else None
    )
    name = factory.Sequence(lambda n: f"第{n}网格")


class CooperativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cooperative

    community = factory.LazyFunction(lambda: community("东联"))
    name = factory.Sequence(lambda n: f"测试{n}经济社")


class IndustrialParkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndustrialPark

    community = factory.LazyFunction(lambda: community("东联"))
    name = factory.Sequence(lambda n: f"测试{n}工业园")


class PropertyCompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PropertyCompany

    community = factory.LazyFunction(lambda: community("东联"))
    name = factory.Sequence(lambda n: f"测试{n}物业")
    contact_phone = factory.LazyFunction(valid_phone)


class EstateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Estate

    community = factory.LazyFunction(lambda: community("东联"))
    name = factory.Sequence(lambda n: f"测试{n}花园")


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    community = factory.LazyFunction(lambda: community("东联"))
    grid = None
    name = factory.Sequence(lambda n: f"{n}栋")


class DwellingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dwelling

    building = factory.SubFactory(BuildingFactory)
    community = factory.SelfAttribute("building.community")
    grid = factory.SelfAttribute("building.grid")
    number = factory.Sequence(lambda n: f"{n:04d}")


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    community = factory.LazyFunction(lambda: community("东联"))
    grid = None
    number = factory.Sequence(lambda n: f"H{n:06d}")


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    community = factory.LazyFunction(lambda: community("东联"))
    grid = None
    name = factory.Sequence(lambda n: f"居民{n}")
    residency = Residency.REGISTERED
    id_number = factory.LazyFunction(valid_id_number)
    phone = factory.LazyFunction(valid_phone)


class RentalPropertyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RentalProperty

    community = factory.LazyFunction(lambda: community("东联"))
    grid = None
    address = factory.Sequence(lambda n: f"村前路{n}号")
    landlord_name = "房东甲"
    landlord_phone = factory.LazyFunction(valid_phone)


class RentalRoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RentalRoom

    rental_property = factory.SubFactory(RentalPropertyFactory)
    community = factory.SelfAttribute("rental_property.community")
    grid = factory.SelfAttribute("rental_property.grid")
    number = factory.Sequence(lambda n: f"{n}")


class TenancyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenancy

    room = factory.SubFactory(RentalRoomFactory)
    community = factory.SelfAttribute("room.community")
    grid = factory.SelfAttribute("room.grid")
    resident = factory.SubFactory(ResidentFactory, community=factory.SelfAttribute("..room.community"),
                                  grid=factory.SelfAttribute("..room.grid"), residency=Residency.MIGRANT)
    moved_in = factory.LazyFunction(lambda: __import__("datetime").date(2026, 3, 1))


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    community = factory.LazyFunction(lambda: community("东联"))
    grid = None
    name = factory.Sequence(lambda n: f"测试{n}五金厂")
    industry = "五金"
    headcount = factory.LazyFunction(lambda: random.Random(next(_serial)).randint(5, 80))
    contact_phone = factory.LazyFunction(valid_phone)


class PartyOrgFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyOrg

    community = factory.LazyFunction(lambda: community("东联"))
    level = PartyOrg.Level.BRANCH
    name = factory.Sequence(lambda n: f"第{n}党支部")


class PartyMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyMember

    org = factory.SubFactory(PartyOrgFactory)
    community = factory.SelfAttribute("org.community")
    grid = None
    name = factory.Sequence(lambda n: f"党员{n}")
    id_number = factory.LazyFunction(valid_id_number)
    phone = factory.LazyFunction(valid_phone)


class TransferRequestFactory(factory.django.DjangoModelFactory):
    """罗湖 asks 东联 for one of its residents (transfer requests are written by people/services.py in use)."""

    class Meta:
        model = TransferRequest

    resident = factory.SubFactory(ResidentFactory)
    id_number_masked = factory.SelfAttribute("resident.id_number_masked")
    from_community = factory.SelfAttribute("resident.community")
    to_community = factory.LazyFunction(lambda: community("罗湖"))
    to_grid = None
    reason = factory.Sequence(lambda n: f"购房定居{n}")
    requested_by = factory.LazyFunction(lambda: make_user())


class UnitFactory(factory.django.DjangoModelFactory):
    """A community office of 东联 by default; pass `grid=` for a grid's, `community=None` for a town department."""

    class Meta:
        model = "cases.Unit"

    community = factory.LazyFunction(lambda: community("东联"))
    town = factory.LazyAttribute(lambda o: o.community.town if o.community else town("丹灶镇"))
    kind = "community_office"
    name = factory.Sequence(lambda n: f"社区办公室{n}")


class DeliberationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cases.Deliberation"

    community = factory.LazyFunction(lambda: community("东联"))
    title = factory.Sequence(lambda n: f"村前路路灯议事{n}")
    held_at = factory.LazyFunction(timezone.now)
    venue = "拾陈经济社榕树头议事厅"
    convener = "陈书记"


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cases.Project"

    community = factory.LazyFunction(lambda: community("东联"))
    name = factory.Sequence(lambda n: f"村前路路灯安装{n}")
    owner = "陈书记"


class CaseFactory(factory.django.DjangoModelFactory):
    """A case as stored; in use, cases are written by cases/services.py (which also writes their events)."""

    class Meta:
        model = "cases.Case"

    community = factory.LazyFunction(lambda: community("东联"))
    channel = "walk_in"
    description = factory.Sequence(lambda n: f"村前路一直没有路灯，晚上很黑，有没有办法解决？{n}")


def make_user(role: str | None = None, place=None, *, username: str | None = None, **extra):
    """A user holding `role` at `place` (a District, Town, Community or Grid); no role if role is None."""
    user = get_user_model().objects.create_user(username=username or f"user{next(_serial)}", password=PASSWORD,
                                                **extra)
    if role:
        level = type(place).__name__.lower()
        RoleAssignment.objects.create(user=user, role=role, **{level: place})
    return user


def text(response) -> str:
    """A response's body as text, streamed or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode()
