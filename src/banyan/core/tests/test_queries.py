"""Query counts: every detail page, API detail, history (page and API) and home page costs a fixed number of queries,
whatever the number of rows around it.

Each page is measured twice on the same record or place: as built (one related row of each kind, one event), then
after `grow` has added many related rows of every kind that points at it, many events by as many users, and many
rows in its place. The two counts must be equal (nothing is fetched per row), and at most the page's bound. The
bounds are tight: a page that needs one more query fails here first, so a new query is added on purpose.
"""

import datetime as dt
import itertools

import pytest
from django.db import connection, models, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from banyan.accounts.models import RoleAssignment
from banyan.accounts.roles import Action, Level, Role, allows
from banyan.cases.models import Case, CaseAttachment, CaseState, Category, Milestone, ProjectPhoto, Unit
from banyan.core.registry import BY_SLUG, ENTRIES
from banyan.core.testing import (
    BuildingFactory,
    CaseFactory,
    CooperativeFactory,
    DeliberationFactory,
    DwellingFactory,
    EnterpriseFactory,
    EstateFactory,
    GridFactory,
    HouseholdFactory,
    IndustrialParkFactory,
    PartyMemberFactory,
    PartyOrgFactory,
    ProjectFactory,
    PropertyCompanyFactory,
    RentalPropertyFactory,
    RentalRoomFactory,
    ResidentFactory,
    TenancyFactory,
    UnitFactory,
    community,
    make_user,
    nanhai,
    town,
)
from banyan.core.validators import id_check_digit
from banyan.events.models import Event
from banyan.events.services import event_record, event_subjects_add
from banyan.people.models import Residency
from banyan.places.models import Community, Grid, Town

MANY = 12  # rows of each kind `grow` adds: enough that anything fetched per row shows

_serial = itertools.count(1)


def _id_number() -> str:
    # Unique for the whole run (the factories' numbers repeat after 500): the birth date moves on too.
    n = next(_serial)
    first17 = f"440605{dt.date(1940, 1, 1) + dt.timedelta(days=n // 400):%Y%m%d}{n % 400 * 2 + 1:03d}"
    return first17 + id_check_digit(first17)


def _phone() -> str:
    return f"137{next(_serial):08d}"


# One row of a kind, placed in `grid` unless `over` says otherwise (a parent row carries its own place).
MAKERS = {
    "grids": lambda g, **over: GridFactory(**{"community": g.community, "parent": g,
                                                 "level": Grid.Level.MICRO, **over}),
    "cooperatives": lambda g, **over: CooperativeFactory(**{"community": g.community, **over}),
    "industrial-parks": lambda g, **over: IndustrialParkFactory(**{"community": g.community, "grid": g,
                                                                      **over}),
    "estates": lambda g, **over: EstateFactory(**{"community": g.community, "grid": g, **over}),
    "buildings": lambda g, **over: BuildingFactory(**{"community": g.community, "grid": g, **over}),
    "dwellings": lambda g, **over: DwellingFactory(**{"building": BuildingFactory(
        community=g.community, grid=g), **over}),
    "households": lambda g, **over: HouseholdFactory(**{"community": g.community, "grid": g, **over}),
    "residents": lambda g, **over: ResidentFactory(**{"community": g.community, "grid": g,
                                                         "id_number": _id_number(), "phone": _phone(), **over}),
    "rental-properties": lambda g, **over: RentalPropertyFactory(**{"community": g.community, "grid": g,
                                                                       **over}),
    "rental-rooms": lambda g, **over: RentalRoomFactory(**{"rental_property": RentalPropertyFactory(
        community=g.community, grid=g), **over}),
    "tenancies": lambda g, **over: TenancyFactory(**{
        "room": RentalRoomFactory(rental_property=RentalPropertyFactory(community=g.community, grid=g)),
        "resident": ResidentFactory(community=g.community, grid=g, residency=Residency.MIGRANT,
                                    id_number=_id_number(), phone=_phone()), **over}),
    "enterprises": lambda g, **over: EnterpriseFactory(**{"community": g.community, "grid": g, **over}),
    "property-companies": lambda g, **over: PropertyCompanyFactory(**{"community": g.community, **over}),
    "party-orgs": lambda g, **over: PartyOrgFactory(**{"community": g.community, **over}),
    "party-members": lambda g, **over: PartyMemberFactory(**{"community": g.community, "grid": g,
                                                                "id_number": _id_number(), "phone": _phone(),
                                                                **over}),
    "case-units": lambda g, **over: UnitFactory(**{"community": g.community, "grid": g, "kind": Unit.Kind.GRID,
                                                   **over}),
    # Open and due, with a contact phone: every part of a case's page has something to show.
    "cases": lambda g, **over: CaseFactory(**{"community": g.community, "grid": g, "contact_phone": _phone(),
                                              "state": CaseState.DISPATCHED, "due_at": _due(), **over}),
    "deliberations": lambda g, **over: DeliberationFactory(**{"community": g.community, **over}),
    "projects": lambda g, **over: ProjectFactory(**{"community": g.community, **over}),
}


def _due():
    return timezone.now() + dt.timedelta(days=3)


def kit(grid) -> dict:
    """One row of every kind in `grid`, linked to each other as a real ledger links them, by slug."""
    c = grid.community
    out = {"grids": grid, "cooperatives": MAKERS["cooperatives"](grid)}
    out["industrial-parks"] = MAKERS["industrial-parks"](grid)
    out["property-companies"] = MAKERS["property-companies"](grid)
    out["estates"] = MAKERS["estates"](grid, property_company=out["property-companies"])
    out["buildings"] = MAKERS["buildings"](grid, estate=out["estates"], cooperative=out["cooperatives"])
    out["dwellings"] = DwellingFactory(building=out["buildings"])
    out["households"] = MAKERS["households"](grid, dwelling=out["dwellings"])
    out["residents"] = MAKERS["residents"](grid, household=out["households"], dwelling=out["dwellings"])
    out["rental-properties"] = MAKERS["rental-properties"](grid, building=out["buildings"])
    out["rental-rooms"] = RentalRoomFactory(rental_property=out["rental-properties"])
    out["tenancies"] = MAKERS["tenancies"](grid, room=out["rental-rooms"])
    out["enterprises"] = MAKERS["enterprises"](grid, park=out["industrial-parks"])
    out["party-orgs"] = MAKERS["party-orgs"](grid)
    out["party-members"] = MAKERS["party-members"](grid, org=out["party-orgs"])
    out["case-units"] = MAKERS["case-units"](grid)
    out["deliberations"] = MAKERS["deliberations"](grid, cooperative=out["cooperatives"])
    out["projects"] = MAKERS["projects"](grid, deliberation=out["deliberations"], unit=out["case-units"])
    category = Category.objects.filter(children=None, time_limit__isnull=False).order_by("pk").first()
    out["cases"] = MAKERS["cases"](grid, category=category, suggested_category=category,
                                   time_limit=category.time_limit, unit=out["case-units"], building=out["buildings"],
                                   resident=out["residents"], deliberation=out["deliberations"],
                                   project=out["projects"])
    out["deliberations"].agenda.add(out["cases"])
    assert all(getattr(o, "community_id", c.pk) == c.pk for o in out.values())
    return out


def grow(obj, grid, users) -> None:
    """Many rows of every kind that points at `obj` (a household's residents, a community's everything), many
    events about it by as many users, and its share of a bulk event (an export)."""
    model = type(obj)
    for entry in ENTRIES:
        for field in entry.model._meta.concrete_fields:
            if not (isinstance(field, models.ForeignKey) and field.related_model is model):
                continue
            if entry.slug not in MAKERS:
                continue  # the division tree: towns and communities are grown by `grow_divisions`
            for _ in range(1 if field.unique else MANY):  # a party member is one resident
                MAKERS[entry.slug](grid, **{field.name: obj})
    for user in users:
        event_record(by=user, action=Event.Action.CHANGED, obj=obj,
                     changes=[{"field": "x", "label": "x", "before": "a", "after": "b"}])
    export = event_record(by=users[0], action=Event.Action.EXPORTED, model=model)
    event_subjects_add(event=export, ids=[obj.pk])
    grow_parts(obj, grid)


def grow_parts(obj, grid) -> None:
    """Rows of the parts a case, deliberation or project shows on its page that are no registry entries: a case's
    photos, an agenda, a project's milestones and photos."""
    if isinstance(obj, Case):
        for i in range(MANY):
            CaseAttachment.objects.create(case=obj, file=f"cases/x{i}.jpg", content_type="image/jpeg", size=1)
    elif obj._meta.label_lower == "cases.deliberation":
        obj.agenda.add(*(MAKERS["cases"](grid) for _ in range(MANY)))
    elif obj._meta.label_lower == "cases.project":
        for i in range(MANY):
            Milestone.objects.create(project=obj, name=f"节点{i}")
            ProjectPhoto.objects.create(project=obj, file=f"projects/x{i}.jpg", caption=f"照片{i}")


def grow_divisions(place) -> None:
    """Towns of a district and communities of a town are loaded from the official list; more of them, for a page
    that lists its child places."""
    for i in range(MANY):
        if place._meta.label_lower == "places.district":
            Town.objects.create(district=place, code=f"99{place.pk:04d}{i:03d}", name=f"测试镇{i}", kind=Town.Kind.TOWN)
        elif place._meta.label_lower == "places.town":
            Community.objects.create(town=place, code=f"98{place.pk:04d}{i:06d}", name=f"测试社区{i}",
                                     full_name=f"测试社区{i}居委会")


# ---------------------------------------------------------------------------------------------------------------
# The world: a grid of 东联 with one row of every kind, and users of every role.


class World:
    def __init__(self):
        self.district, self.danzao, self.shishan = nanhai(), town("丹灶镇"), town("狮山镇")
        self.donglian, self.luohu = community("东联"), community("罗湖")
        self.grid = GridFactory(community=self.donglian)
        self.rows = kit(self.grid)
        self.rows.update({"districts": self.district, "towns": self.danzao, "communities": self.donglian})
        kit(GridFactory(community=self.luohu))  # something in the other town of the two-role user
        self.users = {
            "district_admin": make_user(Role.DISTRICT_ADMIN, self.district),
            "town_officer": make_user(Role.TOWN_OFFICER, self.danzao),
            "community_secretary": make_user(Role.COMMUNITY_SECRETARY, self.donglian),
            "community_staff": make_user(Role.COMMUNITY_STAFF, self.donglian),
            "migrant_officer": make_user(Role.MIGRANT_OFFICER, self.donglian),
            "grid_worker": make_user(Role.GRID_WORKER, self.grid),
            "building_captain": make_user(Role.BUILDING_CAPTAIN, self.grid),
            "party_member": make_user(Role.PARTY_MEMBER, self.grid),
            "volunteer": make_user(Role.VOLUNTEER, self.donglian),
            "two_roles": make_user(Role.COMMUNITY_STAFF, self.donglian),
        }
        RoleAssignment.objects.create(user=self.users["two_roles"], role=Role.TOWN_OFFICER, town=self.shishan)
        if "transfer-requests" in BY_SLUG:  # asked by this grid for a resident of 罗湖
            held = MAKERS["residents"](GridFactory(community=self.luohu))
            self.rows["transfer-requests"] = BY_SLUG["transfer-requests"].model.objects.create(
                resident=held, id_number_masked=held.id_number_masked, from_community=self.luohu,
                to_community=self.donglian, to_grid=self.grid, reason="迁入", requested_by=self.users["grid_worker"])
        self.authors = [make_user(username=f"author{i}") for i in range(MANY)]
        for obj in self.rows.values():
            event_record(by=self.users["community_secretary"], action=Event.Action.CREATED, obj=obj)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at its end; each test grows it in a savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield World()
        transaction.set_rollback(True)


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    client.get("/")  # the session and the first request's caches are not what is measured
    return client


def get(client, url, context):
    with context as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


def check_pages(client, urls: dict, bounds: dict, grow_it, assert_max, what: str) -> None:
    """Each page's count as built, then after `grow_it()` within its bound (django_assert_max_num_queries lists
    the queries of a page over it), and the two counts equal."""
    few = {kind: get(client, url, CaptureQueriesContext(connection)) for kind, url in urls.items()}
    grow_it()
    many = {kind: get(client, url, assert_max(bounds[kind], info=f"{what} {url}")) for kind, url in urls.items()}
    assert few == many, f"{what}: fetched per row: {few} with one related row, {many} with many"


# ---------------------------------------------------------------------------------------------------------------
# Bounds, each the count measured when it was set. A page starts with the session, the user and their role
# assignments with their places (3; the API: the token with its user, and the assignments: 2); a grid-level role
# reads its grid's tree once (1). Then the record with what it names, one query (crumbs), whether the user may
# change or reveal it, the related counts (one query), the latest events; a place's page adds its dashboard: one
# query per figure of each app's dashboard part (the cases part: one aggregate of its figures), and for a town or
# the district one grouped query per comparison column's kind (the cases part: open and overdue per community).

# By page: as the community's secretary, as a grid worker of the grid, as the district's admin (None: not theirs).
BOUNDS = {
    "districts": {"page": (None, None, 27), "api": (None, None, 4), "history": (None, None, 7),
                  "api history": (None, None, 6)},
    "towns": {"page": (None, None, 27), "api": (None, None, 4), "history": (None, None, 7),
              "api history": (None, None, 6)},
    "communities": {"page": (21, None, 21), "api": (4, None, 4), "history": (7, None, 7), "api history": (6, None, 6)},
    "cooperatives": {"page": (7, None, 7), "api": (4, None, 4), "history": (7, None, 7), "api history": (6, None, 6)},
    "grids": {"page": (22, 20, 22), "api": (4, 5, 4), "history": (7, 8, 7), "api history": (6, 7, 6)},
    "industrial-parks": {"page": (8, 8, 8), "api": (4, 5, 4), "history": (7, 8, 7), "api history": (6, 7, 6)},
    "estates": {"page": (8, 8, 8), "api": (4, 5, 4), "history": (7, 8, 7), "api history": (6, 7, 6)},
    "buildings": {"page": (8, 9, 8), "api": (5, 6, 5), "history": (7, 8, 7), "api history": (7, 8, 7)},
    "dwellings": {"page": (7, 8, 7), "api": (4, 5, 4), "history": (7, 8, 7), "api history": (6, 7, 6)},
    "households": {"page": (10, 11, 10), "api": (5, 6, 5), "history": (7, 8, 7), "api history": (7, 8, 7)},
    "residents": {"page": (12, 12, 12), "api": (6, 7, 6), "history": (7, 8, 7), "api history": (8, 9, 8)},
    "transfer-requests": {"page": (10, 8, 9), "api": (9, 9, 10), "history": (6, 7, 6), "api history": (6, 7, 6)},
    "rental-properties": {"page": (9, 9, 9), "api": (5, 6, 5), "history": (7, 8, 7), "api history": (7, 8, 7)},
    "rental-rooms": {"page": (8, 9, 8), "api": (4, 5, 4), "history": (7, 8, 7), "api history": (6, 7, 6)},
    "tenancies": {"page": (7, 8, 7), "api": (4, 5, 4), "history": (7, 8, 7), "api history": (6, 7, 6)},
    "enterprises": {"page": (8, 8, 8), "api": (5, 6, 5), "history": (7, 8, 7), "api history": (7, 8, 7)},
    "property-companies": {"page": (9, None, 9), "api": (4, None, 4), "history": (7, None, 7),
                           "api history": (6, None, 6)},
    "party-orgs": {"page": (8, None, 8), "api": (4, None, 4), "history": (7, None, 7), "api history": (6, None, 6)},
    "party-members": {"page": (8, 7, 8), "api": (4, 5, 4), "history": (7, 8, 7), "api history": (6, 7, 6)},
    # A unit: its cases counted among the related lists (one query with every count, as for any record).
    "case-units": {"page": (8, 8, 8), "api": (4, 5, 4), "history": (7, 8, 7), "api history": (6, 7, 6)},
    # A case's page (cases/views.py CaseDetail) after the record and what every page costs: the steps this user
    # may take (unit membership, whether the unit has members), similar open cases (the index's term counts),
    # merged duplicates, the timeline (photos, events), the step forms' category tree and units.
    "cases": {"page": (16, 16, 16), "api": (4, 5, 4), "history": (7, 8, 7), "api history": (6, 7, 6)},
    # The agenda, the cases raised there, the candidates for the agenda, the projects, the project form's units
    # and the agenda's cases it links; the API names the cooperative (one query).
    "deliberations": {"page": (13, None, 13), "api": (5, None, 5), "history": (7, None, 7),
                      "api history": (7, None, 7)},
    # Milestones, photos and the cases that asked for it; the API names the deliberation and the unit (one query
    # each, as the generic serializer fetches what an entry's `related` does not join).
    "projects": {"page": (10, None, 10), "api": (6, None, 6), "history": (7, None, 7), "api history": (8, None, 8)},
}


# The home page by role: its figures (one query each; the cases part one aggregate, for a role that sees cases), and
# for a town, the district or several places the comparison of communities (one grouped query per column's kind, the
# cases part's one of them); for one community or grid, residents by grid. The to-do list: the cases waiting for the
# user's step (cases/todo.py: the urgent ones, then the rest, two queries for every role, as a unit member may be
# anyone); the menu's case links cost nothing (they read the role assignments already fetched).
HOME = {"district_admin": 28, "town_officer": 27, "community_secretary": 22, "community_staff": 22,
        "migrant_officer": 16, "grid_worker": 20, "building_captain": 14, "party_member": 13, "volunteer": 9,
        "two_roles": 28}

# Who looks at each detail page, where the role may open it: the community's secretary, a grid worker of the
# grid where the rows are, and the district's admin.
VIEWERS = {"community_secretary": Level.COMMUNITY, "grid_worker": Level.GRID, "district_admin": Level.DISTRICT}


def viewers(entry) -> list[str]:
    return [role for role, level in VIEWERS.items()
            if allows(role, Action.VIEW, entry.label) and entry.model.place_lookups.get(level) is not None]


CASES = [(entry.slug, viewer) for entry in ENTRIES for viewer in viewers(entry)]


@pytest.mark.parametrize(("slug", "viewer"), CASES, ids=[f"{s}-{v}" for s, v in CASES])
def test_detail_pages_cost_a_fixed_number_of_queries(world, db, django_assert_max_num_queries, slug, viewer):
    obj, user = world.rows[slug], world.users[viewer]
    urls = {"page": f"/{slug}/{obj.pk}/", "api": f"/api/{slug}/{obj.pk}/",
            "history": f"/{slug}/{obj.pk}/history/", "api history": f"/api/{slug}/{obj.pk}/history/"}

    def grow_it():
        grow(obj, world.grid, world.authors)
        grow_divisions(obj)

    column = list(VIEWERS).index(viewer)
    bounds = {kind: BOUNDS[slug][kind][column] for kind in urls}
    check_pages(client_of(user), urls, bounds, grow_it,
                django_assert_max_num_queries, f"{slug} as {viewer}")


HOME_OF = ("district_admin", "town_officer", "community_secretary", "community_staff", "migrant_officer",
           "grid_worker", "building_captain", "party_member", "volunteer", "two_roles")


@pytest.mark.parametrize("role", HOME_OF)
def test_home_page_costs_a_fixed_number_of_queries(world, db, django_assert_max_num_queries, role):
    def grow_it():
        for _ in range(3):  # rows in new micro-grids of the grid, seen by every role
            kit(MAKERS["grids"](world.grid))
        # and in other communities of both towns, for the comparison of communities
        for other in [*Community.objects.filter(town=world.danzao).exclude(pk=world.donglian.pk)[:2], world.luohu]:
            kit(GridFactory(community=other))
        for obj in world.rows.values():
            grow(obj, world.grid, world.authors[:2])

    check_pages(client_of(world.users[role]), {"home": "/"}, {"home": HOME[role]}, grow_it,
                django_assert_max_num_queries, f"home of {role}")


def test_every_entry_has_its_detail_page_measured(world, db):
    assert {slug for slug, _viewer in CASES} == set(BY_SLUG) == set(world.rows)
    assert set(BY_SLUG) <= set(BOUNDS)
    assert all(BOUNDS[slug][kind][list(VIEWERS).index(viewer)] is not None for slug, viewer in CASES
               for kind in ("page", "api", "history", "api history"))
