"""Households and residents of one community, and the tenancies of migrants in rental rooms.

Registered (户籍) and permanent (常住, non-hukou) residents live as families in the dwellings of estates and
villages. Migrants (流动人口) live in rental rooms through tenancies ("一个不漏,人人登记"), share rented flats, or
sleep in a firm's dormitory as one collective household. Rows are written in rounds of a few thousand residents,
so memory stays flat whatever the scale.
"""

import datetime as dt
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from banyan.demo.census import Unit, apportion
from banyan.demo.figures import AS_OF
from banyan.demo.identities import (
    HOME_CITIES,
    HOME_COUNTIES,
    NANHAI,
    NANHAI_BEFORE_2003,
    IdNumbers,
    birth_date,
    ethnicity_for,
    person_name,
    phone_number,
    surname_draw,
)
from banyan.demo.site import Candidate, Home, RoomPlace, Site
from banyan.people.models import Household, Residency, Resident, Tenancy

BATCH = 2000
ROUND = 5000  # residents written per round
SHANGHAI = ZoneInfo("Asia/Shanghai")
REGISTRY_OPENED = dt.date(2019, 1, 1)  # records before this date were entered when the registry opened
PREFECTURE = "广东省佛山市南海区"
INFLOW_REASONS = (("01", 80), ("03", 6), ("06", 6), ("08", 5), ("99", 3))  # 务工 经商 随迁 投亲靠友 其他
PAST_TENANCY = 0.2  # share of room tenants who lived in another room of the community before


@dataclass
class Round:
    """Rows waiting to be written, parents before children."""

    households: list[Household] = field(default_factory=list)
    residents: list[Resident] = field(default_factory=list)
    tenancies: list[Tenancy] = field(default_factory=list)

    def write(self) -> int:
        Household.objects.bulk_create(self.households, batch_size=BATCH)
        Resident.objects.bulk_create(self.residents, batch_size=BATCH)
        Tenancy.objects.bulk_create(self.tenancies, batch_size=BATCH)
        written = len(self.residents)
        self.households, self.residents, self.tenancies = [], [], []
        return written


@dataclass
class Registrar:
    """Registers the people of one community: unique ID numbers, household numbers, rows in rounds."""

    site: Site
    ids: IdNumbers
    progress: object  # a tqdm bar
    rng: random.Random = field(init=False)
    round: Round = field(default_factory=Round)
    households: int = 0

    def __post_init__(self):
        self.rng = self.site.rng("residents")

    def household_new(self, *, kind: str, grid_id: int, address: str, home: Home | None = None) -> Household:
        self.households += 1
        household = Household(community_id=self.site.community.pk, grid_id=grid_id, kind=kind, address=address,
                              number=f"{self.site.community.code}-{self.households:05d}",
                              dwelling_id=home.dwelling.pk if home else None)
        self.round.households.append(household)
        return household

    def resident_new(self, *, residency: str, male: bool, age: int, region: str, surname: str, section: str,
                     registered_on: dt.date, **fields) -> Resident:
        """A resident with a unique, valid ID number; a party member among them is noted for the party stage."""
        rng, party = self.rng, self.site.plan.party
        number, born = self.ids.issue(region=region, born=birth_date(rng, age), male=male)
        mobile = residency == Residency.MIGRANT
        member = age >= 22 and rng.random() < (party.mobile_rate if mobile else party.local_rate)
        youth_league = 14 <= age <= 28 and rng.random() < 0.3
        resident = Resident(community_id=self.site.community.pk, name=person_name(rng, male=male, surname=surname),
                            sex="1" if male else "2", birth_date=born, ethnicity=ethnicity_for(rng, region),
                            residency=residency, political_status="01" if member else "03" if youth_league else "13",
                            created_at=registered_at(max(registered_on, REGISTRY_OPENED), rng), **fields)
        resident.id_number = number
        phone = phone_number(rng) if age >= 16 else ""  # children have no phone of their own
        resident.phone = phone
        if member:
            self.site.candidates.append(Candidate(resident, number, phone, section, age, mobile))
        self.round.residents.append(resident)
        if len(self.round.residents) >= ROUND:
            self.write()
        return resident

    def write(self) -> None:
        self.progress.update(self.round.write())


def residents_build(site: Site, ids: IdNumbers, progress) -> int:
    """Create the community's households, residents and tenancies; return the number of households."""
    registrar = Registrar(site, ids, progress)
    for section, units in site.census.units.items():
        for unit, home in zip(units, site.homes[section], strict=False):
            if unit.residency == Residency.MIGRANT:
                flat_share(registrar, unit, home, section)
            else:
                family_move_in(registrar, unit, home, section)
    room_tenants(registrar, site.census.in_rooms)
    dormitory_workers(registrar, site.census.in_dorms)
    registrar.write()
    return registrar.households


def registered_at(day: dt.date, rng: random.Random) -> dt.datetime:
    """A working-hours moment of the day a record was entered."""
    return dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randrange(60)), tzinfo=SHANGHAI)


def day_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def family_members(size: int, rng: random.Random) -> list[tuple[str, int, bool]]:
    """(relation, age, male) of a family: head, spouse, a parent of the head when there is room, children."""
    head_male = rng.random() < 0.7
    if size == 1:
        return [("02", rng.randint(22, 88), head_male)]
    head = rng.randint(30, 75) if size >= 3 else rng.randint(24, 85)
    members = [("02", head, head_male), ("10", max(20, head + rng.randint(-5, 3)), not head_male)]
    if size >= 5 and head <= 62:
        members.append(("50", head + rng.randint(24, 32), rng.random() < 0.4))
    while len(members) < size:
        members.append(("20", rng.randint(max(0, head - 45), head - 22), rng.random() < 0.52))
    return members


def family_move_in(registrar: Registrar, unit: Unit, home: Home, section: str) -> None:
    """A registered or permanent family in its dwelling; children and the head's father share the head's name."""
    rng = registrar.rng
    registered = unit.residency == Residency.REGISTERED
    grid_id = home.dwelling.grid_id
    household = registrar.household_new(kind=Household.Kind.FAMILY, grid_id=grid_id, address=home.address,
                                        home=home)
    address = PREFECTURE + home.address
    family_name = surname_draw(rng, local=registered)
    if registered:
        moved_in, origin = AS_OF - dt.timedelta(days=rng.randrange(20 * 365)), address
        newcomer = {}
    else:
        region, origin = rng.choice(HOME_CITIES)
        moved_in = day_between(rng, dt.date(2003, 1, 1), AS_OF)
        newcomer = {"permit_type": "01", "residence_type": "01", "arrived_on": moved_in}
    for relation, age, male in family_members(unit.size, rng):
        if registered:
            # 南海 was a county-level city (440682) until 2002: people registered before then kept its code.
            region = NANHAI_BEFORE_2003 if AS_OF.year - age < 2003 else NANHAI
        shares_name = relation in ("02", "20") or (relation == "50" and male)
        registrar.resident_new(residency=unit.residency, male=male, age=age, region=region,
                               surname=family_name if shares_name else surname_draw(rng, local=registered),
                               section=section, registered_on=moved_in, household=household,
                               dwelling_id=home.dwelling.pk, grid_id=grid_id, relation=relation,
                               registered_address=origin, current_address=address, **newcomer)


def migrant_fields(rng: random.Random, arrived: dt.date, residence_type: str, address: str) -> dict:
    region, origin = rng.choice(HOME_COUNTIES)
    return {"region": region, "registered_address": origin, "arrived_on": arrived, "registered_on": arrived,
            "inflow_reason": rng.choices(*zip(*INFLOW_REASONS, strict=True))[0],
            "permit_type": "01" if rng.random() < 0.6 else "", "residence_type": residence_type,
            "current_address": PREFECTURE + address}


def migrant_new(registrar: Registrar, *, arrived: dt.date, residence_type: str, address: str, grid_id: int,
                section: str = "", **fields) -> Resident:
    rng = registrar.rng
    male = rng.random() < 0.62
    return registrar.resident_new(residency=Residency.MIGRANT, male=male, age=round(rng.triangular(18, 58, 26)),
                                  surname=surname_draw(rng, local=False), section=section, grid_id=grid_id,
                                  **migrant_fields(rng, arrived, residence_type, address), **fields)


def flat_share(registrar: Registrar, unit: Unit, home: Home, section: str) -> None:
    """Migrants sharing a rented flat of an estate."""
    arrived = day_between(registrar.rng, dt.date(2015, 1, 1), AS_OF)
    for _ in range(unit.size):
        migrant_new(registrar, arrived=arrived, residence_type="02", address=home.address,
                    grid_id=home.dwelling.grid_id, section=section, dwelling_id=home.dwelling.pk)


def room_assignments(rooms: list[RoomPlace], people: int, rng: random.Random) -> list[RoomPlace]:
    """A room for each of `people`: nearly every room gets a tenant first, then the spare beds fill at random."""
    occupied = [room for room in rooms if rng.random() > 0.06]  # some rooms stand empty between tenants
    if people <= len(occupied):
        return rng.sample(occupied, people)
    spare_beds = [room for room in occupied for _ in range(room.capacity - 1)]
    if people - len(occupied) > len(spare_beds):
        raise ValueError(f"{people} tenants do not fit in {len(rooms)} rooms")
    return occupied + rng.sample(spare_beds, people - len(occupied))


def room_tenants(registrar: Registrar, people: int) -> None:
    """Migrants in rental rooms, each with a current tenancy and some with an earlier one in another room."""
    rng, rooms = registrar.rng, registrar.site.rooms
    for room in room_assignments(rooms, people, rng):
        arrived = day_between(rng, dt.date(2016, 1, 1), AS_OF)
        moved_in = day_between(rng, arrived, AS_OF)
        tenant = migrant_new(registrar, arrived=arrived, residence_type="02", address=room.address,
                             grid_id=room.grid_id, dwelling_id=room.dwelling_id)
        tenancy_add(registrar, tenant, room, moved_in, None)
        if (moved_in - arrived).days >= 2 and rng.random() < PAST_TENANCY:
            tenancy_add(registrar, tenant, rng.choice(rooms), arrived, moved_in - dt.timedelta(days=1))


def tenancy_add(registrar: Registrar, tenant: Resident, room: RoomPlace, moved_in: dt.date,
                moved_out: dt.date | None) -> None:
    registrar.round.tenancies.append(Tenancy(community_id=registrar.site.community.pk, grid_id=room.grid_id,
                                             room_id=room.room_id, resident=tenant, moved_in=moved_in,
                                             moved_out=moved_out))


def dormitory_workers(registrar: Registrar, people: int) -> None:
    """Migrants in the dormitories of the largest firms, each dormitory one collective household."""
    firms = registrar.site.dorms
    for firm, count in zip(firms, apportion(people, [firm.headcount for firm in firms]), strict=True):
        if not count:
            continue
        address = f"{firm.address}{firm.name}集体宿舍"
        household = registrar.household_new(kind=Household.Kind.COLLECTIVE, grid_id=firm.grid_id, address=address)
        for _ in range(count):
            arrived = day_between(registrar.rng, dt.date(2017, 1, 1), AS_OF)
            migrant_new(registrar, arrived=arrived, residence_type="05", address=address, grid_id=firm.grid_id,
                        household=household)
