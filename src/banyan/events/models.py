"""The append-only log of every write: who did what to which record, when, and the fields before → after.

Rows point at records by label and id, never by a database foreign key: the log outlives what it describes
(a deleted record's history stays readable by the auditor), and deleting a record can never cascade into it.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied(_("操作记录不能修改。"))

    def delete(self):
        raise PermissionDenied(_("操作记录不能删除。"))


class Event(models.Model):
    class Action(models.TextChoices):
        CREATED = "created", _("新增")
        CHANGED = "changed", _("修改")
        DELETED = "deleted", _("删除")
        REVEALED = "revealed", _("查看完整号码")
        EXPORTED = "exported", _("导出")
        IMPORTED = "imported", _("导入")
        # Workflow steps: each app adds the steps its services take (see `banyan.events.services.STEPS`).

    at = models.DateTimeField(_("时间"), default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("操作人"))
    action = models.CharField(_("操作"), max_length=32)
    model = models.CharField(_("记录类型"), max_length=50)
    object_id = models.BigIntegerField(_("记录"), null=True, blank=True)
    object_repr = models.CharField(_("记录名称"), max_length=200, blank=True)
    # Where the record was: lets an auditor scope the log by place (no foreign key: see the module docstring).
    community_id = models.BigIntegerField(_("社区"), null=True, blank=True)
    # [{"field", "label", "before", "after", "before_value", "after_value"}]: texts as pages show them (personal
    # numbers masked), values as stored (foreign keys by id), so a later undo knows what to restore.
    changes = models.JSONField(_("变更"), default=list, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("操作记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["model", "object_id", "-at"], name="event_record_timeline"),
                   models.Index(fields=["-at"], name="event_at"),
                   models.Index(fields=["user", "-at"], name="event_user")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied(_("操作记录不能修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(_("操作记录不能删除。"))


class EventSubject(models.Model):
    """The records a bulk event (an export, an import) touched: one record, or with `last_id` the run of ids from
    `object_id` to `last_id` (an import's new rows, numbered in one run). Each record's timeline shows the event."""

    event = models.ForeignKey(Event, models.DO_NOTHING, related_name="subjects", db_constraint=False)
    model = models.CharField(max_length=50)
    object_id = models.BigIntegerField()
    last_id = models.BigIntegerField(null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["model", "object_id"], name="eventsubject_record"),
                   models.Index(fields=["model", "last_id"], condition=models.Q(last_id__isnull=False),
                                name="eventsubject_run")]

    def __str__(self):
        return f"{self.model}#{self.object_id}"


# The names of workflow steps, registered by the apps whose services take them (`STEPS.update(...)` at import).
STEPS: dict[str, str] = {}


def event_action_label(action: str) -> str:
    from django.utils.translation import gettext as gettext_now

    if action in Event.Action.values:
        return str(Event.Action(action).label)
    return gettext_now(STEPS.get(action, action))
