"""Every import is recorded: who, which file, into where, what it counted, and how it ended."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from banyan.accounts.roles import Level
from banyan.core.scoping import ScopedManager


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        VALIDATING = "validating", _("校验中")
        VALIDATED = "validated", _("校验完成，待确认")
        WRITING = "writing", _("写入中")
        DONE = "done", _("已导入")
        REFUSED = "refused", _("文件被拒绝")
        FAILED = "failed", _("失败，未写入")

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

    STALE_AFTER = dt.timedelta(minutes=10)

    @property
    def kind_title(self) -> str:
        from banyan.ledgers.kinds import KINDS

        kind = KINDS.get(self.kind)
        return str(kind.title) if kind else self.kind

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.VALIDATED, self.Status.DONE, self.Status.REFUSED, self.Status.FAILED)

    @property
    def interrupted(self) -> bool:
        """A job that stopped reporting: its worker was killed. Its write transaction was rolled back."""
        return not self.finished and timezone.now() - self.updated_at > self.STALE_AFTER

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.processed_rows / self.total_rows)) if self.total_rows else 0
