"""What the demo loaded, so that the next load replaces those rows and nothing else (see reset.py)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DemoLoad(models.Model):
    """One load of the demo, and the primary keys of the rows it created, table by table."""

    seed = models.BigIntegerField(_("随机种子"), null=True, blank=True)  # None: loaded before loads were recorded
    scale = models.FloatField(_("人口比例"), null=True, blank=True)
    loaded_at = models.DateTimeField(_("加载时间"), default=timezone.now)
    # {model label: [[first, last], ...]}: key ranges, as keys only grow on SQLite (AUTOINCREMENT) and PostgreSQL
    # (sequences), and the load holds the tables while it writes them.
    keys = models.JSONField(_("创建的记录"), default=dict)

    class Meta:
        verbose_name = verbose_name_plural = _("演示数据加载记录")
        ordering = ["-loaded_at"]

    def __str__(self):
        return f"{self.loaded_at:%Y-%m-%d %H:%M} seed={self.seed}"
