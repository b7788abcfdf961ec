"""Import jobs: recorded, run in the background (or the terminal), and confirmed by the user after a dry run.
Export jobs: a long list built into a file in the background, downloaded by its owner until it expires."""

import datetime as dt
import time
from array import array
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import connections, transaction
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from banyan.accounts.roles import Action
from banyan.accounts.services import export_audit
from banyan.core.scoping import can
from banyan.events.models import STEPS
from banyan.events.services import event_record
from banyan.ledgers.importing import ImportResult, ledger_import
from banyan.ledgers.kinds import KINDS
from banyan.ledgers.models import EXPORT_DOWNLOADED, ExportJob, ImportJob
from banyan.ledgers.reading import FileRefused

PROGRESS_EVERY = 0.5  # seconds between progress writes


def file_name_short(name: str, limit: int = 200) -> str:
    """A file's name cut to `limit` characters by its stem: "很长的名字….xlsx" keeps its .xlsx."""
    name = Path(name).name
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix) + 1 >= limit:
        return name[:limit]
    return stem[:limit - len(suffix) - 1] + "." + suffix


def only_community(user, kind: str):
    """The community a user writes this kind into, when there is only one (a community's own staff, a grid
    worker): what an import without a 社区 column and without a chosen community goes to. None otherwise."""
    from banyan.core.scoping import writable_places

    communities = list(writable_places(user, KINDS[kind].label)[0][:2])
    return communities[0] if len(communities) == 1 else None


def import_job_create(*, by, kind: str, upload, community=None, strict: bool = False,
                      options: dict | None = None) -> ImportJob:
    """A new import from an uploaded file. The user sees it queued; a worker validates it (dry run) next.
    `options`: what the user chose for the whole file ({"sheet": name, "fixed": {field: cell text},
    "households": bool}), kept on the job for the run."""
    spec = KINDS.get(kind)
    if spec is None or not can(by, Action.CHANGE, spec.model):
        raise PermissionDenied(_("您没有导入该类台账的权限。"))
    name = file_name_short(upload.name)
    job = ImportJob(user=by, kind=kind, file_name=name, community=community or only_community(by, kind),
                    strict=strict, options=options or {})
    job.file.save(name, upload, save=False)  # the storage cuts its path to the field's length, stem first
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
    if not job.file:
        raise PermissionDenied(_("上传的文件已删除（校验后%(n)d天内未确认写入），请重新上传。")
                               % {"n": settings.BANYAN_IMPORT_KEEP_DAYS} if job.file_purged_at else
                               _("该导入来自命令行，请在命令行重新导入。"))
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
        if phase == "writing" and done:
            # Inside the import's transaction nobody else would see it, and the connection is the writer's.
            return
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
    import_files_purge()
    by = by or job.user
    path = path or Path(job.file.path)
    job.status, job.processed_rows = ImportJob.Status.VALIDATING, 0
    job.save(update_fields=["status", "processed_rows", "updated_at"])
    import_job_step(job=job, by=by)
    try:
        result = ledger_import(kind=job.kind, path=path, file_name=job.file_name, by=by, community=job.community,
                               dry_run=job.dry_run, strict=job.strict, progress=_reporter(job, echo), job=job,
                               options=job.options)
    except FileRefused as refused:
        job.changes = getattr(refused, "columns", {})  # headers it did not know: the page offers to match them
        _finish(job, ImportJob.Status.REFUSED, str(refused))
        return None
    except Exception as error:  # the worker must record any failure on the job; nothing was written
        _finish(job, ImportJob.Status.FAILED, _("导入失败，未写入任何数据：%(error)s") % {"error": error})
        raise
    job.total_rows = job.processed_rows = result.rows
    job.created_rows, job.updated_rows = result.created, result.updated
    job.unchanged_rows, job.refused_rows = result.unchanged, result.refused
    job.warnings = getattr(result, "warnings", None) or []
    job.changes = getattr(result, "changes", None) or {}
    if job.refused_file:  # the dry run's: the commit run has just checked the same rows again
        job.refused_file.delete(save=False)
    if result.refused_path:
        with result.refused_path.open("rb") as f:
            job.refused_file.save(f"{Path(job.file_name).stem}-错误行.xlsx", File(f), save=False)
        result.refused_path.unlink()
    notes = [result.message]
    if result.unknown_headers:
        notes.append(_("未识别的列（已忽略）：%(cols)s") % {"cols": "、".join(result.unknown_headers)})
    status = ImportJob.Status.DONE if result.written else ImportJob.Status.VALIDATED
    _finish(job, status, " ".join(notes), result)
    if status == ImportJob.Status.DONE:
        import_files_delete(job, refused=False)  # its refused rows stay for the user to fix, until the purge
    _purge_later(job)
    return result


def _finish(job: ImportJob, status: str, message: str, result: ImportResult | None = None) -> None:
    job.status, job.message, job.finished_at = status, message, timezone.now()
    if result is not None:
        job.event_id = result.event_id  # the `imported` event, written with the rows: what an undo reads
    job.save()
    import_job_step(job=job, by=job.user, note=message)


def import_job_step(*, job: ImportJob, by, note: str = "") -> None:
    """Each status an import passes through is an event of the job: its history is never overwritten."""
    event_record(by=by, action=f"import_{job.status}", obj=job, note=note,
                 data={"status": job.status, "rows": job.total_rows, "created": job.created_rows,
                       "updated": job.updated_rows, "refused": job.refused_rows})


STEPS.update({f"import_{status}": label for status, label in ImportJob.Status.choices})


# ---------------------------------------------------------------------------------------------------------------
# Uploaded ledgers hold clear ID numbers: a committed import's file is deleted at once (its refused rows stay for
# the user to fix), and every other file of a finished import BANYAN_IMPORT_KEEP_DAYS after it finished (see
# README, 台账导入).

IMPORT_FILES_DELETED = "import_files_deleted"
STEPS[IMPORT_FILES_DELETED] = gettext_noop("删除上传的文件")
_FINISHED = (ImportJob.Status.VALIDATED, ImportJob.Status.REFUSED, ImportJob.Status.FAILED, ImportJob.Status.DONE,
             ImportJob.Status.UNDONE)


def import_files_delete(job: ImportJob, *, refused: bool = True) -> bool:
    """Delete the job's uploaded file (and, with `refused`, its refused-rows file); an event on the job says
    which. Whether anything was deleted."""
    upload, errors = bool(job.file), refused and bool(job.refused_file)
    if not (upload or errors):
        return False
    with transaction.atomic():
        fields = ["updated_at"]
        if upload:
            job.file.delete(save=False)
            job.file_purged_at = timezone.now()
            fields += ["file", "file_purged_at"]
        if errors:
            job.refused_file.delete(save=False)
            fields.append("refused_file")
        job.save(update_fields=fields)
        note = (_("已删除上传的文件和错误行文件") if upload and errors else
                _("已删除上传的文件") if upload else _("已删除错误行文件"))
        event_record(by=None, action=IMPORT_FILES_DELETED, obj=job, note=note,
                     data={"file": upload, "refused_file": errors})
    return True


def import_files_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the files of imports finished more than BANYAN_IMPORT_KEEP_DAYS ago (validated and never
    confirmed, refused, failed, or the refused rows of a committed one). The number of jobs cleared."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.BANYAN_IMPORT_KEEP_DAYS)
    jobs = (ImportJob.objects.filter(status__in=_FINISHED, finished_at__lte=cutoff)
            .exclude(file="", refused_file=""))
    return sum(import_files_delete(job) for job in jobs)


def _purge_later(job: ImportJob) -> None:
    from banyan.ledgers.tasks import import_files_purge_task

    if job.finished_at and (job.file or job.refused_file) and import_files_purge_task.get_backend().supports_defer:
        run_after = job.finished_at + dt.timedelta(days=settings.BANYAN_IMPORT_KEEP_DAYS, seconds=1)
        transaction.on_commit(import_files_purge_task.using(run_after=run_after).enqueue)


INTERRUPTED_IMPORT = gettext_noop("导入中断（处理进程已停止），未写入任何数据，请重新提交")
INTERRUPTED_EXPORT = gettext_noop("导出中断（处理进程已停止），未生成文件，请重新导出")


def jobs_interrupted_fail() -> int:
    """When the worker starts: the jobs a previous worker was running when it stopped (killed, the machine
    restarted) can never finish; each is marked failed, with its status event, instead of showing 校验中 for
    ever. An import's write transaction died with its worker, so nothing of it was written. Queued jobs are
    left for the worker. Imports run from the terminal (no uploaded file) are not the worker's and are left
    alone. One worker per database, as `banyan worker` is deployed: a second worker starting would take the
    first one's running jobs for interrupted ones. The number of jobs failed."""
    n = 0
    running = (ImportJob.Status.VALIDATING, ImportJob.Status.WRITING)
    for job in ImportJob.objects.filter(status__in=running).exclude(file="").select_related("user"):
        _finish(job, ImportJob.Status.FAILED, _(INTERRUPTED_IMPORT))
        n += 1
    for export in ExportJob.objects.filter(status=ExportJob.Status.RUNNING).select_related("user"):
        export.file_size, export.event_id, export.expires_at = 0, None, None
        _export_finish(export, ExportJob.Status.FAILED, _(INTERRUPTED_EXPORT))
        n += 1
    return n


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
    from banyan.core.exporting import csv_file
    from banyan.core.views import export_as_template, export_file_name, export_listing, export_rows, export_xlsx

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
        template = export_as_template(entry, request.GET, job.format)
        path = (export_xlsx(entry, titles, written, template=template) if job.format == "xlsx"
                else csv_file(titles, written))
        job.file_name = export_file_name(entry.model, job.format, timezone.localdate(job.created_at),
                                         template=template)
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
