"""Rental properties (出租屋) of the cooperatives' villages, and their rooms: a structural figure, 东联's 191 / 2,379.

Each property is a village building let room by room, with a landlord and the 24-hour attendant the seeds ask
for; the ground floor is left to the attendant and shops, so rooms are numbered from the second floor up.
"""

import math
from decimal import Decimal

from banyan.demo.census import apportion
from banyan.demo.identities import person_name, phone_number, surname_draw
from banyan.demo.site import RoomPlace, Site
from banyan.people.models import RentalProperty, RentalRoom

BATCH = 2000
ROOM_CAPACITIES = (2, 4, 4, 6, 6, 8)  # beds: most rooms are shared by workers of nearby firms


def rentals_build(site: Site) -> int:
    """Create the community's rental properties and rooms; return the number of rooms."""
    if not site.rental_homes:
        return 0
    rng = site.rng("rentals")
    room_counts = apportion(site.plan.rental_rooms, [rng.uniform(0.5, 1.5) for _ in site.rental_homes])
    properties, rooms = [], []
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
        rooms += [RentalRoom(community=site.community, grid_id=building.grid_id, rental_property=rental,
                             number=f"{r // per_floor + 2}{r % per_floor + 1:02d}",
                             capacity=rng.choice(ROOM_CAPACITIES), area_m2=Decimal(rng.randrange(12, 30)))
                  for r in range(count)]
    RentalProperty.objects.bulk_create(properties, batch_size=BATCH)
    RentalRoom.objects.bulk_create(rooms, batch_size=BATCH)
    site.rooms = [RoomPlace(room.pk, room.grid_id, f"{room.rental_property.address}{room.number}房", room.capacity)
                  for room in rooms]
    return len(rooms)
