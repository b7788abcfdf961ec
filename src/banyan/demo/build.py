"""The deterministic demo: 南海区's four communities of the seed reports, ~160,000 synthetic residents.

`demo_load(seed=…)` gives the same names, numbers and counts for the same seed and scale on every run and
every machine: all randomness comes from streams seeded by (seed, community, topic), every date is fixed
(figures.AS_OF is the demo's "today"). It runs in stages, one progress bar each, all in one transaction (a load
that fails leaves the database as it was): reset → places → rentals → enterprises → residents → party →
accounts → workflows → cases. See figures.py for what `scale` shrinks, and reset.py for which rows are the demo's
and why a database holding other data is refused.
"""

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from banyan.cases.models import Case, Deliberation, Project, Unit
from banyan.demo.accounts import DEMO_ACCOUNTS, DemoAccount, accounts_create, accounts_table
from banyan.demo.cases import cases_build
from banyan.demo.census import census_take, people_count
from banyan.demo.enterprises import enterprises_build
from banyan.demo.figures import COMMUNITIES
from banyan.demo.identities import IdNumbers
from banyan.demo.party import party_build
from banyan.demo.places import places_build
from banyan.demo.rentals import rentals_build
from banyan.demo.reset import (
    DemoRows,
    OtherData,
    demo_mark,
    demo_present,
    demo_reset,
    keys_max,
    other_data,
    tables_hold,
)
from banyan.demo.residents import residents_build
from banyan.demo.site import Site, stream
from banyan.demo.workflows import workflows_build
from banyan.events.models import Event
from banyan.events.services import event_record
from banyan.party.models import PartyMember, PartyOrg
from banyan.people.models import (
    Enterprise,
    Household,
    RentalProperty,
    RentalRoom,
    Residency,
    Resident,
    ResidentStatus,
    Tenancy,
)
from banyan.places.models import Building, Community, Dwelling, Estate, Grid, IndustrialPark

__all__ = ["DEMO_ACCOUNTS", "DemoAccount", "OtherData", "demo_load", "demo_reset"]

COUNTED = (Grid, Estate, Building, Dwelling, IndustrialPark, Enterprise, RentalProperty, RentalRoom, Tenancy,
           Household, Resident, PartyOrg, PartyMember, Unit, Case, Deliberation, Project)


@contextmanager
def stage(name: str, total: int, unit: str) -> Iterator[tqdm]:
    """One stage of the load, with its progress bar on stderr."""
    with tqdm(total=total, desc=f"demo {name}", unit=unit, file=sys.stderr, mininterval=0.5) as bar:
        yield bar


def sites_plan(seed: int, scale: float) -> list[Site]:
    sites = []
    for plan in COMMUNITIES:
        community = Community.objects.get(town__name=plan.town, name=plan.name)
        census = census_take(plan, scale, stream(seed, plan.name, "census"))
        sites.append(Site(plan=plan, community=community, seed=seed, census=census))
    return sites


def communities_describe(sites: list[Site]) -> None:
    for site in sites:
        Community.objects.filter(pk=site.community.pk).update(area_km2=site.plan.area_km2,
                                                              description=site.plan.description)


def demo_build(sites: list[Site], scale: float) -> None:
    ids = IdNumbers()  # one for the whole demo: ID numbers are unique across communities
    with stage("places", len(sites), "社区") as bar:
        communities_describe(sites)
        for site in sites:
            places_build(site)
            bar.update()
    with stage("rentals", sum(site.plan.rooms for site in sites), "间") as bar:
        for site in sites:
            bar.update(rentals_build(site))
    with stage("enterprises", sum(site.plan.enterprises for site in sites), "家") as bar:
        for site in sites:
            bar.update(enterprises_build(site))
    people = sum(people_count(n, scale) for s in sites for n in (s.plan.registered, s.plan.permanent, s.plan.migrant))
    with stage("residents", people, "人") as bar:
        for site in sites:
            residents_build(site, ids, bar)
    with stage("party", len(sites), "社区") as bar:
        for site in sites:
            party_build(site, ids)
            bar.update()
    with stage("accounts", len(DEMO_ACCOUNTS), "个") as bar:
        bar.update(len(accounts_create()))
    with stage("workflows", 4, "人") as bar:
        bar.update(workflows_build(ids))
    with stage("cases", len(sites), "社区") as bar:
        cases_build(sites, scale, bar)


def demo_summary(seed: int, scale: float, seconds: float) -> dict:
    residents = Resident.objects.filter(status=ResidentStatus.CURRENT)  # the seeds count who lives there now
    return {
        "seed": seed,
        "scale": scale,
        "seconds": round(seconds, 1),
        "residents": residents.count(),
        "households": Household.objects.count(),
        "counts": {model._meta.label_lower: model.objects.count() for model in COUNTED},
        "communities": {
            plan.name: {residency: residents.filter(community__name=plan.name, community__town__name=plan.town,
                                                    residency=residency).count() for residency in Residency.values}
            for plan in COMMUNITIES
        },
        "accounts": [account.username for account in DEMO_ACCOUNTS],
    }


def demo_load(*, seed: int = 20200209, reset: bool = True, scale: float = 1.0, allow_other_data: bool = False,
              out=None) -> dict:
    """Load the demo (replacing an earlier demo's rows when `reset`); print its accounts and counts; return them.

    Raises OtherData, having changed nothing, while the database holds data the demo did not create, unless
    `allow_other_data`: the demo is then loaded beside that data, which stays. Without `reset`, an existing demo
    is left as it is.
    """
    out = out or sys.stdout  # looked up now: whoever captures the terminal may have replaced it
    started = time.perf_counter()
    with transaction.atomic():
        tables_hold()
        if not reset and demo_present():
            print("demo: already loaded, left as it is (load without --keep to replace it)", file=out)
        else:
            rows = DemoRows()
            if (found := other_data(rows)) and not allow_other_data:
                raise OtherData(found)
            deleted = 0
            if reset:
                with stage("reset", 1, "次") as bar:
                    deleted = demo_reset(rows)
                    bar.update()
            before = keys_max()
            demo_build(sites_plan(seed, scale), scale)
            load = demo_mark(seed=seed, scale=scale, before=before)
            # The log says what the demo replaced: its rows are written in bulk, not one event each.
            event_record(by=None, action=Event.Action.IMPORTED, obj=load,
                         note=_("加载演示数据（种子 %(seed)s，人口比例 %(scale)s），删除上一次演示数据 %(deleted)s 行")
                         % {"seed": seed, "scale": scale, "deleted": deleted},
                         data={"seed": seed, "scale": scale, "deleted": deleted, "keys": load.keys})
    summary = demo_summary(seed, scale, time.perf_counter() - started)
    for plan in COMMUNITIES:
        figures = "  ".join(f"{Residency(r).label}={n:,}" for r, n in summary["communities"][plan.name].items())
        print(f"{plan.town}{plan.name}: {figures}", file=out)
    print(*accounts_table(), sep="\n", file=out)
    print(f"demo: residents={summary['residents']} households={summary['households']} "
          f"seconds={summary['seconds']:.1f}", file=out)
    return summary
