import io
import re

import pytest
from django.contrib.auth import get_user_model

from banyan.accounts.models import RoleAssignment
from banyan.core.pii import pii_reveal
from banyan.core.validators import validate_id_number
from banyan.demo.data import DEMO_ACCOUNTS, PASSWORD
from banyan.demo.load import demo_load
from banyan.party.models import PartyMember, PartyOrg
from banyan.people.models import RentalProperty, RentalRoom, Resident
from banyan.places.models import IndustrialPark

pytestmark = pytest.mark.django_db
SCALE = 0.01


def test_demo_is_deterministic_and_keeps_the_seeds_structural_figures():
    out = io.StringIO()
    first = demo_load(scale=SCALE, out=out)
    assert re.fullmatch(r"demo: residents=\d+ households=\d+ seconds=\d+\.\d", out.getvalue().splitlines()[-1])
    names = list(Resident.objects.order_by("pk").values_list("name", "id_number_masked")[:50])
    second = demo_load(scale=SCALE, out=io.StringIO())
    assert (first["residents"], first["households"]) == (second["residents"], second["households"])
    assert list(Resident.objects.order_by("pk").values_list("name", "id_number_masked")[:50]) == names
    assert RentalProperty.objects.filter(community__name="东联").count() == 191
    assert RentalRoom.objects.filter(community__name="东联").count() == 2379
    assert IndustrialPark.objects.filter(community__name="东联").count() == 11
    assert PartyOrg.objects.filter(community__name="罗湖", level=PartyOrg.Level.GROUP).count() == 119
    assert PartyMember.objects.filter(community__name="灯湖", kind=PartyMember.Kind.IN_SERVICE).count() == 690


def test_synthetic_identities_and_demo_accounts(client):
    demo_load(scale=SCALE, out=io.StringIO())
    for resident in Resident.objects.all()[:300]:
        number = pii_reveal(resident, "id_number")
        assert validate_id_number(number) == number
        assert 900 <= int(number[14:17]) <= 999  # the visibly synthetic order-code block
        assert resident.id_number == number[:6] + "********" + number[-4:]
        assert resident.birth_date.strftime("%Y%m%d") == number[6:14]
        assert resident.sex == ("1" if int(number[16]) % 2 else "2")
    for account in DEMO_ACCOUNTS:
        assert client.login(username=account.username, password=PASSWORD), account.username
        assert RoleAssignment.objects.get(user__username=account.username).role == account.role
    member = get_user_model().objects.get(username="denghu-member").party_member
    assert member.kind == PartyMember.Kind.IN_SERVICE and member.community.name == "灯湖"
    grid = RoleAssignment.objects.get(user__username="luohu-grid").grid
    captain = RoleAssignment.objects.get(user__username="luohu-captain").grid
    assert (grid.level, captain.level, captain.parent_id) == (2, 3, grid.pk)
