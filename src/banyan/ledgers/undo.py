"""Undoing a committed import as a whole: the rows it created are removed and the rows it updated get back what
they held, as long as none of them has been changed since (a later edit, import or workflow step would be lost).

What to undo is read from the import's records: its `imported` event names every row it wrote (EventSubject), and
`ImportedRow` holds what each updated row held before. The undo is itself one event, tied to every row it touched,
so each row's timeline shows both.
"""

from collections.abc import Iterator

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from banyan.accounts.roles import Role
from banyan.core.scoping import user_assignments
from banyan.events.models import STEPS, Event, EventSubject
from banyan.events.services import event_record, event_subjects_add
from banyan.ledgers.kinds import KINDS
from banyan.ledgers.models import ImportedRow, ImportJob

UNDO = "import_undo"
STEPS[UNDO] = gettext_noop("撤销导入")
READS = (Event.Action.REVEALED, Event.Action.EXPORTED)  # events that change nothing
CHUNK = 5000


def may_undo(job: ImportJob, user) -> bool:
    """The uploader, a secretary of the community the import wrote into, or a superuser."""
    if user.is_superuser or (user.pk and user.pk == job.user_id):
        return True
    return job.community_id is not None and any(
        a.role == Role.COMMUNITY_SECRETARY and a.community_id == job.community_id for a in user_assignments(user))


def undo_refusal(job: ImportJob, user) -> str | None:
    """Why this user cannot undo this import now, in the user's words; None when they can."""
    if not may_undo(job, user):
        return _("只有导入人或该社区的书记可以撤销导入。")
    if job.status != ImportJob.Status.DONE:
        return _("只有已完成的导入可以撤销。")
    if job.event_id is None:
        return _("该导入没有留下可撤销的记录。")
    changed = rows_changed_since(job)
    if changed:
        return _("导入后已有%(n)d条记录被修改，不能整体撤销：请在记录页面逐条修改。") % {"n": changed}
    return None


def _written(job: ImportJob) -> tuple[list[tuple[int, int]], list[int]]:
    """The rows the import wrote: the runs of ids it created, and the ids it updated."""
    runs, updated = [], []
    for first, last in EventSubject.objects.filter(event_id=job.event_id).values_list("object_id", "last_id"):
        if last is None:
            updated.append(first)
        else:
            runs.append((first, last))
    return runs, updated


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def rows_changed_since(job: ImportJob) -> int:
    """How many of the import's rows an event after it changed (an edit, a workflow step, a later import's
    update). A later import's runs are rows it created, never these, so only single subjects are looked at."""
    label = KINDS[job.kind].model._meta.label_lower
    runs, updated = _written(job)
    later = Event.objects.filter(model=label, pk__gt=job.event_id).exclude(action__in=READS)
    later_bulk = (EventSubject.objects.filter(model=label, last_id__isnull=True, event_id__gt=job.event_id)
                  .exclude(event__action__in=READS))
    changed: set[int] = set()
    for events in (later, later_bulk):
        for chunk in _chunks(updated):
            changed.update(events.filter(object_id__in=chunk).values_list("object_id", flat=True))
        for first, last in runs:
            changed.update(events.filter(object_id__range=(first, last)).values_list("object_id", flat=True))
    return len(changed)


def import_undo(*, job: ImportJob, by) -> ImportJob:
    """Undo a committed import: created rows removed, updated rows restored, one event tied to each row."""
    model = KINDS[job.kind].model
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)  # two clicks undo once
        why = undo_refusal(job, by)
        if why:
            raise PermissionDenied(why) if not may_undo(job, by) else ValidationError(why)
        runs, updated = _written(job)
        before = dict(ImportedRow.objects.filter(job=job).values_list("object_id", "before"))
        for pk, values in before.items():
            model.objects.filter(pk=pk).update(**_stored_values(model, values))
        try:
            with transaction.atomic():
                removed = sum(model.objects.filter(pk__range=run).delete()[1].get(model._meta.label, 0)
                              for run in runs)
        except (ProtectedError, IntegrityError):
            raise ValidationError(_("导入新增的记录已被其他记录引用（如入住登记、党员信息），不能整体撤销。")) from None
        event = event_record(by=by, action=UNDO, model=model, note=job.file_name,
                             data={"job": job.pk, "removed": removed, "restored": len(before)})
        EventSubject.objects.bulk_create([EventSubject(event=event, model=event.model, object_id=first, last_id=last)
                                          for first, last in runs])
        event_subjects_add(event=event, ids=updated)
        job.status, job.undone_at = ImportJob.Status.UNDONE, timezone.now()
        job.message = _("已撤销：删除导入新增的%(created)d条，恢复导入更新的%(updated)d条。") % {
            "created": removed, "updated": len(before)}
        job.save(update_fields=["status", "undone_at", "message", "updated_at"])
        from banyan.ledgers.services import import_job_step

        import_job_step(job=job, by=by, note=job.message)
    return job


def _stored_values(model, values: dict) -> dict:
    """The stored form of each field of a before-image (kept as text)."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    out = {}
    for name, text in values.items():
        field = fields.get(name)
        if field is None:
            continue
        if text is None:
            out[name] = None if field.null else field.get_default()
        elif field.get_internal_type() == "BooleanField":
            out[name] = text.lower() in ("true", "1", "t")
        else:
            out[name] = field.to_python(text)
    return out
