"""A household's page lists its members: name (a link), relation to the head, sex, age, residency, masked ID;
those who moved out or died are counted apart; the page costs the same queries for two members or thirty."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from banyan.accounts.roles import Role
from banyan.core.pii import pii_reveal
from banyan.core.testing import GridFactory, HouseholdFactory, ResidentFactory, community, make_user
from banyan.people.models import Residency, ResidentStatus

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def years_since(born: dt.date) -> int:
    today = timezone.localdate()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def test_the_household_page_lists_its_members(client):
    household = HouseholdFactory(number="H-778")
    head = ResidentFactory(household=household, name="户主梁", relation="02", sex="1",
                           birth_date=dt.date(1968, 2, 3))
    child = ResidentFactory(household=household, name="子女梁", relation="20", sex="2",
                            birth_date=dt.date(2001, 9, 9), residency=Residency.PERMANENT)
    spouse = ResidentFactory(household=household, name="配偶何", relation="10", sex="2")
    ResidentFactory(household=household, name="已迁出梁", relation="20", status=ResidentStatus.MOVED_OUT)
    ResidentFactory(name="别家人")
    client.force_login(make_user(Role.COMMUNITY_STAFF, community("东联")))
    page = text(client.get(f"/households/{household.pk}/"))
    assert "家庭成员" in page
    # The head first, then by relation code (spouse 10 before child 20).
    assert page.index("户主梁") < page.index("配偶何") < page.index("子女梁")
    for member in (head, child, spouse):
        assert f'href="/residents/{member.pk}/"' in page
        assert member.id_number_masked in page and pii_reveal(member, "id_number") not in page
    assert "户主" in page and "配偶" in page and "子女" in page and "常住人口（非户籍）" in page
    assert f"{years_since(head.birth_date)} 岁" in page and f"{years_since(child.birth_date)} 岁" in page
    assert "已迁出梁" not in page and "另有 1 人已迁出或死亡注销" in page
    assert f"/residents/?household={household.pk}&amp;status=" in page
    assert "别家人" not in page


def test_members_outside_the_users_grids_are_not_listed(client):
    mine, other = GridFactory(), GridFactory()
    household = HouseholdFactory(grid=mine)
    ResidentFactory(household=household, grid=mine, name="本网格成员")
    ResidentFactory(household=household, grid=other, name="别网格成员")
    client.force_login(make_user(Role.GRID_WORKER, mine))
    page = text(client.get(f"/households/{household.pk}/"))
    assert "本网格成员" in page and "别网格成员" not in page


def queries_for(client, household) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/households/{household.pk}/").status_code == 200
    return len(captured)


def test_the_page_costs_the_same_for_two_members_or_thirty(client):
    client.force_login(make_user(Role.COMMUNITY_SECRETARY, community("东联")))
    small, large = HouseholdFactory(), HouseholdFactory()
    for _ in range(2):
        ResidentFactory(household=small)
    for _ in range(30):
        ResidentFactory(household=large)
    ResidentFactory(household=large, status=ResidentStatus.DECEASED)
    queries_for(client, small)  # warm the per-process caches (content types, the registry's classes)
    assert queries_for(client, large) == queries_for(client, small)
