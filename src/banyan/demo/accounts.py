"""The demo accounts: one per role, each held at the place its user would work at.

`place` reads from the top of the tree down, separated by "/": a district or town name, then the community
within that town, then grid names, each below the one before (the grids are the demo's own, see places.py).
"""

import unicodedata
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from banyan.accounts.models import RoleAssignment, User
from banyan.accounts.roles import Level, Role
from banyan.party.models import PartyMember
from banyan.places.models import Community, District, Grid, Town

DEMO_PASSWORD = "banyan-demo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str  # an accounts.roles.Role value
    place: str  # where the role is held: "南海区", "桂城街道", "丹灶镇/东联", "狮山镇/罗湖/长信银湾网格"
    display_name: str
    superuser: bool = False


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", Role.DISTRICT_ADMIN, "南海区", "南海区管理员", superuser=True),
    DemoAccount("guicheng", Role.TOWN_OFFICER, "桂城街道", "邓志华"),
    DemoAccount("danzao", Role.TOWN_OFFICER, "丹灶镇", "麦健文"),
    DemoAccount("donglian", Role.COMMUNITY_SECRETARY, "丹灶镇/东联", "陈兆辉"),
    DemoAccount("donglian-staff", Role.COMMUNITY_STAFF, "丹灶镇/东联", "梁嘉敏"),
    DemoAccount("donglian-migrant", Role.MIGRANT_OFFICER, "丹灶镇/东联", "何志强"),
    DemoAccount("luohu", Role.COMMUNITY_SECRETARY, "狮山镇/罗湖", "黄黎意"),
    DemoAccount("luohu-grid", Role.GRID_WORKER, "狮山镇/罗湖/长信银湾网格", "刘慧玲"),
    DemoAccount("luohu-captain", Role.BUILDING_CAPTAIN, "狮山镇/罗湖/长信银湾网格/长信银湾1座", "吴伟明"),
    DemoAccount("denghu", Role.COMMUNITY_SECRETARY, "桂城街道/灯湖", "包杰"),
    # Linked to one of the 690 in-service members of 灯湖, who takes this name.
    DemoAccount("denghu-member", Role.PARTY_MEMBER, "桂城街道/灯湖", "周志明"),
    DemoAccount("fengming", Role.COMMUNITY_SECRETARY, "桂城街道/凤鸣", "谭灿斌"),
    DemoAccount("fengming-volunteer", Role.VOLUNTEER, "桂城街道/凤鸣", "冯美玲"),
)


def place_find(path: str) -> tuple[str, object]:
    """The level and the row of a place written as in DemoAccount.place."""
    top, *below = path.split("/")
    if not below:
        district = District.objects.filter(name=top).first()
        return (Level.DISTRICT, district) if district else (Level.TOWN, Town.objects.get(name=top))
    community = Community.objects.get(town__name=top, name=below[0])
    if len(below) == 1:
        return Level.COMMUNITY, community
    grid = None
    for name in below[1:]:
        grid = Grid.objects.get(community=community, name=name,
                                **({"parent": grid} if grid else {"level": Grid.Level.GRID}))
    return Level.GRID, grid


@transaction.atomic
def accounts_create() -> list[User]:
    """Create or refresh the demo accounts and their roles; returns the users in DEMO_ACCOUNTS order."""
    # One hash for all: they share the password, and each hash costs a fifth of a second.
    password = make_password(DEMO_PASSWORD)
    users = []
    for account in DEMO_ACCOUNTS:
        user, _ = User.objects.update_or_create(
            username=account.username,
            defaults={"display_name": account.display_name, "password": password, "is_active": True,
                      "is_superuser": account.superuser, "is_staff": account.superuser},
        )
        user.role_assignments.all().delete()
        level, place = place_find(account.place)
        assignment = RoleAssignment(user=user, role=account.role, **{level: place})
        assignment.full_clean()
        assignment.save()
        if account.role == Role.PARTY_MEMBER:
            member_link(user, place)
        users.append(user)
    return users


def member_link(user: User, community: Community) -> None:
    """Make the user one of the community's party members, in-service ones first, under the user's name."""
    members = PartyMember.objects.filter(community=community, user=None, sex="1").order_by("pk")
    member = members.filter(kind=PartyMember.Kind.IN_SERVICE).first() or members.first()
    if member:
        member.user, member.name = user, user.display_name
        member.save(update_fields=["user", "name"])


def width(text: str) -> int:
    """Columns the text takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def accounts_table() -> list[str]:
    """The demo accounts as aligned lines of text, for the terminal."""
    rows = [("username", "role", "place", "name")]
    rows += [(a.username, str(Role(a.role).label), a.place, a.display_name) for a in DEMO_ACCOUNTS]
    widths = [max(width(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell + " " * (w - width(cell)) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    return [*lines, f"password of every account: {DEMO_PASSWORD}"]
