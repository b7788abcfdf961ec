"""Import jobs: recorded, run in the background (or the terminal), and confirmed by the user after a dry run."""

import time
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.accounts.roles import Action
from banyan.core.scoping import can
from banyan.ledgers.importing import ImportResult, ledger_import
from banyan.ledgers.kinds import KINDS
from banyan.ledgers.models import ImportJob
from banyan.ledgers.reading import FileRefused

PROGRESS_EVERY = 0.5  # seconds between progress writes


def import_job_create(*, by, kind: str, upload, community=None, strict: bool = False) -> ImportJob:
    """A new import from an uploaded file. The user sees it queued; a worker validates it (dry run) next."""
    spec = KINDS.get(kind)
    if spec is None or not can(by, Action.CHANGE, spec.model):
        raise PermissionDenied(_("您没有导入该类台账的权限。"))
    job = ImportJob(user=by, kind=kind, file_name=Path(upload.name).name[:200], community=community, strict=strict)
    job.file.save(Path(upload.name).name, upload, save=False)
    job.save()
    from banyan.ledgers.tasks import import_job_task

    transaction.on_commit(lambda: import_job_task.enqueue(job.pk))
    return job


def import_job_confirm(*, job: ImportJob, by) -> ImportJob:
    """After the preview: the user asks for the valid rows to be written; a worker writes them."""
    if job.user_id != by.pk:
        raise PermissionDenied(_("只能确认自己提交的导入。"))
    if job.status != ImportJob.Status.VALIDATED or not (job.created_rows or job.updated_rows):
        raise PermissionDenied(_("该导入当前不能确认写入。"))
    job.dry_run = False
    job.status = ImportJob.Status.QUEUED
    job.save(update_fields=["dry_run", "status", "updated_at"])
    from banyan.ledgers.tasks import import_job_task

    transaction.on_commit(lambda: import_job_task.enqueue(job.pk))
    return job


def _reporter(job: ImportJob, echo=None):
    last = [0.0]

    def report(phase: str, done: int, total: int) -> None:
        if echo:
            echo(phase, done, total)
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY and done:
            return
        last[0] = now
        job.status = ImportJob.Status.WRITING if phase == "writing" else ImportJob.Status.VALIDATING
        job.processed_rows, job.total_rows = done, total
        job.save(update_fields=["status", "processed_rows", "total_rows", "updated_at"])

    return report


def import_job_run(*, job: ImportJob, path: Path | None = None, by=None, echo=None) -> ImportResult | None:
    """Run one job: validate (dry run) or write. What the user sees afterwards is on the job: counts, the
    refused-rows file, and a message; a refused file or a failure writes nothing."""
    by = by or job.user
    path = path or Path(job.file.path)
    job.status, job.processed_rows = ImportJob.Status.VALIDATING, 0
    job.save(update_fields=["status", "processed_rows", "updated_at"])
    try:
        result = ledger_import(kind=job.kind, path=path, file_name=job.file_name, by=by, community=job.community,
                               dry_run=job.dry_run, strict=job.strict, progress=_reporter(job, echo))
    except FileRefused as refused:
        _finish(job, ImportJob.Status.REFUSED, str(refused))
        return None
    except Exception as error:  # the worker must record any failure on the job; nothing was written
        _finish(job, ImportJob.Status.FAILED, _("导入失败，未写入任何数据：%(error)s") % {"error": error})
        raise
    job.total_rows = job.processed_rows = result.rows
    job.created_rows, job.updated_rows = result.created, result.updated
    job.unchanged_rows, job.refused_rows = result.unchanged, result.refused
    if result.refused_path:
        with result.refused_path.open("rb") as f:
            job.refused_file.save(f"{Path(job.file_name).stem}-错误行.xlsx", File(f), save=False)
        result.refused_path.unlink()
    notes = [result.message]
    if result.unknown_headers:
        notes.append(_("未识别的列（已忽略）：%(cols)s") % {"cols": "、".join(result.unknown_headers)})
    status = ImportJob.Status.DONE if result.written else ImportJob.Status.VALIDATED
    _finish(job, status, " ".join(notes))
    return result


def _finish(job: ImportJob, status: str, message: str) -> None:
    job.status, job.message, job.finished_at = status, message, timezone.now()
    job.save()
