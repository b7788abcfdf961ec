"""The steps of a case, each one an event on its timeline (who, when, from, to, note, attachments).

received → dispatched → in progress → replied → followed up → closed, plus returned (a unit sends it back),
reopened (the resident is not satisfied, or staff reopen it) and merged (a duplicate). Escalation moves a case up
the chain grid → community → town, on a breached deadline (the worker) or at once for a difficult case.
Who may take a step: whoever may change cases where the case is (`visible_to(by, CHANGE)`); the public intake and
the resident's rating run without an account (`by=None`).
"""

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from banyan.accounts.roles import Action, Level
from banyan.cases.deadlines import deadline, limit_for
from banyan.cases.models import DONE_STATES, OPEN_STATES, Case, CaseAttachment, CaseState, TimeLimit, Unit
from banyan.events.models import STEPS, Event
from banyan.events.services import event_record, record_changes

STEPS.update({
    "received": gettext_noop("受理"), "dispatched": gettext_noop("派单"), "accepted": gettext_noop("签收办理"),
    "returned": gettext_noop("退回"), "replied": gettext_noop("答复"), "followed_up": gettext_noop("回访"),
    "rated": gettext_noop("居民评价"), "closed": gettext_noop("办结"), "reopened": gettext_noop("重新办理"),
    "escalated": gettext_noop("上报"), "flagged_difficult": gettext_noop("列为重难点"),
    "reminded": gettext_noop("临期提醒"), "extended": gettext_noop("延长办理期限"), "merged": gettext_noop("合并"),
    "categorised": gettext_noop("确认分类"), "petition_forwarded": gettext_noop("信访上报"),
    "instructed": gettext_noop("上级批示"), "linked_project": gettext_noop("转为项目"),
    "noted": gettext_noop("补充说明"),
})

MAX_TEXT = 5000
CHAIN = (Level.GRID, Level.COMMUNITY, Level.TOWN)
UNIT_AT = {Level.GRID: Unit.Kind.GRID, Level.COMMUNITY: Unit.Kind.COMMUNITY_OFFICE,
           Level.TOWN: Unit.Kind.TOWN_DEPARTMENT}


# ---------------------------------------------------------------------------------------------------------------
# Helpers shared by the steps.


def _locked(case: Case, by, *, unit_side: bool = False) -> Case:
    """The case, locked for this transaction, if `by` may act on it (None: the system or the resident). The
    unit's own steps (`unit_side`) are open to its members too; every other step needs a role where the case is."""
    rows = Case.objects.select_for_update()
    if by is not None:
        rows = Case.objects.visible_to(by, Action.CHANGE, roles_only=not unit_side).select_for_update(of=("self",))
    found = rows.filter(pk=case.pk).first()
    if found is None:
        raise PermissionDenied(_("该诉求不在您的管辖范围内。"))
    return found


def _expect(case: Case, *states, doing: str) -> None:
    if case.state not in states:
        raise ValidationError(_("诉求当前为“%(state)s”，不能%(doing)s。")
                              % {"state": case.get_state_display(), "doing": doing})


def _text(value: str, label: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationError(_("%(label)s含有无法识别的字符。") % {"label": label})
    if required and not value:
        raise ValidationError(_("请填写%(label)s。") % {"label": label})
    if len(value) > limit:
        raise ValidationError(_("%(label)s不能超过%(n)d个字（现有%(m)d个）。")
                              % {"label": label, "n": limit, "m": len(value)})
    return value


def _step(case: Case, by, action: str, *, before: Case | None = None, note: str = "", data: dict | None = None,
          fields: tuple[str, ...] = ()) -> Event:
    """Save the case's changed fields and write the step's event: from → to state, the note, what changed."""
    if fields:
        case.save(update_fields=[*fields])
        if "state" in fields:  # the similar-case index offers open cases only
            _index(case)
    changes = record_changes(before, case) if before is not None else []
    payload = {"from": before.state if before is not None else "", "to": case.state, **(data or {})}
    return event_record(by=by, action=action, obj=case, changes=changes, note=note, data=payload)


def _copy(case: Case) -> Case:
    before = Case()
    before.__dict__.update({k: v for k, v in case.__dict__.items() if k != "_state"})
    return before


def _attach(case: Case, event: Event, photos, *, by_resident: bool = False) -> None:
    """Store photos already checked and cleaned by `cases.photos` (name, content type, bytes)."""
    from django.core.files.base import ContentFile

    # The event is append-only: a step's photos point at it by its id.
    for name, content_type, content in photos or ():
        row = CaseAttachment(case=case, event_id=event.pk, content_type=content_type, size=len(content),
                             by_resident=by_resident)
        row.file.save(name, ContentFile(content), save=True)


def _set_due(case: Case, start) -> None:
    case.time_limit = limit_for(case)
    extra = case.time_limit.extension_days if case.extended and case.time_limit else 0
    case.due_at = deadline(start, case.time_limit, extra_days=extra)
    case.reminded_at = None


def _suggest(case: Case) -> None:
    from banyan.cases.routing import category_suggested

    case.suggested_category = category_suggested(case.description, case.title)


def _index(case: Case) -> None:
    from banyan.cases.similar import similar_index_add

    similar_index_add(case)


# ---------------------------------------------------------------------------------------------------------------
# Intake.


@transaction.atomic
def case_receive(*, by=None, community, description: str, channel: str, title: str = "", category=None,
                 kind: str = Case.Kind.REQUEST, priority: str = Case.Priority.NORMAL, address: str = "",
                 latitude=None, longitude=None, contact_name: str = "", contact_phone: str = "", grid=None,
                 building=None, deliberation=None, resident=None, photos=()) -> Case:
    """Write down a concern: from a resident (by=None) or recorded by staff or a party member on someone's behalf.
    The deadline runs from now by the rule that applies; the router suggests a category staff will confirm."""
    if building is not None:
        community, grid = building.community, grid or building.grid
    case = Case(community=community, grid=grid, building=building, channel=channel, kind=kind, priority=priority,
                title=_text(title, _("标题"), required=False, limit=100),
                description=_text(description, _("反映内容")), category=category,
                address=_text(address, _("地点"), required=False, limit=200),
                latitude=latitude, longitude=longitude,
                contact_name=_text(contact_name, _("反映人"), required=False, limit=30),
                deliberation=deliberation, resident=resident, recorded_by=by if by is not None else None)
    if contact_phone:
        case.contact_phone = contact_phone
    _set_due(case, case.received_at)
    _suggest(case)
    case.full_clean(exclude=["contact_phone_enc", "contact_phone_hash", "contact_phone_masked"])
    case.save()
    if by is not None and not Case.objects.visible_to(by, Action.CHANGE, roles_only=True).filter(pk=case.pk).exists():
        raise PermissionDenied(_("所选地点不在您的管辖范围内，未登记。"))
    event = _step(case, by, "received", before=None, data={"channel": channel})
    _attach(case, event, photos, by_resident=by is None)
    _index(case)
    return case


# ---------------------------------------------------------------------------------------------------------------
# Handling.


def units_for(case: Case):
    """The units a case may be sent to: its community's and the departments of its town, and its grid's (any grid
    of the community while the case has none: a resident's form does not ask for one)."""
    from django.db.models import Q

    rows = (Unit.objects.filter(active=True, town_id=case.community.town_id)
            .filter(Q(community__isnull=True) | Q(community_id=case.community_id)))
    return rows.filter(Q(grid__isnull=True) | Q(grid_id=case.grid_id)) if case.grid_id else rows


@transaction.atomic
def case_dispatch(*, case: Case, unit: Unit, by, note: str = "") -> Case:
    case = _locked(case, by)
    _expect(case, CaseState.RECEIVED, CaseState.RETURNED, CaseState.REOPENED, CaseState.DISPATCHED,
            CaseState.IN_PROGRESS, doing=_("派单"))
    if not units_for(case).filter(pk=unit.pk).exists():
        raise ValidationError(_("“%(unit)s”不是该诉求所在网格、社区或镇街的承办单位。") % {"unit": unit})
    before = _copy(case)
    case.unit, case.state, case.level = unit, CaseState.DISPATCHED, unit.level
    case.grid_id = case.grid_id or unit.grid_id  # sent to a grid, the case is that grid's from now on
    case.dispatched_at = case.dispatched_at or timezone.now()
    _step(case, by, "dispatched", before=before, note=_text(note, _("说明"), required=False, limit=500),
          data={"unit": unit.name}, fields=("unit", "state", "level", "grid", "dispatched_at"))
    return case


@transaction.atomic
def case_accept(*, case: Case, by, note: str = "") -> Case:
    """The unit signs for the case and starts on it (its first response)."""
    case = _locked(case, by, unit_side=True)
    _expect(case, CaseState.DISPATCHED, doing=_("签收"))
    before = _copy(case)
    case.state = CaseState.IN_PROGRESS
    case.responded_at = case.responded_at or timezone.now()
    _step(case, by, "accepted", before=before, note=_text(note, _("说明"), required=False, limit=500),
          fields=("state", "responded_at"))
    return case


@transaction.atomic
def case_return(*, case: Case, by, reason: str) -> Case:
    """The unit sends the case back (not theirs to handle), with the reason; it waits to be dispatched again."""
    case = _locked(case, by, unit_side=True)
    _expect(case, CaseState.DISPATCHED, CaseState.IN_PROGRESS, doing=_("退回"))
    reason = _text(reason, _("退回理由"), limit=500)
    before = _copy(case)
    unit = case.unit
    case.unit, case.state = None, CaseState.RETURNED
    _step(case, by, "returned", before=before, note=reason, data={"unit": str(unit or "")},
          fields=("unit", "state"))
    return case


@transaction.atomic
def case_reply(*, case: Case, by, reply: str, photos=()) -> Case:
    """The answer to the resident, shown on their status page (without anyone's personal data)."""
    case = _locked(case, by, unit_side=True)
    _expect(case, CaseState.RECEIVED, CaseState.DISPATCHED, CaseState.IN_PROGRESS, CaseState.REOPENED,
            doing=_("答复"))
    before = _copy(case)
    now = timezone.now()
    case.reply, case.state, case.replied_at = _text(reply, _("答复内容")), CaseState.REPLIED, now
    case.responded_at = case.responded_at or now
    event = _step(case, by, "replied", before=before, note=case.reply[:500],
                  fields=("reply", "state", "replied_at", "responded_at"))
    _attach(case, event, photos)
    return case


def _rated(case: Case, by, satisfaction: str, note: str, action: str) -> Case:
    if satisfaction not in Case.Satisfaction.values:
        raise ValidationError(_("请选择满意、基本满意或不满意。"))
    before = _copy(case)
    case.satisfaction, case.state = satisfaction, CaseState.FOLLOWED_UP
    _step(case, by, action, before=before, note=_text(note, _("回访记录"), required=False, limit=500),
          fields=("satisfaction", "state"))
    if satisfaction == Case.Satisfaction.DISSATISFIED:
        return _reopen(case, by, _("居民不满意，重新办理。"))
    return case


@transaction.atomic
def case_follow_up(*, case: Case, by, satisfaction: str, note: str = "") -> Case:
    """The follow-up call after the reply: the resident's satisfaction; dissatisfied reopens the case."""
    case = _locked(case, by)
    _expect(case, CaseState.REPLIED, doing=_("回访"))
    return _rated(case, by, satisfaction, note, "followed_up")


@transaction.atomic
def case_rate(*, case: Case, satisfaction: str, note: str = "") -> Case:
    """The resident rates the reply on their status page (no account): as a follow-up they gave themselves."""
    case = _locked(case, None)
    _expect(case, CaseState.REPLIED, doing=_("评价"))
    return _rated(case, None, satisfaction, note, "rated")


@transaction.atomic
def case_close(*, case: Case, by, note: str = "") -> Case:
    """Closed after the follow-up; straight after the reply only with a note (e.g. the resident cannot be
    reached, or left no contact)."""
    case = _locked(case, by)
    _expect(case, CaseState.FOLLOWED_UP, CaseState.REPLIED, doing=_("办结"))
    note = _text(note, _("办结说明"), required=case.state == CaseState.REPLIED, limit=500)
    before = _copy(case)
    case.state, case.closed_at = CaseState.CLOSED, timezone.now()
    _step(case, by, "closed", before=before, note=note, fields=("state", "closed_at"))
    return case


def _reopen(case: Case, by, reason: str) -> Case:
    before = _copy(case)
    now = timezone.now()
    case.state, case.closed_at = CaseState.REOPENED, None
    _set_due(case, now)
    _step(case, by, "reopened", before=before, note=reason,
          fields=("state", "closed_at", "due_at", "time_limit", "reminded_at"))
    return case


@transaction.atomic
def case_reopen(*, case: Case, by, reason: str) -> Case:
    case = _locked(case, by)
    _expect(case, CaseState.REPLIED, CaseState.FOLLOWED_UP, CaseState.CLOSED, doing=_("重新办理"))
    return _reopen(case, by, _text(reason, _("理由"), limit=500))


# ---------------------------------------------------------------------------------------------------------------
# Escalation, petitions, deadlines.


def _next_level(level: str) -> str | None:
    at = CHAIN.index(level) if level in CHAIN else 0
    return CHAIN[at + 1] if at + 1 < len(CHAIN) else None


def _unit_at(case: Case, level: str) -> Unit | None:
    rows = units_for(case).filter(kind=UNIT_AT[level])
    if level == Level.TOWN:
        rows = rows.filter(community__isnull=True)
    return rows.order_by("pk").first()


def _escalate(case: Case, by, reason: str, action: str = "escalated") -> Case:
    """Up one level of the chain, to that level's unit (the community office, the town's department)."""
    level = _next_level(case.level)
    if level is None:
        raise ValidationError(_("诉求已在镇街层级办理，无法再上报。"))
    before = _copy(case)
    case.level, case.escalations = level, case.escalations + 1
    unit = _unit_at(case, level)
    if unit is not None:
        case.unit = unit
        if case.state in (CaseState.RECEIVED, CaseState.RETURNED, CaseState.REOPENED, CaseState.IN_PROGRESS):
            case.state = CaseState.DISPATCHED
        case.dispatched_at = case.dispatched_at or timezone.now()
    _set_due(case, timezone.now())
    _step(case, by, action, before=before, note=reason,
          data={"level": level, "unit": str(unit or "")},
          fields=("level", "escalations", "unit", "state", "dispatched_at", "due_at", "time_limit", "reminded_at"))
    return case


@transaction.atomic
def case_escalate(*, case: Case, by, reason: str) -> Case:
    case = _locked(case, by)
    _expect(case, *OPEN_STATES, doing=_("上报"))
    return _escalate(case, by, _text(reason, _("上报理由"), limit=500))


@transaction.atomic
def case_flag_difficult(*, case: Case, by, reason: str) -> Case:
    """A difficult case (重难点) goes up the chain to the town at once, where the officers stationed in the
    community (驻点) take it on; each level passed is a step on its timeline."""
    case = _locked(case, by)
    _expect(case, *OPEN_STATES, doing=_("列为重难点"))
    reason = _text(reason, _("理由"), limit=500)
    before = _copy(case)
    case.difficult = True
    _step(case, by, "flagged_difficult", before=before, note=reason, fields=("difficult",))
    while _next_level(case.level) is not None:
        case = _escalate(case, by, reason)
    return case


@transaction.atomic
def case_petition_forward(*, case: Case, by, note: str) -> Case:
    """A petition goes up to the town with the community's account; the town's instruction comes back down."""
    case = _locked(case, by)
    if case.kind != Case.Kind.PETITION:
        raise ValidationError(_("只有信访件可以信访上报。"))
    _expect(case, *OPEN_STATES, doing=_("信访上报"))
    note = _text(note, _("上报说明"), limit=500)
    if _next_level(case.level) is not None:
        return _escalate(case, by, note, action="petition_forwarded")
    _step(case, by, "petition_forwarded", before=_copy(case), note=note)
    return case


@transaction.atomic
def case_instruct(*, case: Case, by, instruction: str) -> Case:
    """An instruction from above (批示), on the same timeline; only who works above the case's community."""
    case = _locked(case, by)
    if not by.is_superuser and not any(_above(a, case) for a in _assignments(by)):
        raise PermissionDenied(_("只有该诉求所在镇街或区的工作人员可以批示。"))
    _step(case, by, "instructed", before=_copy(case), note=_text(instruction, _("批示内容"), limit=500))
    return case


def _above(assignment, case: Case) -> bool:
    """Whether a role held at a town or the district, that may change cases, covers the case's place."""
    from banyan.accounts.roles import allows

    if not allows(assignment.role, Action.CHANGE, "cases.case"):
        return False
    town = case.community.town
    if assignment.level == Level.TOWN:
        return assignment.town_id == town.pk
    return assignment.level == Level.DISTRICT and assignment.district_id == town.district_id


def _assignments(user):
    from banyan.core.scoping import user_assignments

    return user_assignments(user)


@transaction.atomic
def case_extend(*, case: Case, by, reason: str) -> Case:
    """Extend the time limit once, where its rule allows (a petition: 30 days), with the reason told."""
    case = _locked(case, by)
    _expect(case, *OPEN_STATES, doing=_("延期"))
    if case.time_limit is None or not case.time_limit.extension_days:
        raise ValidationError(_("该类诉求的办理期限不能延长。"))
    if case.extended:
        raise ValidationError(_("办理期限只能延长一次。"))
    reason = _text(reason, _("延期理由"), limit=500)
    before = _copy(case)
    case.extended = True
    case.due_at = deadline(case.due_at, TimeLimit(days=case.time_limit.extension_days,
                                                  working_days=case.time_limit.working_days))
    _step(case, by, "extended", before=before, note=reason, fields=("extended", "due_at"))
    return case


@transaction.atomic
def case_remind(*, case: Case) -> Case:
    """The worker's reminder before the deadline, once per deadline."""
    case = _locked(case, None)
    before = _copy(case)
    case.reminded_at = timezone.now()
    _step(case, None, "reminded", before=before, note=_("办理期限将至：%(due)s") % {
        "due": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")}, fields=("reminded_at",))
    return case


@transaction.atomic
def case_breach(*, case: Case) -> Case | None:
    """A passed deadline: up the chain, by the worker; at the top of the chain it is left for the town's list."""
    case = _locked(case, None)
    if case.state not in OPEN_STATES or case.due_at is None or case.due_at > timezone.now():
        return None
    if _next_level(case.level) is None:
        return None
    return _escalate(case, None, _("超过办理期限，自动上报。"))


# ---------------------------------------------------------------------------------------------------------------
# Duplicates, categories, projects.


@transaction.atomic
def case_merge(*, case: Case, into: Case, by, note: str = "") -> Case:
    """A duplicate joins the case it repeats: it is handled there, and its resident still sees the replies."""
    if case.pk == into.pk:
        raise ValidationError(_("不能把诉求合并到它自己。"))
    target = _locked(into, by)
    case = _locked(case, by)
    _expect(case, *OPEN_STATES, doing=_("合并"))
    if target.state in DONE_STATES:
        raise ValidationError(_("目标诉求已办结或已合并，不能再并入。"))
    before = _copy(case)
    case.state, case.merged_into, case.closed_at = CaseState.MERGED, target, timezone.now()
    _step(case, by, "merged", before=before, note=_text(note, _("说明"), required=False, limit=500),
          data={"into": target.pk}, fields=("state", "merged_into", "closed_at"))
    _step(target, by, "noted", before=_copy(target), note=_("并入重复诉求 %(code)s") % {"code": case.tracking_code})
    return case


@transaction.atomic
def case_categorise(*, case: Case, category, by) -> Case:
    """Staff confirm or change the suggested category; what they choose is the router's next training data.
    Before dispatch the deadline follows the category's rule."""
    case = _locked(case, by)
    if case.state in DONE_STATES:
        raise ValidationError(_("已办结的诉求不能更改分类。"))
    before = _copy(case)
    case.category = category
    fields = ["category"]
    if case.state == CaseState.RECEIVED:
        _set_due(case, case.received_at)
        fields += ["time_limit", "due_at", "reminded_at"]
    _step(case, by, "categorised", before=before, fields=tuple(fields))
    return case


@transaction.atomic
def case_link_project(*, case: Case, project, by) -> Case:
    """The case became a project: its resident sees "your concern became project X"."""
    case = _locked(case, by)
    if project.community_id != case.community_id:
        raise ValidationError(_("项目须属于诉求所在社区。"))
    before = _copy(case)
    case.project = project
    _step(case, by, "linked_project", before=before, data={"project": project.pk}, fields=("project",))
    return case


@transaction.atomic
def case_note(*, case: Case, by, note: str, photos=()) -> Case:
    case = _locked(case, by, unit_side=True)
    event = _step(case, by, "noted", before=_copy(case), note=_text(note, _("说明"), limit=500))
    _attach(case, event, photos)
    return case


def body_hash(payload: dict) -> str:
    """The fingerprint of a public submission's body, for its idempotency key."""
    import json

    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------------------------
# Deliberations and projects: what the generic record_save cannot write (the agenda, a project's milestones and
# photos), each an event on the deliberation's or the project's timeline.

STEPS.update({
    "agenda_added": gettext_noop("列入议程"), "agenda_removed": gettext_noop("移出议程"),
    "milestone_added": gettext_noop("新增项目节点"), "milestone_done": gettext_noop("项目节点完成"),
    "photo_added": gettext_noop("上传项目照片"),
})


def _changeable(model, obj, by):
    found = model.objects.visible_to(by, Action.CHANGE).select_for_update(of=("self",)).filter(pk=obj.pk).first()
    if found is None:
        raise PermissionDenied(_("该记录不在您的管辖范围内。"))
    return found


@transaction.atomic
def deliberation_agenda_change(*, deliberation, case: Case, by, add: bool) -> None:
    """Put an open case of the community on the agenda, or take it off: an event on the deliberation, and a note
    on the case's timeline."""
    from banyan.cases.models import Deliberation

    deliberation = _changeable(Deliberation, deliberation, by)
    if case.community_id != deliberation.community_id:
        raise ValidationError(_("只能把本社区的诉求列入议程。"))
    listed = deliberation.agenda.filter(pk=case.pk).exists()
    if add:
        if case.state not in OPEN_STATES:
            raise ValidationError(_("只有未办结的诉求可以列入议程。"))
        if listed:
            raise ValidationError(_("该诉求已在议程中。"))
        deliberation.agenda.add(case)
        note = _("列入榕树头议事“%(title)s”的议程") % {"title": deliberation}
    else:
        if not listed:
            raise ValidationError(_("该诉求不在议程中。"))
        deliberation.agenda.remove(case)
        note = _("移出榕树头议事“%(title)s”的议程") % {"title": deliberation}
    event_record(by=by, action="agenda_added" if add else "agenda_removed", obj=deliberation,
                 note=f"{case.tracking_code} {case}", data={"case": case.pk})
    case_note(case=case, by=by, note=note)


@transaction.atomic
def project_milestone_add(*, project, by, name: str, due_on=None):
    from banyan.cases.models import Milestone, Project

    project = _changeable(Project, project, by)
    milestone = Milestone(project=project, name=_text(name, _("节点"), limit=100), due_on=due_on)
    milestone.full_clean()
    milestone.save()
    event_record(by=by, action="milestone_added", obj=project, note=milestone.name, data={"milestone": milestone.pk})
    return milestone


@transaction.atomic
def project_milestone_done(*, milestone, by, on=None):
    """Mark a milestone done (today unless `on`); done already: nothing changes."""
    from banyan.cases.models import Project

    project = _changeable(Project, milestone.project, by)
    if milestone.done_on is None:
        milestone.done_on = on or timezone.localdate()
        milestone.save(update_fields=["done_on"])
        event_record(by=by, action="milestone_done", obj=project, note=milestone.name,
                     data={"milestone": milestone.pk})
    return milestone


@transaction.atomic
def project_photos_add(*, project, by, photos, caption: str = "") -> int:
    """Photos already checked and cleaned by `cases.photos`; one event for the upload."""
    from django.core.files.base import ContentFile

    from banyan.cases.models import Project, ProjectPhoto

    project = _changeable(Project, project, by)
    caption = _text(caption, _("说明"), required=False, limit=100)
    for name, _content_type, content in photos:
        ProjectPhoto(project=project, caption=caption).file.save(name, ContentFile(content), save=True)
    event_record(by=by, action="photo_added", obj=project, note=caption, data={"photos": len(photos)})
    return len(photos)
