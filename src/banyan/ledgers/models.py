"""Every import is recorded: who, which file, into where, what it counted, and how it ended; every background
export too: who, which list, how far it got, and its file until it expires."""

import datetime as dt
import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from banyan.accounts.roles import Action, Level
from banyan.core.scoping import ScopedManager
from banyan.events.models import STEPS


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        VALIDATING = "validating", _("校验中")
        VALIDATED = "validated", _("校验完成，待确认")
        WRITING = "writing", _("写入中")
        DONE = "done", _("已导入")
        REFUSED = "refused", _("文件被拒绝")
        FAILED = "failed", _("失败，未写入")
        UNDONE = "undone", _("已撤销")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("导入人"))
    kind = models.CharField(_("类型"), max_length=20)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", blank=True)
    file_name = models.CharField(_("文件名"), max_length=200)
    community = models.ForeignKey("places.Community", models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("导入到社区"))
    dry_run = models.BooleanField(_("仅校验"), default=True)
    strict = models.BooleanField(_("严格模式（有错误行则全部不写入）"), default=False)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(_("数据行"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理"), default=0)
    created_rows = models.PositiveIntegerField(_("新增"), default=0)
    updated_rows = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_rows = models.PositiveIntegerField(_("无变化"), default=0)
    refused_rows = models.PositiveIntegerField(_("拒绝"), default=0)
    message = models.TextField(_("说明"), blank=True)
    refused_file = models.FileField(_("错误行文件"), upload_to="imports/refused/%Y/%m/", blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # What the user chose for the whole file: {"sheet": name, "fixed": {field: cell text}, "households": bool,
    # "mapping": {header: field}} (ledgers.importing.ledger_import's options).
    options = models.JSONField(_("导入选项"), default=dict, blank=True)
    # What the reading noticed and the user should know (hidden rows, other sheets, filled-down cells…).
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    # The preview of updates: {"fields": {header: n}, "samples": [{"row": n, "record": text,
    # "fields": [[header, before, after], …]}, …]}, numbers masked.
    changes = models.JSONField(_("变更预览"), default=dict, blank=True)
    event_id = models.BigIntegerField(_("导入记录"), null=True, blank=True)  # the `imported` event: what undo reads
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    # The uploaded file (and its refused rows) hold clear ID numbers: deleted once the job is over (see README).
    file_purged_at = models.DateTimeField(_("文件删除时间"), null=True, blank=True)

    # An import belongs to the community it writes into; one without a community (a district-wide file from
    # the command line) is seen by district and town staff only through its user.
    place_lookups = {Level.DISTRICT: "community__town__district", Level.TOWN: "community__town",
                     Level.COMMUNITY: "community"}
    objects = ScopedManager()

    class Meta:
        verbose_name = verbose_name_plural = _("导入记录")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    @classmethod
    def scope_rows(cls, assignment, within):
        """The access door's hook (core/scoping.py): the jobs at the assignment's place, and the user's own (a
        grid worker's imports have no place level of their own)."""
        own = models.Q(user_id=assignment.user_id)
        lookup = cls.place_lookups.get(assignment.level)
        return within(lookup) | own if lookup else own


    STALE_AFTER = dt.timedelta(minutes=10)

    @property
    def kind_title(self) -> str:
        from banyan.ledgers.kinds import KINDS

        kind = KINDS.get(self.kind)
        return str(kind.title) if kind else self.kind

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.VALIDATED, self.Status.DONE, self.Status.REFUSED, self.Status.FAILED,
                               self.Status.UNDONE)

    @property
    def interrupted(self) -> bool:
        """A job that stopped reporting: its worker was killed. Its write transaction was rolled back."""
        return not self.finished and timezone.now() - self.updated_at > self.STALE_AFTER

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.processed_rows / self.total_rows)) if self.total_rows else 0


class ImportedRow(models.Model):
    """A row an import wrote: created, or updated with the values it had before (stored form, by field name).
    What undoing the import restores; deleted with nothing else, never shown on its own."""

    job = models.ForeignKey(ImportJob, models.CASCADE, related_name="+", db_constraint=False)
    object_id = models.BigIntegerField()
    before = models.JSONField(null=True, blank=True)  # null: the import created the row

    class Meta:
        indexes = [models.Index(fields=["job", "object_id"], name="importedrow_job")]

    def __str__(self):
        return f"{self.job_id}:{self.object_id}"


class HeaderMapping(models.Model):
    """The columns a user matched by hand in a preview, remembered for their next file of the same layout."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    layout = models.CharField(max_length=64)  # a digest of the file's normalised headers, in order
    mapping = models.JSONField(default=dict)  # {header as written: field}
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "layout"], name="headermapping_layout")]

    def __str__(self):
        return f"{self.kind}: {self.mapping}"


# The events of an export job: each status it passes through, and each download of its file (the rows' own
# `exported` event is written once, when the file is built).
EXPORT_DOWNLOADED = "export_downloaded"
STEPS.update({"export_queued": gettext_noop("提交导出"), "export_running": gettext_noop("开始生成导出文件"),
              "export_done": gettext_noop("导出文件已生成"), "export_failed": gettext_noop("导出失败"),
              "export_expired": gettext_noop("导出文件到期删除"), EXPORT_DOWNLOADED: gettext_noop("下载导出文件")})


def _export_path(job, filename) -> str:
    # A random name: the file holds a whole list of people, so its path must not be guessable even where a
    # proxy serves the media folder; the user's download gets its readable name from `file_name`.
    return f"exports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{Path(filename).suffix}"


class ExportJobQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = Action.VIEW, *, on: str | None = None, roles_only: bool = False):
        """An export holds a list of people pulled with its owner's rights: it is its owner's alone (a
        superuser's too), so every other user gets the same 404 as for a missing job."""
        return self.filter(user=user) if user.is_authenticated else self.none()


class ExportJob(models.Model):
    """A large export built in the background: the list (kind, search, filters, place) as its owner saw it,
    written to a file that only they may download until it expires."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("可下载")
        FAILED = "failed", _("失败")
        EXPIRED = "expired", _("已过期删除")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("导出人"))
    kind = models.CharField(_("类型"), max_length=40)  # the registry entry's slug
    format = models.CharField(_("格式"), max_length=4, choices=Format.choices)
    query = models.TextField(_("查询条件"), blank=True)  # the list's query string: search, filters, place, order
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(_("数据行"), default=0)
    written_rows = models.PositiveIntegerField(_("已写入"), default=0)
    file = models.FileField(_("文件"), upload_to=_export_path, blank=True)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    file_size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    event_id = models.BigIntegerField(_("导出记录"), null=True, blank=True)  # the `exported` event
    message = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("文件删除时间"), null=True, blank=True, db_index=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("导出记录")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="exportjob_user")]

    def __str__(self):
        return f"{self.kind_title} {self.get_format_display()} ({self.get_status_display()})"

    STALE_AFTER = dt.timedelta(minutes=10)

    @property
    def entry(self):
        from banyan.core.registry import BY_SLUG

        return BY_SLUG.get(self.kind)

    @property
    def kind_title(self) -> str:
        entry = self.entry
        return str(entry.model._meta.verbose_name_plural) if entry else self.kind

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED)

    @property
    def interrupted(self) -> bool:
        """A job that stopped reporting: no worker took it, or its worker was killed. Nothing was recorded as
        exported."""
        return not self.finished and timezone.now() - self.updated_at > self.STALE_AFTER

    @property
    def downloadable(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file) and not self.expired

    @property
    def expired(self) -> bool:
        return self.status == self.Status.EXPIRED or (self.expires_at is not None and self.expires_at <= timezone.now())

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.written_rows / self.total_rows)) if self.total_rows else 0
