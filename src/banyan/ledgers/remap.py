"""Matching the columns an import did not know: the user picks a field for each unknown header in the preview,
the file is checked again with that mapping, and the mapping is remembered for the user's next file of the same
layout (HeaderMapping)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from banyan.ledgers.kinds import KINDS
from banyan.ledgers.models import HeaderMapping, ImportJob


def mapping_choices(job: ImportJob) -> list[tuple[str, str]]:
    """The fields a header may be matched to: the kind's columns by their template header, or none."""
    kind = KINDS[job.kind]
    return [("", _("忽略该列")), *[(c.field, c.header) for c in kind.columns]]


def may_remap(job: ImportJob, user) -> bool:
    return (job.user_id == user.pk and job.status in (ImportJob.Status.VALIDATED, ImportJob.Status.REFUSED)
            and bool(job.changes.get("unknown")) and bool(job.file) and job.file_purged_at is None)


def import_job_remap(*, job: ImportJob, by, mapping: dict[str, str]) -> ImportJob:
    """Check the file again with the user's mapping of unknown headers ({header: field or ""}); remembered."""
    if not may_remap(job, by):
        raise PermissionDenied(_("该导入当前不能重新匹配列。"))
    fields = {field for field, _label in mapping_choices(job)}
    unknown = set(job.changes.get("unknown", []))
    mapping = {h: f for h, f in mapping.items() if h in unknown}
    if any(f not in fields for f in mapping.values()):
        raise ValidationError(_("所选的列不在可选范围内。"))
    chosen = [f for f in mapping.values() if f]
    if len(chosen) != len(set(chosen)):
        raise ValidationError(_("同一列被选了两次：每个字段只能对应一列。"))
    with transaction.atomic():
        HeaderMapping.objects.update_or_create(user=by, kind=job.kind, layout=job.changes.get("layout", ""),
                                               defaults={"mapping": mapping})
        job.options = {**job.options, "mapping": mapping}
        job.status, job.dry_run = ImportJob.Status.QUEUED, True
        job.processed_rows = job.created_rows = job.updated_rows = job.unchanged_rows = job.refused_rows = 0
        job.message, job.changes, job.warnings = "", {}, []
        job.refused_file.delete(save=False)
        job.save()
        from banyan.ledgers.services import import_job_step
        from banyan.ledgers.tasks import import_job_task

        import_job_step(job=job, by=by, note=_("按所选的列重新校验"))
        transaction.on_commit(lambda: import_job_task.enqueue(job.pk))
    return job
