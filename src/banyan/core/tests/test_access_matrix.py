"""The access matrix: every entry of the registry × every role (at each level it may be held, and a user with no
role), through the web pages and the API: list, detail, create, update, delete, export (CSV and XLSX) and reveal.

The world, built once per module: for every entry a row in each of four places,
  G1     a grid of 东联 (丹灶镇), where every test user's place is (the grid itself for grid-level roles),
  G2     another grid of 东联: foreign to grid-level roles,
  luohu  a grid of 罗湖 (狮山镇): foreign to roles below the district,
  away   a grid of a community in another district: foreign to everyone.
The division entries have their own rows (南海区, 丹灶镇, 东联 inside; 狮山镇, 罗湖 and the other district's
places foreign). Users sit at 南海区 (district), 丹灶镇 (town), 东联 (community) or G1 (grid); a few hold two
roles at two places (`PAIRS`), one of which they may only view where the other may change.

Expectations come from RULES (`allows`) and from where each row is, never from the code under test. Each row
has a path down the place tree (district, town, community, grids); a user's place *covers* a row when the
user's path is a prefix of the row's; a row is *foreign* when the two paths part (a row "above" the user, such
as their own community for a grid worker, is neither). A row is visible when its kind is allowed to the role and
its place covered; for a user with two roles, each role counts only at its own place. Then:
- a foreign row is never listed, its personal numbers and its unique name never appear, and its detail, edit,
  delete and reveal answer 404 (403 is accepted only where the role may not do that action on that kind at all,
  which tells nothing about the row) and leave it unchanged; a create placed in foreign territory writes nothing;
- a visible row is listed and opens; a kind the role may not list answers 403; change, reveal and export work
  exactly where RULES allow them, on rows the user covers;
- no response carries a clear personal number, except a permitted reveal, of that one number;
- every write that goes through leaves exactly its event (created, changed or deleted; by that user, of that kind
  and record), and a refused one leaves none;
- a related id outside the user's places, sent on a form or to the API, is answered exactly as an id that does
  not exist, and nothing is written.

`check_matrix` collects every departure as a line of text, so one run reports all of them; the sanity tests at
the end break the access door on purpose and expect the matrix to notice.
"""

import datetime as dt
import decimal
import io
import itertools
import json
import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from unittest.mock import patch

import openpyxl
import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.test import Client
from rest_framework.authtoken.models import Token

from banyan.accounts.models import RoleAssignment
from banyan.accounts.roles import RULES, Action, Level, Role, allows, own_only
from banyan.core.registry import BY_LABEL, BY_SLUG, ENTRIES, Entry
from banyan.core.scoping import ScopedQuerySet
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
from banyan.ledgers.models import ImportJob
from banyan.people.models import Residency, TransferRequest
from banyan.places.models import Community, District, Town

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
_tokens = itertools.count(1)
_numbers = itertools.count(1)
# Every place a clear ID (18 characters) or mobile number (11 digits) could stand, overlapping.
NUMBER_LIKE = re.compile(r"(?=(\d{17}[\dX]|1\d{10}))")


def new_token() -> str:
    # ASCII, fixed width and closed at both ends: no token is a substring of another, JSON does not escape it.
    return f"MX{next(_tokens):05d}Z"


def token_field(entry: Entry) -> str | None:
    """The text field that carries a row's unique token (None for a tenancy, named after its resident and room)."""
    names = {f.name for f in entry.model._meta.fields}
    return next((n for n in ("name", "number", "address", "reason", "title") if n in names), None)


# ---------------------------------------------------------------------------------------------------------------
# The world.


@dataclass
class Row:
    obj: models.Model
    where: str  # G1, G2, luohu, away, or the place's name for the division rows
    path: tuple  # (("district", pk), ("town", pk), ("community", pk), ("grid", pk), ...)
    token: str | None  # the row's unique name: shown only to users who may see the row
    also: tuple = ()  # the paths of the other places the row is at (a transfer request: the holding community)


@dataclass
class Person:
    key: str  # "grid_worker@grid"
    user: object
    role: str | None
    path: tuple
    api_token: str
    more: tuple = ()  # further (role, path) pairs: a second role held at another place


@dataclass
class World:
    rows: dict[str, list[Row]]  # by entry slug
    people: list[Person]
    clears: set[str] = field(default_factory=set)  # every clear personal number the database holds

    def fresh(self, name: str) -> str:
        """A new valid personal number, never given before in this run, remembered so no response may show it."""
        n = next(_numbers)
        if name.endswith("id_number"):
            # The factories' numbers repeat after 500; ID numbers must be unique, so the birth date moves on too.
            first17 = f"440605{dt.date(1950, 1, 1) + dt.timedelta(days=n // 400):%Y%m%d}{n % 400 * 2 + 1:03d}"
            value = first17 + id_check_digit(first17)
        else:
            value = f"139{n:08d}"
        self.clears.add(value)
        return value


def place_path(obj) -> tuple:
    """Where a row is: the places from its district down to its community and grid chain."""
    if isinstance(obj, District):
        return (("district", obj.pk),)
    if isinstance(obj, Town):
        return (("district", obj.district_id), ("town", obj.pk))
    if isinstance(obj, Community):
        return (*place_path(obj.town), ("community", obj.pk))
    path = place_path(obj.community) if obj.community_id else ()
    grid = obj if obj._meta.label_lower == "places.grid" else getattr(obj, "grid", None)
    chain = []
    while grid is not None:
        chain.insert(0, ("grid", grid.pk))
        grid = grid.parent
    return path + tuple(chain)


def build_kit(world: World, grid) -> dict[str, models.Model]:
    """One row of every non-division entry in `grid` (community-level kinds: in its community), by slug."""
    c, g = grid.community, grid

    def pii(*names):
        return {n: world.fresh(n) for n in names}

    kit = {"grids": grid}
    kit["cooperatives"] = CooperativeFactory(community=c, name=new_token())
    kit["industrial-parks"] = IndustrialParkFactory(community=c, grid=g, name=new_token())
    kit["property-companies"] = PropertyCompanyFactory(community=c, name=new_token(), **pii("contact_phone"))
    kit["estates"] = EstateFactory(community=c, grid=g, name=new_token(), property_company=kit["property-companies"])
    kit["buildings"] = BuildingFactory(community=c, grid=g, estate=kit["estates"], name=new_token())
    kit["dwellings"] = DwellingFactory(building=kit["buildings"], number=new_token())
    kit["households"] = HouseholdFactory(community=c, grid=g, number=new_token(), dwelling=kit["dwellings"])
    kit["residents"] = ResidentFactory(community=c, grid=g, name=new_token(), household=kit["households"],
                                       dwelling=kit["dwellings"], birth_date=dt.date(1985, 3, 12),
                                       **pii("id_number", "phone"))
    kit["rental-properties"] = RentalPropertyFactory(community=c, grid=g, address=new_token(),
                                                     building=kit["buildings"], **pii("landlord_phone"))
    kit["rental-rooms"] = RentalRoomFactory(rental_property=kit["rental-properties"], number=new_token())
    migrant = ResidentFactory(community=c, grid=g, name=new_token(), residency=Residency.MIGRANT,
                              **pii("id_number", "phone"))
    kit["tenancies"] = TenancyFactory(room=kit["rental-rooms"], resident=migrant)
    kit["enterprises"] = EnterpriseFactory(community=c, grid=g, name=new_token(), park=kit["industrial-parks"],
                                           **pii("contact_phone"))
    kit["party-orgs"] = PartyOrgFactory(community=c, name=new_token())
    kit["party-members"] = PartyMemberFactory(org=kit["party-orgs"], community=c, grid=g, name=new_token(),
                                              **pii("id_number", "phone"))
    kit["case-units"] = UnitFactory(community=c, grid=g, kind="grid", name=new_token())
    kit["deliberations"] = DeliberationFactory(community=c, title=new_token())
    kit["projects"] = ProjectFactory(community=c, name=new_token(), deliberation=kit["deliberations"])
    # A case recorded by the party member of the test world at G1 is theirs (Case.scope_rows): it is built by
    # `build_world` once the users exist. Here, one recorded by nobody in particular.
    kit["cases"] = CaseFactory(community=c, grid=g, address=new_token(), unit=kit["case-units"],
                               **pii("contact_phone"))
    return kit


def build_world() -> World:
    world = World(rows={**{e.slug: [] for e in ENTRIES}, "imports": []}, people=[])
    district, danzao, shishan = nanhai(), town("丹灶镇"), town("狮山镇")
    donglian, luohu = community("东联"), community("罗湖")
    other = District.objects.create(code="990100", name=new_token())
    other_town = Town.objects.create(district=other, code="990100001", name=new_token(), kind=Town.Kind.TOWN)
    other_community = Community.objects.create(town=other_town, code="990100001001", name=new_token(),
                                               full_name="外区测试社区居委会")
    grids = {"G1": GridFactory(community=donglian, name=new_token()),
             "G2": GridFactory(community=donglian, name=new_token()),
             "luohu": GridFactory(community=luohu, name=new_token()),
             "away": GridFactory(community=other_community, name=new_token())}

    def add(slug, obj, where, token):
        world.rows[slug].append(Row(obj, where, place_path(obj), token))

    kits = {}
    for where, grid in grids.items():
        kits[where] = build_kit(world, grid)
        for slug, obj in kits[where].items():
            tf = token_field(BY_SLUG[slug])
            add(slug, obj, where, getattr(obj, tf) if tf else None)
    # A transfer request is at two places: the grid that asks (its row's place) and the community that holds the
    # person. Each is asked from inside the district but away's, so the asking community's name, which the
    # holder reads, is never a foreign token: G1 asks for a resident of luohu, G2 for one of away, luohu for one
    # of G2 (东联 holds them), away for a migrant of its own (foreign to everyone).
    asker = make_user(username="transfer-asker")
    for where, (holder, person) in {"G1": ("luohu", "residents"), "G2": ("away", "residents"),
                                    "luohu": ("G2", "residents"), "away": ("away", "tenancies")}.items():
        resident = kits[holder][person] if person == "residents" else kits[holder][person].resident
        request = TransferRequest.objects.create(
            resident=resident, id_number_masked=resident.id_number_masked, from_community=resident.community,
            to_community=grids[where].community, to_grid=grids[where], reason=new_token(), requested_by=asker)
        world.rows["transfer-requests"].append(Row(request, where, place_path(grids[where]), request.reason,
                                                   also=(place_path(resident.community),)))
    # Real places have no unique token (their names rightly appear in breadcrumbs); ids are checked instead.
    for obj in (district, other):
        add("districts", obj, obj.name, obj.name if obj is other else None)
    for obj in (danzao, shishan, other_town):
        add("towns", obj, obj.name, obj.name if obj is other_town else None)
    for obj in (donglian, luohu, other_community):
        add("communities", obj, obj.name, obj.name if obj is other_community else None)

    # Import jobs are not registry entries but have pages of their own (/imports/): one per community.
    for where, place in (("G1", donglian), ("luohu", luohu), ("away", other_community)):
        token = new_token()
        job = ImportJob.objects.create(kind="residents", file_name=f"{token}.xlsx", community=place,
                                       status=ImportJob.Status.DONE)
        world.rows["imports"].append(Row(job, where, place_path(job), token))

    homes = {Level.DISTRICT: district, Level.TOWN: danzao, Level.COMMUNITY: donglian, Level.GRID: grids["G1"]}
    for role in Role:
        for level in sorted(RULES[role].levels):
            user = make_user(role, homes[level], username=f"{role}-{level}")
            world.people.append(Person(f"{role}@{level}", user, role, place_path(homes[level]),
                                       Token.objects.create(user=user).key))
    # Users holding two roles at two places. Each role counts only where it is held: where one may only view,
    # nothing may be written, whatever the other may change elsewhere (the view-only place around, beside, or
    # inside the place they may change, and a role that may change other kinds than the one that views).
    places = {"东联": donglian, "狮山镇": shishan, "丹灶镇": danzao, "罗湖": luohu, "G1": grids["G1"],
              "luohu": grids["luohu"]}
    for key in PAIRS:
        user = make_user(username=key)
        more = []
        for held in key.split("+"):
            role, where = held.split("@")
            place = places[where]
            RoleAssignment.objects.create(user=user, role=role, **{type(place).__name__.lower(): place})
            more.append((role, place_path(place)))
        world.people.append(Person(key, user, more[0][0], more[0][1], Token.objects.create(user=user).key,
                                   more=tuple(more[1:])))
    nobody = make_user(username="no-role")
    world.people.append(Person("no-role", nobody, None, (), Token.objects.create(user=nobody).key))
    return world


PAIRS = (f"{Role.COMMUNITY_STAFF}@东联+{Role.TOWN_OFFICER}@狮山镇",
         f"{Role.GRID_WORKER}@G1+{Role.TOWN_OFFICER}@丹灶镇",
         f"{Role.COMMUNITY_SECRETARY}@罗湖+{Role.PARTY_MEMBER}@G1",
         f"{Role.MIGRANT_OFFICER}@东联+{Role.GRID_WORKER}@luohu")


INSIDE = {"G1", "南海区", "丹灶镇", "东联"}  # where each entry's row inside every test user's place is


# ---------------------------------------------------------------------------------------------------------------
# Expectations, from RULES and the paths only.


def holds(person: Person) -> tuple:
    """The (role, path) pairs the user holds: one for most test users, two for those with roles at two places."""
    return ((person.role, person.path), *person.more) if person.role is not None else ()


def may(person: Person, action: str, entry: Entry) -> bool:
    """Whether one of the user's roles allows `action` on this kind at all (wherever it is held)."""
    return any(allows(role, action, entry.label) for role, _ in holds(person))


def covers(person: Person, row: Row) -> bool:
    return any(covers_path(person, path) for path in (row.path, *row.also))


def covers_path(person: Person, path: tuple) -> bool:
    return any(path[: len(held)] == held for _, held in holds(person))


def is_foreign(person: Person, row: Row) -> bool:
    above = any(len(path) < len(held) and held[: len(path)] == path
                for _, held in holds(person) for path in (row.path, *row.also))
    return not covers(person, row) and not above


def allowed_at(person: Person, action: str, label: str, paths) -> bool:
    """Whether a role that allows `action` on this kind is held at a place covering one of `paths`: two roles at
    two places never add up to more than each allows where it is held."""
    return any(allows(role, action, label) and not own_only(role, label)
               and any(path[: len(held)] == held for path in paths) for role, held in holds(person))


def permitted(person: Person, action: str, entry: Entry, row: Row) -> bool:
    return allowed_at(person, action, entry.label, (row.path, *row.also))


def visible(person: Person, entry: Entry, row: Row) -> bool:
    return permitted(person, Action.VIEW, entry, row)


def anywhere(person: Person, action: str, entry: Entry, world: World) -> bool:
    """Whether the role may do `action` on this kind somewhere in the user's place (else: 403 for the kind). A
    kind the role sees only where it is the user's own (RULES' `own`) is open to it where such rows can be, with
    none of the world's rows visible: no test user owns one."""
    rows = world.rows[entry.slug]
    return any(permitted(person, action, entry, r) for r in rows) or any(
        allows(role, action, entry.label) and own_only(role, entry.label)
        and any(path[: len(held)] == held for r in rows for path in (r.path, *r.also))
        for role, held in holds(person))


def places_held(person: Person, rows: list[Row]) -> list[Row]:
    """One row in each place the user holds a role at, the row inside everyone's place first: writes are tried in
    each, so a place where one role may only view is tried beside the place where another role may change."""
    def under(row, held):
        return any(path[: len(held)] == held for path in (row.path, *row.also))

    out, earlier = [next(r for r in rows if r.where in INSIDE)], []
    for _, held in holds(person):
        only_here = [r for r in rows if under(r, held) and not any(under(r, e) for e in earlier)]
        if not any(r in out for r in only_here):
            out += only_here[:1]
        earlier.append(held)
    return out


# ---------------------------------------------------------------------------------------------------------------
# The walk.


def body_of(response) -> str:
    """A response as text; a spreadsheet as the text of its cells, so its names and numbers are checked too."""
    raw = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True)
        return "\n".join("\t".join(str(v) for v in row if v is not None)
                         for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True))
    return raw.decode("utf-8", "replace")


def snapshot(row: Row):
    return type(row.obj)._base_manager.filter(pk=row.obj.pk).values().first()


def form_value(value):
    if value is None:
        return ""
    if isinstance(value, dt.date | decimal.Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def api_value(value):
    if isinstance(value, dt.date | decimal.Decimal):
        return str(value)
    return value


class Matrix:
    """Walks one (person, entry) at a time through one surface and writes down every departure."""

    def __init__(self, world: World):
        self.world = world
        self.problems: list[str] = []
        self.web, self.api = Client(raise_request_exception=False), Client(raise_request_exception=False)
        self.stranger = Client(raise_request_exception=False)  # another user, at someone's export

    # -- bookkeeping

    def report(self, person, surface, entry, what):
        self.problems.append(f"{person.key} {surface} /{entry.slug}/: {what}")

    def fetch(self, person, surface, entry, method, url, *, allowed_clear=None, **kwargs):
        """One request; its body is checked for clear personal numbers and server errors. Exempt: `allowed_clear`
        (a permitted reveal) and the numbers the request itself sent (a refused form shows the user's own input)."""
        client = self.web if surface == "web" else self.api
        sent = set((kwargs.get("data") or {}).values()) if method != "get" else set()
        if surface == "api":
            kwargs.setdefault("HTTP_AUTHORIZATION", f"Token {person.api_token}")
            if "data" in kwargs and method != "get":
                kwargs["data"], kwargs["content_type"] = json.dumps(kwargs["data"]), "application/json"
        response = getattr(client, method)(url, **kwargs)
        body = body_of(response)
        if response.status_code >= 500:
            self.report(person, surface, entry, f"{method.upper()} {url} -> {response.status_code}")
        for clear in set(NUMBER_LIKE.findall(body)) & self.world.clears - sent - {allowed_clear}:
            self.report(person, surface, entry, f"CLEAR NUMBER {clear} in {method.upper()} {url}")
        return response, body

    def expect(self, person, surface, entry, what, status, allowed):
        if status not in allowed:
            self.report(person, surface, entry, f"{what} -> {status}, expected {' or '.join(map(str, allowed))}")
            return False
        return True

    def expect_events(self, person, surface, entry, what, mark, expected):
        """The events written since `mark` are exactly `expected` [(action, record id)], by this user, of this kind:
        a write leaves its event in its transaction, a refused one none."""
        found = [(e.action, e.user_id, e.model, e.object_id)
                 for e in Event.objects.filter(pk__gt=mark).order_by("pk")]
        wanted = [(str(action), person.user.pk, entry.label, pk) for action, pk in expected]
        if found != wanted:
            self.report(person, surface, entry, f"{what}: events {found}, expected {wanted}")

    def denied(self, person, entry, row, action) -> tuple[int, ...]:
        """The answers that refuse `action` on `row`: 404 for a foreign row of a kind the role may act on.
        A read-only entry (the division tree) may also answer a write with 405, before looking at any row."""
        read_only = (405,) if action == Action.CHANGE and not entry.form_fields else ()
        if is_foreign(person, row) and anywhere(person, action, entry, self.world):
            return (404, *read_only)
        return (403, 404, *read_only)

    # -- one (person, entry) on one surface

    def walk(self, person: Person, entry: Entry, surface: str):
        if surface == "web":
            self.web.force_login(person.user)
        rows = self.world.rows[entry.slug]
        prefix = "" if surface == "web" else "/api"
        self.check_list(person, entry, surface, prefix, rows)
        for row in rows:
            self.check_detail(person, entry, surface, prefix, row)
        # Writes and reveals are tried on the inside row, on the nearest foreign one (for a grid worker, the
        # other grid of their own community): the row a scoping slip would most likely let through, and for a user
        # with roles at two places, on a row of each.
        targets = [*places_held(person, rows), *nearest_foreign(person, rows)[:1]]
        for row in targets:
            self.check_writes(person, entry, surface, prefix, row)
            for name in entry.pii:
                self.check_reveal(person, entry, surface, prefix, row, name)
        self.check_create(person, entry, surface, prefix, rows)
        self.check_related(person, entry, surface, prefix, rows)
        if surface == "web":
            self.check_export(person, entry, rows)

    def listed_ids(self, surface, entry, response, body) -> set[int]:
        if surface == "web":
            return {int(pk) for pk in re.findall(rf'(?<![\w-])/{re.escape(entry.slug)}/(\d+)/', body)}
        data = response.json()
        results = data.get("results", []) if isinstance(data, dict) else data
        return {r.get("id") for r in results if isinstance(r, dict)}

    def check_list(self, person, entry, surface, prefix, rows):
        url = f"{prefix}/{entry.slug}/"
        response, body = self.fetch(person, surface, entry, "get", url)
        allowed = anywhere(person, Action.VIEW, entry, self.world)
        if not self.expect(person, surface, entry, f"GET {url}", response.status_code, (200,) if allowed else (403,)):
            return
        if not allowed:
            return
        ids = self.listed_ids(surface, entry, response, body)
        search = "q" if surface == "web" else "search"
        for row in rows:
            shown = row.obj.pk in ids or (row.token is not None and row.token in body)
            if visible(person, entry, row) and not shown and row.token is None:
                # A real place may be past the first page (the district has 307 communities): search its name.
                found, found_body = self.fetch(person, surface, entry, "get", url, data={search: row.obj.name})
                if row.obj.pk not in self.listed_ids(surface, entry, found, found_body):
                    self.report(person, surface, entry, f"visible row {row.where}#{row.obj.pk} not listed")
            elif visible(person, entry, row) and not shown:
                self.report(person, surface, entry, f"visible row {row.where}#{row.obj.pk} not listed")
            elif not visible(person, entry, row) and shown:
                self.report(person, surface, entry, f"LEAK: {row.where}#{row.obj.pk} listed")
        self.check_tokens(person, surface, entry, url, body)
        # Every token starts with "MX": a search for it reaches every row of the kind, through the search code.
        response, body = self.fetch(person, surface, entry, "get", url, data={search: "MX"})
        ids = self.listed_ids(surface, entry, response, body)
        for row in rows:
            if row.token and visible(person, entry, row) != (row.obj.pk in ids):
                self.report(person, surface, entry, f"search MX: {row.where}#{row.obj.pk} "
                                                    f"{'missing' if visible(person, entry, row) else 'LEAK: found'}")
        self.check_tokens(person, surface, entry, f"{url}?{search}=MX", body)
        if surface == "web":  # the picker that forms and filters search related rows with
            response, body = self.fetch(person, surface, entry, "get", f"{url}pick/", data={"q": "MX"})
            self.check_tokens(person, surface, entry, f"{url}pick/?q=MX", body)

    def check_tokens(self, person, surface, entry, url, body):
        """No page shows the unique name of a foreign row, of any kind."""
        for slug, rows in self.world.rows.items():
            for row in rows:
                if row.token and is_foreign(person, row) and row.token in body:
                    self.report(person, surface, entry, f"LEAK: name of {slug} {row.where}#{row.obj.pk} in {url}")

    def check_detail(self, person, entry, surface, prefix, row):
        url = f"{prefix}/{entry.slug}/{row.obj.pk}/"
        response, body = self.fetch(person, surface, entry, "get", url)
        if visible(person, entry, row):
            self.expect(person, surface, entry, f"GET {url} ({row.where})", response.status_code, (200,))
        else:
            self.expect(person, surface, entry, f"GET {url} ({row.where}, not visible)", response.status_code,
                        self.denied(person, entry, row, Action.VIEW))
        self.check_tokens(person, surface, entry, url, body)

    def payload(self, entry: Entry, template: models.Model, surface: str, *, numbers: bool = True) -> dict:
        """What a form or an API client would send for a row like `template`, under a new unique name; with
        `numbers`, new personal numbers too (else a form leaves them blank, which keeps the stored ones)."""
        data, tf = {}, token_field(entry)
        encode = form_value if surface == "web" else api_value
        for name in entry.form_fields:
            if name in entry.pii:
                if numbers:
                    data[name] = self.world.fresh(name)
                elif surface == "web":
                    data[name] = ""
            elif name == tf:
                data[name] = new_token()
            else:
                data[name] = encode(getattr(template, template._meta.get_field(name).attname))
        return data

    def check_writes(self, person, entry, surface, prefix, row):
        """Update and delete: allowed exactly on covered rows of a kind the role may change; else nothing moves."""
        may_change = permitted(person, Action.CHANGE, entry, row) and bool(entry.form_fields)
        before = snapshot(row)
        tf = token_field(entry)
        base = f"{prefix}/{entry.slug}/{row.obj.pk}/"
        # An allowed update keeps the personal numbers (so the row's clear values stay what the world knows).
        numbers = not may_change
        if surface == "web":
            attempts = [("get", f"{base}edit/", None),
                        ("post", f"{base}edit/", self.payload(entry, row.obj, "web", numbers=numbers)),
                        ("post", f"{base}delete/", {})]
        else:
            attempts = [("put", base, self.payload(entry, row.obj, "api", numbers=numbers)),
                        ("patch", base, {tf: new_token()} if tf else {}), ("delete", base, None)]
        for method, url, data in attempts:
            is_delete = url.endswith("delete/") or method == "delete"
            if may_change and is_delete:
                continue  # deleting a fixture row would change the world: tested on a row this test created
            kwargs = {} if data is None else {"data": data}
            mark = event_mark()
            response, body = self.fetch(person, surface, entry, method, url, **kwargs)
            what = f"{method.upper()} {url} ({row.where})"
            if may_change and method in ("get",):
                self.expect(person, surface, entry, what, response.status_code, (200,))
                self.expect_events(person, surface, entry, what, mark, [])
            elif may_change:
                ok = (302,) if surface == "web" else (200,)
                if self.expect(person, surface, entry, what, response.status_code, ok):
                    now = snapshot(row)
                    if tf and (now is None or now[tf] != data[tf]):
                        self.report(person, surface, entry, f"{what}: allowed update not saved")
                    # An update that changed the row leaves one event of it; one that changed nothing, none.
                    self.expect_events(person, surface, entry, what, mark,
                                       [(Event.Action.CHANGED, row.obj.pk)] if now != before else [])
                    if tf:
                        type(row.obj)._base_manager.filter(pk=row.obj.pk).update(**{tf: before[tf]})
            else:
                self.expect(person, surface, entry, what, response.status_code,
                            self.denied(person, entry, row, Action.CHANGE))
                if snapshot(row) != before:
                    self.report(person, surface, entry, f"LEAK: {what} changed or deleted the row")
                    type(row.obj)._base_manager.filter(pk=row.obj.pk).update(**before)  # later checks need it
                self.expect_events(person, surface, entry, what, mark, [])
            self.check_tokens(person, surface, entry, url, body)

    def check_reveal(self, person, entry, surface, prefix, row, name):
        url = f"{prefix}/{entry.slug}/{row.obj.pk}/reveal/"
        clear = None
        allowed = allowed_at(person, Action.REVEAL, entry.label, (row.path, *row.also))
        if allowed:
            from banyan.core.pii import pii_reveal

            clear = pii_reveal(type(row.obj)._base_manager.get(pk=row.obj.pk), name)
        audits = Event.objects.filter(action__in=("revealed", "exported")).count()
        response, body = self.fetch(person, surface, entry, "post", url, allowed_clear=clear,
                                    data={"field": name, "reason": "访问矩阵测试"})
        what = f"POST {url} field={name} ({row.where})"
        if allowed:
            if self.expect(person, surface, entry, what, response.status_code, (200,)) and clear not in body:
                self.report(person, surface, entry, f"{what}: permitted reveal does not show the number")
            if Event.objects.filter(action__in=("revealed", "exported")).count() != audits + 1:
                self.report(person, surface, entry, f"{what}: reveal not audited")
        else:
            self.expect(person, surface, entry, what, response.status_code,
                        self.denied(person, entry, row, Action.REVEAL))
            if Event.objects.filter(action__in=("revealed", "exported")).count() != audits:
                self.report(person, surface, entry, f"{what}: refused reveal wrote an audit row")

    def check_create(self, person, entry, surface, prefix, rows):
        url = f"{prefix}/{entry.slug}/" + ("new/" if surface == "web" else "")
        can_create = bool(entry.form_fields) and anywhere(person, Action.CHANGE, entry, self.world)
        if surface == "web":
            response, _ = self.fetch(person, surface, entry, "get", url)
            self.expect(person, surface, entry, f"GET {url}", response.status_code, (200,) if can_create else (403,))
        if not entry.form_fields:
            return
        # Foreign templates, nearest first (a grid worker tries the other grid of their own community), then one in
        # each place the user holds a role at: allowed exactly where a role that may change the kind is held.
        for row in [*nearest_foreign(person, rows)[:1], *places_held(person, rows)]:
            self.try_create(person, entry, surface, url, row, permitted(person, Action.CHANGE, entry, row))

    def try_create(self, person, entry, surface, url, row, may_create):
        model, label = entry.model, f"POST {url} placed in {row.where}"
        last, mark = model._base_manager.aggregate(m=models.Max("pk"))["m"] or 0, event_mark()
        response, _ = self.fetch(person, surface, entry, "post", url, data=self.payload(entry, row.obj, surface))
        created = model._base_manager.filter(pk__gt=last).first()
        if not may_create:
            if created is not None:
                self.report(person, surface, entry, f"LEAK: {label} wrote a row ({response.status_code})")
                model._base_manager.filter(pk__gt=last).delete()
            self.expect_events(person, surface, entry, label, mark, [])
            return
        if created is None:
            self.report(person, surface, entry, f"allowed {label} wrote nothing ({response.status_code})")
            return
        self.expect(person, surface, entry, label, response.status_code, (302,) if surface == "web" else (201,))
        self.expect_events(person, surface, entry, label, mark, [(Event.Action.CREATED, created.pk)])
        # Delete what was just created, through the same surface.
        delete = (f"/{entry.slug}/{created.pk}/delete/", "post") if surface == "web" else \
            (f"/api/{entry.slug}/{created.pk}/", "delete")
        mark = event_mark()
        response, _ = self.fetch(person, surface, entry, delete[1], delete[0])
        what = f"{delete[1].upper()} {delete[0]} ({row.where})"
        self.expect(person, surface, entry, what, response.status_code, (302,) if surface == "web" else (204,))
        if model._base_manager.filter(pk=created.pk).exists():
            self.report(person, surface, entry, f"allowed delete of {created.pk} did not delete")
            created.delete()
        else:
            self.expect_events(person, surface, entry, what, mark, [(Event.Action.DELETED, created.pk)])

    def check_related(self, person, entry, surface, prefix, rows):
        """A related row outside the user's places, sent for any related field of a create or an update (a form's
        choice, an API id), gets exactly the answer an id that does not exist gets, and nothing is written."""
        home = next((r for r in places_held(person, rows) if permitted(person, Action.CHANGE, entry, r)), None)
        if home is None or not entry.form_fields:
            return
        create = f"{prefix}/{entry.slug}/" + ("new/" if surface == "web" else "")
        update = f"{prefix}/{entry.slug}/{home.obj.pk}/" + ("edit/" if surface == "web" else "")
        offered = None  # a form may leave a field out for this user (a grid worker's community follows the grid)
        if surface == "web":
            response, _ = self.fetch(person, surface, entry, "get", create)
            offered = set(response.context["form"].fields) if response.status_code == 200 else set()
        for name in entry.form_fields:
            field = related_field(entry, name)
            if field is None or (offered is not None and name not in offered):
                continue
            kind = BY_LABEL.get(field.related_model._meta.label_lower)
            foreign = nearest_foreign(person, self.world.rows[kind.slug])[:1] if kind else []
            if not foreign:
                continue
            missing = (field.related_model._base_manager.aggregate(m=models.Max("pk"))["m"] or 0) + 1000
            attempts = [("post", create, self.payload(entry, home.obj, surface))]
            attempts.append(("post", update, self.payload(entry, home.obj, surface, numbers=False))
                            if surface == "web" else ("patch", update, {}))
            for method, url, data in attempts:
                what = f"{method.upper()} {url} {name}={foreign[0].where}#{foreign[0].obj.pk}"
                answers = [self.try_related(person, entry, surface, method, url, {**data, name: pk}, name, home, what)
                           for pk in (foreign[0].obj.pk, missing)]
                if answers[0] != answers[1]:
                    self.report(person, surface, entry, f"{what}: answered {answers[0]}, "
                                                        f"unlike a missing id: {answers[1]}")

    def try_related(self, person, entry, surface, method, url, data, name, home, what):
        """One write naming a related id that must not be taken: its answer, with that id blanked out."""
        model = entry.model
        last, mark, before = model._base_manager.aggregate(m=models.Max("pk"))["m"] or 0, event_mark(), snapshot(home)
        response, _ = self.fetch(person, surface, entry, method, url, data=data)
        if model._base_manager.filter(pk__gt=last).exists() or snapshot(home) != before:
            self.report(person, surface, entry, f"LEAK: {what} was written ({response.status_code})")
            model._base_manager.filter(pk__gt=last).delete()
            model._base_manager.filter(pk=home.obj.pk).update(**before)
        self.expect_events(person, surface, entry, what, mark, [])
        errors = None  # a write that went through answers with its status alone
        if surface == "web" and response.status_code == 200 and response.context and "form" in response.context:
            errors = response.context["form"].errors.get_json_data()
        elif surface == "api" and response.status_code == 400:
            errors = response.json()
        if isinstance(errors, dict) and isinstance(errors.get(name), list):
            errors[name] = [str(e).replace(str(data[name]), "<id>") for e in errors[name]]
        return response.status_code, json.dumps(errors, sort_keys=True, ensure_ascii=False, default=str)

    def check_export(self, person, entry, rows):
        allowed = anywhere(person, Action.EXPORT, entry, self.world)
        # Each format both ways: sent in the request (a short list), and built by the worker (a long list),
        # followed from the job's page to its file.
        for fmt, background in itertools.product(("csv", "xlsx"), (False, True)):
            url = f"/{entry.slug}/export.{fmt}"
            audits = Event.objects.filter(action="exported").count()
            response, body = self.export(person, entry, url, stranger=fmt == "csv") if background else \
                self.fetch(person, "web", entry, "get", url)
            if not self.expect(person, "web", entry, f"GET {url}{' (background)' if background else ''}",
                               response.status_code, (200,) if allowed else (403,)) or not allowed:
                continue
            if Event.objects.filter(action="exported").count() != audits + 1:
                self.report(person, "web", entry, f"GET {url}: export not audited")
            for row in rows:
                exported = permitted(person, Action.EXPORT, entry, row)
                if row.token and exported and row.token not in body:
                    self.report(person, "web", entry, f"{url} lacks visible row {row.where}#{row.obj.pk}")
                elif row.token and not exported and row.token in body:
                    # Seen through a role that may not export: a second role's export right ends at its place.
                    self.report(person, "web", entry, f"LEAK: {url} exports {row.where}#{row.obj.pk}, which no "
                                                      f"role that may export covers")
            self.check_tokens(person, "web", entry, url, body)

    def export(self, person, entry, url, stranger=True):
        """An export as a long list gets it: the link leads to the job's page, the task (run at once here) builds
        the file, the page offers it, the download is its answer. Nobody else (`stranger`: tried) may open the
        job or its file."""
        from django.test import TestCase, override_settings

        from banyan.ledgers import services as ledgers

        with patch.object(ledgers, "INLINE_EXPORT_ROWS", -1), override_settings(TASKS=IMMEDIATE_TASKS), \
                TestCase.captureOnCommitCallbacks(execute=True):
            response, body = self.fetch(person, "web", entry, "get", url)
        if response.status_code != 302:
            return response, body  # refused: the caller judges the status
        page = response["Location"]
        response, body = self.fetch(person, "web", entry, "get", page)
        self.check_tokens(person, "web", entry, page, body)
        download = f"{page}download/"
        if download not in body:
            self.report(person, "web", entry, f"{url}: {page} offers no download")
        if stranger:
            other = next(p for p in self.world.people if p.user.pk != person.user.pk)
            self.stranger.force_login(other.user)
            for tried in (page, download):
                if (status := self.stranger.get(tried).status_code) != 404:
                    self.report(person, "web", entry, f"LEAK: {other.key} GET {tried} -> {status}, expected 404")
        return self.fetch(person, "web", entry, "get", download)


def related_field(entry: Entry, name: str) -> models.ForeignKey | None:
    try:
        field = entry.model._meta.get_field(name)
    except FieldDoesNotExist:  # a personal number: a property, not a field
        return None
    return field if isinstance(field, models.ForeignKey) else None


def event_mark() -> int:
    return Event.objects.aggregate(m=models.Max("pk"))["m"] or 0


def nearest_foreign(person: Person, rows: list[Row]) -> list[Row]:
    """The foreign rows, those sharing the longest stretch of one of the user's paths first."""
    def shared(row):
        return max(sum(1 for _ in itertools.takewhile(lambda pair: pair[0] == pair[1],
                                                      zip(held, row.path, strict=False)))
                   for _, held in holds(person)) if person.role is not None else 0

    return sorted((r for r in rows if is_foreign(person, r)), key=lambda r: -shared(r))


# What /api/summary/ counts, by model: each figure must be the number of rows the role may view in the place.
SUMMARY = {"residents": "people.resident", "households": "people.household",
           "rental_properties": "people.rentalproperty", "rental_rooms": "people.rentalroom",
           "industrial_parks": "places.industrialpark", "enterprises": "people.enterprise",
           "party_members": "party.partymember", "party_orgs": "party.partyorg", "communities": "places.community",
           "grids": "places.grid"}


def check_dashboards(world: World, people=None) -> list[str]:
    """The home page shows no foreign name; every figure of /api/summary/ counts exactly the visible rows."""
    from django.apps import apps

    matrix, home = Matrix(world), BY_SLUG["communities"]  # `home` only labels the report lines
    paths = {label: [place_path(o) for o in apps.get_model(label)._base_manager.all()] for label in SUMMARY.values()}
    for person in people or world.people:
        matrix.web.force_login(person.user)
        response, body = matrix.fetch(person, "web", home, "get", "/")
        matrix.expect(person, "web", home, "GET /", response.status_code, (200,))
        matrix.check_tokens(person, "web", home, "/", body)
        response, body = matrix.fetch(person, "api", home, "get", "/api/summary/")
        if not matrix.expect(person, "api", home, "GET /api/summary/", response.status_code, (200,)):
            continue
        figures = response.json()
        for key, label in SUMMARY.items():
            expected = sum(allowed_at(person, Action.VIEW, label, (p,)) for p in paths[label])
            if figures.get(key) != expected:
                matrix.report(person, "api", home, f"/api/summary/ {key}={figures.get(key)}, expected {expected}"
                                                   f"{' (LEAK)' if (figures.get(key) or 0) > expected else ''}")
    return matrix.problems


IMPORTS = SimpleNamespace(slug="imports", label="ledgers.importjob")  # labels report lines like an entry


def check_imports(world: World, people=None) -> list[str]:
    """Import jobs of other places are never listed and answer 404 on every page of theirs."""
    matrix = Matrix(world)
    for person in people or world.people:
        matrix.web.force_login(person.user)
        response, body = matrix.fetch(person, "web", IMPORTS, "get", "/imports/")
        listed = {int(pk) for pk in re.findall(r"/imports/(\d+)/", body)} if response.status_code == 200 else set()
        matrix.check_tokens(person, "web", IMPORTS, "/imports/", body)
        for row in world.rows["imports"]:
            seen = visible(person, IMPORTS, row)
            if seen != (row.obj.pk in listed) and response.status_code == 200:
                matrix.report(person, "web", IMPORTS, f"{row.where}#{row.obj.pk} "
                                                      f"{'not listed' if seen else 'LEAK: listed'}")
            before = snapshot(row)
            for method, url in (("get", f"/imports/{row.obj.pk}/"), ("post", f"/imports/{row.obj.pk}/confirm/"),
                                ("get", f"/imports/{row.obj.pk}/refused.xlsx")):
                if seen:
                    if url.endswith(f"{row.obj.pk}/"):
                        response, _ = matrix.fetch(person, "web", IMPORTS, method, url)
                        matrix.expect(person, "web", IMPORTS, f"GET {url}", response.status_code, (200,))
                    continue
                response, body = matrix.fetch(person, "web", IMPORTS, method, url)
                allowed = (404,) if is_foreign(person, row) else (403, 404)
                matrix.expect(person, "web", IMPORTS, f"{method.upper()} {url} ({row.where})", response.status_code,
                              allowed)
                matrix.check_tokens(person, "web", IMPORTS, url, body)
            if snapshot(row) != before:
                matrix.report(person, "web", IMPORTS, f"LEAK: {row.where}#{row.obj.pk} changed")
    return matrix.problems


def check_matrix(world: World, entries, surfaces=("web", "api"), people=None) -> list[str]:
    matrix = Matrix(world)
    for person in people or world.people:
        for entry in entries:
            for surface in surfaces:
                matrix.walk(person, entry, surface)
    return matrix.problems


# ---------------------------------------------------------------------------------------------------------------
# The tests.


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at its end; each test runs in a
    savepoint of it (pytest-django's `db`), so a test's writes never reach the next one."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.mark.parametrize("surface", ["web", "api"])
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.slug)
def test_access_matrix(world, db, entry, surface):
    problems = check_matrix(world, [entry], [surface])
    assert not problems, f"{len(problems)} access problems:\n" + "\n".join(problems)


def test_dashboards_count_only_visible_rows(world, db):
    problems = check_dashboards(world)
    assert not problems, f"{len(problems)} access problems:\n" + "\n".join(problems)


def test_import_jobs_of_other_places_stay_hidden(world, db):
    problems = check_imports(world)
    assert not problems, f"{len(problems)} access problems:\n" + "\n".join(problems)


def test_matrix_covers_every_entry_role_and_level(world, db):
    """A guard on the world itself: every role at every level it may hold, and for every entry a row inside
    everyone's place and rows foreign to someone."""
    assert {p.key for p in world.people} == {"no-role", *PAIRS,
                                             *(f"{r}@{lv}" for r in Role for lv in RULES[r].levels)}
    for entry in ENTRIES:
        rows = world.rows[entry.slug]
        assert any(r.where in INSIDE for r in rows), entry.slug
        assert sum(is_foreign(p, r) for p in world.people for r in rows) > 0, entry.slug
    # Each user with two roles has a kind they may change in one place and only view, on a row the walk tries,
    # in the other.
    for person in (p for p in world.people if p.more):
        assert any(permitted(person, Action.CHANGE, e, a) and permitted(person, Action.VIEW, e, b)
                   and not permitted(person, Action.CHANGE, e, b)
                   for e in ENTRIES if e.form_fields
                   for a in places_held(person, world.rows[e.slug]) for b in places_held(person, world.rows[e.slug])
                   ), person.key


# Models at a place that are not registry entries, and where the matrix walks them instead.
WALKED_ELSEWHERE = {"ledgers.importjob": "check_imports"}


def test_every_model_at_a_place_is_in_the_matrix():
    """A model that belongs to a place (it says how to reach its places) is walked by the matrix: it is a
    registry entry, or has a walk of its own here, and the roles say who sees it."""
    from django.apps import apps

    seen = set().union(*(rule.view for rule in RULES.values()))
    for model in apps.get_models():
        if not hasattr(model, "place_lookups"):
            continue
        label = model._meta.label_lower
        assert label in BY_LABEL or label in WALKED_ELSEWHERE, f"{label} belongs to a place but is not walked"
        assert label in seen, f"{label} belongs to a place but no role's rules name it"


def _grid_worker(world):
    return [p for p in world.people if p.key == f"{Role.GRID_WORKER}@{Level.GRID}"]


def test_matrix_notices_a_door_left_open(world, db, monkeypatch):
    """With `visible_to` returning every row (a page, viewset, selector or export forgetting it), the matrix
    must report leaks on both surfaces."""
    monkeypatch.setattr(ScopedQuerySet, "visible_to", lambda self, user, action=Action.VIEW, **kw: self.all())
    entry = BY_SLUG["residents"]
    for surface in ("web", "api"):
        problems = check_matrix(world, [entry], [surface], _grid_worker(world))
        assert any("LEAK" in p for p in problems), f"{surface}: the matrix did not notice an open door"
    assert any("LEAK" in p for p in check_dashboards(world, _grid_worker(world))), "dashboards: not noticed"


def test_matrix_notices_a_clear_number(world, db, monkeypatch):
    """With masked values replaced by clear ones, the matrix must report the clear numbers it sees."""
    from banyan.core import pii

    monkeypatch.setattr(pii, "mask", lambda kind, value: value)
    entry = BY_SLUG["residents"]
    inside = next(r for r in world.rows["residents"] if r.where == "G1")
    obj = type(inside.obj)._base_manager.get(pk=inside.obj.pk)
    clear = pii.pii_reveal(obj, "phone")
    obj.phone = clear  # re-stored with the broken mask: the mask column now holds the clear number
    obj.save()
    problems = check_matrix(world, [entry], ["web"], _grid_worker(world))
    assert any("CLEAR NUMBER" in p for p in problems), "the matrix did not notice a clear number"
