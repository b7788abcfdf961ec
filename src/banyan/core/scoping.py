"""The one access door: `Model.objects.visible_to(user, action)`.

Every model that belongs to a place declares, in `place_lookups`, how to reach each level of the place tree
from its rows (`None` where a level does not apply). A user's role assignments, each held at a place, become
one OR'd filter; rows outside every assignment simply do not exist for that user (views answer 404).

A row that is at more than one place (a transfer request is at the community that asks and at the one that
holds the person) says so with a classmethod `scope_rows(assignment, within) -> Q | None`, called for each
assignment whose role allows the action: `within(lookup)` is the filter "the place at `lookup` is at this
assignment's place (a grid: or below it)". `place_lookups` still names the row's main place (lists narrowed to a
place, and which levels reach the kind at all).
"""

from django.db import models
from django.db.models import Q

from banyan.accounts.roles import Action, Level, allows

COMMUNITY_LOOKUPS = {
    Level.DISTRICT: "community__town__district",
    Level.TOWN: "community__town",
    Level.COMMUNITY: "community",
    Level.GRID: "grid",
}


def grid_and_below(grid_id: int) -> list[int]:
    from banyan.places.models import Grid

    ids, frontier = [grid_id], [grid_id]
    while frontier:
        found = list(Grid.objects.filter(parent_id__in=frontier).order_by().values_list("pk", "level"))
        ids += [pk for pk, _level in found]
        # Micro-grids have no children (Grid.clean): one query per level that can have some, whatever is found.
        frontier = [pk for pk, level in found if level < Grid.Level.MICRO]
    return ids


ASSIGNMENT_PLACES = ("district", "town__district", "community__town__district", "grid__community__town__district",
                     "grid__parent__parent")


def user_assignments(user) -> list:
    """The user's role assignments, fetched once per request and kept on the user object."""
    cached = getattr(user, "_banyan_assignments", None)
    if cached is None:
        # With each place and the places above it: home pages and their crumbs name them without a query each.
        cached = list(user.role_assignments.select_related(*ASSIGNMENT_PLACES)) if user.is_authenticated else []
        user._banyan_assignments = cached
    return cached


def grids_below(user, grid_id: int) -> list[int]:
    """`grid_and_below`, read once per request: kept on the user object, beside their role assignments."""
    cache = user.__dict__.setdefault("_banyan_grid_ids", {})
    if grid_id not in cache:
        cache[grid_id] = grid_and_below(grid_id)
    return cache[grid_id]


def _grid_ids(user, assignment) -> list[int]:
    return grids_below(user, assignment.grid_id)


def _within(user, assignment, lookup: str) -> Q:
    """Rows whose place at `lookup` is at the assignment's place, or below it for a grid."""
    if assignment.level == Level.GRID:
        return Q(**{f"{lookup}__in": _grid_ids(user, assignment)})
    return Q(**{lookup: assignment.place_id})


def scope_q(model, user, action: str = Action.VIEW, *, on: str | None = None, roles_only: bool = False) -> Q | None:
    """The filter of the rows of `model` that `user` may act on; None means no row at all.

    With `on` (a model label), the places of `model` where the user may act on rows of `on`: e.g. the
    communities where they may change residents, for resolving place names in an import.

    A model may also give rows to people by what they are assigned rather than by a role at a place (a case sent
    to a unit reaches the unit's members, a property company's staff among them): `assigned_rows(user, action)`,
    a filter OR'd in, unless `roles_only` (steps that need a role, such as dispatching a case).
    """
    if user.is_superuser:
        return Q()
    label = on or model._meta.label_lower
    lookups = model.place_lookups
    own = getattr(model, "scope_rows", None)
    parts = []
    for assignment in user_assignments(user):
        if not allows(assignment.role, action, label):
            continue
        if own is not None:
            part = own(assignment, lambda lookup, a=assignment: _within(user, a, lookup))
            if part is not None:
                parts.append(part)
            continue
        lookup = lookups.get(assignment.level)
        if lookup is not None:
            parts.append(_within(user, assignment, lookup))
    assigned_rows = getattr(model, "assigned_rows", None)
    if assigned_rows is not None and on is None and not roles_only and user.is_authenticated:
        part = assigned_rows(user, action)
        if part is not None:
            parts.append(part)
    if not parts:
        return None
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = Action.VIEW, *, on: str | None = None, roles_only: bool = False):
        q = scope_q(self.model, user, action, on=on, roles_only=roles_only)
        return self.none() if q is None else self.filter(q)


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


def can(user, action: str, model) -> bool:
    """Whether the user may do `action` on some rows of `model` at all (menus, buttons, 403 for whole lists)."""
    return user.is_superuser or any(
        allows(a.role, action, model._meta.label_lower) and model.place_lookups.get(a.level) is not None
        for a in user_assignments(user)
    )


def may_act(user, obj, action: str) -> bool:
    """Whether the user may do `action` on this very row, asked once per request (kept on the user object, beside
    their role assignments): a page and the panels of its app ask the same."""
    model = type(obj)
    cache = user.__dict__.setdefault("_banyan_may_act", {})
    key = (model._meta.label_lower, obj.pk, action)
    if key not in cache:
        cache[key] = can(user, action, model) and model.objects.visible_to(user, action).filter(pk=obj.pk).exists()
    return cache[key]


def get_visible_or_404(model, user, pk, action: str = Action.VIEW, *, related: tuple[str, ...] = ()):
    """The same 404 for a row that does not exist and a row the user may not act on; `related`: select_related."""
    from django.http import Http404

    try:
        return model.objects.visible_to(user, action).select_related(*related).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def writable_places(user, label: str):
    """Where `user` may write records of kind `label` (a model label): (communities, grids), each a queryset.

    The communities are those where a role lets them change that kind, and those of the grids where one does (a
    grid worker's records are in the community of their grid). Forms, the API and imports offer and accept
    exactly these places, for a user with roles at several places as for one.
    """
    from banyan.places.models import Community, Grid

    grids = Grid.objects.visible_to(user, Action.CHANGE, on=label)
    communities = Community.objects.visible_to(user, Action.CHANGE, on=label) | \
        Community.objects.filter(pk__in=grids.values("community_id"))
    return communities.distinct(), grids
