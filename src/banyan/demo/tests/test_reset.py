"""`banyan demo` replaces only the demo's own rows, and refuses a database holding other data unless told.

Each test loads the demo at 1% of its people inside its own transaction (a couple of seconds), so the database
is as the migrations left it before and after.
"""

import io

import pytest

from banyan.accounts.models import User
from banyan.cli import main
from banyan.core.testing import GridFactory, ResidentFactory, TenancyFactory, community, make_user
from banyan.demo.build import OtherData, demo_load
from banyan.demo.models import DemoLoad
from banyan.demo.reset import other_data
from banyan.events.models import Event
from banyan.people.models import RentalRoom, Residency, Resident, ResidentStatus, Tenancy
from banyan.places.models import Grid

pytestmark = pytest.mark.django_db
SCALE = 0.01
OUTSIDE = "桂一"  # a community of 桂城街道 that the demo leaves alone


def load(**options) -> dict:
    return demo_load(scale=SCALE, out=io.StringIO(), **options)


def demo_snapshot() -> list[tuple]:
    return list(Resident.objects.filter(community__name__in=["东联", "罗湖", "灯湖", "凤鸣"]).order_by("pk")
                .values_list("pk", "name", "id_number_masked"))


def test_a_fresh_database_loads_and_a_superuser_is_not_other_data():
    load()
    User.objects.create_superuser("root", password="x-long-enough-9")  # what `banyan manage createsuperuser` adds
    assert other_data() == {}
    assert DemoLoad.objects.get().keys["people.resident"]
    # The load is in the log, with what it replaced.
    logged = Event.objects.get(model="demo.demoload", object_id=DemoLoad.objects.get().pk)
    assert logged.action == Event.Action.IMPORTED and "删除上一次演示数据 0 行" in logged.note


def test_refuses_a_database_holding_other_data_and_changes_nothing():
    summary = load()
    before = demo_snapshot()
    grid = GridFactory(community=community(OUTSIDE))  # with its level-1 grid
    stranger = ResidentFactory(community=grid.community, grid=grid)
    make_user(username="clerk")
    with pytest.raises(OtherData) as refusal:
        load(seed=1)
    assert refusal.value.found == {"网格": 2, "居民": 1, "用户": 1}
    assert "居民 1" in str(refusal.value)
    assert Resident.objects.filter(pk=stranger.pk).exists() and User.objects.filter(username="clerk").exists()
    assert demo_snapshot() == before and DemoLoad.objects.count() == 1
    assert Resident.objects.filter(status=ResidentStatus.CURRENT).count() == summary["residents"] + 1


def test_told_to_it_replaces_its_own_rows_and_what_was_made_inside_them_only():
    load()
    before = demo_snapshot()
    # Other data: a grid and its resident elsewhere, and a resident of a demo community on no demo row.
    grid = GridFactory(community=community(OUTSIDE))
    elsewhere = ResidentFactory(community=grid.community, grid=grid)
    unattached = ResidentFactory(community=community("东联"))
    # Made inside the demo: a tenant registered in a demo room, a micro-grid drawn under a demo grid and a
    # resident placed in it. They cannot outlive the demo rows they point at.
    room = RentalRoom.objects.filter(community__name="东联").order_by("pk").first()
    tenancy = TenancyFactory(room=room)
    parent = Grid.objects.filter(community__name="东联", level=Grid.Level.GRID).order_by("pk").first()
    micro = GridFactory(community=parent.community, level=Grid.Level.MICRO, parent=parent)
    inside = ResidentFactory(community=parent.community, grid=micro, residency=Residency.PERMANENT)
    assert other_data() == {"网格": 2, "居民": 2}
    # The log of what was done to a demo record outlives the record.
    logged = Event.objects.create(action=Event.Action.CHANGED, model="people.resident", object_id=inside.pk,
                                  community_id=inside.community_id)
    events = Event.objects.count()

    load(allow_other_data=True)

    # The same people again (same seed), in new rows; the other data as it was.
    after = [row for row in demo_snapshot() if row[0] != unattached.pk]
    assert [row[1:] for row in after] == [row[1:] for row in before]
    assert min(row[0] for row in after) > max(row[0] for row in before)
    assert Resident.objects.get(pk=elsewhere.pk).grid_id == grid.pk
    assert Resident.objects.get(pk=unattached.pk).community.name == "东联"
    assert not Tenancy.objects.filter(pk=tenancy.pk).exists()
    assert not Resident.objects.filter(pk__in=[tenancy.resident_id, inside.pk]).exists()
    assert not Grid.objects.filter(pk=micro.pk).exists()
    assert other_data() == {"网格": 2, "居民": 2}
    assert DemoLoad.objects.count() == 1
    assert Event.objects.filter(pk=logged.pk).exists() and Event.objects.count() >= events


def test_the_command_refuses_with_a_reason_and_an_exit_code_then_loads_when_told(capsys):
    stranger = ResidentFactory(community=community(OUTSIDE))
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--scale", str(SCALE)])
    assert exit_.value.code == 1
    said = capsys.readouterr().err
    assert "居民 1" in said and "banyan demo --allow-other-data" in said
    assert not Grid.objects.filter(community__name="东联").exists()

    main(["demo", "--scale", str(SCALE), "--allow-other-data"])
    assert capsys.readouterr().out.splitlines()[-1].startswith("demo: residents=")
    assert Grid.objects.filter(community__name="东联").exists()
    assert Resident.objects.filter(pk=stranger.pk).exists()
