"""Import jobs: recorded, run in the background (or the terminal), and confirmed by the user after a dry run.
Export jobs: a long list built into a file in the background, downloaded by its owner until it expires."""

import datetime as dt
import time
from array import array
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import connections, transaction
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.accounts.roles import Action
from banyan.accounts.services import export_audit
from banyan.core.scoping import can
from banyan.events.models import STEPS, Event
from banyan.events.services import event_record
from banyan.ledgers.importing import ImportResult, ledger_import
from banyan.ledgers.kinds import KINDS
from banyan.ledgers.models import EXPORT_DOWNLOADED, ExportJob, ImportJob
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
    import_job_step(job=job, by=by)
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
    import_job_step(job=job, by=by, note=_("确认写入"))
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
        status = ImportJob.Status.WRITING if phase == "writing" else ImportJob.Status.VALIDATING
        changed, job.status = status != job.status, status
        job.processed_rows, job.total_rows = done, total
        job.save(update_fields=["status", "processed_rows", "total_rows", "updated_at"])
        if changed:
            import_job_step(job=job, by=job.user)

    return report


def import_job_run(*, job: ImportJob, path: Path | None = None, by=None, echo=None) -> ImportResult | None:
    """Run one job: validate (dry run) or write. What the user sees afterwards is on the job: counts, the
    refused-rows file, and a message; a refused file or a failure writes nothing."""
    by = by or job.user
    path = path or Path(job.file.path)
    job.status, job.processed_rows = ImportJob.Status.VALIDATING, 0
    job.save(update_fields=["status", "processed_rows", "updated_at"])
    import_job_step(job=job, by=by)
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
    _finish(job, status, " ".join(notes), result)
    return result


def _finish(job: ImportJob, status: str, message: str, result: ImportResult | None = None) -> None:
    job.status, job.message, job.finished_at = status, message, timezone.now()
    job.save()
    import_job_step(job=job, by=job.user, note=message)
    if result is not None and result.written and (result.created or result.updated):
        # What the rows' timeline and a later undo read: which import wrote how many rows of which kind.
        event_record(by=job.user, action=Event.Action.IMPORTED, model=KINDS[job.kind].model, note=job.file_name,
                     data={"job": job.pk, "created": result.created, "updated": result.updated,
                           "unchanged": result.unchanged, "refused": result.refused})


def import_job_step(*, job: ImportJob, by, note: str = "") -> None:
    """Each status an import passes through is an event of the job: its history is never overwritten."""
    event_record(by=by, action=f"import_{job.status}", obj=job, note=note,
                 data={"status": job.status, "rows": job.total_rows, "created": job.created_rows,
                       "updated": job.updated_rows, "refused": job.refused_rows})


STEPS.update({f"import_{status}": label for status, label in ImportJob.Status.choices})


# ---------------------------------------------------------------------------------------------------------------
# Exports too long to send in the request: built by the worker, downloaded by their owner until they expire.

# Up to this many rows a list is exported in the request (under a second): a click on 导出 downloads at once, as
# users expect of a link. A longer list goes to the worker, whose page shows progress, then the download.
INLINE_EXPORT_ROWS = 2000
# How long a built file waits for its owner. It holds a whole list of people: it is deleted after this (by a task
# the worker runs at that time, and by every later export's sweep), and is never served past it.
EXPORT_KEEP = dt.timedelta(hours=24)


def export_job_create(*, by, kind: str, fmt: str, query: str) -> ExportJob:
    """A background export of the list `kind` with the page's query string (search, filters, place, order). The
    user sees it queued; a worker builds the file. A second click while the same export is still being built
    leads to that one instead of building it twice."""
    from banyan.core.registry import BY_SLUG

    entry = BY_SLUG.get(kind)
    if entry is None or fmt not in ExportJob.Format.values or not can(by, Action.EXPORT, entry.model):
        raise PermissionDenied(_("您没有导出该类记录的权限。"))
    pending = (ExportJob.objects.visible_to(by)
               .filter(kind=kind, format=fmt, query=query, status__in=(ExportJob.Status.QUEUED,
                                                                       ExportJob.Status.RUNNING)).first())
    if pending is not None and not pending.interrupted:
        return pending
    with transaction.atomic():
        job = ExportJob.objects.create(user=by, kind=kind, format=fmt, query=query)
        export_job_step(job=job, by=by)
    from banyan.ledgers.tasks import export_job_task

    transaction.on_commit(lambda: export_job_task.enqueue(job.pk))
    return job


def export_job_step(*, job: ExportJob, by, note: str = "") -> None:
    """Each status an export passes through is an event of the job, as for imports (`by` None: the system)."""
    event_record(by=by, action=f"export_{job.status}", obj=job, note=note,
                 data={"status": job.status, "kind": job.kind, "format": job.format, "rows": job.total_rows})


def _written(job: ExportJob, n: int) -> None:
    ExportJob.objects.filter(pk=job.pk).update(written_rows=n, updated_at=timezone.now())


def _export_progress(job: ExportJob, rows: Iterator[list]) -> Iterator[list]:
    """The rows, passed through; the count written is saved on the job every PROGRESS_EVERY seconds.

    Those writes go through a thread of their own, hence a database connection of their own: the worker's
    connection is reading the rows meanwhile, and on SQLite its open cursor holds a snapshot from which any write
    fails ("database is locked") once someone else has written since. Inside a transaction (tests) they stay on
    it, where the job row is."""
    pool = None if transaction.get_connection().in_atomic_block else ThreadPoolExecutor(1, "export-progress")
    written = (lambda n: pool.submit(_written, job, n).result()) if pool else (lambda n: _written(job, n))
    last, n = time.monotonic(), 0
    try:
        for row in rows:
            yield row
            n += 1
            now = time.monotonic()
            if now - last >= PROGRESS_EVERY:
                last = now
                written(n)
        written(n)
    finally:
        if pool is not None:
            pool.submit(connections.close_all).result()  # that thread's connection
            pool.shutdown()
    job.written_rows = n


def export_job_run(*, job: ExportJob) -> ExportJob:
    """Build the file of a queued export, as the list page would have sent it: the owner's rows now (through
    the access door, with the stored search and filters), masked numbers, inert formula cells. When the file is
    ready, one `exported` event names every row in it, in the transaction that marks the job done; a failure
    records its message on the job and leaves neither a file nor an `exported` event."""
    from banyan.core.exporting import csv_file, xlsx_file
    from banyan.core.views import export_file_name, export_listing, export_rows

    export_files_purge()
    entry, user = job.entry, job.user
    with transaction.atomic():
        job.status, job.written_rows, job.message = ExportJob.Status.RUNNING, 0, ""
        job.save(update_fields=["status", "written_rows", "message", "updated_at"])
        export_job_step(job=job, by=user)
    # Rights are checked again: the role may have been withdrawn while the job waited.
    if entry is None or not user.is_active or not can(user, Action.EXPORT, entry.model):
        _export_finish(job, ExportJob.Status.FAILED, _("您已没有导出该类记录的权限，未生成文件。"))
        return job
    path = rows = None
    try:
        request = HttpRequest()
        request.user, request.GET = user, QueryDict(job.query)
        found = export_listing(request, entry)
        job.total_rows = found.count()
        job.save(update_fields=["total_rows", "updated_at"])
        seen = array("q")
        titles, rows = export_rows(entry, found, seen=seen)
        written = _export_progress(job, rows)
        path = (xlsx_file(titles, written, str(entry.model._meta.verbose_name_plural)) if job.format == "xlsx"
                else csv_file(titles, written))
        job.file_name = export_file_name(entry.model, job.format, timezone.localdate(job.created_at))
        with transaction.atomic():
            event = export_audit(by=user, model=entry.model, rows=len(seen), masked=True, ids=seen,
                                 data={"query": job.query[:500], "format": job.format, "job": job.pk})
            with path.open("rb") as f:
                job.file.save(job.file_name, File(f), save=False)
            job.total_rows = job.written_rows = len(seen)
            job.file_size, job.event_id = path.stat().st_size, event.pk
            job.status, job.message, job.finished_at = ExportJob.Status.DONE, "", timezone.now()
            job.expires_at = job.finished_at + EXPORT_KEEP
            job.save()
            export_job_step(job=job, by=user)
    except Exception as error:  # the worker must record any failure on the job; nothing was exported
        if rows is not None:
            rows.close()  # the reading cursor, before this connection writes (see _export_progress)
        if job.file:
            job.file.delete(save=False)
        job.file_size, job.event_id, job.expires_at = 0, None, None
        _export_finish(job, ExportJob.Status.FAILED, _("导出失败，未生成文件：%(error)s") % {"error": error})
        raise
    finally:
        if path is not None:
            path.unlink(missing_ok=True)
    from banyan.ledgers.tasks import export_files_purge_task

    if export_files_purge_task.get_backend().supports_defer:  # else the next export's sweep deletes it
        purge = export_files_purge_task.using(run_after=job.expires_at + dt.timedelta(seconds=1))
        transaction.on_commit(purge.enqueue)
    return job


@transaction.atomic
def _export_finish(job: ExportJob, status: str, message: str) -> None:
    job.status, job.message, job.finished_at = status, message, timezone.now()
    job.save()
    export_job_step(job=job, by=job.user, note=message)


@transaction.atomic
def export_job_download(*, job: ExportJob, by) -> File:
    """The file of a finished export, opened for its owner; each download is an event on the job that points
    at the export's own event (the rows were recorded as exported once, when the file was built)."""
    if job.user_id != by.pk or not job.downloadable:
        raise PermissionDenied(_("该导出文件不能下载。"))
    if job.entry is None or not can(by, Action.EXPORT, job.entry.model):  # a role withdrawn since it was built
        raise PermissionDenied(_("您已没有导出该类记录的权限。"))
    f = job.file.open("rb")  # first: a file gone from the disk records no download
    event_record(by=by, action=EXPORT_DOWNLOADED, obj=job,
                 data={"kind": job.kind, "format": job.format, "rows": job.total_rows, "exported": job.event_id})
    return f


def export_files_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the files of exports past their time; the jobs stay, marked expired, as the record of who exported
    what. The number of files deleted."""
    n = 0
    for job in ExportJob.objects.filter(status=ExportJob.Status.DONE, expires_at__lte=now or timezone.now()):
        with transaction.atomic():
            job.status, job.file_size = ExportJob.Status.EXPIRED, 0
            job.file.delete(save=False)
            job.save(update_fields=["status", "file", "file_size", "updated_at"])
            export_job_step(job=job, by=None)
        n += 1
    return n
