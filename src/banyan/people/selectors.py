"""Reads about people: a household's members, and the transfer requests a person must answer (their to-do)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from banyan.accounts.roles import Action
from banyan.core.pii import number_holder
from banyan.core.todo import Todo, todo_selector
from banyan.people.models import Household, Resident, ResidentStatus, TransferRequest
from banyan.places.models import Community, Grid

# A household page lists this many members at most (a collective household can hold hundreds); the rest are a
# link to the residents list of that household.
MEMBERS_SHOWN = 100
# A transfer request waits on the other community; a week is when it shows as overdue in their to-do list.
TRANSFER_ANSWER_WITHIN = dt.timedelta(days=7)


@dataclass
class Members:
    shown: list  # current members the user may see: the head first, then by relation, then oldest first
    current: int  # how many current members the user may see in all
    former: int  # members who moved out or died


REGISTERED_ELSEWHERE = gettext_lazy("该身份证号已在其他社区登记，请提交迁入申请。")


def id_number_refusal(*, number: str, community, instance=None) -> str | None:
    """Why a resident's ID number cannot be saved, or None: registered on another row. For a new resident of
    another community than the holder's, the answer is the way to ask for that person (a transfer request), and
    says nothing else about them. One rule for the form and the API."""
    holder = number_holder(Resident, "id_number", number, instance=instance)
    if holder is None:
        return None
    creating = instance is None or instance.pk is None
    if creating and community is not None and holder.community_id != community.pk:
        return str(REGISTERED_ELSEWHERE)
    return _("该身份证号已登记。")


def household_members(user, household) -> Members:
    """The members of `household` that `user` may see, in three queries whatever the household's size."""
    rows = Resident.objects.visible_to(user).filter(household=household)
    current = rows.filter(status=ResidentStatus.CURRENT)
    # Relation codes sort the head (02) first; a member with no relation recorded comes last.
    order = Case(When(relation="", then=Value(1)), default=Value(0), output_field=IntegerField())
    shown = list(current.order_by(order, "relation", "birth_date", "pk")[:MEMBERS_SHOWN])
    counts = {status: n for status, n in rows.values_list("status").annotate(n=Count("pk")).order_by()}
    former = sum(n for status, n in counts.items() if status != ResidentStatus.CURRENT)
    return Members(shown, counts.get(ResidentStatus.CURRENT, 0), former)


def transfer_requests_to_answer(user):
    """Requests waiting for `user`'s community: those about a person registered where `user` may register
    residents for the whole community (the to-do of its secretary, staff and migrant officer)."""
    communities = Community.objects.visible_to(user, Action.CHANGE, on="people.resident")
    return (TransferRequest.objects.visible_to(user)
            .filter(status=TransferRequest.Status.PENDING, from_community__in=communities.values("pk"))
            .select_related("resident", "to_community").order_by("created_at", "pk"))


def transfer_hidden_fields(user, request: TransferRequest) -> set[str]:
    """The fields of a request `user` may not read: the person and their community, until the person is theirs to
    see; the grid and household chosen by the asker, to who may not see those. The same door as everywhere."""
    hidden = set()
    sees_person = Resident.objects.visible_to(user).filter(pk=request.resident_id).exists()
    if not sees_person:
        hidden.add("resident")
        if not Community.objects.visible_to(user).filter(pk=request.from_community_id).exists():
            hidden.add("from_community")
    if request.to_grid_id and not Grid.objects.visible_to(user).filter(pk=request.to_grid_id).exists():
        hidden.add("to_grid")
    if request.to_household_id and not Household.objects.visible_to(user).filter(pk=request.to_household_id) \
            .exists():
        hidden.add("to_household")
    return hidden


@todo_selector
def transfer_request_todos(user, limit: int = 20) -> list[Todo]:
    """Each waiting transfer request, to accept or refuse; one query."""
    if not user.is_authenticated:
        return []
    out = []
    for request in transfer_requests_to_answer(user)[:limit]:
        out.append(Todo(
            kind=_("迁入申请"),
            title=_("%(name)s 申请迁往%(community)s") % {"name": request.resident.name,
                                                       "community": request.to_community.name},
            url=reverse("record-detail", args=["transfer-requests", request.pk]),
            due=request.created_at + TRANSFER_ANSWER_WITHIN,
            detail=request.reason,
        ))
    return out
