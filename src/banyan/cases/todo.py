"""Cases in the to-do list (待办): what waits for this user's step, most urgent first, in two queries."""

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from banyan.accounts.roles import Action, Level
from banyan.cases.models import Case, CaseState
from banyan.core.scoping import user_assignments
from banyan.core.todo import Todo, todo_selector

# What each state waits for, as the to-do list names it.
WAITING = {
    CaseState.RECEIVED: _("诉求待派单"), CaseState.RETURNED: _("诉求被退回，待重新派单"),
    CaseState.REOPENED: _("诉求重新办理"), CaseState.DISPATCHED: _("诉求待签收"),
    CaseState.IN_PROGRESS: _("诉求办理中"), CaseState.REPLIED: _("诉求待回访"),
}


# A reply is followed up (the call to the resident) within this time; the handling deadline no longer applies.
FOLLOW_UP_WITHIN = dt.timedelta(days=3)


def todo_due(case: Case):
    if case.state == CaseState.REPLIED and case.replied_at:
        return case.replied_at + FOLLOW_UP_WITHIN
    return case.due_at


def cases_waiting(user):
    """Cases waiting for a step by this user: at their places (a town officer: those raised to the town), and
    those sent to a unit they belong to."""
    rows = Case.objects.visible_to(user, Action.CHANGE, roles_only=True).filter(state__in=WAITING)
    if user_assignments(user) and all(a.level == Level.TOWN for a in user_assignments(user)):
        rows = rows.filter(level=Level.TOWN)
    mine = Case.objects.filter(unit__members=user, state__in=(CaseState.DISPATCHED, CaseState.IN_PROGRESS))
    return (rows | mine).distinct()


@todo_selector
def case_todos(user, limit: int = 20) -> list[Todo]:
    if not user.is_authenticated:
        return []
    rows = cases_waiting(user).select_related("community").order_by("due_at", "pk")
    urgent_first = rows.filter(Q(difficult=True) | Q(priority=Case.Priority.EMERGENCY))[:limit]
    seen, out = set(), []
    for case in [*urgent_first, *rows[:limit]]:
        if case.pk in seen:
            continue
        seen.add(case.pk)
        out.append(Todo(kind=str(WAITING[case.state]), title=str(case), due=todo_due(case),
                        url=reverse("record-detail", args=["cases", case.pk]),
                        urgent=case.difficult or case.priority == Case.Priority.EMERGENCY,
                        detail=f"{case.community.name} · {case.tracking_code}"))
    return out[:limit]
