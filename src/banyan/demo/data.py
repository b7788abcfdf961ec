"""The demo's script: the four communities of the seed reports (../shared/seeds/, seed-facts.md) with their
figures. People counts scale with `scale`; structural figures (rentals, parks, party groups, in-service members)
are exact at every scale. Figures the seeds do not give are marked as invented."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Park:
    name: str
    area_mu: float | None = None
    enterprises: int = 0
    industries: tuple[tuple[str, int], ...] = (("五金", 1),)
    headcount: tuple[int, int] = (5, 60)  # range per enterprise
    anchors: tuple[tuple[str, str, int], ...] = ()  # (name, industry, headcount) of named enterprises


@dataclass(frozen=True)
class Branch:
    name: str
    groups: int
    members: int
    kind: str = "local"  # local / mobile / in_service
    cooperative: str | None = None


@dataclass(frozen=True)
class CommunitySpec:
    name: str
    town: str
    secretary: tuple[str, str]  # (username, display name)
    kind: str
    area_km2: float | None
    description: str
    registered: int
    permanent: int
    migrant: int
    centre: tuple[float, float]  # latitude, longitude
    estates: tuple[str, ...] = ()
    cooperatives: tuple[str, ...] = ()
    property_companies: tuple[str, ...] = ()
    parks: tuple[Park, ...] = ()
    rentals: tuple[int, int] = (0, 0)  # properties, rooms
    committee: str = ""
    branches: tuple[Branch, ...] = ()
    extra_committees: tuple[str, ...] = ()
    households_per_grid: int = 400


_HARDWARE = (("五金", 14), ("五金制品", 4), ("铝型材加工", 2), ("模具", 1), ("电器配件", 1), ("包装", 1))

COMMUNITIES: tuple[CommunitySpec, ...] = (
    CommunitySpec(
        name="东联", town="丹灶镇", secretary=("donglian", "陈兆辉"), kind="village", area_km2=5.6,
        description="丹灶镇的“大社区”：户籍人口4800多人，外来人口9000多人；11个村级工业园约占社区面积三分之一，"
                    "1300多间企业以传统五金产业为主。拾陈经济社老榕树下设“榕树头议事厅”。",
        registered=4830, permanent=0, migrant=9060, centre=(23.043, 112.927),
        cooperatives=("拾陈经济社", "东村经济社", "西村经济社", "南约经济社", "北约经济社", "新基经济社",
                      "上社经济社", "下社经济社"),
        parks=tuple(Park(f"东联{n}工业园", enterprises=120, industries=_HARDWARE, headcount=(4, 40))
                    for n in ("第一", "第二", "第三", "第四", "第五", "第六", "第七", "第八", "第九", "第十",
                              "第十一")),
        rentals=(191, 2379), committee="东联社区党委",
        branches=tuple(Branch(f"{c}党支部", 2, 20, cooperative=c)
                       for c in ("拾陈经济社", "东村经济社", "西村经济社", "南约经济社", "北约经济社", "新基经济社",
                                 "上社经济社", "下社经济社")) + (Branch("东联社区机关党支部", 2, 22),),
        households_per_grid=300,
    ),
    CommunitySpec(
        name="罗湖", town="狮山镇", secretary=("luohu", "黄黎意"), kind="urban", area_km2=None,
        description="常住人口8万多人的城市社区：网格化+驻点直联，重难点问题全链条解决，党员楼长与楼长巡逻。",
        registered=18000, permanent=52000, migrant=10500, centre=(23.138, 113.031),
        estates=("龙光·君悦龙庭", "长信银湾", "罗村花园B区", "罗湖花园", "罗湖新村", "碧桂园罗湖湾", "狮山明珠苑",
                 "罗湖商住区"),
        property_companies=("龙光物业", "长信物业", "罗湖花园物业服务中心"),
        committee="罗湖社区党委",
        branches=(Branch("罗村花园B区党支部", 16, 96), Branch("罗湖花园党支部", 16, 96),
                  Branch("龙光·君悦龙庭党支部", 16, 96), Branch("长信银湾党支部", 16, 96),
                  Branch("罗湖新村党支部", 15, 90), Branch("罗湖社区第一党支部", 14, 84),
                  Branch("罗湖社区第二党支部", 14, 84), Branch("罗湖社区“两新”联合党支部", 12, 80, kind="mobile")),
    ),
    CommunitySpec(
        name="灯湖", town="桂城街道", secretary=("denghu", "包杰"), kind="urban", area_km2=None,
        description="干灯湖商圈所在社区：户籍人口12000多，常住人口超过5万，每日商圈人流近9万；690名机关党员到社区报到，"
                    "推进楼长制、成立街坊会（“创熟”）。",
        registered=12100, permanent=38600, migrant=800, centre=(23.031, 113.153),
        estates=("中海万锦豪园", "中海金沙湾", "保利花园", "怡翠玫瑰园", "灯湖东路商住区", "万科金色家园"),
        property_companies=("中海物业", "保利物业", "万科物业"),
        committee="灯湖社区党委", extra_committees=("干灯湖联合党委",),
        branches=(Branch("中海万锦豪园党支部", 4, 80), Branch("中海金沙湾党支部", 4, 70),
                  Branch("保利花园党支部", 3, 60), Branch("灯湖社区机关党支部", 3, 60),
                  Branch("机关在职党员报到党支部", 0, 690, kind="in_service")),
    ),
    CommunitySpec(
        name="凤鸣", town="桂城街道", secretary=("fengming", "谭灿斌"), kind="urban", area_km2=None,
        description="2013年由原北区社区与东平社区合并而成，城市、农村、工业区三位一体；辖平洲工业园（约2800亩，"
                    "外来务工人员约3万人）与夏北工业园；与平东、平南、平北、东区、中区、夏北联动值守。",
        registered=6000, permanent=4000, migrant=5500, centre=(23.041, 113.188),
        estates=("基业花园", "凤鸣花园", "东平新村"),
        cooperatives=("北区经济社", "东平经济社"),
        property_companies=("基业物业",),
        parks=(Park("平洲工业园", 2800, enterprises=300, industries=(("制鞋", 5), ("五金", 3), ("玉器加工", 2),
                                                                  ("电子", 2), ("物流", 1)),
                    headcount=(20, 170), anchors=(("凤鸣鞋业有限公司", "制鞋", 1200),)),
               Park("夏北工业园", 600, enterprises=80, industries=(("五金", 3), ("家具", 2), ("印刷", 1)),
                    headcount=(8, 60))),
        rentals=(86, 940),  # invented: the seeds give no rental figures for 凤鸣
        committee="凤鸣社区党委",
        branches=(Branch("基业花园党支部", 3, 50), Branch("凤鸣花园党支部", 3, 50), Branch("北区经济社党支部", 2, 40,
                                                                                   cooperative="北区经济社"),
                  Branch("东平经济社党支部", 2, 40, cooperative="东平经济社"), Branch("平洲工业园“两新”党支部", 2, 40,
                                                                                   kind="mobile"),
                  Branch("凤鸣社区机关党支部", 2, 30)),
    ),
)

# In-service members' agencies (机关党员报到): work units in 南海区 and 桂城街道.
AGENCIES = ("南海区人民法院", "南海区人民检察院", "桂城街道办事处", "南海区教育局", "南海区卫生健康局",
            "南海区财政局", "南海区住房城乡建设和水利局", "南海区市场监督管理局", "南海区人力资源和社会保障局",
            "桂城街道社区卫生服务中心", "南海区公安分局桂城派出所", "南海区委组织部", "南海区税务局",
            "佛山市自然资源局南海分局")

SURNAMES = ("陈", "李", "黄", "梁", "何", "林", "罗", "张", "吴", "刘", "冯", "邓", "麦", "潘", "关", "谭", "杨", "周",
            "区", "叶", "郭", "卢", "钟", "朱", "王", "徐", "孔", "苏", "赵", "胡")
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀", "霞",
         "平", "刚", "桂", "英", "华", "玲", "健", "文", "志", "辉", "锦", "嘉", "浩", "婷", "雪", "俊", "宇", "欣",
         "泳", "诗", "晓", "佩", "颖", "瑜", "荣", "基", "伦", "兆", "坤", "燕")
MIGRANT_REGIONS = ("430102", "450102", "510104", "360102", "520102", "410102", "420102", "441521", "440883",
                   "431002")
PERMANENT_REGIONS = ("440604", "440103", "440606", "440307", "430102", "360102", "420102", "445102")


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    place: str  # "南海区", a town, a community, or "grid:<community>" / "micro:<community>"
    display_name: str
    superuser: bool = False
    extra: dict = field(default_factory=dict)


DEMO_ACCOUNTS: tuple[Account, ...] = (
    Account("admin", "district_admin", "南海区", "南海区管理员", superuser=True),
    Account("guicheng", "town_officer", "桂城街道", "桂城街道干部"),
    Account("danzao", "town_officer", "丹灶镇", "丹灶镇干部"),
    Account("donglian", "community_secretary", "东联", "陈兆辉"),
    Account("donglian-staff", "community_staff", "东联", "东联社区工作人员"),
    Account("donglian-migrant", "migrant_officer", "东联", "东联流管专员"),
    Account("luohu", "community_secretary", "罗湖", "黄黎意"),
    Account("luohu-grid", "grid_worker", "grid:罗湖", "罗湖网格员"),
    Account("luohu-captain", "building_captain", "micro:罗湖", "罗湖楼长"),
    Account("denghu", "community_secretary", "灯湖", "包杰"),
    Account("denghu-member", "party_member", "灯湖", "灯湖报到党员"),
    Account("fengming", "community_secretary", "凤鸣", "谭灿斌"),
    Account("fengming-volunteer", "volunteer", "凤鸣", "凤鸣志愿者"),
)
PASSWORD = "banyan-demo"
