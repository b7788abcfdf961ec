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
EVERYTHING = PLACES | PEOPLE | PARTY | IMPORTS


@dataclass(frozen=True)
class RoleRule:
    levels: frozenset[str]
    view: frozenset[str]
    change: frozenset[str]
    reveal: bool  # may see full ID and phone numbers of what it can view (each reveal audited)
    export: bool


def _rule(levels, view, change=(), reveal=False, export=False) -> RoleRule:
    return RoleRule(frozenset(levels), frozenset(view), frozenset(change), reveal, export)


RULES: dict[str, RoleRule] = {
    Role.DISTRICT_ADMIN: _rule({Level.DISTRICT}, EVERYTHING, EVERYTHING - DIVISIONS, reveal=True, export=True),
    Role.TOWN_OFFICER: _rule({Level.TOWN}, EVERYTHING, export=True),
    Role.COMMUNITY_SECRETARY: _rule({Level.COMMUNITY}, EVERYTHING, EVERYTHING - DIVISIONS, reveal=True,
                                    export=True),
    Role.COMMUNITY_STAFF: _rule({Level.COMMUNITY}, EVERYTHING, EVERYTHING - DIVISIONS, export=True),
    Role.GRID_WORKER: _rule({Level.GRID}, LOCAL_PLACES | PEOPLE | PARTY | IMPORTS,
                            {"places.building", "places.dwelling"} | PEOPLE),
    Role.MIGRANT_OFFICER: _rule({Level.COMMUNITY, Level.GRID}, LOCAL_PLACES | PEOPLE | IMPORTS, HOUSEHOLDS | RENTALS,
                                reveal=True),
    Role.PARTY_MEMBER: _rule({Level.COMMUNITY, Level.GRID}, LOCAL_PLACES | PARTY),
    Role.BUILDING_CAPTAIN: _rule({Level.GRID}, LOCAL_PLACES | HOUSEHOLDS),
    Role.VOLUNTEER: _rule({Level.COMMUNITY, Level.GRID}, LOCAL_PLACES),
}


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
