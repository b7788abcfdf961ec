"""The access matrix: every entry of the registry × every role (at each level it may be held, and a user with no
role), through the web pages and the API: list, detail, create, update, delete, export (CSV and XLSX) and reveal.

The world, built once per module: for every entry a row in each of four places,
  G1     a grid of 东联 (丹灶镇), where every test user's place is (the grid itself for grid-level roles),
  G2     another grid of 东联: foreign to grid-level roles,
  luohu  a grid of 罗湖 (狮山镇): foreign to roles below the district,
  away   a grid of a community in another district: foreign to everyone.
The division entries have their own rows (南海区, 丹灶镇, 东联 inside; 狮山镇, 罗湖 and the other district's
places foreign). Users sit at 南海区 (district), 丹灶镇 (town), 东联 (community) or G1 (grid).

Expectations come from RULES (`allows`) and from where each row is, never from the code under test. Each row
has a path down the place tree (district, town, community, grids); a user's place *covers* a row when the
user's path is a prefix of the row's; a row is *foreign* when the two paths part (a row "above" the user, such
as their own community for a grid worker, is neither). A row is visible when its kind is allowed to the role and
its place covered. Then:
- a foreign row is never listed, its personal numbers and its unique name never appear, and its detail, edit,
  delete and reveal answer 404 (403 is accepted only where the role may not do that action on that kind at all,
  which tells nothing about the row) and leave it unchanged; a create placed in foreign territory writes nothing;
- a visible row is listed and opens; a kind the role may not list answers 403; change, reveal and export work
  exactly where RULES allow them, on rows the user covers;
- no response carries a clear personal number, except a permitted reveal, of that one number.

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

import openpyxl
import pytest
from django.db import models, transaction
from django.test import Client
from rest_framework.authtoken.models import Token

from banyan.accounts.roles import RULES, Action, Level, Role, allows
from banyan.core.registry import BY_SLUG, ENTRIES, Entry
from banyan.core.scoping import ScopedQuerySet
from banyan.core.testing import (
    BuildingFactory,
    CooperativeFactory,
    DwellingFactory,
    EnterpriseFactory,
    EstateFactory,
    GridFactory,
    HouseholdFactory,
    IndustrialParkFactory,
    PartyMemberFactory,
    PartyOrgFactory,
    PropertyCompanyFactory,
    RentalPropertyFactory,
    RentalRoomFactory,
    ResidentFactory,
    TenancyFactory,
    community,
    make_user,
    nanhai,
    town,
)
from banyan.core.validators import id_check_digit
from banyan.events.models import Event
from banyan.ledgers.models import ImportJob
from banyan.people.models import Residency
from banyan.places.models import Community, District, Town

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
    return next((n for n in ("name", "number", "address") if n in names), None)


# ---------------------------------------------------------------------------------------------------------------
# The world.


@dataclass
class Row:
    obj: models.Model
    where: str  # G1, G2, luohu, away, or the place's name for the division rows
    path: tuple  # (("district", pk), ("town", pk), ("community", pk), ("grid", pk), ...)
    token: str | None  # the row's unique name: shown only to users who may see the row


@dataclass
class Person:
    key: str  # "grid_worker@grid"
    user: object
    role: str | None
    path: tuple
    api_token: str


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

    for where, grid in grids.items():
        for slug, obj in build_kit(world, grid).items():
            tf = token_field(BY_SLUG[slug])
            add(slug, obj, where, getattr(obj, tf) if tf else None)
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
    nobody = make_user(username="no-role")
    world.people.append(Person("no-role", nobody, None, (), Token.objects.create(user=nobody).key))
    return world


INSIDE = {"G1", "南海区", "丹灶镇", "东联"}  # where each entry's row inside every test user's place is


# ---------------------------------------------------------------------------------------------------------------
# Expectations, from RULES and the paths only.


def may(person: Person, action: str, entry: Entry) -> bool:
    return person.role is not None and allows(person.role, action, entry.label)


def covers(person: Person, row: Row) -> bool:
    return covers_path(person, row.path)


def covers_path(person: Person, path: tuple) -> bool:
    return person.role is not None and path[: len(person.path)] == person.path


def is_foreign(person: Person, row: Row) -> bool:
    above = len(row.path) < len(person.path) and person.path[: len(row.path)] == row.path
    return not covers(person, row) and not above


def visible(person: Person, entry: Entry, row: Row) -> bool:
    return may(person, Action.VIEW, entry) and covers(person, row)


def anywhere(person: Person, action: str, entry: Entry, world: World) -> bool:
    """Whether the role may do `action` on this kind somewhere in the user's place (else: 403 for the kind)."""
    return may(person, action, entry) and any(covers(person, r) for r in world.rows[entry.slug])


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
        inside = next(r for r in rows if r.where in INSIDE)
        # Writes and reveals are tried on the inside row and on the nearest foreign one (for a grid worker, the
        # other grid of their own community): the row a scoping slip would most likely let through.
        targets = [inside, *nearest_foreign(person, rows)[:1]]
        for row in targets:
            self.check_writes(person, entry, surface, prefix, row)
            for name in entry.pii:
                self.check_reveal(person, entry, surface, prefix, row, name)
        self.check_create(person, entry, surface, prefix, rows)
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
        may_change = may(person, Action.CHANGE, entry) and covers(person, row) and bool(entry.form_fields)
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
            response, body = self.fetch(person, surface, entry, method, url, **kwargs)
            what = f"{method.upper()} {url} ({row.where})"
            if may_change and method in ("get",):
                self.expect(person, surface, entry, what, response.status_code, (200,))
            elif may_change:
                ok = (302,) if surface == "web" else (200,)
                if self.expect(person, surface, entry, what, response.status_code, ok) and tf:
                    now = snapshot(row)
                    if now is None or now[tf] != data[tf]:
                        self.report(person, surface, entry, f"{what}: allowed update not saved")
                    type(row.obj)._base_manager.filter(pk=row.obj.pk).update(**{tf: before[tf]})
            else:
                self.expect(person, surface, entry, what, response.status_code,
                            self.denied(person, entry, row, Action.CHANGE))
                if snapshot(row) != before:
                    self.report(person, surface, entry, f"LEAK: {what} changed or deleted the row")
                    type(row.obj)._base_manager.filter(pk=row.obj.pk).update(**before)  # later checks need it
            self.check_tokens(person, surface, entry, url, body)

    def check_reveal(self, person, entry, surface, prefix, row, name):
        url = f"{prefix}/{entry.slug}/{row.obj.pk}/reveal/"
        clear = None
        allowed = may(person, Action.REVEAL, entry) and covers(person, row)
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
        model = entry.model
        url = f"{prefix}/{entry.slug}/" + ("new/" if surface == "web" else "")
        can_create = bool(entry.form_fields) and anywhere(person, Action.CHANGE, entry, self.world)
        if surface == "web":
            response, _ = self.fetch(person, surface, entry, "get", url)
            self.expect(person, surface, entry, f"GET {url}", response.status_code, (200,) if can_create else (403,))
        if not entry.form_fields:
            return
        last = model._base_manager.aggregate(m=models.Max("pk"))["m"] or 0
        # Foreign templates, nearest first: a grid worker tries the other grid of their own community.
        for row in nearest_foreign(person, rows)[:1]:
            response, _ = self.fetch(person, surface, entry, "post", url, data=self.payload(entry, row.obj, surface))
            if model._base_manager.filter(pk__gt=last).exists():
                self.report(person, surface, entry, f"LEAK: POST {url} placed in {row.where} wrote a row "
                                                    f"({response.status_code})")
                model._base_manager.filter(pk__gt=last).delete()
        inside = next(r for r in rows if r.where == "G1")
        response, _ = self.fetch(person, surface, entry, "post", url, data=self.payload(entry, inside.obj, surface))
        created = model._base_manager.filter(pk__gt=last).first()
        if not (may(person, Action.CHANGE, entry) and covers(person, inside)):
            if created is not None:
                self.report(person, surface, entry, f"LEAK: POST {url} by a role that may not create wrote a row")
                created.delete()
            return
        if created is None:
            self.report(person, surface, entry, f"allowed POST {url} ({inside.where}) wrote nothing "
                                                f"({response.status_code})")
            return
        self.expect(person, surface, entry, f"POST {url}", response.status_code, (302,) if surface == "web" else (201,))
        # Delete what was just created, through the same surface.
        delete = (f"/{entry.slug}/{created.pk}/delete/", "post") if surface == "web" else \
            (f"/api/{entry.slug}/{created.pk}/", "delete")
        response, _ = self.fetch(person, surface, entry, delete[1], delete[0])
        self.expect(person, surface, entry, f"{delete[1].upper()} {delete[0]}", response.status_code,
                    (302,) if surface == "web" else (204,))
        if model._base_manager.filter(pk=created.pk).exists():
            self.report(person, surface, entry, f"allowed delete of {created.pk} did not delete")
            created.delete()

    def check_export(self, person, entry, rows):
        allowed = may(person, Action.EXPORT, entry) and anywhere(person, Action.VIEW, entry, self.world)
        for fmt in ("csv", "xlsx"):
            url = f"/{entry.slug}/export.{fmt}"
            audits = Event.objects.filter(action="exported").count()
            response, body = self.fetch(person, "web", entry, "get", url)
            if not self.expect(person, "web", entry, f"GET {url}", response.status_code,
                               (200,) if allowed else (403,)) or not allowed:
                continue
            if Event.objects.filter(action="exported").count() != audits + 1:
                self.report(person, "web", entry, f"GET {url}: export not audited")
            for row in rows:
                if row.token and visible(person, entry, row) and row.token not in body:
                    self.report(person, "web", entry, f"{url} lacks visible row {row.where}#{row.obj.pk}")
            self.check_tokens(person, "web", entry, url, body)


def nearest_foreign(person: Person, rows: list[Row]) -> list[Row]:
    """The foreign rows, those sharing the longest stretch of the user's path first."""
    def shared(row):
        pairs = zip(person.path, row.path, strict=False)
        return sum(1 for _ in itertools.takewhile(lambda pair: pair[0] == pair[1], pairs))

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
            allowed = person.role is not None and allows(person.role, Action.VIEW, label)
            expected = sum(covers_path(person, p) for p in paths[label]) if allowed else 0
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
    assert {p.key for p in world.people} == {"no-role", *(f"{r}@{lv}" for r in Role for lv in RULES[r].levels)}
    for entry in ENTRIES:
        rows = world.rows[entry.slug]
        assert any(r.where in INSIDE for r in rows), entry.slug
        assert sum(is_foreign(p, r) for p in world.people for r in rows) > 0, entry.slug


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
