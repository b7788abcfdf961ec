"""The party organisation of one community: committee → branches → groups, and its members.

Every estate and every cooperative has its branch (东联's 经济社党支部 are the base of its "网格+平台+制度" model);
the groups are shared among the branches by the sections' weights, so their number is the plan's at every scale
(罗湖: 111 + 8 = 119). Local and mobile members are residents the residents stage marked as members; in-service
members (灯湖's 690) are agency staff reporting to the community, attached to the branch of the estate they serve.
"""

import datetime as dt
import random

from banyan.demo.census import apportion
from banyan.demo.figures import AGENCIES, AS_OF
from banyan.demo.identities import HOME_CITIES, NANHAI, IdNumbers, birth_date, person_name, phone_number, surname_draw
from banyan.demo.site import Candidate, Site
from banyan.party.models import PartyMember, PartyOrg

BATCH = 2000
_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1-99 as written in names: 一, 十, 十二, 二十, 二十三."""
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else _DIGITS[tens]) + "十" if tens else "") + (_DIGITS[ones] if ones else "")


def party_build(site: Site, ids: IdNumbers) -> int:
    """Create the community's party organisations and members; return the number of members."""
    rng = site.rng("party")
    branches, groups = orgs_create(site)
    members = [member_of(site, candidate, groups, rng) for candidate in site.candidates]
    members += in_service_members(site, branches, ids, rng)
    PartyMember.objects.bulk_create(members, batch_size=BATCH)
    return len(members)


def orgs_create(site: Site) -> tuple[dict[str, PartyOrg], dict[str, list[PartyOrg]]]:
    """The organisation tree; returns the branches and their groups by section name ("" for the mobile branch)."""
    plan, community = site.plan.party, site.community

    def org(level, name, parent=None, **fields) -> PartyOrg:
        return PartyOrg(community=community, level=level, name=name, parent=parent, **fields)

    committee = org(PartyOrg.Level.COMMITTEE, plan.committee)
    committees = [committee]
    sections = site.plan.sections
    branches = {section.name: org(PartyOrg.Level.BRANCH, f"{section.name}党支部", committee,
                                  cooperative=site.cooperatives.get(section.name)) for section in sections}
    # Every branch has a group; the rest go by the sections' weights.
    sizes = {name: 1 + n for name, n in zip(branches, apportion(plan.section_groups - len(branches),
                                                               [s.weight for s in sections]), strict=True)}
    if plan.mobile_branch:
        branches[""] = org(PartyOrg.Level.BRANCH, plan.mobile_branch, committee)
        sizes[""] = plan.mobile_groups
    if plan.joint_committee:
        joint = org(PartyOrg.Level.COMMITTEE, plan.joint_committee)
        committees.append(joint)
        joint_branches = [org(PartyOrg.Level.BRANCH, name, joint) for name in plan.joint_branches]
    else:
        joint_branches = []
    groups = {key: [org(PartyOrg.Level.GROUP, f"{branch.name}第{chinese_number(n)}党小组", branch)
                    for n in range(1, sizes[key] + 1)] for key, branch in branches.items()}
    PartyOrg.objects.bulk_create(committees)
    PartyOrg.objects.bulk_create([*branches.values(), *joint_branches])
    PartyOrg.objects.bulk_create([group for branch_groups in groups.values() for group in branch_groups],
                                 batch_size=BATCH)
    return branches, groups


def joined_on(rng: random.Random, age: int) -> dt.date:
    """A day the member joined the party, at 18 or later."""
    return AS_OF - dt.timedelta(days=rng.randrange(365, max(366, (age - 18) * 365)))


def member_new(site: Site, rng: random.Random, *, org: PartyOrg, kind: str, name: str, male: bool,
               id_number: str, phone: str, age: int, grid_id: int | None, **fields) -> PartyMember:
    member = PartyMember(community=site.community, grid_id=grid_id, org=org, kind=kind, name=name,
                         sex="1" if male else "2", joined_on=joined_on(rng, age), **fields)
    member.id_number = id_number
    member.phone = phone
    return member


def member_of(site: Site, candidate: Candidate, groups: dict[str, list[PartyOrg]], rng) -> PartyMember:
    """The member a resident is: local in the group of their estate or village, mobile in the "两新" branch."""
    resident = candidate.resident
    kind = PartyMember.Kind.MOBILE if candidate.mobile else PartyMember.Kind.LOCAL
    return member_new(site, rng, org=rng.choice(groups["" if candidate.mobile else candidate.section]), kind=kind,
                      name=resident.name, male=resident.sex == "1", id_number=candidate.id_number,
                      phone=candidate.phone, age=candidate.age, grid_id=resident.grid_id, resident=resident)


def in_service_members(site: Site, branches: dict[str, PartyOrg], ids: IdNumbers,
                       rng: random.Random) -> list[PartyMember]:
    """Agency members reporting to the community, each serving an estate (as building captain, mediator...)."""
    count = site.plan.party.in_service
    estates = site.plan.estates
    if not count:
        return []
    members = []
    for estate in rng.choices(estates, weights=[e.weight for e in estates], k=count):
        male, age = rng.random() < 0.55, rng.randint(25, 58)
        region = NANHAI if rng.random() < 0.6 else rng.choice(HOME_CITIES)[0]
        number, _ = ids.issue(region=region, born=birth_date(rng, age), male=male)
        members.append(member_new(site, rng, org=branches[estate.name], kind=PartyMember.Kind.IN_SERVICE,
                                  name=person_name(rng, male=male, surname=surname_draw(rng, local=region == NANHAI)),
                                  male=male, id_number=number, phone=phone_number(rng), age=age,
                                  grid_id=rng.choice(site.section_grids[estate.name]).pk,
                                  work_unit=rng.choice(AGENCIES)))
    return members
