"""The demo's script: the four communities of the seed reports, with every figure they give.

The reports' figures are in ../shared/reference/seed-facts.md; what they leave open (estate and cooperative
names beyond the named ones, the areas of three communities, rental figures of 凤鸣, 罗湖 and 灯湖, the firms of
罗湖 and 灯湖, headcounts of single firms) is invented here to be plausible for the place, and said so beside it.

Two kinds of figure, and `scale` treats them differently:
- people counts (residents by residency, hence households, dwellings, buildings, grids, party members drawn from
  residents) shrink with `scale`;
- structure (cooperatives, estates, parks, office towers, enterprises and their headcounts, rental properties
  and rooms such as 东联's 191 with 2,379, the party organisations with 罗湖's 119 groups, 灯湖's 690 in-service
  members) is loaded whole at every scale: none of it is a count of residents, and a small demo should still
  show the seeds' numbers.
"""

import datetime as dt
from dataclasses import dataclass

# The demo's "today": every date in the demo lies on or before it, so the data never depends on the clock.
AS_OF = dt.date(2025, 6, 30)
HOUSEHOLDS_PER_GRID = 400  # a level-2 grid covers 300-500 households
VACANCY = 0.05  # share of dwellings without a household


@dataclass(frozen=True)
class EstatePlan:
    name: str
    weight: float  # share of the community's estate households (weights are normalised)
    company: str  # its property company (物业)
    floors: int = 18
    per_floor: int = 4
    rentals: int = 0  # flats let room by room (出租屋), registered with their rooms; no household lives in them


@dataclass(frozen=True)
class CooperativePlan:
    name: str
    weight: float  # share of the community's village households
    rentals: int = 0  # rental properties (出租屋) in its village


@dataclass(frozen=True)
class ParkPlan:
    name: str
    area_mu: int
    enterprises: int
    industries: tuple[tuple[str, float], ...]  # (industry, share of the park's firms)
    headcount: int = 0  # the park's whole workforce where the seeds give it; otherwise drawn firm by firm
    flagship: tuple[str, str, int] | None = None  # (name, industry, headcount) of a firm the seeds tell of


@dataclass(frozen=True)
class OfficePlan:
    """A business district's office towers: a grid of its own, each tower a micro-grid, firms on its floors."""

    name: str
    towers: tuple[tuple[str, int], ...]  # (name, floors); firms are shared among the towers by floors
    enterprises: int
    industries: tuple[tuple[str, float], ...]
    median_headcount: int  # offices are larger than workshops: a long tail around this


@dataclass(frozen=True)
class PartyPlan:
    committee: str
    section_groups: int  # party groups shared among the branches of the estates and cooperatives
    local_rate: float  # share of adult (22+) registered and permanent residents who are members
    mobile_branch: str = ""  # the "两新" joint branch where mobile members (流动党员) are organised
    mobile_groups: int = 0
    mobile_rate: float = 0.0  # share of adult migrants who are mobile members
    in_service: int = 0  # agency members reporting to the community (机关在职党员报到)
    joint_committee: str = ""
    joint_branches: tuple[str, ...] = ()


@dataclass(frozen=True)
class CommunityPlan:
    name: str
    town: str
    area_km2: str
    centre: tuple[float, float]  # latitude, longitude
    description: str
    registered: int
    permanent: int
    migrant: int
    party: PartyPlan
    estates: tuple[EstatePlan, ...] = ()
    cooperatives: tuple[CooperativePlan, ...] = ()
    village_share: float = 0.0  # share of registered households living in the cooperatives' village houses
    parks: tuple[ParkPlan, ...] = ()
    offices: tuple[OfficePlan, ...] = ()
    rental_rooms: int = 0  # rooms across all rental properties of the cooperatives
    flat_rooms: int = 0  # rooms across the estates' let flats (EstatePlan.rentals)
    rental_share: float = 0.0  # share of migrants living in rental rooms
    dorm_share: float = 0.0  # share of migrants in enterprise dormitories (collective households)

    @property
    def sections(self) -> tuple[EstatePlan | CooperativePlan, ...]:
        """Where households live: the estates, then the cooperatives' villages."""
        return self.estates + self.cooperatives

    @property
    def rooms(self) -> int:
        return self.rental_rooms + self.flat_rooms

    @property
    def enterprises(self) -> int:
        return sum(p.enterprises for p in self.parks) + sum(o.enterprises for o in self.offices)


HARDWARE = (("五金", 0.78), ("塑料制品", 0.07), ("电器配件", 0.05), ("家具", 0.04), ("包装印刷", 0.03),
            ("物流仓储", 0.03))
# The workshops of 狮山镇, a manufacturing town: hardware, car parts and appliance parts first.
SHISHAN = (("五金", 0.30), ("汽车配件", 0.20), ("电器配件", 0.18), ("家具", 0.12), ("服装", 0.10),
           ("物流仓储", 0.10))
# The firms of an office district: finance first (the 千灯湖 financial district), then technology and services.
OFFICES = (("金融服务", 0.30), ("信息技术", 0.22), ("商务服务", 0.22), ("文化传媒", 0.10), ("房地产服务", 0.08),
           ("教育培训", 0.08))

DONGLIAN = CommunityPlan(
    name="东联",
    town="丹灶镇",
    area_km2="5.60",
    centre=(23.04, 112.93),
    description=(
        "东联社区位于丹灶镇，占地约5.6平方公里，下辖拾陈等8个经济社。辖区内11个村级工业园区覆盖面积约占社区的"
        "三分之一，1300多家企业以传统五金产业为主，多为小型企业。拾陈经济社老榕树下设有“榕树头议事厅”。"
    ),
    registered=4830,
    permanent=0,
    migrant=9060,
    village_share=1.0,
    cooperatives=(
        CooperativePlan("拾陈经济社", 0.16, rentals=30),
        CooperativePlan("东头经济社", 0.12, rentals=22),
        CooperativePlan("西头经济社", 0.11, rentals=20),
        CooperativePlan("大岗经济社", 0.14, rentals=26),
        CooperativePlan("新围经济社", 0.13, rentals=25),
        CooperativePlan("塘边经济社", 0.12, rentals=24),
        CooperativePlan("沙涌经济社", 0.11, rentals=22),
        CooperativePlan("石岗经济社", 0.11, rentals=22),
    ),
    rental_rooms=2379,
    rental_share=1.0,
    # 11 parks, about a third of 5.6 km² (2,800 of 8,400 mu); firms in proportion to area, 1,320 in all.
    parks=(
        ParkPlan("东联工业园", 420, 198, HARDWARE),
        ParkPlan("拾陈工业区", 310, 146, HARDWARE),
        ParkPlan("大岗工业区", 280, 132, HARDWARE),
        ParkPlan("新围工业区", 260, 123, HARDWARE),
        ParkPlan("塘边工业区", 250, 118, HARDWARE),
        ParkPlan("沙涌工业区", 240, 113, HARDWARE),
        ParkPlan("石岗工业区", 230, 108, HARDWARE),
        ParkPlan("东头工业区", 220, 104, HARDWARE),
        ParkPlan("西头工业区", 210, 99, HARDWARE),
        ParkPlan("联安工业区", 200, 94, HARDWARE),
        ParkPlan("东联五金城", 180, 85, HARDWARE),
    ),
    party=PartyPlan(
        committee="东联社区党委",
        section_groups=20,
        local_rate=0.045,
        mobile_branch="东联社区工业园区“两新”联合党支部",
        mobile_groups=3,
        mobile_rate=0.008,
    ),
)

LUOHU = CommunityPlan(
    name="罗湖",
    town="狮山镇",
    area_km2="4.80",
    centre=(23.14, 113.03),
    description=(
        "罗湖社区位于狮山镇，常住人口逾8万人，社区党委下设119个党小组。以龙光·君悦龙庭、长信银湾为楼长制试点小区，"
        "定期召开楼长季度议事会；罗湖花园邻里中心由居民志愿者运营。"
    ),
    registered=18000,
    permanent=52000,
    migrant=10500,
    # The seeds give 罗湖 no rental or enterprise figures; what follows is chosen for 10,500 migrants in a town of
    # factories, beside 东联 (9,060 migrants, all in 2,379 rooms) and 凤鸣 (5,500, 560 rooms and dormitories):
    # - 60% of migrants (6,300) in registered rental rooms: 170 village houses let room by room (1,700 rooms) in
    #   the old villages of three cooperatives (经济社 live on after a village becomes an urban community), and
    #   200 flats of the older estates let room by room (560 rooms); about 2.8 tenants to a room;
    # - 10% (1,050) in the dormitories of the largest workshops, the other 30% sharing rented flats;
    # - 170 workshops in two small village-level industrial zones: most of 罗湖's migrants work in 狮山's large
    #   industrial areas outside the community, so far fewer firms per migrant than 东联 (1,320 for 9,060).
    estates=(
        EstatePlan("罗村花园A区", 0.11, "罗湖物业管理有限公司", floors=9, rentals=60),
        EstatePlan("罗村花园B区", 0.11, "罗湖物业管理有限公司", floors=9, rentals=60),
        EstatePlan("罗湖花园", 0.14, "罗湖物业管理有限公司", floors=11, rentals=50),
        EstatePlan("龙光·君悦龙庭", 0.14, "君悦物业服务有限公司", floors=32),
        # Small on purpose: one grid of a few hundred residents, the pilot estate of building captains.
        EstatePlan("长信银湾", 0.011, "银湾物业服务有限公司", floors=26),
        EstatePlan("罗湖新苑", 0.10, "狮山物业服务有限公司", rentals=30),
        EstatePlan("狮城雅苑", 0.10, "狮山物业服务有限公司", floors=24),
        EstatePlan("湖畔华庭", 0.09, "君悦物业服务有限公司", floors=28),
        EstatePlan("金岸花园", 0.10, "狮山物业服务有限公司", floors=16),
        EstatePlan("翠林山庄", 0.089, "银湾物业服务有限公司", floors=11),
    ),
    # Weights on the estates' scale, as the party groups are shared by both: the villages hold 12% of households.
    cooperatives=(
        CooperativePlan("湖东经济社", 0.05, rentals=70),
        CooperativePlan("湖西经济社", 0.04, rentals=60),
        CooperativePlan("岗头经济社", 0.03, rentals=40),
    ),
    village_share=0.12,
    rental_rooms=1700,
    flat_rooms=560,
    rental_share=0.6,
    dorm_share=0.1,
    parks=(
        ParkPlan("罗湖工业区", 260, 110, SHISHAN),
        ParkPlan("湖东工业区", 150, 60, SHISHAN),
    ),
    party=PartyPlan(
        committee="罗湖社区党委",
        section_groups=111,  # with the 8 groups of the "两新" branch: the seeds' 119
        local_rate=0.02,
        mobile_branch="罗湖社区“两新”联合党支部",
        mobile_groups=8,
        mobile_rate=0.015,
    ),
)

DENGHU = CommunityPlan(
    name="灯湖",
    town="桂城街道",
    area_km2="3.20",
    centre=(23.03, 113.15),
    description=(
        "灯湖社区位于桂城街道干灯湖商务区，户籍人口1.2万多人，常住人口超过5万人，商务区日均人流量近9万人次。"
        "已有690名机关党员到社区报到；干灯湖联合党委、干灯湖党群服务中心服务周边多个社区。"
    ),
    registered=12100,
    permanent=38600,
    migrant=300,
    # The seeds give 灯湖 no rental or enterprise figures. Chosen: its few migrants (300) mostly rent rooms near the
    # offices: 70 flats of the older estates and the apartment tower let room by room (180 rooms) house 60% of
    # them; the business district's 280 firms (finance, technology, services) fill five office towers, larger than
    # workshops (a median of 30 staff): 10,000-odd office workers, who mostly live elsewhere.
    estates=(
        EstatePlan("中海万锦豪园", 0.22, "中海物业", floors=32),
        EstatePlan("灯湖豪庭", 0.16, "灯湖物业服务有限公司", floors=30),
        EstatePlan("千灯湖雅苑", 0.15, "桂城物业管理有限公司", floors=26),
        EstatePlan("桂澜华府", 0.14, "灯湖物业服务有限公司", floors=33),
        EstatePlan("海八花园", 0.12, "桂城物业管理有限公司", rentals=20),
        EstatePlan("天佑花园", 0.11, "桂城物业管理有限公司", floors=12, rentals=20),
        EstatePlan("南海广场公寓", 0.10, "灯湖物业服务有限公司", floors=28, per_floor=8, rentals=30),
    ),
    flat_rooms=180,
    rental_share=0.6,
    offices=(
        OfficePlan("灯湖商务区", (("灯湖金融中心", 42), ("千灯湖国际大厦", 36), ("桂澜商务中心", 30),
                                  ("灯湖科创大厦", 26), ("南海广场写字楼", 22)),
                   enterprises=280, industries=OFFICES, median_headcount=30),
    ),
    party=PartyPlan(
        committee="灯湖社区党委",
        section_groups=28,
        local_rate=0.025,
        in_service=690,
        joint_committee="干灯湖联合党委",
        joint_branches=("干灯湖商务区企业联合党支部", "干灯湖金融业联合党支部", "干灯湖商圈“两新”联合党支部"),
    ),
)

FENGMING = CommunityPlan(
    name="凤鸣",
    town="桂城街道",
    area_km2="6.50",
    centre=(23.04, 113.19),
    description=(
        "凤鸣社区于2013年由北区社区和东平社区合并而成，是南海较为少见的兼具城市、农村与工业园区三种形态的社区。"
        "面积约2800亩的平洲工业园有流动人口约3万人，另有夏北工业园；基业花园街坊会自组安全巡查队。"
    ),
    registered=6000,
    permanent=4000,
    migrant=5500,
    estates=(
        EstatePlan("基业花园", 0.30, "基业物业服务有限公司", floors=9),
        EstatePlan("凤鸣花园", 0.25, "凤鸣物业管理有限公司", floors=11),
        EstatePlan("凤鸣雅苑", 0.20, "凤鸣物业管理有限公司", floors=18),
        EstatePlan("平洲水岸花园", 0.25, "基业物业服务有限公司", floors=24),
    ),
    cooperatives=(
        CooperativePlan("东平经济社", 0.40, rentals=18),
        CooperativePlan("北约经济社", 0.30, rentals=16),
        CooperativePlan("南约经济社", 0.30, rentals=14),
    ),
    village_share=0.5,
    rental_rooms=560,
    rental_share=0.42,
    dorm_share=0.58,
    parks=(
        ParkPlan("平洲工业园", 2800, 260,
                 (("鞋业", 0.35), ("五金", 0.20), ("纺织服装", 0.15), ("电子", 0.12), ("物流仓储", 0.10),
                  ("食品", 0.08)),
                 headcount=30000, flagship=("佛山市南海区平洲鞋业有限公司", "鞋业", 1280)),
        ParkPlan("夏北工业园", 650, 90, (("五金", 0.40), ("家具", 0.20), ("电子", 0.20), ("物流仓储", 0.20))),
    ),
    party=PartyPlan(
        committee="凤鸣社区党委",
        section_groups=16,
        local_rate=0.03,
        mobile_branch="平洲工业园“两新”联合党支部",
        mobile_groups=4,
        mobile_rate=0.01,
    ),
)

COMMUNITIES = (DONGLIAN, LUOHU, DENGHU, FENGMING)

# Agencies whose members report to 灯湖 (机关在职党员报到).
AGENCIES = (
    "南海区人民法院", "南海区人民检察院", "桂城街道办事处", "桂城街道党工委", "南海区教育局", "南海区卫生健康局",
    "南海区财政局", "南海区民政局", "南海区人力资源和社会保障局", "南海区住房城乡建设和水利局",
    "南海区市场监督管理局", "南海区城市管理和综合执法局", "佛山市公安局南海分局", "国家税务总局佛山市南海区税务局",
    "南海区司法局", "南海区自然资源局", "南海区应急管理局", "南海区交通运输局", "南海区委组织部", "南海区档案馆",
)
