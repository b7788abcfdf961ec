"""Every web page: the home dashboard, and list, detail, create, edit, delete, export and reveal for each entry
of the registry.

One set of base classes serves every entry; rows come only through `visible_to` and single rows through
`get_visible_or_404`, so a page for a new entry cannot forget the access door. A whole kind of record the role
may not list or change answers 403; a row outside the user's places answers 404, like a missing one.
"""

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import BadRequest, FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, models
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.http import FileResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from banyan.accounts.roles import Action, Level
from banyan.accounts.services import export_audit, pii_reveal_for
from banyan.core.dashboard import PARTS, comparison_of, list_url, tiles_of
from banyan.core.display import field_text
from banyan.core.exporting import csv_lines, xlsx_file
from banyan.core.filters import filterset_for
from banyan.core.forms import field_label, is_large, pick_widget_for, record_form, translated_choices
from banyan.core.pii import looks_like_number, number_q
from banyan.core.registry import BY_LABEL, ENTRIES, Entry
from banyan.core.scoping import can, get_visible_or_404, may_act
from banyan.core.services import record_delete, record_save
from banyan.core.todo import Link, my_links, todo_list
from banyan.events.models import event_action_label
from banyan.events.selectors import record_history
from banyan.places.models import Community, District, Grid, Town
from banyan.places.selectors import (
    PLACE_MODELS,
    home_places,
    in_place,
    place_level,
    place_resolve,
    place_rows,
    summary,
)

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
    value = getattr(obj, column.name)
    if column.field.is_relation and value is not None:
        return str(value), detail_url(value, user)
    return field_text(obj, column.field), None


def export_listing(request, entry: Entry) -> models.QuerySet:
    """The rows an export holds: the list's own (search, filters, place, order). The one definition for an export
    sent at once and one built by the worker from the stored query string (banyan.ledgers.services). Only rows
    where a role that may export them is held: another role may show more on the list, not let it out."""
    return listing(request, entry, Action.EXPORT).rows


def template_kind(model):
    """The import kind whose template a list of `model` can be exported as (None: not importable)."""
    from banyan.ledgers.template_export import kind_of_model

    return kind_of_model(model)


def export_rows(entry: Entry, rows: models.QuerySet, seen=None) -> tuple[list[str], Iterator[list]]:
    """The titles and rows of an export of `rows` (already through the access door); `seen` collects each row's
    id as it is written, so an audit names exactly the rows in the file. A kind that can be imported is exported
    as its import template (系统编号 first, then the template's columns: banyan.ledgers.template_export), so the
    file goes back in as it came out; any other entry as the list's columns."""
    from banyan.ledgers.template_export import kind_of_model, template_rows

    kind = kind_of_model(entry.model)
    if kind is not None:
        return template_rows(kind, rows, seen=seen)
    cols = columns(entry.model, entry.list_fields)
    # A code's name looked up once per export: translating it again for every cell took most of a long export.
    names = [{code: _(str(name)) for code, name in c.field.flatchoices}
             if c.field.choices and not c.pii and not c.field.is_relation else None for c in cols]

    def value(obj, column, named):
        if named is None:
            return export_value(obj, column)
        code = getattr(obj, column.name)
        return "" if code is None else named[code] if code in named else export_value(obj, column)

    def values():
        source = rows.iterator(chunk_size=2000)
        try:
            for obj in source:
                if seen is not None:
                    seen.append(obj.pk)
                yield [value(obj, c, named) for c, named in zip(cols, names, strict=True)]
        finally:
            source.close()  # its cursor too, at once, when an export stops halfway: the connection writes next

    return [str(c.label) for c in cols], values()


def export_file_name(model, fmt: str, day: dt.date | None = None, *, template: bool = False) -> str:
    kind = _("导入模板") + "-" if template else ""
    return f"{model._meta.verbose_name_plural}-{kind}{day or timezone.localdate():%Y%m%d}.{fmt}"


def export_as_template(entry: Entry, query, fmt: str) -> bool:
    """Whether the list's query asks for the file as a ready-to-fill import template (`?template=1`): an XLSX of a
    kind that can be imported only (a CSV has no second sheet for the 填写说明)."""
    from banyan.ledgers.template_export import kind_of_model

    return fmt == "xlsx" and query.get("template") == "1" and kind_of_model(entry.model) is not None


def export_xlsx(entry: Entry, titles: list[str], rows, *, template: bool = False):
    """The XLSX of an export, in a temporary path the caller removes. As a template (`导出为模板`): the rows on a
    sheet named and styled as the kind's blank template (required headers marked), and its 填写说明 sheet, which
    also explains 系统编号 and the masked numbers; otherwise one plain sheet."""
    if template:
        from banyan.ledgers.template_export import kind_of_model
        from banyan.ledgers.templates_xlsx import template_notes

        kind = kind_of_model(entry.model)
        required = [False, *(c.required for c in kind.columns)]
        return xlsx_file(titles, rows, str(kind.title), required=required, notes=template_notes(kind, rows=True))
    return xlsx_file(titles, rows, str(entry.model._meta.verbose_name_plural))


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


# ---------------------------------------------------------------------------------------------------------------
# Dashboards: the figures of a place, the comparison of its communities, the data of its two charts.


def community_rows(user, place, rows) -> tuple[list, list[dict]]:
    """The comparison's columns, and one row per community at or below `place`, by grouped counts that each app
    registered: a fixed number of queries for any size."""
    columns, values = comparison_of(rows)
    out = []
    for community in rows(Community).select_related("town"):
        row = {"community": community, "url": reverse("record-detail", args=["communities", community.pk])}
        row.update({key: values.get(key, {}).get(community.pk, 0) for key, _label in columns})
        row["cells"] = [{"label": label, "value": row[key]} for key, label in columns]
        out.append(row)
    first = columns[0][0] if columns else None
    out.sort(key=lambda r: (-(r[first] if first else 0), r["community"].code))
    return columns, out


def dashboard(user, place) -> dict:
    """Tiles, charts and (for a town, a district or several places) the comparison of communities."""
    rows = place_rows(user, place)
    figures = summary(user, place)
    level = place_level(place) if place is not None else None
    columns, comparison = community_rows(user, place, rows) if level in (None, Level.DISTRICT, Level.TOWN) \
        else ([], None)
    charts = {}
    for part in PARTS:
        if part.charts is not None:
            charts.update(part.charts(user, place, figures, rows, comparison))
    idle = [r for r in comparison or () if not any(c["value"] for c in r["cells"])]
    token = place_token(place) if place is not None else None
    return {"figures": figures, "tiles": tiles_of(user, figures, token), "charts": charts,
            "show_charts": bool(charts), "columns": [label for _key, label in columns],
            # Communities with nothing registered yet are named once below the table, not given a row of zeros.
            "comparison": [r for r in comparison if r not in idle] if comparison is not None else None,
            "idle": idle, "several_towns": level in (None, Level.DISTRICT)}


# ---------------------------------------------------------------------------------------------------------------
# Lists: one queryset for the page and its export, from the URL's search, filters, place and ordering.


def search_q(entry: Entry, q: str) -> Q:
    """Text fields by substring; or, for an entry with personal numbers and a search that is a number, those
    numbers whole (keyed hash) or by their last four (never by other substrings), through their indexes."""
    if entry.pii and looks_like_number(q):
        return number_q(entry.pii, q)
    cond = Q()
    for name in entry.search_fields:
        cond |= Q(**{f"{name}__icontains": q})
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
    if any("\x00" in value for values in request.GET.lists() for value in values[1]):
        # Only sent on purpose; PostgreSQL cannot compare text holding it (a 500 in every search and filter).
        raise BadRequest(_("查询条件含有无法识别的字符。"))
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
    chain = place_chain(place) if place is not None else []
    visible = visible_places(user, [*chain, *homes])  # the crumbs' links and the home places' in one query
    context = {
        "homes": [{"token": place_token(p), "label": str(p), "selected": p == place} for p in homes],
        "place": place,
        "crumbs": crumbs(user, chain, visible),
        "dashboard": dashboard(user, place) if homes else None,
        "todo": todo_list(user),
        "mine": my_links(user) + place_links(user, homes, visible),
        "panels": place_panels(request, place) if place is not None and
        (place._meta.label_lower, place.pk) in visible else [],
    }
    return render(request, "core/home.html", context)


def place_panels(request, place) -> list[dict]:
    """The panels of the place's own page (its map), shown on the home page as well: the app that owns the
    place's page says what they are."""
    entry = BY_LABEL[place._meta.label_lower]
    view = entry.view_classes.get("detail", RecordDetail)()
    view.setup(request, entry=entry, pk=place.pk)
    return view.panels(place)


def place_links(user, places, visible: set | None = None) -> list[Link]:
    """The pages of the user's own places that their role may open (`visible`: from `visible_places`)."""
    visible, out = visible_places(user, places) if visible is None else visible, []
    for place in places:
        model = type(place)
        if (model._meta.label_lower, place.pk) in visible:
            slug = BY_LABEL[model._meta.label_lower].slug
            out.append(Link(str(place), reverse("record-detail", args=[slug, place.pk]),
                            str(model._meta.verbose_name)))
    return out


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
            importable=template_kind(self.model) is not None,
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
        from banyan.ledgers import services as ledgers

        found = export_listing(request, entry)
        # A short list is sent at once, as a click on a link is expected to; a longer one (seconds of silence
        # otherwise) is built by the worker, and its page shows progress and then the download.
        ids = list(found.values_list("pk", flat=True)[:ledgers.INLINE_EXPORT_ROWS + 1])
        if len(ids) > ledgers.INLINE_EXPORT_ROWS:
            job = ledgers.export_job_create(by=request.user, kind=entry.slug, fmt=fmt, query=request.GET.urlencode())
            return redirect("export-detail", pk=job.pk)
        export_audit(by=request.user, model=self.model, rows=len(ids), masked=True, ids=ids,
                     data={"query": request.GET.urlencode()[:500], "format": fmt})
        titles, rows = export_rows(entry, found)
        template = export_as_template(entry, request.GET, fmt)
        name = export_file_name(self.model, fmt, template=template)
        if fmt == "xlsx":
            path = export_xlsx(entry, titles, rows, template=template)
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
        return render(request, self.template_name, self.page_context(self.record(pk)))

    def record(self, pk):
        """The record, through the door, with what its page names fetched in the same query."""
        return get_visible_or_404(self.model, self.request.user, pk, related=detail_joins(self.model))

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
    may_write = may_act(user, obj, Action.CHANGE)
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


def steps_only(request, model):
    """405 for the generic edit or delete of a kind that changes only through its steps (a case): the same answer
    for every record, before looking at any."""
    reason = _("“%(kind)s”只能通过办理步骤改变，不能直接修改或删除。") % {"kind": model._meta.verbose_name}
    return render(request, "403.html", {"title": _("不能直接修改"), "heading": _("不能直接修改"), "reason": reason,
                                        "code": 405}, status=405)


class RecordFormView(EntryView):
    """Create (no pk) or edit: the generated form, saved through record_save; its refusals shown on the form."""

    permission = Action.CHANGE

    def dispatch(self, request, *args, **kwargs):
        write = "update" if kwargs.get("pk") else "create"
        if request.user.is_authenticated and not self.entry.allows(write):
            if write == "update" and can(request.user, Action.CHANGE, self.model):
                return steps_only(request, self.model)
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

    template_name = "core/form.html"

    def show(self, form, instance, **extra):
        user = self.request.user
        context = self.context(
            form=form, obj=instance if instance.pk else None,
            title=(_("修改：%(name)s") % {"name": instance}) if instance.pk
            else _("新增%(kind)s") % {"kind": self.model._meta.verbose_name},
            crumbs=crumbs(user, place_chain(instance)) if instance.pk else [],
            cancel_url=reverse("record-detail", args=[self.entry.slug, instance.pk]) if instance.pk
            else reverse("record-list", args=[self.entry.slug]),
            **extra,
        )
        return render(self.request, self.template_name, context)


class RecordDelete(EntryView):
    permission = Action.CHANGE

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.entry.allows("delete"):
            if can(request.user, Action.CHANGE, self.model):
                return steps_only(request, self.model)
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
