"""The party organisation tree of a community and its members."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from banyan.accounts.roles import own_only
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

    @classmethod
    def scope_rows(cls, assignment, within):
        """A role that sees only its own (a party member) sees its branch (with its groups) and the organisations
        above it, not every organisation of the place; other roles see the organisations at their place."""
        lookup = cls.place_lookups.get(assignment.level)
        if lookup is None:
            return None
        if not own_only(assignment.role, "party.partyorg"):
            return within(lookup)
        branch = own_branch(assignment)
        if branch is None:
            return None
        ancestors, org = [], branch
        while org.parent_id:
            ancestors.append(org.parent_id)
            org = org.parent
        return within(lookup) & (Q(pk=branch.pk) | Q(parent_id=branch.pk) | Q(pk__in=ancestors))

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

    @classmethod
    def scope_rows(cls, assignment, within):
        """A role that sees only its own (a party member) sees the user's own file and the members of their branch
        (until their own work, such as household links and check-ins, exists); other roles see the members at
        their place."""
        lookup = cls.place_lookups.get(assignment.level)
        if lookup is None:
            return None
        if not own_only(assignment.role, "party.partymember"):
            return within(lookup)
        mine = Q(user_id=assignment.user_id)
        branch = own_branch(assignment)
        if branch is not None:
            mine |= Q(org_id=branch.pk) | Q(org__parent_id=branch.pk)
        return within(lookup) & mine

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


def own_branch(assignment) -> PartyOrg | None:
    """The branch (党支部 or above) of the party member who holds this role: a group's member belongs to the
    group's branch. Kept on the assignment, which lives as long as the request."""
    if "_own_branch" not in assignment.__dict__:
        member = PartyMember.objects.filter(user_id=assignment.user_id).select_related("org__parent").first()
        org = member.org if member is not None else None
        if org is not None and org.level == PartyOrg.Level.GROUP and org.parent_id:
            org = org.parent
        assignment.__dict__["_own_branch"] = org
    return assignment.__dict__["_own_branch"]
