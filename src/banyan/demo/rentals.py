"""Rental properties (出租屋) and their rooms: a structural figure, 东联's 191 / 2,379.

Most are village buildings let room by room, with a landlord and the 24-hour attendant the seeds ask for; the
ground floor is left to the attendant and shops, so rooms are numbered from the second floor up. Some are estate
flats let room by room (罗湖's older estates, 灯湖's apartment tower): the owner lets each bedroom, and no
attendant lives there.
"""

import math
from decimal import Decimal

from banyan.demo.census import apportion
from banyan.demo.identities import person_name, phone_number, surname_draw
from banyan.demo.site import RoomPlace, Site
from banyan.people.models import RentalProperty, RentalRoom

BATCH = 2000
ROOM_CAPACITIES = (2, 4, 4, 6, 6, 8)  # beds: most rooms are shared by workers of nearby firms
FLAT_ROOM_CAPACITIES = (1, 1, 2, 2, 2, 3)  # a bedroom of a flat: one tenant or a couple, seldom three


def rentals_build(site: Site) -> int:
    """Create the community's rental properties and rooms; return the number of rooms."""
    properties, rooms, places = [], [], []
    village_rentals(site, properties, rooms, places)
    flat_rentals(site, properties, rooms, places)
    RentalProperty.objects.bulk_create(properties, batch_size=BATCH)
    RentalRoom.objects.bulk_create(rooms, batch_size=BATCH)
    site.rooms = [RoomPlace(room.pk, room.grid_id, address, room.capacity, dwelling_id)
                  for room, (address, dwelling_id) in zip(rooms, places, strict=True)]
    return len(rooms)


def village_rentals(site: Site, properties: list, rooms: list, places: list) -> None:
    if not site.rental_homes:
        return
    rng = site.rng("rentals")
    room_counts = apportion(site.plan.rental_rooms, [rng.uniform(0.5, 1.5) for _ in site.rental_homes])
    for building, count in zip(site.rental_homes, room_counts, strict=True):
        rental = RentalProperty(community=site.community, grid_id=building.grid_id, building=building,
                                address=building.address,
                                landlord_name=person_name(rng, male=rng.random() < 0.7,
                                                          surname=surname_draw(rng, local=True)),
                                attendant_name=person_name(rng, male=rng.random() < 0.5,
                                                           surname=surname_draw(rng, local=True)),
                                use="01" if rng.random() < 0.6 else "02",
                                hazard=rng.choices(("00", "01", "02", "05"), weights=(90, 6, 3, 1))[0])
        rental.landlord_phone = phone_number(rng)
        properties.append(rental)
        per_floor = math.ceil(count / max(1, building.floors - 1))
        for r in range(count):
            room = RentalRoom(community=site.community, grid_id=building.grid_id, rental_property=rental,
                              number=f"{r // per_floor + 2}{r % per_floor + 1:02d}",
                              capacity=rng.choice(ROOM_CAPACITIES), area_m2=Decimal(rng.randrange(12, 30)))
            rooms.append(room)
            places.append((f"{building.address}{room.number}房", None))


def flat_rentals(site: Site, properties: list, rooms: list, places: list) -> None:
    """Flats let bedroom by bedroom: rooms numbered after the flat (1502-1, 1502-2), a home (住房) each."""
    if not site.rental_flats:
        return
    rng = site.rng("rental flats")
    # A room for each flat, then the rest by size: no let flat without a room.
    flats = len(site.rental_flats)
    sizes = [rng.uniform(0.5, 1.5) for _ in range(flats)]
    room_counts = [1 + n for n in apportion(site.plan.flat_rooms - flats, sizes)]
    for home, count in zip(site.rental_flats, room_counts, strict=True):
        dwelling = home.dwelling
        rental = RentalProperty(community=site.community, grid_id=dwelling.grid_id, building=dwelling.building,
                                address=home.address,
                                landlord_name=person_name(rng, male=rng.random() < 0.6,
                                                          surname=surname_draw(rng, local=rng.random() < 0.7)),
                                use="02", hazard=rng.choices(("00", "01", "03"), weights=(94, 4, 2))[0])
        rental.landlord_phone = phone_number(rng)
        properties.append(rental)
        for r in range(count):
            room = RentalRoom(community=site.community, grid_id=dwelling.grid_id, rental_property=rental,
                              number=f"{dwelling.number}-{r + 1}", capacity=rng.choice(FLAT_ROOM_CAPACITIES),
                              area_m2=Decimal(rng.randrange(9, 20)))
            rooms.append(room)
            places.append((f"{dwelling.building.address}{room.number}房", dwelling.pk))
