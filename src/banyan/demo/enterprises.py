"""Enterprises: of the industrial parks (东联's 1,300-odd small hardware firms, 平洲工业园's 30,000 workers), and
of the office towers of a business district (灯湖's finance, technology and service firms)."""

import math
import random

from banyan.demo.census import apportion
from banyan.demo.figures import OfficePlan, ParkPlan
from banyan.demo.identities import credit_code, firm_name, person_name, phone_number, surname_draw
from banyan.demo.site import Site
from banyan.people.models import Enterprise

BATCH = 2000
DORMITORIES = 20  # the largest firms of a community house their workers (collective households)


def enterprises_build(site: Site) -> int:
    """Create the firms of every park of the community; return how many."""
    rng = site.rng("enterprises")
    taken: set[str] = set()
    firms = []
    for plan in site.plan.parks:
        park = site.parks[plan.name]
        for number, (name, industry, headcount) in enumerate(park_firms(plan, rng, taken), start=1):
            firm = Enterprise(community=site.community, grid_id=park.grid_id, park=park, name=name,
                              credit_code=credit_code(rng), industry=industry, headcount=headcount,
                              address=f"{park.name}{number}号",
                              contact_name=person_name(rng, male=rng.random() < 0.75,
                                                       surname=surname_draw(rng, local=True)))
            firm.contact_phone = phone_number(rng)
            firms.append(firm)
    for plan in site.plan.offices:
        firms += office_firms(site, plan, rng, taken)
    Enterprise.objects.bulk_create(firms, batch_size=BATCH)
    if site.plan.dorm_share:
        site.dorms = sorted(firms, key=lambda firm: (-firm.headcount, firm.pk))[:DORMITORIES]
    return len(firms)


def park_firms(plan: ParkPlan, rng: random.Random, taken: set[str]) -> list[tuple[str, str, int]]:
    """(name, industry, headcount) of the park's firms, the one the seeds tell of first."""
    firms = [plan.flagship] if plan.flagship else []
    taken.update(firm[0] for firm in firms)
    count = plan.enterprises - len(firms)
    industries = rng.choices([i for i, _ in plan.industries], weights=[w for _, w in plan.industries], k=count)
    # Mostly small workshops: a long tail, capped so that no firm outgrows the one the seeds name.
    drawn = [min(150, max(3, round(rng.lognormvariate(math.log(15), 0.8)))) for _ in range(count)]
    if plan.headcount:
        drawn = apportion(plan.headcount - sum(firm[2] for firm in firms), drawn)
    firms += [(firm_name(rng, industry, taken), industry, headcount)
              for industry, headcount in zip(industries, drawn, strict=True)]
    return firms


def office_firms(site: Site, plan: OfficePlan, rng: random.Random, taken: set[str]) -> list[Enterprise]:
    """The firms of a business district, shared among its towers by floors, each in its own suite."""
    towers = site.towers[plan.name]
    firms = []
    for tower, count in zip(towers, apportion(plan.enterprises, [t.floors for t in towers]), strict=True):
        # Suites 01-08 from the second floor up (the lobby below), each let to one firm.
        for suite in sorted(rng.sample(range(8 * (tower.floors - 1)), count)):
            floor, door = divmod(suite, 8)
            industry = rng.choices([i for i, _ in plan.industries], weights=[w for _, w in plan.industries])[0]
            headcount = min(800, max(3, round(rng.lognormvariate(math.log(plan.median_headcount), 0.9))))
            firm = Enterprise(community=site.community, grid_id=tower.grid_id, name=firm_name(rng, industry, taken,
                                                                                             office=True),
                              credit_code=credit_code(rng), industry=industry, headcount=headcount,
                              address=f"{tower.address}{floor + 2}{door + 1:02d}室",
                              contact_name=person_name(rng, male=rng.random() < 0.6,
                                                       surname=surname_draw(rng, local=rng.random() < 0.5)))
            firm.contact_phone = phone_number(rng)
            firms.append(firm)
    return firms
