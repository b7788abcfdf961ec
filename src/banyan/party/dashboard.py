"""What the party registries add to the dashboard: members by kind, organisations by level."""

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from banyan.core.dashboard import DashboardPart, Tile


def figures(rows) -> dict:
    from banyan.party.models import PartyMember, PartyOrg

    members = dict(rows(PartyMember).values_list("kind").annotate(n=Count("pk")).order_by())
    orgs = dict(rows(PartyOrg).values_list("level").annotate(n=Count("pk")).order_by())
    return {
        "party_members": sum(members.values()),
        "local_members": members.get(PartyMember.Kind.LOCAL, 0),
        "mobile_members": members.get(PartyMember.Kind.MOBILE, 0),
        "in_service_members": members.get(PartyMember.Kind.IN_SERVICE, 0),
        "party_orgs": sum(orgs.values()),
        "party_branches": orgs.get(PartyOrg.Level.BRANCH, 0),
        "party_groups": orgs.get(PartyOrg.Level.GROUP, 0),
    }


def tiles(f: dict) -> list[Tile]:
    from banyan.party.models import PartyMember, PartyOrg

    return [
        Tile("party.partymember", "party-members", _("党员"), "party_members", (
            (_("本地"), "local_members", {"kind": PartyMember.Kind.LOCAL}),
            (pgettext("党员类别", "流动"), "mobile_members", {"kind": PartyMember.Kind.MOBILE}),
            (_("在职"), "in_service_members", {"kind": PartyMember.Kind.IN_SERVICE}))),
        Tile("party.partyorg", "party-orgs", _("党组织"), "party_orgs", (
            (_("党支部"), "party_branches", {"level": PartyOrg.Level.BRANCH}),
            (_("党小组"), "party_groups", {"level": PartyOrg.Level.GROUP}))),
    ]


def by_community(rows) -> dict:
    from banyan.party.models import PartyMember

    return {"party_members": dict(rows(PartyMember).values_list("community_id").annotate(n=Count("pk")).order_by())}


PART = DashboardPart(
    name="party", figures=figures, order=30,
    keys=("party_members", "local_members", "mobile_members", "in_service_members", "party_orgs", "party_branches",
          "party_groups"),
    tiles=tiles, by_community=by_community, columns=(("party_members", gettext_lazy("党员")),),
)
