"""Every web page: the home dashboard, and list, detail, create, edit, delete, export and reveal for each entry
of the registry.

One set of base classes serves every entry; rows come only through `visible_to` and single rows through
`get_visible_or_404`, so a page for a new entry cannot forget the access door. A whole kind of record the role
may not list or change answers 403; a row outside the user's places answers 404, like a missing one.
"""

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, models
from django.db.models import Count, OuterRef, Q, Subquery, Sum, Value
from django.http import FileResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.decorators import method_decorator
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import View
from django.views.decorators.cache import never_cache

from banyan.accounts.roles import Action, Level
from banyan.accounts.services import export_audit, pii_reveal_for
from banyan.core.exporting import csv_lines, xlsx_file
from banyan.core.filters import filterset_for
from banyan.core.forms import field_label, is_large, pick_widget_for, pii_kind, record_form, translated_choices
from banyan.core.pii import keyed_hash, normalize
from banyan.core.registry import BY_LABEL, ENTRIES, Entry
from banyan.core.scoping import can, get_visible_or_404
from banyan.core.services import record_delete, record_save
from banyan.events.models import event_action_label
from banyan.events.selectors import record_history
from banyan.places.models import Community, District, Grid, Town
from banyan.places.selectors import PLACE_MODELS, home_places, in_place, place_level, place_resolve, summary

PAGE_SIZE = 50


# ---------------------------------------------------------------------------------------------------------------
# Showing a value: columns of a model, masked personal numbers, links to related records the user may open.


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    field: models.Field  # for a personal attribute, its mask column

    @property
    def pii(self) -> bool:
        return self.field.name.endswith("_masked")


@cache
def columns(model, names: tuple[str, ...]) -> tuple[Column, ...]:
    out = []
    for name in names:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = model._meta.get_field(f"{name}_masked")  # a personal attribute: shown as its mask
        out.append(Column(name, field_label(model, field), field))
    return tuple(out)


@cache
def detail_names(model) -> tuple[str, ...]:
    """Every field a detail page shows: personal numbers once, by their property (which reads the mask)."""
    names = []
    for f in model._meta.fields:
        if f.primary_key or f.name.endswith(("_enc", "_hash")):
            continue
        names.append(f.name.removesuffix("_masked"))
    return tuple(names)


def detail_url(obj, user) -> str | None:
    """The page of a related record, when the user's role may open that kind of record."""
    entry = BY_LABEL.get(obj._meta.label_lower)
    if entry is None or not can(user, Action.VIEW, entry.model):
        return None
    return reverse("record-detail", args=[entry.slug, obj.pk])


def cell(obj, column: Column, user) -> tuple[str, str | None]:
    """A value as the page shows it, with the link of a related record: (text, url or None)."""
    if column.pii:
        return getattr(obj, column.name), None
    field, value = column.field, getattr(obj, column.name)
    if value is None or value == "":
        return "", None
    if field.is_relation:
        return str(value), detail_url(value, user)
    if field.choices:
        return _(str(getattr(obj, f"get_{field.name}_display")())), None
    if isinstance(field, models.DateTimeField):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT"), None
    if isinstance(field, models.DateField):
        return formats.date_format(value, "DATE_FORMAT"), None
    if isinstance(field, models.BooleanField):
        return (_("是") if value else _("否")), None
    if isinstance(field, models.JSONField):
        return json_text(value), None
    if isinstance(value, int):
        return f"{value:,}", None  # grouped by thousands in Chinese too (Django's format for it has no separator)
    return formats.localize(value), None


def json_text(value) -> str:
    """Structured data in words, never dumped raw on a page: a drawn boundary by its vertices (the map that
    shows it is the boundary widget's job), anything else by its number of items."""
    geometry = value.get("geometry", value) if isinstance(value, dict) else None
    if isinstance(geometry, dict) and geometry.get("type") in ("Polygon", "MultiPolygon"):
        return _("已绘制边界（%(n)s 个顶点）") % {"n": f"{_vertices(geometry.get('coordinates')):,}"}
    if isinstance(value, dict | list):
        return _("已填写（%(n)s 项）") % {"n": len(value)} if value else ""
    return str(value)


def _vertices(coordinates) -> int:
    """The corners of a polygon's rings (GeoJSON repeats a ring's first position at its end)."""
    if not isinstance(coordinates, list) or not coordinates:
        return 0
    if all(isinstance(p, list) and p and all(isinstance(c, int | float) for c in p) for p in coordinates):
        return len(coordinates) - (1 if len(coordinates) > 1 and coordinates[0] == coordinates[-1] else 0)
    return sum(_vertices(part) for part in coordinates)


def export_value(obj, column: Column):
    """A value as the CSV shows it: dates in ISO form, numbers bare, personal numbers masked."""
    if column.pii:
        return getattr(obj, column.name)
    field, value = column.field, getattr(obj, column.name)
    if value is None:
        return ""
    if field.is_relation:
        return str(value)
    if field.choices:
        return _(str(getattr(obj, f"get_{field.name}_display")()))
    if isinstance(field, models.DateTimeField):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(field, models.JSONField):
        return json.dumps(value, ensure_ascii=False)
    return value


# ---------------------------------------------------------------------------------------------------------------
# Places: the tokens that name them in URLs, and the breadcrumbs down the place tree.

_TOKEN = re.compile(r"^(district|town|community|grid)-(\d+)$")


def place_token(place) -> str:
    return f"{place_level(place)}-{place.pk}"


def place_from_param(user, value: str, homes=()):
    """The place a `?place=` names: one of the user's own places, a token such as `grid-12`, or what the
    selector resolves (a community id, a division code, a name). None when the user cannot see it."""
    value = (value or "").strip()
    for place in homes:
        if place_token(place) == value:
            return place
    match = _TOKEN.match(value)
    if match:
        return PLACE_MODELS[match[1]].objects.visible_to(user).filter(pk=match[2]).first()
    return place_resolve(user, value)


@cache
def detail_joins(model) -> tuple[str, ...]:
    """What a record's page names, joined into the one query that fetches the record instead of a query each:
    each related record (with what its own list joins, which its name needs) and the places of the crumbs."""
    out, names = [], {f.name for f in model._meta.fields}
    for field in model._meta.fields:
        if isinstance(field, models.ForeignKey):
            target = BY_LABEL.get(field.related_model._meta.label_lower)
            out += [field.name, *(f"{field.name}__{path}" for path in (target.related if target else ()))]
    # Grids are three levels deep at most (Grid.clean): two parents reach the top of any chain.
    places = {"community": "community__town__district", "town": "town__district", "grid": "grid__parent__parent"}
    out += [path for name, path in places.items() if name in names]
    if model is Grid:
        out.append("parent__parent")
    return tuple(dict.fromkeys(out))


def grid_chain(grid) -> list:
    chain = [grid]
    while chain[0].parent_id:
        chain.insert(0, chain[0].parent)
    return chain


def place_chain(obj) -> list:
    """The places from the district down to `obj` (a place), or to the community and grid of a record."""
    if isinstance(obj, District):
        return [obj]
    if isinstance(obj, Town):
        return [obj.district, obj]
    if isinstance(obj, Community):
        return [obj.town.district, obj.town, obj]
    if isinstance(obj, Grid):
        return place_chain(obj.community) + grid_chain(obj)
    chain = place_chain(obj.community) if getattr(obj, "community_id", None) else []
    if getattr(obj, "grid_id", None):
        chain += grid_chain(obj.grid)
    return chain


def visible_places(user, places) -> set[tuple[str, int]]:
    """(label, id) of those of `places` the user may open: one query through the access door for all of them,
    not one per place."""
    ids: dict = {}
    for place in places:
        ids.setdefault(type(place), []).append(place.pk)
    parts = [model.objects.visible_to(user).filter(pk__in=pks).order_by()
             .values_list(Value(model._meta.label_lower, output_field=models.CharField()), "pk")
             for model, pks in ids.items()]
    parts = [qs for qs in parts if not qs.query.is_empty()]
    return set(parts[0].union(*parts[1:], all=True)) if parts else set()


def crumbs(user, chain, visible: set | None = None) -> list[dict]:
    """Each place a crumb; a link only where the user may open that place (others stay plain text).
    `visible`: from `visible_places`, when already asked."""
    visible = visible_places(user, chain) if visible is None else visible
    out = []
    for place in chain:
        label = place._meta.label_lower
        url = reverse("record-detail", args=[BY_LABEL[label].slug, place.pk]) if (label, place.pk) in visible else None
        out.append({"label": str(place), "url": url})
    return out


def list_url(slug: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse("record-list", args=[slug]) + (f"?{query}" if query else "")


# ---------------------------------------------------------------------------------------------------------------
# Dashboards: the figures of a place, the comparison of its communities, the data of its two charts.


def _rows(model, user, place):
    qs = model.objects.visible_to(user)
    return in_place(qs, place) if place is not None else qs


def _tile(user, model, label, value, slug, place, parts=()) -> dict | None:
    if not can(user, Action.VIEW, model):
        return None
    token = place_token(place) if place is not None else None
    return {"label": label, "value": value, "url": list_url(slug, place=token),
            "parts": [{"label": p[0], "value": p[1], "url": list_url(slug, place=token, **p[2]) if len(p) > 2
                       else None} for p in parts]}


def tiles(user, s: dict, place) -> list[dict]:
    from banyan.party.models import PartyMember, PartyOrg
    from banyan.people.models import Enterprise, Household, RentalProperty, Residency, Resident
    from banyan.places.models import IndustrialPark

    rate = f"{s['rental_occupancy_rate'] * 100:.0f}%" if s["rental_occupancy_rate"] is not None else "—"
    found = [
        _tile(user, Resident, _("居民"), s["residents"], "residents", place, [
            (_("户籍"), s["residents_registered"], {"residency": Residency.REGISTERED}),
            (_("常住"), s["residents_permanent"], {"residency": Residency.PERMANENT}),
            (_("流动"), s["residents_migrant"], {"residency": Residency.MIGRANT})]),
        _tile(user, Household, _("户"), s["households"], "households", place),
        _tile(user, RentalProperty, _("出租屋"), s["rental_properties"], "rental-properties", place, [
            (_("房间"), s["rental_rooms"]), (_("已入住"), s["rental_rooms_occupied"]), (_("入住率"), rate)]),
        _tile(user, IndustrialPark, _("村级工业园"), s["industrial_parks"], "industrial-parks", place),
        _tile(user, Enterprise, _("企业"), s["enterprises"], "enterprises", place, [
            (_("从业人数"), s["enterprise_headcount"])]),
        _tile(user, PartyMember, _("党员"), s["party_members"], "party-members", place, [
            (_("本地"), s["local_members"], {"kind": PartyMember.Kind.LOCAL}),
            (pgettext("党员类别", "流动"), s["mobile_members"], {"kind": PartyMember.Kind.MOBILE}),
            (_("在职"), s["in_service_members"], {"kind": PartyMember.Kind.IN_SERVICE})]),
        _tile(user, PartyOrg, _("党组织"), s["party_orgs"], "party-orgs", place, [
            (_("党支部"), s["party_branches"], {"level": PartyOrg.Level.BRANCH}),
            (_("党小组"), s["party_groups"], {"level": PartyOrg.Level.GROUP})]),
        _tile(user, Community, _("社区"), s["communities"], "communities", place),
        _tile(user, Grid, _("网格"), s["grids"], "grids", place),
    ]
    return [t for t in found if t is not None]


def community_rows(user, place) -> list[dict]:
    """One row per community at or below `place`, by grouped counts: a fixed number of queries for any size."""
    from banyan.party.models import PartyMember
    from banyan.people.models import Enterprise, Household, RentalProperty, RentalRoom, Residency, Resident

    def by_community(model, **aggregates):
        qs = _rows(model, user, place).values("community_id").order_by()
        return {r.pop("community_id"): r for r in qs.annotate(**(aggregates or {"n": Count("pk")}))}

    residents = {}
    for community_id, residency, n in (_rows(Resident, user, place).values_list("community_id", "residency")
                                       .annotate(n=Count("pk")).order_by()):
        residents.setdefault(community_id, {})[residency] = n
    counts = {
        "households": by_community(Household),
        "rental_properties": by_community(RentalProperty),
        "rental_rooms": by_community(RentalRoom),
        "enterprises": by_community(Enterprise, n=Count("pk"), headcount=Sum("headcount")),
        "party_members": by_community(PartyMember),
    }
    rows = []
    for community in _rows(Community, user, place).select_related("town"):
        mine = residents.get(community.pk, {})
        row = {"community": community, "url": reverse("record-detail", args=["communities", community.pk]),
               "residents": sum(mine.values()), "registered": mine.get(Residency.REGISTERED, 0),
               "permanent": mine.get(Residency.PERMANENT, 0), "migrant": mine.get(Residency.MIGRANT, 0),
               "headcount": counts["enterprises"].get(community.pk, {}).get("headcount") or 0}
        row.update({name: found.get(community.pk, {}).get("n", 0) for name, found in counts.items()})
        rows.append(row)
    rows.sort(key=lambda r: (-r["residents"], r["community"].code))
    return rows


def grid_bars(user, place) -> list[tuple[str, int]]:
    """Residents per grid one level below `place` (a community: its second-level grids), micro-grids rolled up."""
    from banyan.people.models import Resident

    community_id = place.pk if isinstance(place, Community) else place.community_id
    grids = {g["pk"]: g for g in Grid.objects.visible_to(user).filter(community_id=community_id)
             .values("pk", "parent_id", "level", "name")}
    top = Grid.Level.GRID if isinstance(place, Community) else place.level + 1
    totals: dict[str, int] = {}
    for grid_id, n in _rows(Resident, user, place).values_list("grid_id").annotate(n=Count("pk")).order_by():
        grid = grids.get(grid_id)
        while grid and grid["level"] > top and grid["parent_id"] in grids:
            grid = grids[grid["parent_id"]]
        name = grid["name"] if grid else _("未划分网格")
        totals[name] = totals.get(name, 0) + n
    return sorted(totals.items(), key=lambda item: -item[1])


def dashboard(user, place) -> dict:
    """Tiles, charts and (for a town, a district or several places) the comparison of communities."""
    from banyan.people.models import Residency

    figures = summary(user, place)
    level = place_level(place) if place is not None else None
    comparison = community_rows(user, place) if level in (None, Level.DISTRICT, Level.TOWN) else None
    if comparison is not None:
        bars = [(r["community"].name, r["residents"]) for r in comparison if r["residents"]][:20]
        bars_title = _("各社区居民人数")
    else:
        bars, bars_title = grid_bars(user, place)[:20], _("各网格居民人数")
    residency = [{"name": str(Residency.REGISTERED.label), "value": figures["residents_registered"]},
                 {"name": str(Residency.PERMANENT.label), "value": figures["residents_permanent"]},
                 {"name": str(Residency.MIGRANT.label), "value": figures["residents_migrant"]}]
    charts = {"residency": {"title": _("居民构成"), "data": residency},
              "bars": {"title": bars_title, "names": [b[0] for b in bars], "values": [b[1] for b in bars]}}
    counted = ("residents", "households", "rental_properties", "enterprises", "party_members")
    idle = [r for r in comparison or () if not any(r[k] for k in counted)]
    return {"figures": figures, "tiles": tiles(user, figures, place), "charts": charts,
            "show_charts": figures["residents"] > 0,
            # Communities with nothing registered yet are named once below the table, not given a row of zeros.
            "comparison": [r for r in comparison if r not in idle] if comparison is not None else None,
            "idle": idle, "several_towns": level in (None, Level.DISTRICT)}


# ---------------------------------------------------------------------------------------------------------------
# Lists: one queryset for the page and its export, from the URL's search, filters, place and ordering.


def search_q(entry: Entry, q: str) -> Q:
    """Text fields by substring; personal numbers by exact match on their keyed hash (never by substring)."""
    cond = Q()
    for name in entry.search_fields:
        cond |= Q(**{f"{name}__icontains": q})
    for name in entry.pii:
        cond |= Q(**{f"{name}_hash": keyed_hash(normalize(pii_kind(name), q))})
    return cond


def ordering(entry: Entry, requested: str) -> list[str]:
    sortable = {n for n in entry.list_fields if n not in entry.pii}
    if requested.removeprefix("-") in sortable:
        return [requested, "pk"]
    # The model's own order, by foreign-key id rather than by the related row's order: the index answers it
    # without joining and sorting every row (80,000 residents of a community).
    model, out = entry.model, []
    for term in model._meta.ordering:
        name = term.removeprefix("-")
        field = model._meta.get_field(name) if name != "pk" else None
        out.append(term.replace(name, field.attname) if field is not None and field.is_relation else term)
    return [*out, "pk"]


def tune_filter_form(entry: Entry, form) -> None:
    """Unset filters read 全部, code lists are translated, and large related rows are chosen by number."""
    for name, field in form.fields.items():
        if hasattr(field, "queryset"):
            field.empty_label = _("全部")
            model_field = entry.model._meta.get_field(name)
            if is_large(model_field):
                field.widget = pick_widget_for(model_field, field.queryset)
        elif getattr(field, "choices", None):
            choices = [c for c in field.choices if c[0] != ""]
            field.empty_label = _("全部")
            field.choices = translated_choices(choices)


@dataclass
class Listing:
    entry: Entry
    rows: models.QuerySet
    filterset: object
    q: str
    order: str
    place: object


def listing(request, entry: Entry, action: str = Action.VIEW) -> Listing:
    user = request.user
    qs = entry.model.objects.visible_to(user, action).select_related(*entry.related)
    place = None
    if request.GET.get("place"):
        place = place_from_param(user, request.GET["place"], home_places(user))
        qs = in_place(qs, place) if place is not None else qs.none()
    filterset = filterset_for(entry)(request.GET or None, queryset=qs, request=request)
    tune_filter_form(entry, filterset.form)
    qs = filterset.qs if not filterset.is_bound or filterset.is_valid() else qs.none()
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(search_q(entry, q))
    order = request.GET.get("o", "")
    return Listing(entry, qs.order_by(*ordering(entry, order)), filterset, q, order, place)


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# ---------------------------------------------------------------------------------------------------------------
# The pages.


@login_required
def home(request):
    """The dashboard of the user's place; a switcher when they hold roles at several places."""
    user = request.user
    homes = list({place_token(p): p for p in home_places(user)}.values())
    place = place_from_param(user, request.GET.get("place", ""), homes) if request.GET.get("place") else None
    if place is None and len(homes) == 1:
        place = homes[0]
    context = {
        "homes": [{"token": place_token(p), "label": str(p), "selected": p == place} for p in homes],
        "place": place,
        "crumbs": crumbs(user, place_chain(place)) if place is not None else [],
        "dashboard": dashboard(user, place) if homes else None,
    }
    return render(request, "core/home.html", context)


class EntryView(LoginRequiredMixin, View):
    """A page of one registry entry (from the URL). `permission`: the action the role needs on the whole kind
    of record, else 403; checked after LoginRequiredMixin has sent anonymous users to the login page."""

    permission: str | None = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.entry: Entry = kwargs["entry"]
        self.model = self.entry.model

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()  # to the login page
        if self.permission and not can(request.user, self.permission, self.model):
            refusal = {Action.VIEW: _("您没有查看“%(kind)s”的权限。"), Action.CHANGE: _("您没有修改“%(kind)s”的权限。"),
                       Action.EXPORT: _("您没有导出“%(kind)s”的权限。")}.get(self.permission, _("您没有此操作的权限。"))
            raise PermissionDenied(refusal % {"kind": self.model._meta.verbose_name})
        return super().dispatch(request, *args, **kwargs)

    def context(self, **extra) -> dict:
        return {"entry": self.entry, "title": self.model._meta.verbose_name_plural, **extra}


class RecordList(EntryView):
    permission = Action.VIEW

    def get(self, request, entry):
        found = listing(request, entry)
        page = page_of(found.rows, request.GET.get("page"), searched=bool(found.q))
        cols = columns(self.model, entry.list_fields)
        rows = [{"url": reverse("record-detail", args=[entry.slug, obj.pk]),
                 "cells": [dict(zip(("text", "url"), cell(obj, c, request.user), strict=True), label=c.label)
                           for c in cols]} for obj in page]
        place = found.place or self._filtered_place(found) or self._home_place(request.user)
        context = self.context(
            listing=found, page=page, rows=rows,
            headers=[{"label": c.label, "name": c.name, "sortable": c.name not in entry.pii,
                      "sort": c.name if found.order != c.name else f"-{c.name}",
                      "active": found.order.removeprefix("-") == c.name, "desc": found.order.startswith("-")}
                     for c in cols],
            filtered=any(request.GET.get(n) for n in found.filterset.form.fields),
            crumbs=crumbs(request.user, place_chain(place)) if place is not None else [],
            can_create=entry.allows("create") and can(request.user, Action.CHANGE, self.model),
            can_export=can(request.user, Action.EXPORT, self.model),
        )
        template = "core/list.html#results" if is_htmx(request) else "core/list.html"
        return render(request, template, context)

    @staticmethod
    def _filtered_place(found: Listing):
        if not found.filterset.is_bound or not found.filterset.is_valid():
            return None
        data = found.filterset.form.cleaned_data
        return data.get("grid") or data.get("community")

    @staticmethod
    def _home_place(user):
        homes = home_places(user)
        return homes[0] if len(homes) == 1 else None


def page_of(rows, number, *, searched: bool):
    """One page of rows, fetched by id: the sort runs over ids read from an index, not over every column of
    every joined row (a community of 80,000 residents: ~20 ms instead of ~130 ms on SQLite). A text search
    reads every row anyway, so one scan for all matching ids serves both the count and the page."""
    ids = rows.values_list("pk", flat=True)
    page = Paginator(list(ids) if searched else ids, PAGE_SIZE).get_page(number)
    ids = list(page.object_list)
    found = rows.order_by().in_bulk(ids)
    page.object_list = [found[pk] for pk in ids if pk in found]
    return page


class RecordExport(EntryView):
    """The list with its current search and filters as CSV (UTF-8 with BOM for Excel) or XLSX; personal
    numbers masked, formula cells inert, each export audited."""

    permission = Action.EXPORT

    def get(self, request, entry, fmt):
        # Only rows where a role that may export them is held: another role may show more on the list, not let
        # it out.
        found = listing(request, entry, Action.EXPORT)
        cols = columns(self.model, entry.list_fields)
        ids = list(found.rows.values_list("pk", flat=True))
        export_audit(by=request.user, model=self.model, rows=len(ids), masked=True, ids=ids,
                     data={"query": request.GET.urlencode()[:500]})
        titles = [str(c.label) for c in cols]
        rows = ([export_value(obj, c) for c in cols] for obj in found.rows.iterator(chunk_size=2000))
        name = f"{self.model._meta.verbose_name_plural}-{timezone.localdate():%Y%m%d}.{fmt}"
        if fmt == "xlsx":
            path = xlsx_file(titles, rows, str(self.model._meta.verbose_name_plural))
            response = FileResponse(_unlinked(path), as_attachment=True, filename=name)
        else:
            response = StreamingHttpResponse(csv_lines(titles, rows), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = content_disposition_header(True, name)
        response["Cache-Control"] = "no-store"
        return response


def _unlinked(path):
    """An open file whose name is already gone: the export leaves nothing on disk once it is sent."""
    f = path.open("rb")
    path.unlink()
    return f


class RecordPick(EntryView):
    """Up to ten rows matching `q`, for choosing a related row by search in a form or a filter."""

    permission = Action.VIEW

    def get(self, request, entry):
        q = request.GET.get("q", "").strip()
        qs = self.model.objects.visible_to(request.user).select_related(*entry.related)
        found = list(qs.filter(search_q(entry, q))[:10]) if q else []
        cols = columns(self.model, entry.list_fields[:3])
        options = [{"pk": obj.pk, "label": str(obj),
                    "detail": " · ".join(t for t, _url in (cell(obj, c, request.user) for c in cols[1:]) if t)}
                   for obj in found]
        return render(request, "core/pick.html", {"options": options, "q": q})


class RecordDetail(EntryView):
    """A record's page: its fields, its place, related records, its latest history. An app's own detail view
    adds panels (`panels()`: templates with their context) and actions (`actions()`: links or forms)."""

    template_name = "core/detail.html"

    def get(self, request, entry, pk):
        obj = get_visible_or_404(self.model, request.user, pk, related=detail_joins(self.model))
        return render(request, self.template_name, self.page_context(obj))

    def page_context(self, obj, **extra) -> dict:
        context = detail_context(self.request, self.entry, obj, **extra)
        context["panels"] = self.panels(obj)
        context["actions"] = self.actions(obj)
        return context

    def panels(self, obj) -> list[dict]:
        return []

    def actions(self, obj) -> list[dict]:
        return []


HISTORY_ON_PAGE = 8


class RecordHistory(EntryView):
    """The whole timeline of a record, newest first, a page at a time; scoped like the record."""

    def get(self, request, entry, pk):
        obj = get_visible_or_404(self.model, request.user, pk, related=detail_joins(self.model))
        page = Paginator(record_history(obj), PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "core/history.html", self.context(
            obj=obj, page=page, events=timeline(page.object_list), title=_("%(name)s 的操作记录") % {"name": obj},
            crumbs=crumbs(request.user, place_chain(obj)),
            detail_url=reverse("record-detail", args=[entry.slug, obj.pk])))


def timeline(events) -> list[dict]:
    """Events as the timeline shows them: who, when, what, and each changed field before → after."""
    return [{"at": e.at, "user": str(e.user) if e.user_id else _("系统"), "action": event_action_label(e.action),
             "action_code": e.action, "changes": e.changes, "note": e.note, "data": e.data} for e in events]


def detail_context(request, entry: Entry, obj, revealed: dict | None = None, reveal_error: dict | None = None):
    user, model = request.user, type(obj)
    revealed, reveal_error = revealed or {}, reveal_error or {}
    fields = []
    for column in columns(model, detail_names(model)):
        text, url = cell(obj, column, user)
        fields.append({"name": column.name, "label": column.label, "text": text, "url": url, "pii": column.pii,
                       "clear": revealed.get(column.name), "error": reveal_error.get(column.name)})
    may_write = can(user, Action.CHANGE, model) and \
        model.objects.visible_to(user, Action.CHANGE).filter(pk=obj.pk).exists()
    can_change, can_delete = may_write and entry.allows("update"), may_write and entry.allows("delete")
    can_reveal = bool(entry.pii) and can(user, Action.REVEAL, model) and \
        model.objects.visible_to(user, Action.REVEAL).filter(pk=obj.pk).exists()
    history = list(record_history(obj)[:HISTORY_ON_PAGE + 1])
    context = {"entry": entry, "obj": obj, "title": str(obj), "fields": fields, "can_change": can_change,
               "can_delete": can_delete, "can_reveal": can_reveal,
               "history": timeline(history[:HISTORY_ON_PAGE]), "history_more": len(history) > HISTORY_ON_PAGE,
               "history_url": reverse("record-history", args=[entry.slug, obj.pk]),
               "crumbs": crumbs(user, place_chain(obj)),
               "list_url": reverse("record-list", args=[entry.slug]), "kind_plural": model._meta.verbose_name_plural}
    if model in PLACE_MODELS.values():
        context.update(place_page(user, obj))
    else:
        context["related"] = related_lists(user, obj)
    return context


def related_lists(user, obj) -> list[dict]:
    """Lists of the records that point to `obj` (a household's residents, a room's tenancies), with counts."""
    pointing = [(entry, name) for entry in ENTRIES if can(user, Action.VIEW, entry.model)
                for name in entry.filter_fields
                if entry.model._meta.get_field(name).is_relation
                and entry.model._meta.get_field(name).related_model is type(obj)]
    if not pointing:
        return []
    # Every count in one query: each a subquery through the access door, beside the record itself.
    counts = type(obj)._base_manager.filter(pk=obj.pk).values(**{
        f"n{i}": Subquery(entry.model.objects.visible_to(user).filter(**{name: OuterRef("pk")}).order_by()
                          .values(name).annotate(n=Count("pk")).values("n"))
        for i, (entry, name) in enumerate(pointing)}).first() or {}
    return [{"label": entry.model._meta.verbose_name_plural, "count": counts.get(f"n{i}") or 0,
             "url": list_url(entry.slug, **{name: obj.pk}),
             "new_url": reverse("record-create", args=[entry.slug]) + f"?{name}={obj.pk}"
             if name in entry.form_fields and can(user, Action.CHANGE, entry.model) else None}
            for i, (entry, name) in enumerate(pointing)]


def place_page(user, place) -> dict:
    """A district, town, community or grid page: its dashboard, its child places, its registries."""
    level, token = place_level(place), place_token(place)
    if isinstance(place, District):
        children = Town.objects.visible_to(user).filter(district=place)
    elif isinstance(place, Town):
        children = Community.objects.visible_to(user).filter(town=place)
    elif isinstance(place, Community):
        children = Grid.objects.visible_to(user).filter(community=place, level__lte=Grid.Level.GRID)
    else:
        children = Grid.objects.visible_to(user).filter(parent=place)
    registries = [{"label": e.model._meta.verbose_name_plural, "url": list_url(e.slug, place=token)}
                  for e in ENTRIES if e.model is not type(place) and e.model.place_lookups.get(level)
                  and can(user, Action.VIEW, e.model)]
    child_entry = BY_LABEL[children.model._meta.label_lower]
    return {"dashboard": dashboard(user, place), "place": place, "registries": registries,
            "children": [{"label": str(c), "url": reverse("record-detail", args=[child_entry.slug, c.pk])}
                         for c in children],
            "children_label": children.model._meta.verbose_name_plural}


class RecordReveal(EntryView):
    """POST `field` and `reason`: the full number, once, in this response only; every reveal is audited."""

    @method_decorator(never_cache)
    def post(self, request, entry, pk):
        obj = get_visible_or_404(self.model, request.user, pk, Action.REVEAL)
        name = request.POST.get("field", "")
        if name not in entry.pii:
            return HttpResponseBadRequest(_("该字段不是个人号码。"))
        revealed, error = {}, {}
        try:
            revealed[name] = pii_reveal_for(obj=obj, field=name, by=request.user, reason=request.POST.get("reason"))
        except ValidationError as e:
            error[name] = " ".join(e.messages)
        context = detail_context(request, entry, obj, revealed, error)
        if is_htmx(request):
            context["f"] = next(f for f in context["fields"] if f["name"] == name)
            return render(request, "core/detail.html#pii", context)
        return render(request, "core/detail.html", context)


class RecordFormView(EntryView):
    """Create (no pk) or edit: the generated form, saved through record_save; its refusals shown on the form."""

    permission = Action.CHANGE

    def dispatch(self, request, *args, **kwargs):
        write = "update" if kwargs.get("pk") else "create"
        if request.user.is_authenticated and not self.entry.allows(write):
            raise PermissionDenied(_("“%(kind)s”不能在页面上新增或修改。") % {"kind": self.model._meta.verbose_name})
        return super().dispatch(request, *args, **kwargs)

    def instance(self, pk):
        if pk is None:
            return self.model()
        return get_visible_or_404(self.model, self.request.user, pk, Action.CHANGE)

    def form(self, instance, data=None):
        form_class = record_form(self.entry, editing=instance.pk is not None)
        initial = {k: v for k, v in self.request.GET.items() if k in form_class.base_fields}
        return form_class(data, instance=instance, user=self.request.user, initial=initial)

    def get(self, request, entry, pk=None):
        instance = self.instance(pk)
        return self.show(self.form(instance), instance)

    def post(self, request, entry, pk=None):
        instance = self.instance(pk)
        creating = instance.pk is None
        form = self.form(instance, request.POST)
        if form.is_valid():
            try:
                saved = record_save(instance=form.instance, by=request.user, values=form.pii_values())
            except ValidationError as e:
                form.add_service_error(e)
            except IntegrityError:
                form.add_error(None, _("与已有记录重复，未保存。"))
            else:
                messages.success(request, _("已保存。"))
                return redirect("record-detail", entry.slug, saved.pk)
            if creating:
                instance.pk = None  # the failed save was rolled back; the form stays a creation form
        return self.show(form, instance)

    def show(self, form, instance):
        user = self.request.user
        context = self.context(
            form=form, obj=instance if instance.pk else None,
            title=(_("修改：%(name)s") % {"name": instance}) if instance.pk
            else _("新增%(kind)s") % {"kind": self.model._meta.verbose_name},
            crumbs=crumbs(user, place_chain(instance)) if instance.pk else [],
            cancel_url=reverse("record-detail", args=[self.entry.slug, instance.pk]) if instance.pk
            else reverse("record-list", args=[self.entry.slug]),
        )
        return render(self.request, "core/form.html", context)


class RecordDelete(EntryView):
    permission = Action.CHANGE

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.entry.allows("delete"):
            raise PermissionDenied(_("“%(kind)s”不能在页面上删除。") % {"kind": self.model._meta.verbose_name})
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, entry, pk):
        obj = get_visible_or_404(self.model, request.user, pk, Action.CHANGE)
        return render(request, "core/confirm_delete.html", self.context(obj=obj, title=_("删除：%(name)s")
                                                                        % {"name": obj}))

    def post(self, request, entry, pk):
        obj = get_visible_or_404(self.model, request.user, pk, Action.CHANGE)
        try:
            record_delete(instance=obj, by=request.user)
        except (models.ProtectedError, models.RestrictedError):
            messages.error(request, _("仍有其他记录引用“%(name)s”，不能删除。请先处理这些记录。") % {"name": obj})
            return redirect("record-detail", entry.slug, pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("record-detail", entry.slug, pk)
        messages.success(request, _("已删除“%(name)s”。") % {"name": obj})
        return redirect("record-list", entry.slug)
