"""One community while its demo is built: its plan, and what each stage leaves for the next."""

import math
import random
from dataclasses import dataclass, field

from banyan.demo.census import Census
from banyan.demo.figures import CommunityPlan
from banyan.people.models import Enterprise, PropertyCompany, Resident
from banyan.places.models import Building, Community, Cooperative, Dwelling, Grid, IndustrialPark


@dataclass
class Box:
    """A rectangle of latitude and longitude: a community, a grid, a block, split into cells for what lies in it."""

    south: float
    west: float
    north: float
    east: float

    @classmethod
    def around(cls, centre: tuple[float, float], area_km2: float) -> "Box":
        lat, lon = centre
        half = math.sqrt(area_km2) / 2
        dlat, dlon = half / 111.0, half / (111.0 * math.cos(math.radians(lat)))
        return cls(lat - dlat, lon - dlon, lat + dlat, lon + dlon)

    def cell(self, i: int, n: int) -> "Box":
        """The i-th of n cells, in rows from the north-west, as near square as n allows."""
        cols = math.ceil(math.sqrt(n))
        rows = math.ceil(n / cols)
        row, col = divmod(i, cols)
        height, width = (self.north - self.south) / rows, (self.east - self.west) / cols
        north, west = self.north - row * height, self.west + col * width
        return Box(north - height, west, north, west + width)

    def point(self, rng: random.Random) -> tuple[float, float]:
        """A latitude and longitude inside the middle of the box."""
        return (self.south + (self.north - self.south) * rng.uniform(0.25, 0.75),
                self.west + (self.east - self.west) * rng.uniform(0.25, 0.75))

    def polygon(self) -> dict:
        ring = [(self.west, self.south), (self.east, self.south), (self.east, self.north), (self.west, self.north),
                (self.west, self.south)]
        return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


@dataclass
class Home:
    """A dwelling waiting for its household, with the address the household will carry."""

    dwelling: Dwelling
    address: str


@dataclass
class RoomPlace:
    """A rental room waiting for its tenants."""

    room_id: int
    grid_id: int
    address: str
    capacity: int
    dwelling_id: int | None = None  # the flat, where the room is in a let flat


@dataclass
class Candidate:
    """A resident who is a party member: the party stage turns each into a PartyMember."""

    resident: Resident
    id_number: str
    phone: str
    section: str
    age: int
    mobile: bool


@dataclass
class Site:
    plan: CommunityPlan
    community: Community
    seed: int
    census: Census
    companies: dict[str, PropertyCompany] = field(default_factory=dict)  # property companies by name
    homes: dict[str, list[Home]] = field(default_factory=dict)  # section name → dwellings, vacant ones included
    section_grids: dict[str, list[Grid]] = field(default_factory=dict)  # section name → its level-2 grids
    cooperatives: dict[str, Cooperative] = field(default_factory=dict)
    rental_homes: list[Building] = field(default_factory=list)  # village buildings let room by room
    rental_flats: list[Home] = field(default_factory=list)  # estate flats let room by room
    towers: dict[str, list[Building]] = field(default_factory=dict)  # office district name → its towers
    rooms: list[RoomPlace] = field(default_factory=list)
    parks: dict[str, IndustrialPark] = field(default_factory=dict)
    dorms: list[Enterprise] = field(default_factory=list)  # firms housing workers in collective households
    candidates: list[Candidate] = field(default_factory=list)

    def rng(self, topic: str) -> random.Random:
        return stream(self.seed, self.plan.name, topic)


def stream(seed: int, community: str, topic: str) -> random.Random:
    """A random stream of its own per community and topic: changing one stage leaves the others' data alone."""
    return random.Random(f"{seed}:{community}:{topic}")
