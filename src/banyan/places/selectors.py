"""Reads about places: resolving a place a user may see, and the home dashboard's figures for it."""

from django.db.models import Count, Q, Sum

from banyan.accounts.roles import Level
from banyan.core.scoping import grid_and_below, user_assignments
from banyan.places.models import Community, District, Grid, IndustrialPark, Town

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


def summary(user, place=None) -> dict:
    """The dashboard's figures over what the user can see, narrowed to `place` when given."""
    from banyan.party.models import PartyMember, PartyOrg
    from banyan.people.models import Enterprise, Household, RentalProperty, RentalRoom, Residency, Resident, Tenancy

    def rows(model):
        qs = model.objects.visible_to(user)
        return in_place(qs, place) if place is not None else qs

    by_residency = dict(rows(Resident).values_list("residency").annotate(n=Count("pk")).order_by())
    members_by_kind = dict(rows(PartyMember).values_list("kind").annotate(n=Count("pk")).order_by())
    orgs_by_level = dict(rows(PartyOrg).values_list("level").annotate(n=Count("pk")).order_by())
    enterprises = rows(Enterprise).aggregate(n=Count("pk"), headcount=Sum("headcount"))
    rooms = rows(RentalRoom).count()
    occupied = rows(Tenancy).filter(moved_out__isnull=True).values("room_id").distinct().count()
    residents = {k: by_residency.get(k, 0) for k in Residency.values}
    return {
        "place": _place_json(place) if place is not None else None,
        "residents": sum(residents.values()),
        "residents_registered": residents[Residency.REGISTERED],
        "residents_permanent": residents[Residency.PERMANENT],
        "residents_migrant": residents[Residency.MIGRANT],
        "households": rows(Household).count(),
        "rental_properties": rows(RentalProperty).count(),
        "rental_rooms": rooms,
        "rental_rooms_occupied": occupied,
        "rental_occupancy_rate": round(occupied / rooms, 3) if rooms else None,
        "industrial_parks": rows(IndustrialPark).count(),
        "enterprises": enterprises["n"],
        "enterprise_headcount": enterprises["headcount"] or 0,
        "party_members": sum(members_by_kind.values()),
        "local_members": members_by_kind.get(PartyMember.Kind.LOCAL, 0),
        "mobile_members": members_by_kind.get(PartyMember.Kind.MOBILE, 0),
        "in_service_members": members_by_kind.get(PartyMember.Kind.IN_SERVICE, 0),
        "party_orgs": sum(orgs_by_level.values()),
        "party_branches": orgs_by_level.get(PartyOrg.Level.BRANCH, 0),
        "party_groups": orgs_by_level.get(PartyOrg.Level.GROUP, 0),
        "communities": rows(Community).count(),
        "grids": rows(Grid).count(),
    }


def _place_json(place) -> dict:
    return {"id": place.pk, "name": place.name, "level": place_level(place)}
