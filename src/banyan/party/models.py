"""The party organisation tree of a community and its members."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from banyan.core.pii import pii_fields, pii_property
from banyan.core.validators import validate_not_future
from banyan.people.models import SEX
from banyan.places.models import CommunityPlace, GriddedPlace


class PartyOrg(CommunityPlace):
    class Level(models.TextChoices):
        COMMITTEE = "committee", _("党委")
        GENERAL_BRANCH = "general_branch", _("党总支")
        BRANCH = "branch", _("党支部")
        GROUP = "group", _("党小组")

    ORDER = [Level.COMMITTEE, Level.GENERAL_BRANCH, Level.BRANCH, Level.GROUP]

    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name=_("上级组织"))
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    name = models.CharField(_("名称"), max_length=100)
    cooperative = models.ForeignKey("places.Cooperative", models.SET_NULL, null=True, blank=True,
                                    related_name="party_orgs", verbose_name=_("经济社"))

    class Meta:
        verbose_name = verbose_name_plural = _("党组织")
        ordering = ["community", "pk"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.parent_id:
            if self.parent.community_id != self.community_id:
                raise ValidationError({"parent": _("上级组织须属于同一社区。")})
            if self.ORDER.index(self.parent.level) >= self.ORDER.index(self.level):
                raise ValidationError({"parent": _("上级组织的层级须高于本组织。")})


class PartyMember(GriddedPlace):
    """A party member attached to an org; an in-service member's community is the one they report to."""

    class Kind(models.TextChoices):
        LOCAL = "local", _("本地党员")
        MOBILE = "mobile", _("流动党员")
        IN_SERVICE = "in_service", _("在职党员（机关报到）")

    org = models.ForeignKey(PartyOrg, models.PROTECT, related_name="members", verbose_name=_("所在党组织"))
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices, default=Kind.LOCAL)
    resident = models.OneToOneField("people.Resident", models.SET_NULL, null=True, blank=True,
                                    related_name="party_member", verbose_name=_("居民档案"))
    user = models.OneToOneField("accounts.User", models.SET_NULL, null=True, blank=True,
                                related_name="party_member", verbose_name=_("账号"))
    name = models.CharField(_("姓名"), max_length=30, db_index=True)
    sex = models.CharField(_("性别"), max_length=1, choices=SEX, default="9")
    id_number_enc, id_number_hash, id_number_masked = pii_fields(_("身份证号"), indexed=False)
    id_number = pii_property("id_number", "id_number")
    phone_enc, phone_hash, phone_masked = pii_fields(_("手机号码"))
    phone = pii_property("phone", "phone")
    joined_on = models.DateField(_("入党日期"), null=True, blank=True, validators=[validate_not_future])
    work_unit = models.CharField(_("工作单位"), max_length=100, blank=True,
                                 help_text=_("在职党员填写所在机关或单位"))

    class Meta:
        verbose_name = verbose_name_plural = _("党员")
        ordering = ["community", "pk"]
        indexes = [models.Index(fields=["community", "kind"], name="partymember_community_kind")]
        constraints = [models.UniqueConstraint(fields=["id_number_hash"], name="partymember_unique_id_number",
                                               violation_error_message=_("该身份证号已登记为党员。"))]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.org_id and self.community_id and self.org.community_id != self.community_id:
            raise ValidationError({"org": _("所在党组织须属于该社区。")})
        if self.kind == self.Kind.IN_SERVICE and not self.work_unit:
            raise ValidationError({"work_unit": _("在职党员须填写工作单位。")})
