"""Reads about the party: a member's own file and branch, for their home page."""

from django.urls import reverse
from django.utils.translation import gettext as _

from banyan.core.todo import Link, my_links_selector
from banyan.party.models import PartyMember


@my_links_selector
def my_party_links(user) -> list[Link]:
    """The party member file of the user (if they are a member) and their organisation."""
    member = PartyMember.objects.visible_to(user).filter(user=user).select_related("org").first()
    if member is None:
        return []
    return [Link(_("我的党员档案"), reverse("record-detail", args=["party-members", member.pk]),
                 member.get_kind_display()),
            Link(_("我的党组织"), reverse("record-detail", args=["party-orgs", member.org_id]), member.org.name)]
