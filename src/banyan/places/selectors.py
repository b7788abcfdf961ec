"""Reads about places: resolving a place a user may see, and the home dashboard's figures for it."""

from django.db.models import Q

from banyan.accounts.roles import Level
from banyan.core.scoping import grid_and_below, user_assignments
from banyan.places.models import Community, District, Grid, Town

PLACE_MODELS = {Level.DISTRICT: District, Level.TOWN: Town, Level.COMMUNITY: Community, Level.GRID: Grid}


def place_level(place) -> str:
    return {District: Level.DISTRICT, Town: Level.TOWN, Community: Level.COMMUNITY, Grid: Level.GRID}[type(place)]


def home_places(user) -> list:
    """The places the user's roles are held at (the whole district for a superuser)."""
    if user.is_superuser:
        return list(District.objects.all())
    places = {}
    for assignment in user_assignments(user):
        places.setdefault((assignment.level, assignment.place_id), assignment.place)
    return list(places.values())


def place_resolve(user, value: str):
    """A place the user can see, from an id (community first), a division code or a name; None if none."""
    value = (value or "").strip()
    if not value:
        return None
    for level, model in PLACE_MODELS.items():
        qs = model.objects.visible_to(user)
        if value.isdigit() and len(value) < 9:
            hit = qs.filter(pk=int(value)).first() if level == Level.COMMUNITY else None
        elif value.isdigit():
            hit = qs.filter(code=value).first() if level != Level.GRID else None
        else:
            names = Q(name=value) | (Q(full_name=value) if model is Community else Q())
            hit = qs.filter(names).first()
        if hit:
            return hit
    return None


def in_place(qs, place):
    """Narrow a scoped queryset to the rows at or below `place`; rows of a kind that has no such level: none."""
    level = place_level(place)
    lookup = qs.model.place_lookups.get(level)
    if lookup is None:
        return qs.none()
    if level == Level.GRID:
        return qs.filter(**{f"{lookup}__in": grid_and_below(place.pk)})
    return qs.filter(**{lookup: place.pk})


def place_rows(user, place=None):
    """rows(model): the rows of `model` that `user` may view, narrowed to `place` when given."""

    def rows(model):
        qs = model.objects.visible_to(user)
        return in_place(qs, place) if place is not None else qs

    return rows


def summary(user, place=None) -> dict:
    """The dashboard's figures over what the user can see, narrowed to `place` when given: what each app
    registered (banyan.core.dashboard)."""
    from banyan.core.dashboard import figures_of

    return {"place": _place_json(place) if place is not None else None, **figures_of(place_rows(user, place))}


def _place_json(place) -> dict:
    return {"id": place.pk, "name": place.name, "level": place_level(place)}
