"""`banyan demo`: the four communities of the seeds, built deterministically and in bulk.

Everything below the official division tree is replaced: places, people, party organisation, demo accounts.
Synthetic people have valid but visibly synthetic identities: ID numbers pass GB 11643 with order codes in the
900-999 block, phone numbers are in the 1990 block.
"""

import datetime as dt
import random
import sys
import time
from collections.abc import Iterable
from itertools import islice

from django.contrib.auth import get_user_model
from django.db import transaction
from tqdm import tqdm

from banyan.accounts.models import PiiAudit, RoleAssignment
from banyan.core.pii import sealer
from banyan.core.validators import id_check_digit
from banyan.demo.data import (
    AGENCIES,
    COMMUNITIES,
    DEMO_ACCOUNTS,
    GIVEN,
    MIGRANT_REGIONS,
    PASSWORD,
    PERMANENT_REGIONS,
    SURNAMES,
    CommunitySpec,
)
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

TODAY = dt.date(2026, 11, 1)  # the demo's "today": the same data whatever day it is loaded
BATCH = 2000


class People:
    """Synthetic identities: unique valid ID numbers (order codes 900-999), names, phones, birth dates."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: dict[tuple[str, dt.date, int], int] = {}
        self.seal = sealer()

    def name(self) -> str:
        rng = self.rng
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.8 else "")
        return rng.choice(SURNAMES) + given

    def phone(self) -> str:
        return f"1990{self.rng.randrange(10**7):07d}"

    def birth(self, low: int, high: int) -> dt.date:
        return TODAY - dt.timedelta(days=self.rng.randrange(low * 365, high * 365))

    def id_number(self, region: str, born: dt.date, male: bool) -> str:
        while True:
            key = (region, born, male)
            n = self.used.get(key, 0)
            if n < 50:
                self.used[key] = n + 1
                first17 = f"{region}{born:%Y%m%d}{900 + 2 * n + (1 if male else 0):03d}"
                return first17 + id_check_digit(first17)
            born -= dt.timedelta(days=1)

    def pii(self, obj, name: str, kind: str, value: str) -> None:
        enc, digest, masked = self.seal(kind, value)
        setattr(obj, f"{name}_enc", enc)
        setattr(obj, f"{name}_hash", digest)
        setattr(obj, f"{name}_masked", masked)


def demo_load(*, seed: int = 20200209, reset: bool = True, scale: float = 1.0, out=sys.stdout) -> dict:
    """Build the demo. Returns the counts; the last printed line is `demo: residents=N households=N seconds=S`."""
    started = time.perf_counter()
    rng = random.Random(seed)
    people = People(rng)
    if reset:
        with transaction.atomic():
            demo_reset()
    places = {}
    for spec in COMMUNITIES:
        with transaction.atomic():
            places[spec.name] = community_build(spec, rng, people, scale)
    with transaction.atomic():
        accounts_build(places, rng)
    counts = {"residents": Resident.objects.count(), "households": Household.objects.count()}
    seconds = time.perf_counter() - started
    accounts_print(out)
    print(f"demo: residents={counts['residents']} households={counts['households']} seconds={seconds:.1f}",
          file=out, flush=True)
    return counts | {"seconds": seconds}


def demo_reset() -> None:
    """Delete everything below the division tree, children first, without per-row work."""
    from django_tasks_db.models import DBTaskResult
    from rest_framework.authtoken.models import Token

    from banyan.ledgers.models import ImportJob

    for model in (PiiAudit, ImportJob, DBTaskResult, Token, RoleAssignment, Tenancy, RentalRoom, RentalProperty,
                  PartyMember, PartyOrg, Resident, Household, Enterprise, Dwelling, Building, Estate,
                  PropertyCompany, IndustrialPark):
        model.objects.all()._raw_delete(model.objects.db)
    for level in (3, 2, 1):
        Grid.objects.filter(level=level)._raw_delete(Grid.objects.db)
    Cooperative.objects.all()._raw_delete(Cooperative.objects.db)
    get_user_model().objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]).delete()


def _bulk(model, rows: Iterable, desc: str, total: int | None = None) -> list:
    """bulk_create in batches with a progress bar; returns the saved rows (with ids)."""
    saved = []
    rows = iter(rows)
    with tqdm(total=total, desc=desc, unit="行", file=sys.stderr, leave=False, disable=total is not None and
              total < 5000) as bar:
        while batch := list(islice(rows, BATCH)):
            saved += model.objects.bulk_create(batch, batch_size=BATCH)
            bar.update(len(batch))
    return saved


def _scaled(n: int, scale: float) -> int:
    return max(1, round(n * scale)) if n else 0


def community_build(spec: CommunitySpec, rng: random.Random, people: People, scale: float) -> dict:
    community = Community.objects.get(name=spec.name, town__name=spec.town)
    community.kind, community.area_km2, community.description = spec.kind, spec.area_km2, spec.description
    community.save(update_fields=["kind", "area_km2", "description"])
    cooperatives = {name: Cooperative.objects.create(community=community, name=name) for name in spec.cooperatives}
    companies = [PropertyCompany(community=community, name=name, contact_name=people.name())
                 for name in spec.property_companies]
    for company in companies:
        people.pii(company, "contact_phone", "phone", people.phone())
    PropertyCompany.objects.bulk_create(companies)

    registered, permanent = _scaled(spec.registered, scale), _scaled(spec.permanent, scale)
    migrant = _scaled(spec.migrant, scale)
    household_count = round((registered + permanent) / 2.8) or 1
    grids = grid_build(community, spec, cooperatives, max(2, round(household_count / spec.households_per_grid)))
    dwellings = dwelling_build(community, spec, rng, grids, cooperatives, companies, household_count)
    households = household_build(community, rng, dwellings, household_count)
    residents = resident_build(community, rng, people, households, registered, permanent, migrant, grids)
    rooms = rental_build(community, spec, rng, people, grids)
    tenancy_build(rng, rooms, [r for r in residents if r.residency == Residency.MIGRANT])
    enterprise_build(community, spec, rng, people, grids)
    party_build(community, spec, rng, people, cooperatives, residents)
    return {"community": community, "grids": grids}


def grid_build(community, spec: CommunitySpec, cooperatives: dict, count: int) -> dict:
    """The three-level red grid: the community, `count` grids, and four to eight micro-grids in each."""
    lat, lon = spec.centre
    top = Grid.objects.create(community=community, level=1, name=f"{community.name}社区网格", code="G",
                              boundary=_square(lat, lon, 0.012))
    coop_names = list(cooperatives)
    grids = Grid.objects.bulk_create(
        Grid(community=community, level=2, parent=top, name=f"{community.name}第{i + 1}网格", code=f"G{i + 1:02d}",
             cooperative=cooperatives[coop_names[i % len(coop_names)]] if coop_names else None,
             boundary=_square(lat + (i // 6 - 1) * 0.004, lon + (i % 6 - 3) * 0.004, 0.002))
        for i in range(count))
    micro = Grid.objects.bulk_create(
        Grid(community=community, level=3, parent=grid, name=f"{grid.name}{j + 1}号微网格", code=f"{grid.code}-{j + 1}")
        for grid in grids for j in range(4 + (grid.pk or 0) % 5))
    children: dict[int, list] = {}
    for m in micro:
        children.setdefault(m.parent_id, []).append(m)
    return {"top": top, "grids": grids, "micro": micro, "children": children}


def _square(lat: float, lon: float, half: float) -> dict:
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half],
            [lon - half, lat - half]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def dwelling_build(community, spec: CommunitySpec, rng, grids: dict, cooperatives: dict, companies: list,
                   household_count: int) -> list:
    """Buildings in estates (urban) or village houses under cooperatives, and their dwellings, enough for every
    household with a tenth to spare."""
    lat, lon = spec.centre
    needed = round(household_count * 1.1) + 1
    village = not spec.estates
    per_building = 3 if village else 48
    estates = Estate.objects.bulk_create(
        Estate(community=community, grid=grids["grids"][i % len(grids["grids"])], name=name,
               address=f"{community.town.name}{community.name}社区{name}",
               property_company=companies[i % len(companies)] if companies else None)
        for i, name in enumerate(spec.estates))
    coops = list(cooperatives.values())
    buildings = []
    for i in range(needed // per_building + 1):
        micro = grids["micro"][i % len(grids["micro"])]
        estate = estates[i % len(estates)] if estates else None
        buildings.append(Building(
            community=community, grid=micro, estate=estate,
            cooperative=coops[i % len(coops)] if village and coops else None,
            name=f"{i // len(estates) + 1}栋" if estate else f"{i + 1}号", use="01",
            address=f"{community.name}社区{estate.name if estate else coops[i % len(coops)].name if coops else ''}",
            floors=rng.randint(2, 4) if village else rng.choice((11, 18, 26, 32)),
            latitude=round(lat + rng.uniform(-0.01, 0.01), 6), longitude=round(lon + rng.uniform(-0.01, 0.01), 6)))
    buildings = _bulk(Building, buildings, f"{community.name} 楼栋", len(buildings))
    rows = (Dwelling(building=b, community=community, grid_id=b.grid_id,
                     number=f"{f // 4 + 1}{f % 4 + 1:02d}" if not village else f"{f + 1}", area_m2=rng.choice(
                         (68, 89, 96, 110, 128, 143)))
            for b in buildings for f in range(per_building))
    return _bulk(Dwelling, rows, f"{community.name} 房屋", len(buildings) * per_building)


def household_build(community, rng, dwellings: list, count: int) -> list:
    picked = dwellings[:count]
    rows = (Household(community=community, grid_id=d.grid_id, dwelling=d, number=f"{community.code[-6:]}{i + 1:06d}",
                      kind=Household.Kind.FAMILY, address=str(d.building.address) + str(d.number))
            for i, d in enumerate(picked))
    return _bulk(Household, rows, f"{community.name} 户", len(picked))


def resident_build(community, rng, people: People, households: list, registered: int, permanent: int,
                   migrant: int, grids: dict) -> list:
    """Registered and permanent residents fill the households (head first); migrants live in rentals."""
    town = community.town.name

    def settled(residency: str, n: int, offset: int):
        for i in range(n):
            household = households[(i + offset) % len(households)]
            head = i < len(households) - offset if offset == 0 else False
            region = "440605" if residency == Residency.REGISTERED else rng.choice(PERMANENT_REGIONS)
            yield _person(people, rng, community, household.grid_id, residency, region, household=household,
                          relation="02" if head else rng.choice(("10", "20", "20", "30", "50")),
                          registered_address=f"广东省佛山市南海区{town}{community.name}社区"
                          if residency == Residency.REGISTERED else "",
                          current_address=household.address, ages=(0, 90) if not head else (25, 85))

    def migrants(n: int):
        micro = grids["micro"]
        for i in range(n):
            region = rng.choice(MIGRANT_REGIONS)
            yield _person(people, rng, community, micro[i % len(micro)].pk, Residency.MIGRANT, region,
                          inflow_reason=rng.choice(("01", "01", "01", "03", "06")), permit_type="01",
                          residence_type=rng.choice(("02", "02", "05")),
                          arrived_on=TODAY - dt.timedelta(days=rng.randrange(30, 3000)), ages=(18, 58))

    total = registered + permanent + migrant
    rows = _chain(settled(Residency.REGISTERED, registered, 0), settled(Residency.PERMANENT, permanent, registered),
                  migrants(migrant))
    return _bulk(Resident, rows, f"{community.name} 居民", total)


def _chain(*iterables):
    for it in iterables:
        yield from it


def _person(people: People, rng, community, grid_id, residency, region, *, ages=(0, 90), household=None,
            **fields) -> Resident:
    born = people.birth(*ages)
    male = rng.random() < 0.52
    number = people.id_number(region, born, male)
    resident = Resident(community=community, grid_id=grid_id, household=household,
                        dwelling_id=household.dwelling_id if household else None, name=people.name(),
                        sex="1" if male else "2", birth_date=dt.date(int(number[6:10]), int(number[10:12]),
                                                                      int(number[12:14])),
                        residency=residency, political_status="13", **fields)
    people.pii(resident, "id_number", "id_number", number)
    if rng.random() < 0.85:
        people.pii(resident, "phone", "phone", people.phone())
    return resident


def rental_build(community, spec: CommunitySpec, rng, people: People, grids: dict) -> list:
    """Exactly the seeds' rental properties and rooms; a 24-hour attendant at each ("一个不漏,人人登记")."""
    properties, rooms = spec.rentals
    if not properties:
        return []
    sizes = _partition(rng, rooms, properties, low=4)
    micro = grids["micro"]
    rentals = []
    for i in range(properties):
        rental = RentalProperty(community=community, grid=micro[i % len(micro)],
                                address=f"{community.name}社区{rng.choice(('村前路', '村后街', '工业大道', '榕树巷'))}"
                                        f"{i + 1}号",
                                landlord_name=people.name(), attendant_name=people.name(),
                                use=rng.choice(("01", "01", "02")),
                                hazard="01" if rng.random() < 0.06 else "00")
        people.pii(rental, "landlord_phone", "phone", people.phone())
        rentals.append(rental)
    rentals = RentalProperty.objects.bulk_create(rentals)
    rows = (RentalRoom(rental_property=p, community=community, grid_id=p.grid_id,
                       number=f"{r // 10 + 1}{r % 10 + 1:02d}", capacity=rng.choice((4, 6, 8)),
                       area_m2=rng.choice((12, 15, 18, 20)))
            for p, size in zip(rentals, sizes, strict=True) for r in range(size))
    return _bulk(RentalRoom, rows, f"{community.name} 出租房间", rooms)


def _partition(rng, total: int, parts: int, low: int) -> list[int]:
    """`parts` sizes of at least `low` that add up to `total`, deterministic for the seed."""
    sizes = [low] * parts
    for _ in range(total - low * parts):
        sizes[rng.randrange(parts)] += 1
    return sizes


def tenancy_build(rng, rooms: list, migrants: list) -> None:
    """Migrants in rental rooms: most rooms occupied, a few vacant, and some earlier tenancies that ended."""
    if not rooms or not migrants:
        return
    occupied = [room for room in rooms if rng.random() < 0.93] or rooms[:1]
    rows = []
    for i, person in enumerate(migrants):
        room = occupied[i % len(occupied)]
        moved_in = max(person.arrived_on or TODAY, TODAY - dt.timedelta(days=rng.randrange(20, 1500)))
        if rng.random() < 0.06:
            earlier = rooms[rng.randrange(len(rooms))]
            start = moved_in - dt.timedelta(days=rng.randrange(200, 900))
            rows.append(Tenancy(room=earlier, resident=person, community_id=earlier.community_id,
                                grid_id=earlier.grid_id, moved_in=start, moved_out=moved_in - dt.timedelta(days=1)))
        rows.append(Tenancy(room=room, resident=person, community_id=room.community_id, grid_id=room.grid_id,
                            moved_in=moved_in))
    _bulk(Tenancy, rows, "入住登记", len(rows))


def enterprise_build(community, spec: CommunitySpec, rng, people: People, grids: dict) -> None:
    micro = grids["micro"]
    rows = []
    for park_spec in spec.parks:
        park = IndustrialPark.objects.create(community=community, name=park_spec.name, area_mu=park_spec.area_mu,
                                             grid=grids["grids"][len(rows) % len(grids["grids"])])
        industries = [name for name, weight in park_spec.industries for _ in range(weight)]
        anchors = list(park_spec.anchors)
        for i in range(park_spec.enterprises):
            if anchors:
                name, industry, headcount = anchors.pop(0)
            else:
                industry = rng.choice(industries)
                name = f"{park_spec.name[:2]}{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{industry}{i + 1}厂"
                headcount = rng.randint(*park_spec.headcount)
            enterprise = Enterprise(community=community, grid=micro[i % len(micro)], park=park, name=name,
                                    industry=industry, headcount=headcount, contact_name=people.name(),
                                    address=f"{park_spec.name}{i + 1}号")
            people.pii(enterprise, "contact_phone", "phone", people.phone())
            rows.append(enterprise)
    _bulk(Enterprise, rows, f"{community.name} 企业", len(rows))


def party_build(community, spec: CommunitySpec, rng, people: People, cooperatives: dict, residents: list) -> None:
    """The committee, its branches and groups, and members: locals are registered residents; mobile and
    in-service members come from elsewhere (in-service ones report to this community from their agency)."""
    committee = PartyOrg.objects.create(community=community, level=PartyOrg.Level.COMMITTEE, name=spec.committee)
    for name in spec.extra_committees:
        PartyOrg.objects.create(community=community, level=PartyOrg.Level.COMMITTEE, name=name)
    locals_ = [r for r in residents if r.residency == Residency.REGISTERED and r.age and r.age >= 25]
    rng.shuffle(locals_)
    members = []
    for branch_spec in spec.branches:
        branch = PartyOrg.objects.create(community=community, level=PartyOrg.Level.BRANCH, parent=committee,
                                         name=branch_spec.name,
                                         cooperative=cooperatives.get(branch_spec.cooperative))
        short = branch_spec.name.removesuffix("党支部")
        groups = PartyOrg.objects.bulk_create(
            PartyOrg(community=community, level=PartyOrg.Level.GROUP, parent=branch, name=f"{short}第{g + 1}党小组")
            for g in range(branch_spec.groups))
        for m in range(branch_spec.members):
            org = groups[m % len(groups)] if groups else branch
            if branch_spec.kind == "local" and locals_:
                members.append(_member_of(people, locals_.pop(), org, rng))
            else:
                members.append(_member_from_elsewhere(people, rng, community, org, branch_spec.kind))
    _bulk(PartyMember, members, f"{community.name} 党员", len(members))
    Resident.objects.filter(pk__in=[m.resident_id for m in members if m.resident_id]).update(political_status="01")


def _member_of(people: People, resident: Resident, org, rng) -> PartyMember:
    member = PartyMember(community_id=resident.community_id, grid_id=resident.grid_id, org=org, resident=resident,
                         kind=PartyMember.Kind.LOCAL, name=resident.name, sex=resident.sex,
                         joined_on=_joined(rng, resident.birth_date))
    for name in ("id_number", "phone"):
        setattr(member, f"{name}_enc", getattr(resident, f"{name}_enc"))
        setattr(member, f"{name}_hash", getattr(resident, f"{name}_hash"))
        setattr(member, f"{name}_masked", getattr(resident, f"{name}_masked"))
    return member


def _member_from_elsewhere(people: People, rng, community, org, kind: str) -> PartyMember:
    born = people.birth(24, 60)
    male = rng.random() < 0.55
    region = "440605" if kind == PartyMember.Kind.IN_SERVICE else rng.choice(MIGRANT_REGIONS)
    member = PartyMember(community=community, org=org, kind=kind, name=people.name(), sex="1" if male else "2",
                         joined_on=_joined(rng, born),
                         work_unit=rng.choice(AGENCIES) if kind == PartyMember.Kind.IN_SERVICE else "")
    people.pii(member, "id_number", "id_number", people.id_number(region, born, male))
    people.pii(member, "phone", "phone", people.phone())
    return member


def _joined(rng, born: dt.date) -> dt.date:
    earliest = born + dt.timedelta(days=18 * 365 + 30)
    span = max(1, (TODAY - earliest).days)
    return earliest + dt.timedelta(days=rng.randrange(span))


def accounts_build(places: dict, rng) -> None:
    """The demo accounts, each with its role at its place; `denghu-member` is one of 灯湖's in-service members."""
    User = get_user_model()
    for account in DEMO_ACCOUNTS:
        user = User(username=account.username, display_name=account.display_name, is_superuser=account.superuser,
                    is_staff=account.superuser)
        user.set_password(PASSWORD)
        user.save()
        RoleAssignment.objects.create(user=user, role=account.role, **_place_of(account.place, places))
        if account.username == "denghu-member":
            member = PartyMember.objects.filter(community=places["灯湖"]["community"],
                                                kind=PartyMember.Kind.IN_SERVICE).order_by("pk").first()
            member.user = user
            member.save(update_fields=["user"])


def _place_of(place: str, places: dict) -> dict:
    if place.startswith(("grid:", "micro:")):
        level, name = place.split(":")
        grids = places[name]["grids"]
        grid = max(grids["grids"], key=lambda g: Resident.objects.filter(grid__parent=g).count())
        return {"grid": grid if level == "grid" else grids["children"][grid.pk][0]}
    if place == "南海区":
        return {"district": District.objects.get(code="440605")}
    if place in places:
        return {"community": places[place]["community"]}
    return {"town": Town.objects.get(name=place)}


def accounts_print(out) -> None:
    print("demo accounts (password banyan-demo):", file=out)
    for account in DEMO_ACCOUNTS:
        assignment = RoleAssignment.objects.select_related("district", "town", "community", "grid").get(
            user__username=account.username)
        print(f"  {account.username:<20} {assignment.get_role_display()} @ {assignment.place}", file=out)
