"""Reads of the staff pages of cases: a case's timeline, the steps a user may take now, similar open cases,
the agenda candidates of a deliberation and the public progress board. The callers have already fetched the
case, deliberation or project through the access door; what these add is scoped again where it lists rows."""

from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from banyan.accounts.roles import Action, Level, allows, own_only
from banyan.cases.models import DONE_STATES, OPEN_STATES, Case, CaseAttachment, CaseState, Milestone, Project
from banyan.core.scoping import grids_below, may_act, user_assignments
from banyan.events.models import Event, event_action_label

LABEL = "cases.case"

# The steps of a case as the pages name them (URL segment → service): see `case_steps`.
STEPS = ("categorise", "dispatch", "accept", "return", "reply", "follow_up", "close", "reopen", "escalate",
         "flag_difficult", "petition_forward", "instruct", "extend", "merge", "note")


def _covers(user, assignment, case: Case) -> bool:
    """Whether the assignment's place holds the case (a grid: or a grid below it)."""
    if assignment.level == Level.DISTRICT:
        return case.community.town.district_id == assignment.district_id
    if assignment.level == Level.TOWN:
        return case.community.town_id == assignment.town_id
    if assignment.level == Level.COMMUNITY:
        return case.community_id == assignment.community_id
    return case.grid_id is not None and case.grid_id in grids_below(user, assignment.grid_id)


def handling_levels(user, case: Case) -> set[str]:
    """The levels at which `user` handles this case: roles that may change cases, not only their own recorded
    ones (a party member or building captain records on a resident's behalf, but does not dispatch or close),
    held at a place that holds the case. A user with roles at two places counts each only at its own place."""
    if user.is_superuser:
        return {Level.DISTRICT}
    return {a.level for a in user_assignments(user)
            if allows(a.role, Action.CHANGE, LABEL) and not own_only(a.role, LABEL) and _covers(user, a, case)}


def may_change(user, case: Case) -> bool:
    return may_act(user, case, Action.CHANGE)


def is_unit_member(user, case: Case) -> bool:
    return case.unit_id is not None and case.unit.members.filter(pk=user.pk).exists()


def case_steps(user, case: Case) -> tuple[str, ...]:
    """The steps `user` may take on `case` now, in the order the page offers them. The services check again; this
    decides which forms the page shows and which posts the step endpoint passes on."""
    member = is_unit_member(user, case)
    if not (member or may_change(user, case)):
        return ()
    levels = handling_levels(user, case)
    handler = bool(levels)
    state = case.state
    # The unit signs for the case, sends it back or answers it; staff above may act for a unit that has no one.
    unit_side = member or (handler and case.unit_id is not None and not case.unit.members.exists())
    out = []
    if handler and state not in DONE_STATES:
        out.append("categorise")
    if handler and state in (CaseState.RECEIVED, CaseState.RETURNED, CaseState.REOPENED, CaseState.DISPATCHED,
                             CaseState.IN_PROGRESS):
        out.append("dispatch")
    if unit_side and state == CaseState.DISPATCHED:
        out.append("accept")
    if unit_side and state in (CaseState.DISPATCHED, CaseState.IN_PROGRESS):
        out.append("return")
    if (handler or member) and state in (CaseState.RECEIVED, CaseState.DISPATCHED, CaseState.IN_PROGRESS,
                                         CaseState.REOPENED):
        out.append("reply")
    if handler and state == CaseState.REPLIED:
        out.append("follow_up")
    if handler and state in (CaseState.FOLLOWED_UP, CaseState.REPLIED):
        out.append("close")
    if handler and state in (CaseState.REPLIED, CaseState.FOLLOWED_UP, CaseState.CLOSED):
        out.append("reopen")
    if handler and state in OPEN_STATES and case.level != Level.TOWN:
        out.append("escalate")
    if handler and state in OPEN_STATES and not case.difficult:
        out.append("flag_difficult")
    if handler and state in OPEN_STATES and case.kind == Case.Kind.PETITION:
        out.append("petition_forward")
    # An instruction comes from above the community: a town or district role that holds this very case.
    if levels & {Level.TOWN, Level.DISTRICT} and state not in DONE_STATES:
        out.append("instruct")
    if handler and state in OPEN_STATES and case.time_limit_id and case.time_limit.extension_days \
            and not case.extended:
        out.append("extend")
    if handler and state in OPEN_STATES:
        out.append("merge")
    out.append("note")
    return tuple(out)


def case_timeline(case: Case) -> list[dict]:
    """The case's events, oldest first: the step, who, when, from → to state, the note, and the photos taken
    with it (attachments point at their event)."""
    names = dict(CaseState.choices)
    photos: dict = {}
    for row in CaseAttachment.objects.filter(case=case):
        photos.setdefault(row.event_id, []).append(
            {"url": reverse("case-attachment", args=[case.pk, row.pk]), "by_resident": row.by_resident})
    events = Event.objects.filter(model=LABEL, object_id=case.pk).select_related("user").order_by("at", "pk")
    out = []
    for e in events:
        data = e.data or {}
        before, after = data.get("from", ""), data.get("to", "")
        out.append({"at": e.at, "action": event_action_label(e.action), "action_code": e.action,
                    "user": str(e.user) if e.user_id else "", "from": names.get(before, ""),
                    "to": names.get(after, ""), "moved": bool(after) and before != after, "note": e.note,
                    "unit": data.get("unit", ""), "photos": photos.get(e.pk, [])})
    # Photos of no event (none expected: the services attach to the step's event) still belong to the case.
    loose = [p for key, rows in photos.items() if key not in {e.pk for e in events} for p in rows]
    if loose and out:
        out[0]["photos"] = out[0]["photos"] + loose
    return out


def similar_open(case: Case, user, *, limit: int = 5) -> list[dict]:
    """Open cases like this one that `user` may merge it into, same community first: [{case, score}]. Empty
    while the similar-case search (cases/similar.py) is not installed."""
    try:
        from banyan.cases.similar import similar_cases
    except ImportError:
        return []
    text = f"{case.title}\n{case.description}".strip()
    found = similar_cases(text, community_id=case.community_id, exclude_id=case.pk, limit=limit * 2)
    scores = {s.case_id: s.score for s in found}
    rows = Case.objects.visible_to(user, Action.CHANGE).filter(pk__in=scores, state__in=OPEN_STATES) \
        .exclude(pk=case.pk).select_related("community", "unit")
    rows = sorted(rows, key=lambda c: list(scores).index(c.pk))
    return [{"case": c, "score": round(scores[c.pk] * 100)} for c in rows[:limit]]


def merged_duplicates(user, case: Case):
    return Case.objects.visible_to(user).filter(merged_into=case).order_by("received_at")


def overdue_q() -> Q:
    return Q(state__in=OPEN_STATES, due_at__lt=timezone.now())


# Quick filters of the case list: a word in the address (`?quick=`) → the cases it keeps.
QUICK = {
    "waiting": lambda: Q(state__in=(CaseState.RECEIVED, CaseState.RETURNED, CaseState.REOPENED)),
    "handling": lambda: Q(state__in=(CaseState.DISPATCHED, CaseState.IN_PROGRESS)),
    "overdue": overdue_q,
    "difficult": lambda: Q(difficult=True) & ~Q(state__in=DONE_STATES),
}


def agenda_candidates(user, deliberation, *, limit: int = 50):
    """Open cases of the deliberation's community that `user` may put on its agenda, newest first."""
    return (Case.objects.visible_to(user, Action.CHANGE)
            .filter(community_id=deliberation.community_id, state__in=OPEN_STATES)
            .exclude(pk__in=deliberation.agenda.values("pk")).order_by("-received_at")[:limit])


def project_cases(user, project):
    return Case.objects.visible_to(user).filter(project=project).select_related("unit").order_by("received_at")


def board_projects(community):
    """The public progress board of a community: its public projects with their milestones, photos and how many
    concerns asked for each. Only what a passer-by may read: names, progress, dates, the unit, never a person."""
    return (Project.objects.filter(community=community, public=True)
            .annotate(concerns=Count("cases", distinct=True))
            .select_related("unit")
            .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("due_on", "pk")), "photos")
            .order_by("status", "-pk"))
