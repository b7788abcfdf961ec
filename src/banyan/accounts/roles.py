"""The roles of the glossary, where each may be held, and what each may do with which kind of record."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("区管理员")
    TOWN_OFFICER = "town_officer", _("镇街干部")
    COMMUNITY_SECRETARY = "community_secretary", _("社区书记")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    GRID_WORKER = "grid_worker", _("网格员")
    MIGRANT_OFFICER = "migrant_officer", _("流管专员")
    PARTY_MEMBER = "party_member", _("党员")
    BUILDING_CAPTAIN = "building_captain", _("楼长")
    VOLUNTEER = "volunteer", _("志愿者")


class Level(models.TextChoices):
    DISTRICT = "district", _("区")
    TOWN = "town", _("镇街")
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")


class Action(models.TextChoices):
    VIEW = "view", _("查看")
    CHANGE = "change", _("新增、修改、删除")
    REVEAL = "reveal", _("查看完整个人号码")
    EXPORT = "export", _("导出")


# Kinds of record, by model label. District, town and community are the official division tree: read-only
# for every role (loaded from GB/T 2260 codes), changed by superusers in the admin only.
DIVISIONS = {"places.district", "places.town", "places.community"}
LOCAL_PLACES = {"places.cooperative", "places.grid", "places.estate", "places.building", "places.dwelling",
                "places.industrialpark"}
PLACES = DIVISIONS | LOCAL_PLACES
HOUSEHOLDS = {"people.household", "people.resident"}
RENTALS = {"people.rentalproperty", "people.rentalroom", "people.tenancy"}
ORGANISATIONS = {"people.enterprise", "people.propertycompany"}
PEOPLE = HOUSEHOLDS | RENTALS | ORGANISATIONS
PARTY = {"party.partyorg", "party.partymember"}
IMPORTS = {"ledgers.importjob"}  # who can change a kind may import it; the jobs are seen where they wrote
# Transfer requests (迁入申请) are seen by who works with residents; no role changes them as records: their
# services let whoever may change residents at a place ask for, accept or refuse them.
TRANSFERS = {"people.transferrequest"}
# Resident concerns: a case moves only through its services (cases/services.py); who may change it may take its
# steps. Units, deliberations and projects are registries of the community.
CASES = {"cases.case"}
CASE_WORK = {"cases.unit", "cases.deliberation", "cases.project"}
DELIBERATIONS = {"cases.deliberation", "cases.project"}  # what residents' representatives take part in
EVERYTHING = PLACES | PEOPLE | PARTY | IMPORTS | TRANSFERS | CASES | CASE_WORK
WRITABLE = EVERYTHING - DIVISIONS - TRANSFERS


@dataclass(frozen=True)
class RoleRule:
    levels: frozenset[str]
    view: frozenset[str]
    change: frozenset[str]
    reveal: bool  # may see full ID and phone numbers of what it can view (each reveal audited)
    export: bool
    # Kinds the role sees only where they are the user's own (a party member's own file and branch), not every
    # row at its place: the model says which rows those are (`scope_rows`).
    own: frozenset[str] = frozenset()


def _rule(levels, view, change=(), reveal=False, export=False, own=()) -> RoleRule:
    return RoleRule(frozenset(levels), frozenset(view), frozenset(change), reveal, export, frozenset(own))


RULES: dict[str, RoleRule] = {
    Role.DISTRICT_ADMIN: _rule({Level.DISTRICT}, EVERYTHING, WRITABLE, reveal=True, export=True),
    # Town officers handle what is escalated to the town and keep the town's own departments as units.
    Role.TOWN_OFFICER: _rule({Level.TOWN}, EVERYTHING, CASES | {"cases.unit"}, export=True),
    Role.COMMUNITY_SECRETARY: _rule({Level.COMMUNITY}, EVERYTHING, WRITABLE, reveal=True, export=True),
    Role.COMMUNITY_STAFF: _rule({Level.COMMUNITY}, EVERYTHING, WRITABLE, export=True),
    Role.GRID_WORKER: _rule({Level.GRID},
                            LOCAL_PLACES | PEOPLE | PARTY | IMPORTS | TRANSFERS | CASES | CASE_WORK,
                            {"places.building", "places.dwelling"} | PEOPLE | CASES),
    Role.MIGRANT_OFFICER: _rule({Level.COMMUNITY, Level.GRID}, LOCAL_PLACES | PEOPLE | IMPORTS | TRANSFERS,
                                HOUSEHOLDS | RENTALS, reveal=True),
    # Party members and volunteers see their own place (its page, grids, buildings); a party member sees their
    # own file and branch only (PartyMember.scope_rows), until their own work (links, visits, duty) exists.
    # Party members and building captains record cases on residents' behalf and follow the ones they recorded
    # (Case.scope_rows); they see the community's deliberations and projects.
    Role.PARTY_MEMBER: _rule({Level.COMMUNITY, Level.GRID},
                             {"places.community"} | LOCAL_PLACES | PARTY | CASES | DELIBERATIONS,
                             CASES, own=PARTY | CASES),
    Role.BUILDING_CAPTAIN: _rule({Level.GRID}, LOCAL_PLACES | HOUSEHOLDS | CASES, CASES, own=CASES),
    Role.VOLUNTEER: _rule({Level.COMMUNITY, Level.GRID},
                          {"places.community"} | LOCAL_PLACES | DELIBERATIONS),
}


def own_only(role: str, label: str) -> bool:
    """Whether the role sees rows of this kind only where they are the user's own."""
    return label in RULES[role].own


def allows(role: str, action: str, label: str) -> bool:
    rule = RULES[role]
    if action == Action.VIEW:
        return label in rule.view
    if action == Action.CHANGE:
        return label in rule.change
    if action == Action.REVEAL:
        return rule.reveal and label in rule.view
    if action == Action.EXPORT:
        return rule.export and label in rule.view
    raise ValueError(action)
