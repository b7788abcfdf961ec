"""Households, residents, rentals and tenancies, enterprises and property companies."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from banyan.accounts.roles import Level
from banyan.core.pii import HashLookupIndex, last_four, pii_fields, pii_property
from banyan.core.scoping import ScopedManager
from banyan.core.validators import validate_not_future
from banyan.places.models import CommunityPlace, GriddedPlace

# Code lists (store the code, show the name): GB/T 2261.1 sex, GB/T 4761 relation to head of household,
# GB/T 4762 political status, GB/T 31000-2015 for migrants and rentals.
SEX = [("1", "男"), ("2", "女"), ("9", "未说明")]
RELATION = [("02", "户主"), ("10", "配偶"), ("20", "子女"), ("30", "孙子女"), ("50", "父母"),
            ("60", "祖父母"), ("70", "兄弟姐妹"), ("99", "其他")]
POLITICAL_STATUS = [("01", "中共党员"), ("02", "中共预备党员"), ("03", "共青团员"), ("12", "无党派人士"),
                    ("13", "群众")]
INFLOW_REASON = [("01", "务工"), ("02", "务农"), ("03", "经商"), ("04", "学习培训"), ("05", "婚嫁"),
                 ("06", "随迁"), ("07", "治病疗养"), ("08", "投亲靠友"), ("09", "工作调动"), ("99", "其他")]
PERMIT_TYPE = [("01", "居住证"), ("02", "暂住证"), ("99", "其他")]
RESIDENCE_TYPE = [("01", "自购房屋"), ("02", "租赁房屋"), ("03", "寄宿"), ("04", "借住"), ("05", "单位宿舍"),
                  ("06", "临时性宿舍"), ("07", "农民工公寓"), ("99", "其他")]
_ETHNIC_GROUPS = [  # GB/T 3304, in code order 01-56
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
]
ETHNICITY = [(f"{i:02d}", name) for i, name in enumerate(_ETHNIC_GROUPS, start=1)] + [
    ("97", "其他"), ("98", "外国血统中国籍人士")]
RENTAL_USE = [("01", "宿舍"), ("02", "住房"), ("03", "商铺"), ("04", "办公"), ("05", "仓库"), ("06", "厂房"),
              ("99", "其他")]
RENTAL_HAZARD = [("00", "无"), ("01", "火灾隐患"), ("02", "治安隐患"), ("03", "矛盾纠纷隐患"),
                 ("04", "危化物品隐患"), ("05", "疾病传染隐患"), ("99", "其他")]


class Residency(models.TextChoices):
    REGISTERED = "registered", _("户籍人口")
    PERMANENT = "permanent", _("常住人口（非户籍）")
    MIGRANT = "migrant", _("流动人口")


class ResidentStatus(models.TextChoices):
    """Whether a resident still lives here. A resident is never deleted for leaving: moving away and death are
    status changes (with their date and reason) made by the services in people/services.py."""

    CURRENT = "current", _("在册")
    MOVED_OUT = "moved_out", _("已迁出")
    DECEASED = "deceased", _("已死亡")


class PropertyCompany(CommunityPlace):
    name = models.CharField(_("名称"), max_length=100)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=30, blank=True)
    contact_phone_enc, contact_phone_hash, contact_phone_masked = pii_fields(_("联系电话"))
    contact_phone = pii_property("contact_phone", "phone")

    class Meta:
        verbose_name = verbose_name_plural = _("物业公司")
        ordering = ["community", "name"]

    def __str__(self):
        return self.name


class Enterprise(GriddedPlace):
    name = models.CharField(_("名称"), max_length=100, db_index=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    park = models.ForeignKey("places.IndustrialPark", models.SET_NULL, null=True, blank=True,
                             related_name="enterprises", verbose_name=_("所在工业园"))
    industry = models.CharField(_("行业"), max_length=50, blank=True)
    headcount = models.PositiveIntegerField(_("从业人数"), default=0)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("负责人"), max_length=30, blank=True)
    contact_phone_enc, contact_phone_hash, contact_phone_masked = pii_fields(_("联系电话"))
    contact_phone = pii_property("contact_phone", "phone")

    class Meta:
        verbose_name = verbose_name_plural = _("企业")
        ordering = ["community", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.park_id and self.community_id and self.park.community_id != self.community_id:
            raise ValidationError({"park": _("所选工业园不属于该社区。")})


class Household(GriddedPlace):
    class Kind(models.TextChoices):
        FAMILY = "family", _("家庭户")
        COLLECTIVE = "collective", _("集体户")

    number = models.CharField(_("户号"), max_length=30, db_index=True)
    kind = models.CharField(_("户别"), max_length=12, choices=Kind.choices, default=Kind.FAMILY)
    dwelling = models.ForeignKey("places.Dwelling", models.SET_NULL, null=True, blank=True,
                                 related_name="households", verbose_name=_("房屋"))
    address = models.CharField(_("地址"), max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("户")
        ordering = ["community", "number"]
        constraints = [models.UniqueConstraint(fields=["community", "number"], name="household_unique_number")]

    def __str__(self):
        return self.number

    def clean(self):
        super().clean()
        if self.dwelling_id and self.community_id and self.dwelling.community_id != self.community_id:
            raise ValidationError({"dwelling": _("所选房屋不属于该社区。")})


class Resident(GriddedPlace):
    # Residents are the million-row table that ledgers are bulk-imported into (docs/adr/0006). The (community,
    # residency) and (grid, residency) indexes serve lookups by place, so the foreign keys get no index of
    # their own, and no database constraint: PostgreSQL's per-row constraint triggers cost more than the rest
    # of an import. Django still enforces PROTECT / SET_NULL on delete; imports resolve every id from the
    # database inside the write transaction.
    community = models.ForeignKey("places.Community", models.PROTECT, related_name="+", verbose_name=_("社区"),
                                  db_index=False, db_constraint=False)
    grid = models.ForeignKey("places.Grid", models.PROTECT, related_name="+", verbose_name=_("网格"), null=True,
                             blank=True, db_index=False, db_constraint=False)
    household = models.ForeignKey(Household, models.SET_NULL, null=True, blank=True, related_name="members",
                                  verbose_name=_("户"), db_constraint=False, db_index=False)
    dwelling = models.ForeignKey("places.Dwelling", models.SET_NULL, null=True, blank=True,
                                 related_name="residents", verbose_name=_("现住房屋"), db_constraint=False,
                                 db_index=False)
    name = models.CharField(_("姓名"), max_length=30)  # searched by substring, which no B-tree index serves
    sex = models.CharField(_("性别"), max_length=1, choices=SEX, default="9")
    birth_date = models.DateField(_("出生日期"), null=True, blank=True, validators=[validate_not_future])
    # Blank when not known: an imported ledger without 民族 must not make everyone 汉族.
    ethnicity = models.CharField(_("民族"), max_length=2, choices=ETHNICITY, blank=True)
    id_number_enc, id_number_hash, id_number_masked = pii_fields(_("身份证号"), indexed=False)
    id_number = pii_property("id_number", "id_number")
    phone_enc, phone_hash, phone_masked = pii_fields(_("手机号码"), indexed=False)
    phone = pii_property("phone", "phone")
    residency = models.CharField(_("人口类别"), max_length=12, choices=Residency.choices)
    relation = models.CharField(_("与户主关系"), max_length=2, choices=RELATION, blank=True)
    political_status = models.CharField(_("政治面貌"), max_length=2, choices=POLITICAL_STATUS, default="13")
    registered_address = models.CharField(_("户籍地址"), max_length=200, blank=True)
    current_address = models.CharField(_("现住址"), max_length=200, blank=True)
    inflow_reason = models.CharField(_("流入原因"), max_length=2, choices=INFLOW_REASON, blank=True)
    permit_type = models.CharField(_("办证类型"), max_length=2, choices=PERMIT_TYPE, blank=True)
    residence_type = models.CharField(_("住所类型"), max_length=2, choices=RESIDENCE_TYPE, blank=True)
    arrived_on = models.DateField(_("来本地日期"), null=True, blank=True, validators=[validate_not_future])
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    # Changed only by the services (move out, death, move in), never by the generic forms: the last change's
    # date and reason stay on the row, every earlier one in its events.
    status = models.CharField(_("状态"), max_length=10, choices=ResidentStatus.choices,
                              default=ResidentStatus.CURRENT, editable=False)
    status_on = models.DateField(_("状态变更日期"), null=True, blank=True, editable=False)
    status_reason = models.CharField(_("状态变更原因"), max_length=200, blank=True, editable=False)
    moved_to = models.CharField(_("迁往"), max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("居民")
        ordering = ["community", "pk"]
        # Grid, household, dwelling and phone are often blank in imported ledgers: their indexes skip the
        # blanks (an equality or IN lookup implies NOT NULL, so queries still use them). Status trails the place
        # indexes so that counting current residents by place still reads the index alone.
        indexes = [models.Index(fields=["community", "residency", "status"], name="resident_community_residency"),
                   models.Index(fields=["grid", "residency", "status"], condition=models.Q(grid__isnull=False),
                                name="resident_grid_residency"),
                   models.Index(fields=["household"], condition=models.Q(household__isnull=False),
                                name="resident_household"),
                   models.Index(fields=["dwelling"], condition=models.Q(dwelling__isnull=False),
                                name="resident_dwelling"),
                   HashLookupIndex(fields=["phone_hash"], condition=models.Q(phone_hash__isnull=False),
                                   name="resident_phone_hash"),
                   # Finding a person by the last four characters of their ID or phone number (what the mask
                   # shows) at district size: an index on that expression, not a scan of millions of masks.
                   models.Index(last_four("id_number"), name="resident_id_last_four"),
                   models.Index(last_four("phone"), name="resident_phone_last_four")]
        constraints = [models.UniqueConstraint(fields=["id_number_hash"], name="resident_unique_id_number",
                                               violation_error_message=_("该身份证号已登记。"))]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.household_id and self.community_id and self.household.community_id != self.community_id:
            raise ValidationError({"household": _("所选户不属于该社区。")})
        if self.residency == Residency.MIGRANT and not self.inflow_reason:
            self.inflow_reason = "99"

    @property
    def age(self) -> int | None:
        if not self.birth_date:
            return None
        today = timezone.localdate()
        return today.year - self.birth_date.year - ((today.month, today.day) < (self.birth_date.month,
                                                                                 self.birth_date.day))


class RentalProperty(GriddedPlace):
    address = models.CharField(_("地址"), max_length=200)
    building = models.ForeignKey("places.Building", models.SET_NULL, null=True, blank=True,
                                 related_name="rental_properties", verbose_name=_("楼栋"))
    landlord_name = models.CharField(_("房东姓名"), max_length=30)
    landlord_phone_enc, landlord_phone_hash, landlord_phone_masked = pii_fields(_("房东电话"))
    landlord_phone = pii_property("landlord_phone", "phone")
    attendant_name = models.CharField(_("24小时值守人"), max_length=30, blank=True)
    use = models.CharField(_("出租用途"), max_length=2, choices=RENTAL_USE, default="02")
    hazard = models.CharField(_("隐患类型"), max_length=2, choices=RENTAL_HAZARD, default="00")

    class Meta:
        verbose_name = verbose_name_plural = _("出租屋")
        ordering = ["community", "address"]

    def __str__(self):
        return self.address


class RentalRoom(GriddedPlace):
    place_from = "rental_property"

    rental_property = models.ForeignKey(RentalProperty, models.CASCADE, related_name="rooms",
                                        verbose_name=_("出租屋"))
    number = models.CharField(_("房间号"), max_length=20)
    capacity = models.PositiveSmallIntegerField(_("可住人数"), default=2)
    area_m2 = models.DecimalField(_("面积（平方米）"), max_digits=7, decimal_places=1, null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("出租房间")
        ordering = ["rental_property", "number"]
        constraints = [models.UniqueConstraint(fields=["rental_property", "number"],
                                               name="rentalroom_unique_number")]

    def __str__(self):
        return f"{self.rental_property} {self.number}"


class Tenancy(GriddedPlace):
    """One person living in one rental room from a date, until a move-out date ("一个不漏,人人登记")."""

    place_from = "room"

    room = models.ForeignKey(RentalRoom, models.CASCADE, related_name="tenancies", verbose_name=_("出租房间"))
    resident = models.ForeignKey(Resident, models.CASCADE, related_name="tenancies", verbose_name=_("租住人"))
    moved_in = models.DateField(_("入住日期"), validators=[validate_not_future])
    moved_out = models.DateField(_("搬离日期"), null=True, blank=True, validators=[validate_not_future])

    class Meta:
        verbose_name = verbose_name_plural = _("入住登记")
        ordering = ["-moved_in", "pk"]
        indexes = [models.Index(fields=["room", "moved_out"], name="tenancy_room_current")]

    def __str__(self):
        return f"{self.resident} @ {self.room}"

    def clean(self):
        super().clean()
        if self.moved_in and self.moved_out and self.moved_out < self.moved_in:
            raise ValidationError({"moved_out": _("搬离日期不能早于入住日期。")})
        if self.room_id and self.resident_id and self.resident.community_id != self.room.community_id:
            raise ValidationError({"resident": _("租住人须登记在出租屋所在社区。")})


class TransferRequest(models.Model):
    """A request by the staff of one community (the asker, `to_community`) to move in a resident registered in
    another (`from_community`), which that community's staff accept or refuse (迁入申请).

    Each side sees the request (see `scope_rows`), but not each other's records: the asker sees only what they
    typed (the ID number, masked; the reason; the grid and household they chose) and the answer, never the
    person's name, address, household or community, until the person is theirs; the holder sees the person and
    the asking community, never the asker's grid or household. Pages and the API show a related record only to
    those who may open it through the access door, so this holds wherever the request is shown.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待处理")
        ACCEPTED = "accepted", _("已同意")
        REFUSED = "refused", _("已拒绝")
        CANCELLED = "cancelled", _("已撤回")

    resident = models.ForeignKey(Resident, models.PROTECT, related_name="transfer_requests",
                                 verbose_name=_("居民"))
    id_number_masked = models.CharField(_("身份证号"), max_length=24, editable=False)
    from_community = models.ForeignKey("places.Community", models.PROTECT, related_name="+",
                                       verbose_name=_("原登记社区"))
    to_community = models.ForeignKey("places.Community", models.PROTECT, related_name="+",
                                     verbose_name=_("迁入社区"))
    to_grid = models.ForeignKey("places.Grid", models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("迁入网格"))
    to_household = models.ForeignKey(Household, models.SET_NULL, null=True, blank=True, related_name="+",
                                     verbose_name=_("迁入户"))
    reason = models.CharField(_("申请事由"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey("accounts.User", models.PROTECT, related_name="+", verbose_name=_("申请人"))
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now, editable=False)
    decided_by = models.ForeignKey("accounts.User", models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("处理人"))
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_note = models.CharField(_("处理意见"), max_length=200, blank=True)

    # Where the request is, as the asker placed it: lists narrowed to a place, and what a role reaches at all.
    place_lookups = {Level.DISTRICT: "to_community__town__district", Level.TOWN: "to_community__town",
                     Level.COMMUNITY: "to_community", Level.GRID: "to_grid"}
    # Where the person is registered: the community that decides. Not by grid: a move between communities is
    # decided by the community, and a grid worker of the person's grid does not see requests for them.
    holder_lookups = {Level.DISTRICT: "from_community__town__district", Level.TOWN: "from_community__town",
                      Level.COMMUNITY: "from_community"}
    objects = ScopedManager()

    class Meta:
        verbose_name = verbose_name_plural = _("迁入申请")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["from_community", "status"], name="transfer_holder_status"),
                   models.Index(fields=["to_community", "status"], name="transfer_asker_status")]
        constraints = [models.UniqueConstraint(fields=["resident"], condition=models.Q(status="pending"),
                                               name="transfer_one_pending",
                                               violation_error_message=_("该身份证号已有待处理的迁入申请。"))]

    def __str__(self):
        return _("迁入申请 %(number)s") % {"number": self.pk or ""}

    @property
    def id_number(self) -> str:
        """The number the asker typed, as its mask (the generic pages read personal numbers by this name)."""
        return self.id_number_masked

    @classmethod
    def scope_rows(cls, assignment, within):
        """The access door's hook (core/scoping.py): a request is at both communities, the asker's (down to
        the grid they chose) and the holder's."""
        q = within(cls.place_lookups[assignment.level])
        holder = cls.holder_lookups.get(assignment.level)
        return q | within(holder) if holder else q
