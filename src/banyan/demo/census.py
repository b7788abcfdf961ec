"""Who lives where, before anything is built: households by size, dealt to the estates and villages.

The counts come first because the places depend on them: a section gets as many dwellings as it has households
and migrant groups to house, plus a few vacant ones.
"""

import math
import random
from dataclasses import dataclass, field

from banyan.demo.figures import CommunityPlan
from banyan.people.models import Residency

# Household sizes (1-6) weighted for a mean of 2.8 persons, the Guangdong average.
_SIZE_WEIGHTS = (0.18, 0.28, 0.26, 0.16, 0.08, 0.04)


@dataclass(frozen=True)
class Unit:
    """A household, or a group of migrants sharing a rented flat: whoever moves into one dwelling together."""

    residency: str
    size: int


@dataclass
class Census:
    units: dict[str, list[Unit]] = field(default_factory=dict)  # section name → units, in moving-in order
    in_rooms: int = 0  # migrants living in rental rooms
    in_dorms: int = 0  # migrants in enterprise dormitories


def people_count(figure: int, scale: float) -> int:
    """A seed figure of people at the demo's scale: never zero where the seeds have someone."""
    return max(1, round(figure * scale)) if figure else 0


def apportion(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights`, in whole numbers that add up exactly (largest remainder)."""
    whole = sum(weights)
    quotas = [total * w / whole for w in weights]
    shares = [math.floor(q) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - quotas[i], i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def household_sizes(people: int, rng: random.Random) -> list[int]:
    """Sizes of households holding exactly `people` persons (the last one takes who is left)."""
    sizes, left = [], people
    while left:
        size = min(left, rng.choices(range(1, 7), weights=_SIZE_WEIGHTS)[0])
        sizes.append(size)
        left -= size
    return sizes


def flat_groups(people: int, rng: random.Random) -> list[int]:
    """Migrants sharing rented flats, one to four to a flat."""
    sizes, left = [], people
    while left:
        size = min(left, rng.choice((1, 2, 2, 3, 3, 4)))
        sizes.append(size)
        left -= size
    return sizes


def census_take(plan: CommunityPlan, scale: float, rng: random.Random) -> Census:
    registered = [Unit(Residency.REGISTERED, n) for n in household_sizes(people_count(plan.registered, scale), rng)]
    permanent = [Unit(Residency.PERMANENT, n) for n in household_sizes(people_count(plan.permanent, scale), rng)]
    migrants = people_count(plan.migrant, scale)
    census = Census(in_rooms=round(migrants * plan.rental_share), in_dorms=round(migrants * plan.dorm_share))
    in_flats = migrants - census.in_rooms - census.in_dorms
    flats = [Unit(Residency.MIGRANT, n) for n in flat_groups(in_flats, rng)]

    in_village = round(len(registered) * plan.village_share)
    estate_units = registered[in_village:] + permanent + flats
    rng.shuffle(estate_units)  # neighbours of every kind in every estate
    for plans, units in ((plan.cooperatives, registered[:in_village]), (plan.estates, estate_units)):
        start = 0
        for section, count in zip(plans, apportion(len(units), [p.weight for p in plans]), strict=True):
            census.units[section.name] = units[start:start + count]
            start += count
    return census
