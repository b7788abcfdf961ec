"""Resident concerns (社情民意 / 诉求) from intake to a finished project: cases, their categories and time limits,
the units that handle them, banyan-tree deliberations and the projects their decisions become.

A case's state changes only through `cases/services.py`, each step an event in the core log (its timeline);
no page or API edits or deletes a case generically.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from banyan.accounts.roles import Level, own_only
from banyan.core.pii import pii_fields, pii_property
from banyan.core.scoping import ScopedManager
from banyan.places.models import CommunityPlace, GriddedPlace

# Unambiguous letters and digits for codes a resident reads off a phone or says on the phone (no 0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def tracking_code_new() -> str:
    """A code a resident can quote, and that cannot be guessed: 10 symbols of 31 (about 49 bits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


class TimeLimit(models.Model):
    """How long a case may take: the hotline's rules (2 h emergency, 24 h utilities, 7 / 15 working days) and
    the petition regulation's (60 days, extendable once by 30). Configurable in the admin."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    hours = models.PositiveIntegerField(_("时限（小时）"), null=True, blank=True,
                                        help_text=_("按小时计的时限，如紧急2小时"))
    days = models.PositiveIntegerField(_("时限（天）"), null=True, blank=True)
    working_days = models.BooleanField(_("按工作日计"), default=False,
                                       help_text=_("法定节假日与调休按国务院公布的安排"))
    extension_days = models.PositiveIntegerField(_("可延长（天）"), default=0,
                                                 help_text=_("说明理由后可延长一次"))
    remind_before_hours = models.PositiveIntegerField(_("提前提醒（小时）"), default=24)

    class Meta:
        verbose_name = verbose_name_plural = _("办理时限")
        ordering = ["pk"]

    def __str__(self):
        return self.name


class SharedQuerySet(models.QuerySet):
    """Reference data shared by the whole district (the category tree): every signed-in user reads all of it."""

    def visible_to(self, user, action: str = "view", **kwargs):
        return self if user.is_authenticated and action == "view" else self.none()


class Category(models.Model):
    """A node of the category tree: the hotline's top-level classes, the dispute types of GB/T 31000, the urban
    event classes of GB/T 30428.2 and the community's own (路灯, 健身设施 ...). Shared by the whole district."""

    class Source(models.TextChoices):
        HOTLINE = "hotline", _("热线分类")
        DISPUTE = "dispute", _("矛盾纠纷（GB/T 31000）")
        URBAN = "urban", _("城市管理事件（GB/T 30428.2）")
        COMMUNITY = "community", _("社区常见")

    code = models.CharField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name=_("上级分类"))
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)
    time_limit = models.ForeignKey(TimeLimit, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("办理时限"),
                                   help_text=_("为空时沿用上级分类的时限，再无则为一般7个工作日"))
    unit_kind = models.CharField(_("默认承办单位类型"), max_length=20, blank=True)
    public = models.BooleanField(_("居民可选"), default=True, help_text=_("在居民反映表单和Open311服务目录中列出"))
    order = models.PositiveIntegerField(_("排序"), default=0)

    objects = SharedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("诉求分类")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class Unit(models.Model):
    """Who handles a case (承办单位): a community office, a grid, a town department, a property company, an
    enterprise. A unit is at a town, and at a community (and a grid) unless it is the town's own department."""

    class Kind(models.TextChoices):
        COMMUNITY_OFFICE = "community_office", _("社区办公室")
        GRID = "grid", _("网格")
        TOWN_DEPARTMENT = "town_department", _("镇街部门")
        PROPERTY_COMPANY = "property_company", _("物业公司")
        ENTERPRISE = "enterprise", _("企业")
        OTHER = "other", _("其他单位")

    town = models.ForeignKey("places.Town", models.PROTECT, related_name="+", verbose_name=_("镇街"))
    community = models.ForeignKey("places.Community", models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("社区"), help_text=_("镇街部门不填"))
    grid = models.ForeignKey("places.Grid", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("网格"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    contact_name = models.CharField(_("联系人"), max_length=30, blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="case_units",
                                     verbose_name=_("办理人员"))
    active = models.BooleanField(_("启用"), default=True)

    place_lookups = {Level.DISTRICT: "town__district", Level.TOWN: "town", Level.COMMUNITY: "community",
                     Level.GRID: "grid"}
    objects = ScopedManager()

    class Meta:
        verbose_name = verbose_name_plural = _("承办单位")
        ordering = ["town", "community", "kind", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.take_place()
        super().save(*args, **kwargs)

    def full_clean(self, *args, **kwargs):
        self.take_place()
        super().full_clean(*args, **kwargs)

    def take_place(self) -> None:
        """A grid's unit is in the grid's community; a community's unit in its town."""
        if self.grid_id and not self.community_id:
            self.community_id = self.grid.community_id
        if self.community_id and not self.town_id:
            self.town_id = self.community.town_id

    @property
    def level(self) -> str:
        """Where the unit stands in the escalation chain (grid → community → town)."""
        if self.grid_id:
            return Level.GRID
        return Level.COMMUNITY if self.community_id else Level.TOWN


class CaseState(models.TextChoices):
    RECEIVED = "received", _("已受理")
    DISPATCHED = "dispatched", _("已派单")
    IN_PROGRESS = "in_progress", _("办理中")
    REPLIED = "replied", _("已答复")
    FOLLOWED_UP = "followed_up", _("已回访")
    CLOSED = "closed", _("已办结")
    RETURNED = "returned", _("已退回")
    REOPENED = "reopened", _("重新办理")
    MERGED = "merged", _("已合并")


OPEN_STATES = (CaseState.RECEIVED, CaseState.DISPATCHED, CaseState.IN_PROGRESS, CaseState.RETURNED,
               CaseState.REOPENED)
DONE_STATES = (CaseState.CLOSED, CaseState.MERGED)


class Case(GriddedPlace):
    """Anything a resident raises (社情民意 / 诉求 / 工单)."""

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("投诉")
        REQUEST = "request", _("求助")
        SUGGESTION = "suggestion", _("建议")
        CONSULTATION = "consultation", _("咨询")
        PETITION = "petition", _("信访")

    class Channel(models.TextChoices):
        QR = "qr", _("扫码反映")
        APP = "app", _("应用接口")
        OPEN311 = "open311", _("Open311")
        WALK_IN = "walk_in", _("来访")
        PHONE = "phone", _("来电")
        VISIT = "visit", _("走访")
        WECHAT = "wechat", _("微信群")
        DELIBERATION = "deliberation", _("榕树头议事")
        HOTLINE = "hotline", _("12345热线转办")

    class Priority(models.TextChoices):
        NORMAL = "normal", _("一般")
        URGENT = "urgent", _("紧急")
        EMERGENCY = "emergency", _("特急（危及生命财产）")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        MOSTLY = "mostly", _("基本满意")
        DISSATISFIED = "dissatisfied", _("不满意")

    tracking_code = models.CharField(_("查询码"), max_length=12, unique=True, default=tracking_code_new,
                                     editable=False)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.REQUEST)
    channel = models.CharField(_("来源渠道"), max_length=12, choices=Channel.choices)
    title = models.CharField(_("标题"), max_length=100, blank=True)
    description = models.TextField(_("内容"), max_length=5000)
    category = models.ForeignKey(Category, models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("分类"))
    suggested_category = models.ForeignKey(Category, models.SET_NULL, null=True, blank=True, related_name="+",
                                           verbose_name=_("建议分类"), editable=False)
    priority = models.CharField(_("紧急程度"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    address = models.CharField(_("地点"), max_length=200, blank=True)
    building = models.ForeignKey("places.Building", models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("楼栋"))
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    contact_name = models.CharField(_("反映人"), max_length=30, blank=True)
    contact_phone_enc, contact_phone_hash, contact_phone_masked = pii_fields(_("联系电话"))
    contact_phone = pii_property("contact_phone", "phone")
    resident = models.ForeignKey("people.Resident", models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("居民档案"))

    state = models.CharField(_("状态"), max_length=12, choices=CaseState.choices, default=CaseState.RECEIVED,
                             editable=False)
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="cases",
                             verbose_name=_("承办单位"), editable=False)
    level = models.CharField(_("办理层级"), max_length=10, choices=Level.choices, default=Level.COMMUNITY,
                             editable=False)
    difficult = models.BooleanField(_("重难点"), default=False, editable=False)
    escalations = models.PositiveSmallIntegerField(_("上报次数"), default=0, editable=False)
    time_limit = models.ForeignKey(TimeLimit, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("办理时限"), editable=False)
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True, editable=False)
    extended = models.BooleanField(_("已延期"), default=False, editable=False)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True, editable=False)
    received_at = models.DateTimeField(_("受理时间"), default=timezone.now, editable=False)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True, editable=False)
    responded_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True, editable=False)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True, editable=False)
    reply = models.TextField(_("答复内容"), blank=True, editable=False)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices, blank=True,
                                    editable=False)
    merged_into = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="merged",
                                    verbose_name=_("合并到"), editable=False)
    project = models.ForeignKey("cases.Project", models.SET_NULL, null=True, blank=True, related_name="cases",
                                verbose_name=_("转为项目"), editable=False)
    deliberation = models.ForeignKey("cases.Deliberation", models.SET_NULL, null=True, blank=True,
                                     related_name="raised", verbose_name=_("议事会"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("登记人"), editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("诉求")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["community", "state", "-received_at"], name="case_community_state"),
                   models.Index(fields=["state", "due_at"], name="case_state_due"),
                   models.Index(fields=["unit", "state"], name="case_unit_state"),
                   models.Index(fields=["grid", "state"], name="case_grid_state"),
                   models.Index(fields=["-received_at"], name="case_received")]

    @classmethod
    def scope_rows(cls, assignment, within):
        """A role that sees only its own (a party member, a building captain) sees the cases they recorded."""
        lookup = cls.place_lookups.get(assignment.level)
        if lookup is None:
            return None
        if own_only(assignment.role, "cases.case"):
            return within(lookup) & Q(recorded_by_id=assignment.user_id)
        return within(lookup)

    @classmethod
    def assigned_rows(cls, user, action: str):
        """The cases sent to a unit the user belongs to: its members (a property company's or an enterprise's
        staff, who may hold no role) see them and take the unit's steps (accept, send back, reply); the other
        steps need a role (`visible_to(..., roles_only=True)`)."""
        if action not in ("view", "change"):
            return None
        return Q(unit_id__in=Unit.members.through.objects.filter(user_id=user.pk).values("unit_id"))

    def __str__(self):
        return self.title or self.description[:30]

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def overdue(self) -> bool:
        if self.due_at is None:
            return False
        if self.state in (*DONE_STATES, CaseState.REPLIED, CaseState.FOLLOWED_UP):
            return bool(self.replied_at and self.replied_at > self.due_at)
        return self.due_at < timezone.now()


class CaseAttachment(models.Model):
    """A photo of a case: the resident's, or a handler's at a step (with the step's event)."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="attachments")
    event_id = models.BigIntegerField(null=True, blank=True)
    file = models.FileField(upload_to="cases/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    by_resident = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.file.name


class PublicSubmission(models.Model):
    """An idempotency key of the public intake: the same key and body again returns the same case; the same key
    with another body is refused. Kept in the database so that several app servers agree."""

    key = models.CharField(max_length=100, unique=True)
    body_hash = models.CharField(max_length=64)
    case = models.ForeignKey(Case, models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.key


class Open311Client(models.Model):
    """An app allowed to post requests through Open311 GeoReport v2, with its api_key (stored hashed; shown once
    when issued). It may post to the communities of its town, or of the whole district when town is empty."""

    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("密钥前缀"), max_length=8, editable=False)
    town = models.ForeignKey("places.Town", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("镇街"))
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("签发人"))
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("Open311接入应用")

    def __str__(self):
        return self.name


class Deliberation(CommunityPlace):
    """A banyan-tree deliberation session (榕树头议事): agenda from cases, minutes, decisions."""

    title = models.CharField(_("议题"), max_length=100)
    held_at = models.DateTimeField(_("时间"))
    venue = models.CharField(_("地点"), max_length=100)
    cooperative = models.ForeignKey("places.Cooperative", models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("经济社"))
    convener = models.CharField(_("召集人"), max_length=50)
    participants = models.TextField(_("参加人员"), blank=True,
                                    help_text=_("每行一人，可注明身份，如：陈伯（乡贤）、李明（党员）"))
    agenda = models.ManyToManyField(Case, blank=True, related_name="deliberations", verbose_name=_("议程中的诉求"))
    minutes = models.TextField(_("会议记录"), blank=True)
    decisions = models.TextField(_("议定事项"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("榕树头议事")
        ordering = ["-held_at", "-pk"]

    def __str__(self):
        return self.title


class Project(CommunityPlace):
    """What a decision becomes (项目): owner, budget, milestones, progress; the cases that asked for it."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("筹备中")
        UNDERWAY = "underway", _("实施中")
        DONE = "done", _("已完成")
        SUSPENDED = "suspended", _("暂缓")

    name = models.CharField(_("项目名称"), max_length=100)
    deliberation = models.ForeignKey(Deliberation, models.SET_NULL, null=True, blank=True, related_name="projects",
                                     verbose_name=_("议事会"))
    decision = models.TextField(_("议定内容"), blank=True)
    owner = models.CharField(_("负责人"), max_length=50)
    unit = models.ForeignKey(Unit, models.SET_NULL, null=True, blank=True, related_name="projects",
                             verbose_name=_("实施单位"))
    budget = models.DecimalField(_("预算（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0,
                                                validators=[MinValueValidator(0), MaxValueValidator(100)])
    started_on = models.DateField(_("开工日期"), null=True, blank=True)
    due_on = models.DateField(_("计划完成"), null=True, blank=True)
    finished_on = models.DateField(_("完成日期"), null=True, blank=True)
    public = models.BooleanField(_("在进度公示栏公开"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("项目")
        ordering = ["-pk"]

    def __str__(self):
        return self.name


class Milestone(models.Model):
    """A step of a project's plan; seen and changed on its project's page, by who may change the project (each
    change an event on the project's timeline)."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="milestones", verbose_name=_("项目"))
    name = models.CharField(_("节点"), max_length=100)
    due_on = models.DateField(_("计划日期"), null=True, blank=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("项目节点")
        ordering = ["project", "due_on", "pk"]

    def __str__(self):
        return self.name


class ProjectPhoto(models.Model):
    project = models.ForeignKey(Project, models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="projects/%Y/%m/")
    caption = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.caption or self.file.name


# --- Similar-case index (cases/similar.py) ---


class CaseTerm(models.Model):
    """One posting of the similar-case index: a case contains a character bigram (`term`, a 32-bit code of the
    normalised bigram). Written only by `cases/similar.py`, in the transaction that writes the case.

    The primary key (term, is_open, case) is the one index a lookup reads: the postings of a term, open cases
    first, without visiting the table. `is_open` mirrors the case's state, so that a lookup among open cases
    never gathers closed ones; the index on `case` finds a case's postings when its text or state changes."""

    pk = models.CompositePrimaryKey("term", "is_open", "case")
    term = models.IntegerField()
    is_open = models.BooleanField()
    # No database constraint: the bulk load writes tens of millions of postings, and a check per row would
    # double its time. Deleting a case through the ORM still deletes its postings.
    case = models.ForeignKey(Case, models.CASCADE, related_name="+", db_constraint=False)

    class Meta:
        verbose_name = verbose_name_plural = _("相似诉求索引")

    def __str__(self):
        return f"{self.term}@{self.case_id}"


class TermCount(models.Model):
    """How many indexed cases contain a term (its document frequency), kept with the postings. Term 0, which no
    bigram has, holds the number of indexed cases."""

    term = models.IntegerField(primary_key=True)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("相似诉求词频")

    def __str__(self):
        return f"{self.term}×{self.n}"
