"""Writes about residents that are steps of their life here, not edits: moving out (迁出), death (死亡注销), moving
back in (迁入), and moving in from another community by a transfer request (迁入申请) that community accepts.

A resident is never deleted for leaving: each step changes their status, with its date and reason, and leaves an
event on their timeline (and a transfer request's steps on its own). Deleting a resident is only for a record
entered by mistake, by who entered it, within a day (core/services.record_delete, `delete_mistakes_only`).

Every function here is keyword-only and atomic; it refuses bad input with a ValidationError in Chinese (keyed by
field where the input has one) and changes nothing, and answers PermissionDenied to who may not take the step.
"""

import copy
import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from banyan.accounts.roles import Action
from banyan.core.pii import mask, number_holder
from banyan.core.scoping import can
from banyan.core.validators import validate_id_number
from banyan.events.models import STEPS, Event
from banyan.events.services import event_record, record_changes
from banyan.people.models import Household, Resident, ResidentStatus, Tenancy, TransferRequest
from banyan.places.models import Community, Grid

RESIDENT = "people.resident"
REASON_LENGTH = 200

STEPS.update({
    "moved_out": gettext_noop("迁出"),
    "deceased": gettext_noop("死亡注销"),
    "moved_in": gettext_noop("迁入"),
    "transfer_requested": gettext_noop("申请迁入"),
    "transfer_accepted": gettext_noop("同意迁入"),
    "transfer_refused": gettext_noop("拒绝迁入"),
    "transfer_cancelled": gettext_noop("撤回迁入申请"),
})


# ---------------------------------------------------------------------------------------------------------------
# A resident's status.


def _changeable(resident: Resident, by) -> Resident:
    """The resident as stored now, locked, if `by` may change them."""
    row = (Resident.objects.visible_to(by, Action.CHANGE).select_for_update(of=("self",))
           .filter(pk=resident.pk).first())
    if row is None:
        raise PermissionDenied(_("该居民不在您的管辖范围内。"))
    return row


def _checked(resident: Resident, *, on, reason: str, date_label: str, reason_label: str) -> str:
    """The reason, stripped, once the date and the reason are acceptable; else every problem, by field."""
    errors = {}
    reason = (reason or "").strip()
    if on is None:
        errors["on"] = _("请填写%(what)s。") % {"what": date_label}
    elif not isinstance(on, dt.date):
        errors["on"] = _("%(what)s不是有效日期。") % {"what": date_label}
    elif on > timezone.localdate():
        errors["on"] = _("%(what)s不能晚于今天。") % {"what": date_label}
    elif resident.birth_date and on < resident.birth_date:
        errors["on"] = _("%(what)s不能早于出生日期（%(born)s）。") % {
            "what": date_label, "born": resident.birth_date.isoformat()}
    if not reason:
        errors["reason"] = _("请填写%(what)s。") % {"what": reason_label}
    elif len(reason) > REASON_LENGTH:
        errors["reason"] = _("%(what)s不能超过%(n)s个字。") % {"what": reason_label, "n": REASON_LENGTH}
    if errors:
        raise ValidationError(errors)
    return reason


def _not_current(resident: Resident, step: str) -> ValidationError:
    if resident.status == ResidentStatus.DECEASED:
        return ValidationError(_("该居民已死亡注销，不能办理%(step)s。") % {"step": step})
    return ValidationError(_("该居民已于%(on)s迁出，不能办理%(step)s。") % {
        "on": resident.status_on.isoformat() if resident.status_on else "—", "step": step})


def _end_tenancies(resident: Resident, *, on: dt.date, by, note: str) -> None:
    """A person who leaves no longer lives in a rented room: their open tenancies end that day."""
    for tenancy in Tenancy.objects.select_for_update(of=("self",)).filter(resident=resident, moved_out__isnull=True):
        before = copy.copy(tenancy)
        tenancy.moved_out = max(on, tenancy.moved_in)
        tenancy.save(update_fields=["moved_out"])
        event_record(by=by, action=Event.Action.CHANGED, obj=tenancy, changes=record_changes(before, tenancy),
                     note=note)


def _set_status(resident: Resident, *, by, action: str, status: str, on: dt.date, reason: str,
                moved_to: str = "", data: dict | None = None) -> Resident:
    before = copy.copy(resident)
    resident.status, resident.status_on, resident.status_reason, resident.moved_to = status, on, reason, moved_to
    resident.save(update_fields=["status", "status_on", "status_reason", "moved_to"])
    event_record(by=by, action=action, obj=resident, changes=record_changes(before, resident), note=reason,
                 data={"on": on.isoformat(), **(data or {})})
    return resident


@transaction.atomic
def resident_move_out(*, resident: Resident, by, on: dt.date, reason: str, destination: str = "") -> Resident:
    """The resident moves away (迁出). Their page then reads 已迁出 with the date, reason and destination; the
    residents list shows them only under 状态 = 已迁出, and the dashboard no longer counts them; open tenancies
    end that day. Refused: a date in the future or before birth, no reason, a resident already moved out or
    deceased."""
    row = _changeable(resident, by)
    if row.status != ResidentStatus.CURRENT:
        raise _not_current(row, _("迁出"))
    reason = _checked(row, on=on, reason=reason, date_label=_("迁出日期"), reason_label=_("迁出原因"))
    destination = (destination or "").strip()
    if len(destination) > REASON_LENGTH:
        raise ValidationError({"destination": _("迁往地不能超过%(n)s个字。") % {"n": REASON_LENGTH}})
    _end_tenancies(row, on=on, by=by, note=_("居民迁出"))
    return _set_status(row, by=by, action="moved_out", status=ResidentStatus.MOVED_OUT, on=on, reason=reason,
                       moved_to=destination, data={"destination": destination})


@transaction.atomic
def resident_record_death(*, resident: Resident, by, on: dt.date, reason: str) -> Resident:
    """The resident has died (死亡注销): their page reads 已死亡 with the date and the reason (e.g. the death
    certificate); lists show them only under 状态 = 已死亡; open tenancies end that day. Refused: a date in the
    future or before birth, no reason, a resident already moved out or deceased."""
    row = _changeable(resident, by)
    if row.status != ResidentStatus.CURRENT:
        raise _not_current(row, _("死亡注销"))
    reason = _checked(row, on=on, reason=reason, date_label=_("死亡日期"), reason_label=_("注销原因"))
    _end_tenancies(row, on=on, by=by, note=_("居民死亡注销"))
    return _set_status(row, by=by, action="deceased", status=ResidentStatus.DECEASED, on=on, reason=reason)


@transaction.atomic
def resident_move_in(*, resident: Resident, by, on: dt.date, reason: str) -> Resident:
    """A resident who had moved out of this community comes back (迁入): current again, from that date. (Someone
    registered in another community comes through a transfer request instead.) Refused: a resident who is
    current or deceased, a date before they moved out, in the future, or no reason."""
    row = _changeable(resident, by)
    if row.status == ResidentStatus.DECEASED:
        raise _not_current(row, _("迁入"))
    if row.status == ResidentStatus.CURRENT:
        raise ValidationError(_("该居民在册，无需办理迁入。"))
    reason = _checked(row, on=on, reason=reason, date_label=_("迁入日期"), reason_label=_("迁入原因"))
    if row.status_on and on < row.status_on:
        raise ValidationError({"on": _("迁入日期不能早于迁出日期（%(on)s）。") % {"on": row.status_on.isoformat()}})
    return _set_status(row, by=by, action="moved_in", status=ResidentStatus.CURRENT, on=on, reason=reason)


# ---------------------------------------------------------------------------------------------------------------
# Transfer requests between communities.

# What both sides may read in a request's timeline: never the asker's grid or household (the holder's staff may not
# see them), never the person (the asker may not).
SHARED_FIELDS = {"id_number", "to_community", "reason", "status", "decision_note"}


def _shared_changes(before, after) -> list[dict]:
    return [c for c in record_changes(before, after) if c["field"] in SHARED_FIELDS]


def _asking_place(*, by, to_community, to_grid, errors: dict):
    """The community (and grid) the person would move into, where `by` may register residents."""
    if to_grid is not None:
        if not Grid.objects.visible_to(by, Action.CHANGE, on=RESIDENT).filter(pk=to_grid.pk).exists():
            errors["to_grid"] = _("所选网格不在您的管辖范围内。")
        elif to_community is not None and to_grid.community_id != to_community.pk:
            errors["to_grid"] = _("所选网格不属于该社区。")
        return to_grid.community
    if to_community is None:
        errors["to_community"] = _("请选择迁入社区，或选择网格。")
    elif not Community.objects.visible_to(by, Action.CHANGE, on=RESIDENT).filter(pk=to_community.pk).exists():
        errors["to_grid"] = _("请选择您负责的网格。")
    return to_community


@transaction.atomic
def transfer_request(*, by, id_number: str, reason: str, to_community: Community | None = None,
                     to_grid: Grid | None = None, to_household: Household | None = None) -> TransferRequest:
    """Ask the community where an ID number is registered to let the person move in here (申请迁入).

    The asker learns nothing about the person: the request holds the number (shown masked), the reason, and the
    grid and household chosen here; the other community's staff see it in their to-do list and answer. Refused:
    a number that is not valid, registered nowhere, registered in the asking community already, or with a
    request still waiting; no reason; a place where `by` may not register residents.
    """
    if not can(by, Action.CHANGE, Resident):
        raise PermissionDenied(_("您没有登记居民的权限。"))
    errors: dict = {}
    number = ""
    try:
        number = validate_id_number(id_number or "")
    except ValidationError as error:
        errors["id_number"] = error.messages
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("请填写申请事由。")
    elif len(reason) > REASON_LENGTH:
        errors["reason"] = _("申请事由不能超过%(n)s个字。") % {"n": REASON_LENGTH}
    community = _asking_place(by=by, to_community=to_community, to_grid=to_grid, errors=errors)
    if to_household is not None:
        if not Household.objects.visible_to(by, Action.CHANGE).filter(pk=to_household.pk).exists():
            errors["to_household"] = _("所选户不在您的管辖范围内。")
        elif community is not None and to_household.community_id != community.pk:
            errors["to_household"] = _("所选户不属于迁入社区。")
    resident = None
    if number:
        resident = number_holder(Resident, "id_number", number)
        if resident is None:
            errors["id_number"] = _("该身份证号尚未在任何社区登记，请直接新增居民。")
        elif community is not None and resident.community_id == community.pk:
            errors["id_number"] = _("该身份证号已在本社区登记，无需申请迁入。")
        elif TransferRequest.objects.filter(resident=resident, status=TransferRequest.Status.PENDING).exists():
            errors["id_number"] = _("该身份证号已有待处理的迁入申请，请等待对方社区处理。")
    if errors:
        raise ValidationError(errors)
    request = TransferRequest(resident=resident, id_number_masked=mask("id_number", number),
                              from_community_id=resident.community_id, to_community=community, to_grid=to_grid,
                              to_household=to_household, reason=reason, requested_by=by)
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:  # another request for the same person was stored a moment earlier
        raise ValidationError({"id_number": _("该身份证号已有待处理的迁入申请，请等待对方社区处理。")}) from None
    event_record(by=by, action="transfer_requested", obj=request, changes=_shared_changes(None, request))
    return request


def _pending(request: TransferRequest) -> TransferRequest:
    row = TransferRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if row.status != TransferRequest.Status.PENDING:
        raise ValidationError(_("该申请%(status)s，不能再处理。") % {"status": row.get_status_display()})
    return row


def may_decide(request: TransferRequest, user) -> bool:
    """Whether `user` answers for the community where the person is registered: who may register residents
    in that whole community (its secretary, staff, migrant officer; the district)."""
    return Community.objects.visible_to(user, Action.CHANGE, on=RESIDENT).filter(pk=request.from_community_id) \
        .exists()


def may_cancel(request: TransferRequest, user) -> bool:
    """Whether `user` speaks for the asking side: who asked, or who may register residents where it asked."""
    if request.requested_by_id == user.pk:
        return True
    if request.to_grid_id:
        return Grid.objects.visible_to(user, Action.CHANGE, on=RESIDENT).filter(pk=request.to_grid_id).exists()
    return Community.objects.visible_to(user, Action.CHANGE, on=RESIDENT).filter(pk=request.to_community_id) \
        .exists()


def _decide(row: TransferRequest, *, by, status: str, note: str, action: str) -> TransferRequest:
    before = copy.copy(row)
    row.status, row.decided_by, row.decided_at, row.decision_note = status, by, timezone.now(), note
    row.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    event_record(by=by, action=action, obj=row, changes=_shared_changes(before, row), note=note)
    return row


@transaction.atomic
def transfer_accept(*, request: TransferRequest, by, note: str = "") -> TransferRequest:
    """The holding community lets the person go: the resident moves to the asking community (its chosen grid
    and household, or none), current from today; their household, dwelling, relation to the head and address in
    the old community are cleared, and open tenancies there end today. The resident's timeline shows 迁入 with
    every field before → after; the request's shows 同意迁入. From then on the asking community sees the person
    and the old one no longer does. Refused: a request already answered, a person no longer registered there or
    deceased; PermissionDenied to anyone but the holding community's staff."""
    row = _pending(request)
    if not may_decide(row, by):
        raise PermissionDenied(_("只有原登记社区的工作人员可以处理该申请。"))
    note = (note or "").strip()[:REASON_LENGTH]
    resident = Resident.objects.select_for_update(of=("self",)).get(pk=row.resident_id)
    if resident.community_id != row.from_community_id:
        raise ValidationError(_("该居民已不在本社区登记，不能同意此申请。"))
    if resident.status == ResidentStatus.DECEASED:
        raise ValidationError(_("该居民已死亡注销，不能迁往其他社区。"))
    today = timezone.localdate()
    _end_tenancies(resident, on=today, by=by, note=_("居民迁往其他社区"))
    household = row.to_household if row.to_household_id else None
    if household is not None and household.community_id != row.to_community_id:
        household = None
    before = copy.copy(resident)
    resident.community_id = row.to_community_id
    resident.grid_id = row.to_grid_id or (household.grid_id if household else None)
    resident.household = household
    resident.dwelling_id = household.dwelling_id if household else None
    resident.relation = ""
    resident.current_address = household.address if household else ""
    resident.status, resident.status_on, resident.status_reason, resident.moved_to = (
        ResidentStatus.CURRENT, today, row.reason, "")
    resident.save()
    event_record(by=by, action="moved_in", obj=resident, changes=record_changes(before, resident), note=row.reason,
                 data={"on": today.isoformat(), "transfer_request": row.pk})
    return _decide(row, by=by, status=TransferRequest.Status.ACCEPTED, note=note, action="transfer_accepted")


@transaction.atomic
def transfer_refuse(*, request: TransferRequest, by, note: str) -> TransferRequest:
    """The holding community refuses, with a reason the asker reads; the person stays where they are."""
    row = _pending(request)
    if not may_decide(row, by):
        raise PermissionDenied(_("只有原登记社区的工作人员可以处理该申请。"))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写拒绝理由。")})
    if len(note) > REASON_LENGTH:
        raise ValidationError({"note": _("拒绝理由不能超过%(n)s个字。") % {"n": REASON_LENGTH}})
    return _decide(row, by=by, status=TransferRequest.Status.REFUSED, note=note, action="transfer_refused")


@transaction.atomic
def transfer_cancel(*, request: TransferRequest, by, note: str = "") -> TransferRequest:
    """The asking side withdraws a request still waiting for an answer."""
    row = _pending(request)
    if not may_cancel(row, by):
        raise PermissionDenied(_("只有申请社区的工作人员可以撤回该申请。"))
    note = (note or "").strip()[:REASON_LENGTH]
    return _decide(row, by=by, status=TransferRequest.Status.CANCELLED, note=note, action="transfer_cancelled")
