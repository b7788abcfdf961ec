"""Users and the roles they hold at places."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from banyan.accounts.roles import RULES, Level, Role


class User(AbstractUser):
    display_name = models.CharField(_("显示名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("用户")

    def __str__(self):
        return self.display_name or self.username


class RoleAssignment(models.Model):
    """A role held at exactly one place: a district, a town, a community or a grid."""

    user = models.ForeignKey(User, models.CASCADE, related_name="role_assignments", verbose_name=_("用户"))
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    district = models.ForeignKey("places.District", models.CASCADE, null=True, blank=True, related_name="+",
                                 verbose_name=_("区"))
    town = models.ForeignKey("places.Town", models.CASCADE, null=True, blank=True, related_name="+",
                             verbose_name=_("镇街"))
    community = models.ForeignKey("places.Community", models.CASCADE, null=True, blank=True, related_name="+",
                                  verbose_name=_("社区"))
    grid = models.ForeignKey("places.Grid", models.CASCADE, null=True, blank=True, related_name="+",
                             verbose_name=_("网格"))

    class Meta:
        verbose_name = verbose_name_plural = _("角色分配")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(district__isnull=False, town__isnull=True, community__isnull=True, grid__isnull=True)
                    | Q(district__isnull=True, town__isnull=False, community__isnull=True, grid__isnull=True)
                    | Q(district__isnull=True, town__isnull=True, community__isnull=False, grid__isnull=True)
                    | Q(district__isnull=True, town__isnull=True, community__isnull=True, grid__isnull=False)
                ),
                name="roleassignment_one_place",
            )
        ]

    def __str__(self):
        return f"{self.get_role_display()} @ {self.place}"

    @property
    def level(self) -> str:
        for level in (Level.GRID, Level.COMMUNITY, Level.TOWN, Level.DISTRICT):
            if getattr(self, f"{level}_id"):
                return level
        raise ValueError("role assignment without a place")

    @property
    def place_id(self) -> int:
        return getattr(self, f"{self.level}_id")

    @property
    def place(self):
        return getattr(self, self.level)

    def clean(self):
        places = [f for f in ("district", "town", "community", "grid") if getattr(self, f"{f}_id")]
        if len(places) != 1:
            raise ValidationError(_("角色须且只能分配在一个地点（区、镇街、社区或网格）。"))
        if self.role and places[0] not in RULES[self.role].levels:
            raise ValidationError(_("“%(role)s”不能分配在这一层级。") % {"role": self.get_role_display()})
