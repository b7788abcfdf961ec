"""The demo's resident concerns: who handles them, the seeds' banyan-tree deliberation and its two projects, a
year of cases per community, and a few live ones waiting in the to-do lists.

- Units (承办单位): each community's office, a unit per level-2 grid (a case placed in a grid goes to that grid's
  unit: `services.units_for` matches a unit with the case's exact grid or none), each estate's property company,
  and per town its departments: 综治中心 first, as escalations to the town land on the first department.
- The seeds' chain in 东联: the deliberation under the old banyan tree of 拾陈经济社 (榕树头议事厅), where residents
  asked for streetlights on 村前路 and fitness equipment for the new village park; both became projects.
- A year of cases before the load per community, in every state: most closed and rated, some reopened, overdue,
  escalated, flagged difficult, merged, and a petition forwarded to the town and sent back down with its
  instruction (驻点联系信访"双向"联动). The services stamp the clock's time, so these rows and their events are
  written as the services write them (same steps, same from → to, same changes), dated when they happened.
- A handful of live cases through the services themselves, today: waiting for dispatch in every community,
  dispatched to grid units (one near its deadline), so that secretaries and grid workers open Banyan to work.

Everything historical is drawn from the site's seeded streams and dated before the load's hour (END): the same seed
gives the same cases at the same distances from the load. Town officers and the grid worker of the demo accounts
are members of the units they work in.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.utils.translation import gettext

from banyan.accounts.models import User
from banyan.cases import services
from banyan.cases.catalog import catalog_ensure
from banyan.cases.deadlines import deadline, limit_for
from banyan.cases.models import (
    CODE_ALPHABET,
    Case,
    CaseState,
    Category,
    Deliberation,
    Milestone,
    Open311Client,
    Project,
    Unit,
)
from banyan.core.display import field_text, plain_value
from banyan.demo.figures import AS_OF, EstatePlan
from banyan.demo.identities import LOCAL_SURNAMES, phone_number
from banyan.demo.site import Site
from banyan.events.models import Event
from banyan.events.services import record_changes
from banyan.places.models import Building, Grid

TZ = ZoneInfo("Asia/Shanghai")
# Cases live on the real clock (their deadlines, the worker's sweep, the figures' default period), so their history
# ends at the hour the demo is loaded. The seeds' story was written ending on AS_OF; its dates (`story_at`,
# `story_on`) move by whole days to end yesterday, keeping their times of day (a deliberation in the evening).
END = dt.datetime.now(TZ).replace(minute=0, second=0, microsecond=0)
SHIFT = dt.timedelta(days=(END.date() - AS_OF).days - 1)
START = END - dt.timedelta(days=365)


def story_at(*parts) -> dt.datetime:
    """A moment of the story as written (year, month, day, hour, minute), moved to the load's time."""
    return dt.datetime(*parts, tzinfo=TZ) + SHIFT


def story_on(*parts) -> dt.date:
    """A day of the story as written, moved to the load's time."""
    return (dt.datetime(*parts, 12, tzinfo=TZ) + SHIFT).date()


def story_day(*parts) -> str:
    """A day of the story as its texts name it: 7月31日."""
    day = story_on(*parts)
    return f"{day.month}月{day.day}日"
# Cases a year at full scale: about one per 200-300 residents (罗湖 is the largest), a few hundred each.
YEARLY = {"东联": 300, "罗湖": 400, "灯湖": 300, "凤鸣": 260}
FLOOR = 20  # at any scale: enough for every state in every community
OPEN311_KEY = "banyan-demo-open311"  # published in the README: the demo's Open311 api_key
# 综治中心 first: an escalation to the town lands on the town's first department (services._unit_at).
TOWN_DEPARTMENTS = ("综治中心", "城管执法中队", "住建办", "信访办")
# Roads of each community (invented but for 村前路, which the seeds name).
ROADS = {"东联": ("村前路", "东联大道", "拾陈大街", "工业大道"), "罗湖": ("罗湖路", "狮山大道", "湖东路", "罗村大道"),
         "灯湖": ("灯湖东路", "海八路", "灯湖西路", "千灯湖路"), "凤鸣": ("凤鸣路", "平洲大道", "夏北路", "东平路")}
# The demo accounts by community: secretary, whoever else takes steps there, the town officer above (if any).
PEOPLE = {"东联": ("donglian", "donglian-staff", "danzao"), "罗湖": ("luohu", "luohu-grid", ""),
          "灯湖": ("denghu", "denghu-member", "guicheng"), "凤鸣": ("fengming", "", "guicheng")}


@dataclass(frozen=True)
class Concern:
    """A kind of concern residents raise: its category, where it happens, who handles it, and what is said."""

    code: str  # category code (cases/catalog.py)
    where: str  # any, home (estate or village), estate, village, work (park or office)
    kind: str
    units: tuple[str, ...]  # grid, office, property, or a town department's name
    title: str
    text: str
    reply: str


K = Case.Kind
CONCERNS = (
    Concern("C-LIGHT", "any", K.REQUEST, ("grid", "住建办"), "{road}路灯不亮",
            "{road}靠近{place}一段有三四盏路灯坏了，晚上黑乎乎的，老人小孩走路不安全，希望尽快修好。",
            "已联系电工检修，更换损坏灯具，{road}该路段已恢复照明。"),
    Concern("C-LIGHT", "village", K.REQUEST, ("grid", "office"), "{place}巷口没有照明",
            "{place}巷口一直没有灯，晚上下班回来看不清路，之前有人摔倒过，能否加装一盏灯？",
            "经现场查看，已在巷口加装LED照明灯一盏，并纳入日常巡查。"),
    Concern("C-SANITATION", "any", K.COMPLAINT, ("grid", "城管执法中队"), "{place}垃圾没有及时清运",
            "{place}旁边的垃圾桶已经满了两天，没人来清，天气热味道很大，还有老鼠。",
            "已督促保洁公司当天清运，并将该点清运频次调整为每日两次。"),
    Concern("C-SANITATION", "any", K.COMPLAINT, ("城管执法中队", "grid"), "{road}有人乱倒建筑垃圾",
            "{road}路边空地近期经常有人晚上偷倒装修垃圾，越堆越多，影响环境。",
            "已清理堆放的建筑垃圾，在该处设置警示牌，并安排夜间巡查。"),
    Concern("C-NOISE", "home", K.COMPLAINT, ("城管执法中队", "grid"), "{place}附近夜间施工噪音扰民",
            "{place}附近工地晚上十一点后还在施工，噪音很大，家里老人小孩无法休息。",
            "执法中队已到场核查，责令施工单位夜间停止高噪音作业，如需连续施工须办理夜间施工许可。"),
    Concern("C-NOISE", "any", K.COMPLAINT, ("grid", "office"), "广场舞音响太大",
            "{place}旁边空地每晚跳广场舞，音响开得很大，一直到九点多，希望协调降低音量。",
            "已与广场舞队伍负责人沟通，约定音量控制并在晚上9点前结束。"),
    Concern("C-RENTAL", "village", K.COMPLAINT, ("grid",), "{place}出租屋住人过多",
            "{place}一栋出租屋住了很多人，进出人员复杂，担心治安和消防隐患，请核查。",
            "网格员已上门核查登记，督促房东落实出租屋管理责任，对超员房间限期整改。"),
    Concern("C-FIRE", "home", K.COMPLAINT, ("grid",), "{place}楼道电动车充电",
            "{place}楼道里有人拉线给电动车充电，还堆了很多纸箱杂物，万一着火后果不堪设想。",
            "网格员已到场劝导，清理楼道杂物，飞线充电已拆除，并告知集中充电点位置。"),
    Concern("C-UTILITIES", "home", K.REQUEST, ("property", "office"), "{place}停水",
            "{place}从早上开始停水，没有看到任何通知，家里有老人，请问什么时候恢复？",
            "经查为供水管道抢修，已联系供水公司，当天下午恢复供水，并要求今后提前公告。"),
    Concern("C-UTILITIES", "any", K.REQUEST, ("住建办", "office"), "{road}水管爆裂",
            "{road}靠近{place}的地下水管爆了，水一直往外冒，路面都是水。",
            "已通知供水公司抢修，爆管已修复，路面已清理。"),
    Concern("C-PROPERTY", "estate", K.COMPLAINT, ("property",), "{place}电梯经常故障",
            "{place}的电梯这个月坏了三次，有一次还困了人，物业只是临时修一下，希望彻底检修。",
            "已督促物业公司联系维保单位全面检修电梯，更换老化部件，并公示维保记录。"),
    Concern("C-PROPERTY", "estate", K.SUGGESTION, ("property", "office"), "{section}绿化无人打理",
            "{section}的绿化带很久没人修剪，杂草很多，蚊子也多，希望物业加强管理。",
            "物业公司已安排绿化修剪和灭蚊消杀，并纳入每月养护计划。"),
    Concern("C-ROAD", "any", K.REQUEST, ("住建办", "office"), "{road}路面坑洼",
            "{road}有几处路面坑洼，下雨积水，电动车经过很危险。",
            "已安排修补坑洼路面，雨后复查无积水。"),
    Concern("C-PARKING", "estate", K.COMPLAINT, ("property", "城管执法中队"), "{section}消防通道被占",
            "{section}消防通道经常停满私家车，万一发生火灾消防车进不来。",
            "物业已在消防通道设置禁停标识和隔离桩，执法中队对违停车辆进行了劝离。"),
    Concern("C-PARKING", "any", K.SUGGESTION, ("office", "城管执法中队"), "{road}停车难",
            "{road}一带晚上停车很难，很多车停在人行道上，建议规划一些临时停车位。",
            "已会同交警和城管查看，在{road}空地规划临时停车位，下月启用。"),
    Concern("C-ELDER", "home", K.REQUEST, ("office",), "申请长者饭堂送餐",
            "家里老人八十多岁，行动不便，子女白天上班，想申请长者饭堂送餐服务。",
            "已为老人登记长者饭堂送餐服务，由志愿者每天中午送餐上门。"),
    Concern("C-ELDER", "home", K.REQUEST, ("grid", "office"), "独居老人需要探访",
            "{place}有一位独居老人，最近很少出门，邻居担心他身体，希望社区上门看看。",
            "网格员和社工已上门探访，老人身体状况尚可，已纳入定期探访名单。"),
    Concern("C-WAGES", "work", K.COMPLAINT, ("综治中心", "office"), "{place}一家企业拖欠工资",
            "我在{place}的一家企业上班，老板已经两个月没发工资了，十几个同事都没拿到。",
            "经镇综治中心协调劳动监察部门约谈企业负责人，企业已分批结清拖欠工资。"),
    Concern("C-HEALTH", "home", K.SUGGESTION, ("office",), "社区卫生站开放时间太短",
            "社区卫生站下午五点就关门，上班族下班后看不了病，能否延长开放时间？",
            "已与卫生站沟通，每周二、四延长服务至晚上8点。"),
    Concern("C-MARKET", "any", K.COMPLAINT, ("城管执法中队",), "{road}流动摊贩占道经营",
            "{road}每天傍晚有很多流动摊贩占道，行人只能走到机动车道上。",
            "执法中队已加强巡查，引导摊贩进入临时疏导点经营。"),
    Concern("C-SCHOOL", "home", K.CONSULTATION, ("office",), "孩子入学积分怎么办理",
            "孩子明年上小学，我们是外来务工人员，想了解积分入学需要准备哪些材料。",
            "已电话告知积分入学办理流程和所需材料，并提供社区代办服务。"),
    Concern("C-FITNESS", "any", K.REQUEST, ("office", "property"), "{place}健身器材损坏",
            "{place}附近的健身器材有两件坏了，螺丝松动，小孩玩很危险，请尽快维修。",
            "已对损坏器材进行维修加固，暂时无法修复的一件已设置警示并报修更换。"),
    Concern("D02", "home", K.COMPLAINT, ("grid", "office"), "楼上漏水协商不成",
            "{place}楼上住户卫生间漏水到我家，多次沟通都不处理，希望社区帮忙调解。",
            "经网格员和调解员组织双方调解，楼上住户同意维修防水并赔偿损失。"),
)

CHANNELS = ((Case.Channel.QR, 24), (Case.Channel.PHONE, 15), (Case.Channel.WALK_IN, 10), (Case.Channel.VISIT, 16),
            (Case.Channel.WECHAT, 10), (Case.Channel.HOTLINE, 15), (Case.Channel.APP, 5), (Case.Channel.OPEN311, 5))
RECORDED = {Case.Channel.PHONE, Case.Channel.WALK_IN, Case.Channel.VISIT, Case.Channel.WECHAT,
            Case.Channel.HOTLINE}  # entered by staff; the others by the resident (or an app) themselves
# What becomes of a case, with weights for the cases beyond the ones every community has one of.
OUTCOMES = (("closed", 80), ("closed_noted", 5), ("in_progress", 3), ("dispatched", 2), ("replied", 3),
            ("followed_up", 1), ("received", 1), ("merged", 3), ("returned", 1), ("reopened", 1))
EVERY = ("received", "dispatched", "in_progress", "returned", "replied", "followed_up", "reopened", "merged",
         "escalated", "difficult", "petition", "late", "dissatisfied", "closed", "closed", "closed")


# ---------------------------------------------------------------------------------------------------------------
# Units.


@dataclass
class Units:
    office: Unit
    grids: dict[int, Unit]  # level-2 grid id → its unit
    property: dict[int, Unit]  # level-2 grid id of an estate → its property company's unit
    town: dict[str, Unit]  # department name (without the town) → unit


def town_units(town, members: list[User]) -> dict[str, Unit]:
    units = {name: Unit(town=town, kind=Unit.Kind.TOWN_DEPARTMENT, name=f"{town.name}{name}")
             for name in TOWN_DEPARTMENTS}
    Unit.objects.bulk_create(units.values())
    for user in members:
        units["综治中心"].members.add(user)
    return units


def units_create(site: Site, grids: list[dict], town: dict[str, Unit], users: dict[str, User]) -> Units:
    community, rng = site.community, site.rng("case-units")
    office = Unit(town_id=community.town_id, community=community, kind=Unit.Kind.COMMUNITY_OFFICE,
                  name=f"{community.name}社区办公室", contact_name=users[PEOPLE[community.name][0]].display_name)
    grid_units = {}
    for grid in grids:
        worker = users["luohu-grid"].display_name if grid["name"] == "长信银湾网格" else \
            rng.choice(LOCAL_SURNAMES) + rng.choice("丽芳敏婷伟强明杰嘉慧")
        grid_units[grid["pk"]] = Unit(town_id=community.town_id, community=community, grid_id=grid["pk"],
                                      kind=Unit.Kind.GRID, name=grid["name"], contact_name=worker)
    companies = {}
    for name, company in site.companies.items():
        companies[name] = Unit(town_id=community.town_id, community=community, kind=Unit.Kind.PROPERTY_COMPANY,
                               name=name, contact_name=company.contact_name)
    Unit.objects.bulk_create([office, *grid_units.values(), *companies.values()])
    if community.name == "东联":
        office.members.add(users["donglian-staff"])
    if community.name == "罗湖":
        grid_units[next(g["pk"] for g in grids if g["name"] == "长信银湾网格")].members.add(users["luohu-grid"])
    by_grid = {g["pk"]: companies[g["section"].company] for g in grids if isinstance(g["section"], EstatePlan)}
    return Units(office=office, grids=grid_units, property=by_grid, town=town)


def grids_of(site: Site) -> list[dict]:
    """The community's level-2 grids, each with what it covers: an estate, a village, a park or an office district."""
    plan = site.plan
    rows = list(Grid.objects.filter(community=site.community, level=Grid.Level.GRID).order_by("pk")
                .values("pk", "name"))
    for row in rows:
        row["section"], row["where"] = None, "work"
        for section in plan.sections:
            if re.fullmatch(rf"{re.escape(section.name)}(第\d+)?网格", row["name"]):
                row["section"] = section
                row["where"] = "estate" if isinstance(section, EstatePlan) else "village"
        row["label"] = row["name"].removesuffix("网格")
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Writing a case as the services would have.


FIELDS = {f.name: f for f in Case._meta.concrete_fields}
ORDER = {name: i for i, name in enumerate(FIELDS)}
TEXTS: dict[tuple, str] = {}


def value_text(field, value) -> str:
    """A value as `core.display.field_text` shows it, remembered for the few values a step's fields take (states,
    levels, units): describing thousands of steps one by one would take the stage's whole time."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return field_text(SimpleNamespace(**{field.name: value}), field)
    key = (field.name, value.pk if field.is_relation else value)
    if key not in TEXTS:
        if field.is_relation:
            TEXTS[key] = str(value)
        elif field.choices:
            TEXTS[key] = gettext(str(dict(field.flatchoices).get(value, value)))
        else:
            TEXTS[key] = field_text(SimpleNamespace(**{field.name: value}), field)
    return TEXTS[key]


def step_changes(before: dict, case: Case) -> list[dict]:
    """What `events.services.record_changes` records for a step that set these fields (the others are as they
    were): field, label, texts before → after, values as stored."""
    out = []
    for name in sorted(before, key=ORDER.__getitem__):
        field = FIELDS[name]
        old, new = before[name], getattr(case, name)
        old_value = plain_value(old.pk if field.is_relation and old is not None else old)
        new_value = plain_value(field.value_from_object(case))
        if old_value == new_value:
            continue
        out.append({"field": name, "label": str(field.verbose_name), "before": value_text(field, old),
                    "after": value_text(field, new), "before_value": old_value, "after_value": new_value})
    return out


@dataclass
class Timeline:
    """One case and its events, dated, written in bulk afterwards (the event's record id once the case has one)."""

    case: Case
    events: list[Event] = field(default_factory=list)
    notes_for: list[tuple["Timeline", Event]] = field(default_factory=list)

    def step(self, action: str, at: dt.datetime, by, *, note: str = "", data: dict | None = None, **changes):
        case = self.case
        before = {name: getattr(case, name) for name in changes}
        state = case.state
        for name, value in changes.items():
            setattr(case, name, value)
        event = Event(at=at, user=by, action=action, model="cases.case", object_repr=str(case)[:200],
                      community_id=case.community_id, changes=step_changes(before, case), note=note[:500],
                      data={"from": state, "to": case.state, **(data or {})})
        self.events.append(event)
        return event


class Writer:
    """The cases of one community over the year before the load."""

    def __init__(self, site: Site, units: Units, users: dict[str, User], categories: dict[str, Category],
                 grids: list[dict], buildings: dict[int, list[tuple]]):
        self.site, self.units, self.categories, self.grids, self.buildings = site, units, categories, grids, buildings
        self.rng = site.rng("cases")
        secretary, other, officer = PEOPLE[site.community.name]
        self.secretary = users[secretary]
        self.staff = [self.secretary] + ([users[other]] if other and other != "luohu-grid" else [])
        self.recorders = [*self.staff, *([users[other]] if other == "luohu-grid" else [])]
        self.officer = users[officer] if officer else None
        self.grid_worker = users["luohu-grid"] if site.community.name == "罗湖" else None
        self.limits: dict[tuple, object] = {}
        self.timelines: list[Timeline] = []

    # -- what and where

    def limit(self, case: Case):
        key = (case.category_id, case.kind, case.priority)
        if key not in self.limits:
            self.limits[key] = limit_for(case)
        return self.limits[key]

    def set_due(self, case: Case, start: dt.datetime) -> dict:
        limit = self.limit(case)
        extra = limit.extension_days if case.extended and limit else 0
        return {"time_limit": limit, "due_at": deadline(start, limit, extra_days=extra), "reminded_at": None}

    def spot(self, concern: Concern) -> tuple[dict, tuple | None]:
        """A level-2 grid suited to the concern, and a building in it (None in a park)."""
        wanted = {"any": None, "home": {"estate", "village"}, "estate": {"estate"}, "village": {"village"},
                  "work": {"work"}}[concern.where]
        grids = [g for g in self.grids if wanted is None or g["where"] in wanted] or \
            [g for g in self.grids if g["where"] in {"estate", "village"}] or self.grids
        grid = self.rng.choice(grids)
        buildings = self.buildings.get(grid["pk"])
        return grid, (self.rng.choice(buildings) if buildings else None)

    def texts(self, concern: Concern, grid: dict, building: tuple | None) -> dict[str, str]:
        road = self.rng.choice(ROADS[self.site.community.name])
        section = grid["section"].name if grid["section"] else grid["label"]
        if building is None:
            place = grid["label"]
        elif grid["where"] == "estate":
            place = f"{section}{building[1]}"
        else:
            place = building[1]
        values = {"road": road, "place": place, "section": section}
        address = building[2] if building else \
            f"{self.site.plan.town}{self.site.community.name}社区{grid['label']}"
        if "{road}" in concern.title and building is None:
            address = f"{self.site.plan.town}{self.site.community.name}社区{road}"
        return {"title": concern.title.format(**values), "description": concern.text.format(**values),
                "reply": concern.reply.format(**values), "address": address}

    def unit_for(self, concern: Concern, grid: dict) -> Unit:
        for name in concern.units:
            if name == "grid":
                return self.units.grids[grid["pk"]]
            if name == "office":
                return self.units.office
            if name == "property" and grid["pk"] in self.units.property:
                return self.units.property[grid["pk"]]
            if name in self.units.town:
                return self.units.town[name]
        return self.units.office

    def actor(self, unit: Unit):
        """Who takes a unit's step: its member among the demo accounts, else the community's staff on its behalf
        (the town's officer for the town's departments, where the demo has one)."""
        if self.grid_worker and unit.grid_id and unit.name == "长信银湾网格":
            return self.grid_worker
        if unit.kind == Unit.Kind.TOWN_DEPARTMENT and self.officer:
            return self.officer
        return self.rng.choice(self.staff)

    def when(self, day_from: dt.datetime, day_to: dt.datetime) -> dt.datetime:
        """A time in working hours between two moments, weekdays more often."""
        for _ in range(10):
            at = day_from + (day_to - day_from) * self.rng.random()
            at = at.astimezone(TZ).replace(hour=self.rng.choice((8, 9, 9, 10, 10, 11, 14, 15, 15, 16, 17, 19, 20)),
                                           minute=self.rng.randrange(60), second=self.rng.randrange(60),
                                           microsecond=0)
            if day_from <= at <= day_to and (at.weekday() < 5 or self.rng.random() < 0.4):
                return at
        return day_from

    def after(self, at: dt.datetime, delta: dt.timedelta) -> dt.datetime:
        """The next step's time; a step that would fall after the demo's today happens before it instead."""
        nxt = (at + delta).astimezone(TZ)
        if nxt.hour < 8 or nxt.hour >= 21:  # people work by day: the morning after
            nxt = (nxt + dt.timedelta(hours=12 if nxt.hour >= 21 else 0)).replace(hour=8, minute=self.rng.randrange(60))
        if nxt >= END:
            nxt = at + (END - at) * self.rng.uniform(0.2, 0.6)
        return nxt.replace(microsecond=0)

    def hours(self, low: float, high: float) -> dt.timedelta:
        return dt.timedelta(hours=self.rng.uniform(low, high))

    # -- the case

    def case_new(self, concern: Concern, received: dt.datetime, *, kind: str | None = None,
                 channel: str | None = None, texts: dict | None = None, grid: dict | None = None,
                 building: tuple | None = None, contact: bool = True) -> tuple[Timeline, dict]:
        rng = self.rng
        if grid is None:
            grid, building = self.spot(concern)
        texts = texts or self.texts(concern, grid, building)
        channel = channel or rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
        if kind is None and concern.kind == K.COMPLAINT and rng.random() < 0.03:
            kind, channel = K.PETITION, Case.Channel.WALK_IN  # a complaint brought as a petition (60 days)
        priority = Case.Priority.URGENT if concern.code in ("C-FIRE", "C-UTILITIES") else Case.Priority.NORMAL
        if rng.random() < 0.02:
            priority = Case.Priority.EMERGENCY
        recorder = rng.choice(self.recorders) if channel in RECORDED else None
        case = Case(community=self.site.community, grid_id=grid["pk"], building_id=building[0] if building else None,
                    channel=channel, kind=kind or concern.kind, priority=priority, title=texts["title"],
                    description=texts["description"], category=self.categories[concern.code],
                    address=texts["address"][:200], state=CaseState.RECEIVED, level="community",
                    received_at=received, recorded_by=recorder,
                    tracking_code="".join(rng.choice(CODE_ALPHABET) for _ in range(10)))
        if building and building[3] is not None:
            case.latitude, case.longitude = building[3], building[4]
        if rng.random() < 0.6:
            case.contact_name = rng.choice(LOCAL_SURNAMES) + rng.choice(("先生", "女士", "伯", "姨", "生"))
        if contact and rng.random() < 0.15:
            case.contact_phone = phone_number(rng)
        for name, value in self.set_due(case, received).items():
            setattr(case, name, value)
        timeline = Timeline(case)
        timeline.step("received", received, recorder, data={"channel": channel})
        # A new case's first step records no change and comes from no state (services: before=None).
        timeline.events[0].changes, timeline.events[0].data["from"] = [], ""
        self.timelines.append(timeline)
        return timeline, texts

    def dispatch(self, tl: Timeline, unit: Unit, at: dt.datetime, by, note: str = "") -> dt.datetime:
        case = tl.case
        tl.step("dispatched", at, by, note=note, data={"unit": unit.name}, unit=unit, state=CaseState.DISPATCHED,
                level=unit.level, dispatched_at=case.dispatched_at or at)
        return at

    def accept(self, tl: Timeline, at: dt.datetime, by) -> dt.datetime:
        tl.step("accepted", at, by, state=CaseState.IN_PROGRESS, responded_at=tl.case.responded_at or at)
        return at

    def reply(self, tl: Timeline, at: dt.datetime, by, text: str) -> dt.datetime:
        tl.step("replied", at, by, note=text[:500], reply=text, state=CaseState.REPLIED, replied_at=at,
                responded_at=tl.case.responded_at or at)
        return at

    def rate(self, tl: Timeline, at: dt.datetime, satisfaction: str) -> dt.datetime:
        """The follow-up call by staff, or the resident's own rating on the status page (a QR or app case)."""
        case = tl.case
        by_resident = case.channel in (Case.Channel.QR, Case.Channel.APP) and self.rng.random() < 0.5
        note = {"satisfied": "居民表示满意", "mostly": "居民表示基本满意，希望后续跟进",
                "dissatisfied": "居民表示问题没有根本解决"}[satisfaction]
        tl.step("rated" if by_resident else "followed_up", at, None if by_resident else self.rng.choice(self.staff),
                note="" if by_resident else "电话回访：" + note, satisfaction=satisfaction,
                state=CaseState.FOLLOWED_UP)
        if satisfaction == Case.Satisfaction.DISSATISFIED:
            tl.step("reopened", at, None if by_resident else tl.events[-1].user, note="居民不满意，重新办理。",
                    state=CaseState.REOPENED, closed_at=None, **self.set_due(case, at))
        return at

    def close(self, tl: Timeline, at: dt.datetime, note: str = "") -> dt.datetime:
        tl.step("closed", at, self.rng.choice(self.staff), note=note, state=CaseState.CLOSED, closed_at=at)
        return at

    def escalate(self, tl: Timeline, at: dt.datetime, by, reason: str, action: str = "escalated") -> dt.datetime:
        """Up one level (as services._escalate): to the community office, or the town's first department."""
        case = tl.case
        level = "town" if case.level == "community" else "community"
        unit = self.units.office if level == "community" else self.units.town[TOWN_DEPARTMENTS[0]]
        state = case.state
        if state in (CaseState.RECEIVED, CaseState.RETURNED, CaseState.REOPENED, CaseState.IN_PROGRESS):
            state = CaseState.DISPATCHED
        tl.step(action, at, by, note=reason, data={"level": level, "unit": unit.name}, level=level,
                escalations=case.escalations + 1, unit=unit, state=state, dispatched_at=case.dispatched_at or at,
                **self.set_due(case, at))
        return at

    # -- the paths

    def handle(self, tl: Timeline, concern: Concern, texts: dict, outcome: str) -> None:
        """From receipt to the outcome's state, each step dated after the one before."""
        rng, case = self.rng, tl.case
        grid = next(g for g in self.grids if g["pk"] == case.grid_id)
        span = case.due_at - case.received_at  # the time limit, as a length of time
        at = case.received_at
        if outcome == "received":
            return
        unit = self.unit_for(concern, grid)
        if outcome in ("difficult", "escalated"):
            unit = self.units.grids[grid["pk"]]  # the full chain: grid → community → town
        at = self.dispatch(tl, unit, self.after(at, min(span * rng.uniform(0.02, 0.08), self.hours(0.3, 5))),
                           rng.choice(self.staff))
        if outcome == "dispatched":
            return
        if outcome == "returned" or (outcome == "closed" and rng.random() < 0.04):
            at = self.after(at, self.hours(1, 20))
            tl.step("returned", at, self.actor(unit), note="该事项不属于本单位职责范围，请重新派单。",
                    data={"unit": unit.name}, unit=None, state=CaseState.RETURNED)
            if outcome == "returned":
                return
            unit = self.units.office
            at = self.dispatch(tl, unit, self.after(at, self.hours(0.5, 6)), rng.choice(self.staff))
        at = self.accept(tl, self.after(at, min(span * rng.uniform(0.02, 0.1), self.hours(0.2, 4))),
                         self.actor(unit))
        base = case.received_at  # the deadline runs from here (from an escalation, once escalated)
        if outcome == "difficult":
            at = self.after(at, self.hours(2, 48))
            reason = "涉及多个部门和历史遗留问题，网格和社区协调未果，列为重难点，由镇街驻点团队全链条跟进。"
            tl.step("flagged_difficult", at, self.secretary, note=reason, difficult=True)
            while case.level != "town":
                self.escalate(tl, at, self.secretary, reason)
            unit = case.unit
            at = self.accept(tl, self.after(at, self.hours(1, 24)), self.actor(unit))
            if rng.random() < 0.4:
                return  # still with the town
            base, span = at, case.due_at - at
        elif case.level != "town" and (outcome == "escalated" or (outcome == "closed" and rng.random() < 0.08)):
            by_breach = rng.random() < 0.5 or case.level == "community"
            if by_breach and case.due_at + dt.timedelta(minutes=15) < END:
                limit = case.time_limit
                remind = case.due_at - dt.timedelta(hours=limit.remind_before_hours if limit else 24)
                if remind > at:
                    due = case.due_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
                    tl.step("reminded", remind, None, note=f"办理期限将至：{due}", reminded_at=remind)
                at = self.escalate(tl, case.due_at + dt.timedelta(minutes=rng.randrange(1, 15)), None,
                                   "超过办理期限，自动上报。")
            else:
                at = self.escalate(tl, self.after(at, self.hours(4, 72)), self.actor(unit),
                                   "需协调多方处理，网格力量无法解决，上报上一级。" if case.level == "grid"
                                   else "涉及执法和多个部门，社区无法单独解决，上报镇街。")
            unit = case.unit
            at = self.accept(tl, self.after(at, self.hours(0.5, 8)), self.actor(unit))
            if outcome == "escalated":
                return
            base, span = at, case.due_at - at
        if outcome == "in_progress":
            return
        late = outcome == "late" or (outcome == "closed" and rng.random() < 0.08)
        reply_at = base + span * (rng.uniform(1.05, 1.8) if late else rng.uniform(0.25, 0.9))
        at = self.reply(tl, self.after(at, max(reply_at - at, self.hours(0.2, 2))), self.actor(unit),
                        texts["reply"])
        if outcome == "replied":
            return
        if outcome == "closed_noted":
            self.close(tl, self.after(at, self.hours(24, 72)), "居民未留联系方式，无法回访，答复后办结。")
            return
        satisfaction = rng.choices(("satisfied", "mostly", "dissatisfied"), weights=(68, 26, 6))[0]
        if outcome in ("reopened", "dissatisfied"):
            satisfaction = "dissatisfied"
        elif outcome in ("followed_up", "petition", "difficult", "late", "escalated"):
            satisfaction = rng.choice(("satisfied", "mostly"))
        at = self.rate(tl, self.after(at, self.hours(4, 72)), satisfaction)
        if outcome == "reopened":
            return
        if satisfaction == "dissatisfied":
            at = self.accept_again(tl, at, unit)
            at = self.reply(tl, self.after(at, (case.due_at - at) * rng.uniform(0.3, 0.8)), self.actor(unit),
                            "再次上门核实处理：" + texts["reply"])
            at = self.rate(tl, self.after(at, self.hours(4, 48)), "mostly")
        if outcome == "followed_up":
            return
        self.close(tl, self.after(at, self.hours(0.5, 30)))

    def accept_again(self, tl: Timeline, at: dt.datetime, unit: Unit) -> dt.datetime:
        """A reopened case goes back to its unit with the resident's words."""
        return self.after(at, self.hours(1, 24))

    def petition(self, tl: Timeline, texts: dict) -> None:
        """The two-way link (驻点联系信访"双向"联动): the community forwards a petition to the town with its
        account, the town instructs and sends it back down, the community answers and the town sees it closed."""
        rng, case = self.rng, tl.case
        at = self.after(case.received_at, self.hours(2, 30))
        self.escalate(tl, at, self.secretary, "信访人反映事项涉及土地权属，已做初步调查，报镇街信访办研判。",
                      action="petition_forwarded")
        at = self.after(at, self.hours(24, 96))
        tl.step("instructed", at, self.officer,
                note="请社区驻点团队会同镇信访办、国土部门3日内约见信访人，核实历史资料，依法依规答复。")
        at = self.dispatch(tl, self.units.office, self.after(at, self.hours(0.5, 4)), self.officer,
                           note="按镇街批示转社区办理，驻点团队跟进。")
        at = self.accept(tl, self.after(at, self.hours(1, 8)), self.secretary)
        at = self.reply(tl, self.after(at, dt.timedelta(days=rng.uniform(8, 25))), self.secretary, texts["reply"])
        at = self.rate(tl, self.after(at, self.hours(24, 72)), "mostly")
        self.close(tl, self.after(at, self.hours(1, 24)))

    def merge(self, tl: Timeline, target: Timeline, at: dt.datetime) -> None:
        event = tl.step("merged", at, self.rng.choice(self.staff), note="同一事项重复反映，合并办理。",
                        state=CaseState.MERGED, merged_into=target.case, closed_at=at)
        event.data["into"] = None  # the target's id, once it has one
        noted = Event(at=at, user=event.user, action="noted", model="cases.case",
                      object_repr=str(target.case)[:200], community_id=target.case.community_id,
                      changes=[], note="",
                      data={"from": target.case.state, "to": target.case.state})
        tl.notes_for.append((target, noted))

    # -- the year

    def received_time(self, outcome: str) -> dt.datetime:
        """Open cases are recent; closed ones spread over the year, a little more each month (as the QR code and
        the grid workers' visits became known)."""
        if outcome in ("received", "dispatched", "in_progress", "returned", "replied", "followed_up", "reopened",
                       "escalated"):
            low, high = END - dt.timedelta(days=12), END - dt.timedelta(hours=2)
        else:
            low, high = START, END - dt.timedelta(days=25)
        span = (high - low).total_seconds()
        return self.when(low + dt.timedelta(seconds=span * self.rng.random() ** 0.85), high)

    def year(self, count: int) -> list[Timeline]:
        rng = self.rng
        outcomes = list(EVERY[:count]) + rng.choices([o for o, _ in OUTCOMES], weights=[w for _, w in OUTCOMES],
                                                     k=max(0, count - len(EVERY)))
        if not self.officer:  # no town officer in the demo to instruct: an ordinary case instead
            outcomes = ["closed" if o == "petition" else o for o in outcomes]
        merges = []
        for outcome in outcomes:
            if outcome == "merged":
                merges.append(outcome)
                continue
            if outcome == "petition":
                concern = Concern("D09", "village", K.PETITION, ("office",), "宅基地权属争议信访",
                                  "{place}的宅基地与邻居存在权属争议，多次找经济社未能解决，要求上级部门核实处理。",
                                  "经驻点团队会同镇信访办、国土部门核查历史档案，已向信访人书面答复权属认定依据，"
                                  "并组织双方达成调解协议。")
                concern = concern if any(g["where"] == "village" for g in self.grids) else \
                    Concern("D11", "estate", K.PETITION, ("office",), "小区旁建设项目信访",
                            "{section}旁边的建设项目施工影响采光和出行，多次反映未解决，要求上级部门处理。",
                            "经驻点团队会同镇信访办、住建部门现场核查，已督促建设单位调整施工方案并书面答复信访人。")
                tl, texts = self.case_new(concern, self.received_time("closed"), channel=Case.Channel.WALK_IN)
                tl.case.recorded_by = self.secretary
                tl.events[0].user = self.secretary
                self.petition(tl, texts)
                continue
            concern = rng.choice(CONCERNS)
            tl, texts = self.case_new(concern, self.received_time(outcome))
            self.handle(tl, concern, texts, outcome)
        originals = [t for t in self.timelines if t.case.kind != K.PETITION]
        for _ in merges:
            target = rng.choice(originals)
            received = target.case.received_at + self.hours(2, 30)
            at = received + self.hours(0.5, 4)
            done = [e.at for e in target.events if e.data.get("to") in ("closed", "merged")]
            if received >= END or at >= END or (done and done[0] <= at):
                continue  # too late to be merged into this one: a case of its own instead
            concern = next(c for c in CONCERNS if c.code == target.case.category.code)
            texts = {"title": target.case.title, "description": "又有人反映：" + target.case.description,
                     "reply": "", "address": target.case.address}
            grid = next(g for g in self.grids if g["pk"] == target.case.grid_id)
            tl, _ = self.case_new(concern, received, texts=texts, grid=grid, building=None)
            self.merge(tl, target, at)
        return self.timelines


MERGED_INTO = Case._meta.get_field("merged_into")


def timelines_write(timelines: list[Timeline]) -> None:
    """The cases, then their events with the cases' ids (a merged case's after the one it joined)."""
    first = [t for t in timelines if t.case.merged_into is None]
    Case.objects.bulk_create([t.case for t in first], batch_size=500)
    later = [t for t in timelines if t.case.merged_into is not None]
    for t in later:
        t.case.merged_into_id = t.case.merged_into.pk
    Case.objects.bulk_create([t.case for t in later], batch_size=500)
    events = []
    for t in timelines:
        for event in t.events:
            event.object_id = t.case.pk
            if event.action == "merged":  # the target had no id when the step was described
                event.data["into"] = t.case.merged_into_id
                event.changes.append({"field": "merged_into", "label": str(MERGED_INTO.verbose_name), "before": "",
                                      "after": str(t.case.merged_into), "before_value": None,
                                      "after_value": t.case.merged_into_id})
            events.append(event)
        for target, noted in t.notes_for:
            noted.object_id = target.case.pk
            noted.note = f"并入重复诉求 {t.case.tracking_code}"
            events.append(noted)
    Event.objects.bulk_create(events, batch_size=1000)


# ---------------------------------------------------------------------------------------------------------------
# The seeds' chain in 东联: the banyan-tree deliberation and its two projects.

SEEDS_HELD = story_at(2025, 3, 8, 19, 30)


def seeds_chain(writer: Writer) -> tuple[Deliberation, list[Project], list[Timeline]]:
    site, units = writer.site, writer.units
    community, secretary = site.community, writer.secretary
    shichen = site.cooperatives["拾陈经济社"]
    deliberation = Deliberation.objects.create(
        community=community, title="拾陈经济社榕树头议事会：村前路照明与新村公园设施", held_at=SEEDS_HELD,
        venue="拾陈经济社榕树头议事厅", cooperative=shichen, convener=secretary.display_name,
        participants="\n".join((f"{secretary.display_name}（社区党委书记）", "陈永基（拾陈经济社社长）", "陈伯（乡贤）",
                                "陈国强（乡贤）", "陈丽华（党员）", "梁志明（党员）", "陈少芬（居民代表）",
                                "何建新（居民代表）", "陈婉仪（居民代表）")),
        minutes=("议题一：村前路一直没有路灯。居民反映晚上下班、接送孩子经过村前路一片漆黑，去年有老人摔伤。乡贤陈伯提出"
                 "可安装太阳能路灯，减少拉线和电费；经济社表示愿意承担部分费用。\n"
                 "议题二：新村公园建好后没有健身器材。居民代表提出老人和小孩都希望有运动的地方，党员建议按"
                 "“健身路径”配置，并在旁边设置休息座椅。\n各方充分讨论后举手表决。"),
        decisions=("一、村前路安装太阳能路灯30盏，社区申请镇专项资金，拾陈经济社配套，"
                   f"{story_day(2025, 7, 31)}前完工；\n"
                   f"二、新村公园建设健身路径一条（12件器材），{story_day(2025, 5, 31)}前完工，由经济社负责日常维护；\n"
                   "三、两个项目进度在社区公示栏和“榕树头”议事群公开，居民代表参与验收。"))
    grid = next((g for g in writer.grids if g["section"] is not None and g["section"].name == "拾陈经济社"),
                writer.grids[0])
    asked = (("村前路一直没有路灯，有没有办法解决？", "C-LIGHT", "村前路", "陈伯"),
             ("新村公园建好了，能不能装些健身器材？", "C-FITNESS", "拾陈新村公园", "陈少芬"))
    projects = (
        dict(name="村前路路灯安装工程", budget=Decimal("186000.00"), status=Project.Status.UNDERWAY, progress=60,
             started_on=story_on(2025, 4, 7), due_on=story_on(2025, 7, 31), finished_on=None,
             decision="村前路安装太阳能路灯30盏，社区申请镇专项资金，拾陈经济社配套。",
             milestones=(("立项", story_on(2025, 3, 18), story_on(2025, 3, 18)),
                         ("采购", story_on(2025, 4, 30), story_on(2025, 4, 28)),
                         ("安装", story_on(2025, 6, 30), None), ("验收", story_on(2025, 7, 31), None)),
             reply="您在榕树头议事会上反映的问题已纳入项目“村前路路灯安装工程”：议定安装太阳能路灯30盏，"
                   f"预计{story_day(2025, 7, 31)}前完工，进度可在项目公示栏查看。"),
        dict(name="新村公园健身路径", budget=Decimal("58000.00"), status=Project.Status.DONE, progress=100,
             started_on=story_on(2025, 4, 1), due_on=story_on(2025, 5, 31), finished_on=story_on(2025, 5, 26),
             decision="新村公园建设健身路径一条（12件器材），由经济社负责日常维护。",
             milestones=(("立项", story_on(2025, 3, 18), story_on(2025, 3, 18)),
                         ("采购", story_on(2025, 4, 15), story_on(2025, 4, 14)),
                         ("安装", story_on(2025, 5, 20), story_on(2025, 5, 19)),
                         ("验收", story_on(2025, 5, 31), story_on(2025, 5, 26))),
             reply="您在榕树头议事会上反映的问题已纳入项目“新村公园健身路径”：议定建设健身路径一条（12件器材），"
                   f"预计{story_day(2025, 5, 31)}前完工，进度可在项目公示栏查看。"),
    )
    made, timelines = [], []
    for (text, code, place, who), plan in zip(asked, projects, strict=True):
        milestones = plan.pop("milestones")
        reply = plan.pop("reply")
        project = Project.objects.create(community=community, deliberation=deliberation, owner=secretary.display_name,
                                         unit=units.office, **plan)
        # A milestone takes its place from its project where it has one of its own (the model is changing).
        place = {"community": community} if any(f.name == "community" for f in Milestone._meta.fields) else {}
        Milestone.objects.bulk_create([Milestone(project=project, name=name, due_on=due, done_on=done, **place)
                                       for name, due, done in milestones])
        made.append(project)
        received = SEEDS_HELD + dt.timedelta(minutes=15 + 10 * len(timelines))
        concern = Concern(code, "village", K.REQUEST, ("office",), text, text, reply)
        texts = {"title": text.split("，")[0], "description": text, "reply": reply,
                 "address": f"{site.plan.town}东联社区拾陈经济社{place}"}
        tl, _ = writer.case_new(concern, received, channel=Case.Channel.DELIBERATION, texts=texts, grid=grid,
                                building=None, contact=False)
        case = tl.case
        case.kind, case.deliberation, case.recorded_by, case.contact_name = K.REQUEST, deliberation, secretary, who
        case.priority = Case.Priority.NORMAL
        for name, value in writer.set_due(case, received).items():
            setattr(case, name, value)
        tl.events[0].user = secretary
        at = writer.dispatch(tl, units.office, story_at(2025, 3, 10, 9, 5), secretary,
                             note="榕树头议事会议定事项，社区牵头办理。")
        at = writer.accept(tl, at + dt.timedelta(minutes=40), writer.staff[-1])
        # Answered in time, whichever weekdays the story's dates fall on once moved.
        linked = min(story_at(2025, 3, 18, 16, 0), case.due_at - dt.timedelta(hours=3))
        tl.step("linked_project", linked, secretary, data={"project": project.pk}, project=project)
        writer.reply(tl, linked + dt.timedelta(minutes=20), secretary, reply)
        if plan["status"] == Project.Status.DONE:
            done = story_at(2025, 5, 26, 17, 0)
            tl.step("noted", done, secretary,
                    note=f"健身路径已于{story_day(2025, 5, 26)}完工，经居民代表参与验收后投入使用。")
            writer.rate(tl, done + dt.timedelta(days=2), "satisfied")
            writer.close(tl, done + dt.timedelta(days=2, hours=1))
        else:  # the follow-up call: satisfied that it became a project, kept open until the project is done
            writer.rate(tl, linked + dt.timedelta(days=2, hours=1), "mostly")
        timelines.append(tl)
    Event.objects.bulk_create([created(deliberation, SEEDS_HELD + dt.timedelta(hours=3), secretary),
                               *(created(project, story_at(2025, 3, 18, 15, 30), secretary)
                                 for project in made)])
    return deliberation, made, timelines


def created(obj, at: dt.datetime, by) -> Event:
    """The event a page's save would have written for a deliberation or project, dated when it was entered."""
    return Event(at=at, user=by, action=Event.Action.CREATED, model=obj._meta.label_lower, object_id=obj.pk,
                 object_repr=str(obj)[:200], community_id=obj.community_id, changes=record_changes(None, obj))


def captains_meetings(site: Site, users: dict[str, User]) -> list[Deliberation]:
    """罗湖's quarterly building captains' meetings (楼长季度议事会) at its two pilot estates, with the estate's
    cases of the quarter on the agenda."""
    rows = []
    for estate, venue in (("龙光·君悦龙庭", "龙光·君悦龙庭会所议事室"), ("长信银湾", "长信银湾架空层议事角")):
        grids = Grid.objects.filter(community=site.community, level=Grid.Level.GRID, name__startswith=estate)
        for held in (story_at(2025, 3, 28, 19, 30), story_at(2025, 6, 27, 19, 30)):
            quarter = f"{held.year}年第{(held.month - 1) // 3 + 1}季度"
            captain = users["luohu-captain"].display_name if estate == "长信银湾" else "黄志强"
            deliberation = Deliberation.objects.create(
                community=site.community, title=f"{estate}{quarter}楼长议事会", held_at=held, venue=venue,
                convener=users["luohu"].display_name,
                participants="\n".join((f"{users['luohu'].display_name}（社区党委书记）", f"{captain}（楼长）",
                                        "李嘉欣（楼长）", "周国平（党员）", "物业项目经理", "何美玲（业主代表）")),
                minutes=f"{quarter}楼长议事会：逐栋通报本季度居民反映事项的办理情况，物业说明整改进度，楼长收集下季度意见。",
                decisions="一、物业每月公示维修和整改进度；\n二、楼长每周巡楼一次，发现问题扫码反映；\n三、下季度议事会复核。")
            agenda = Case.objects.filter(grid__in=grids, received_at__lt=held,
                                         received_at__gte=held - dt.timedelta(days=91)).order_by("received_at", "pk")
            deliberation.agenda.set(list(agenda[:3]))
            rows.append(deliberation)
    Event.objects.bulk_create([created(row, row.held_at + dt.timedelta(hours=3), users["luohu"]) for row in rows])
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Live cases, through the services, today.


def live_cases(site: Site, units: Units, grids: list[dict], users: dict[str, User],
               categories: dict[str, Category]) -> list[Case]:
    community = site.community
    secretary = users[PEOPLE[community.name][0]]
    rng = site.rng("cases-live")
    homes = [g for g in grids if g["where"] in ("estate", "village")] or grids
    pilot = next((g for g in grids if g["name"] == "长信银湾网格"), None)
    road = ROADS[community.name][0]
    made = []
    near = homes[0]["label"]
    waiting = (("qr", "C-SANITATION", f"{near}垃圾池满了", f"{near}垃圾池满了，周末没人清运，味道很大，请安排清运。"),
               ("phone", "C-LIGHT", f"{road}路灯一闪一闪", f"{road}中段有两盏路灯一直闪，晚上很晃眼，请检修。"))
    for channel, code, title, text in waiting:
        by = None if channel == "qr" else secretary
        made.append(services.case_receive(by=by, community=community, description=text, title=title,
                                          channel=channel, category=categories[code],
                                          grid=Grid.objects.get(pk=homes[0]["pk"]),
                                          contact_name="陈女士" if by else "",
                                          contact_phone=phone_number(rng) if by else ""))
    grid = pilot or homes[min(1, len(homes) - 1)]
    grid_row = Grid.objects.get(pk=grid["pk"])
    unit = units.grids[grid["pk"]]
    sent = services.case_receive(by=secretary, community=community, grid=grid_row, channel=Case.Channel.WALK_IN,
                                 category=categories["C-PROPERTY" if grid["where"] == "estate" else "C-SANITATION"],
                                 title=f"{grid['label']}楼道堆放杂物",
                                 description=f"{grid['label']}有住户在楼道长期堆放旧家具和纸箱，影响通行，请网格员上门劝导清理。")
    made.append(services.case_dispatch(case=sent, unit=unit, by=secretary, note="请网格员今日上门处理。"))
    urgent = services.case_receive(by=secretary, community=community, grid=grid_row, channel=Case.Channel.PHONE,
                                   category=categories["C-FIRE"], priority=Case.Priority.EMERGENCY,
                                   title=f"{grid['label']}出租屋飞线充电",
                                   description=f"{grid['label']}有出租屋从窗口拉线给电动车充电，电线就挂在楼道，"
                                               "存在火灾隐患，请尽快处理。",
                                   contact_name="梁先生", contact_phone=phone_number(rng))
    made.append(services.case_dispatch(case=urgent, unit=unit, by=secretary, note="消防隐患，2小时内到场。"))
    if pilot:
        worker = users["luohu-grid"]
        doing = services.case_receive(by=worker, community=community, grid=grid_row, channel=Case.Channel.VISIT,
                                      category=categories["C-PROPERTY"], title="长信银湾2座电梯按键失灵",
                                      description="巡楼发现长信银湾2座电梯部分楼层按键失灵，已通知物业，跟进维修。")
        doing = services.case_dispatch(case=doing, unit=unit, by=secretary)
        made.append(services.case_accept(case=doing, by=worker, note="已联系物业维保单位，今日下午到场。"))
    return made


# ---------------------------------------------------------------------------------------------------------------
# The stage.


def case_count(site: Site, scale: float) -> int:
    return max(FLOOR, round(YEARLY[site.plan.name] * scale))


def cases_build(sites: list[Site], scale: float, bar=None) -> int:
    """The cases of the demo (see the module's docstring); the number of cases."""
    from banyan.cases.open311_clients import key_hash, open311_client_issue

    # The reference data is the migration's; a test database flushed since lacks it: what is missing, made again.
    catalog_ensure()
    users = {u.username: u for u in User.objects.filter(username__in={
        name for names in PEOPLE.values() for name in names if name} | {"luohu-captain"})}
    categories = {c.code: c for c in Category.objects.select_related("parent", "time_limit")}
    towns: dict[int, dict[str, Unit]] = {}
    total = 0
    for site in sites:
        town = site.community.town
        if town.pk not in towns:
            officers = [users[o] for o in {PEOPLE[s.plan.name][2] for s in sites if s.plan.town == town.name} if o]
            towns[town.pk] = town_units(town, officers)
        grids = grids_of(site)
        units = units_create(site, grids, towns[town.pk], users)
        buildings: dict[int, list[tuple]] = {}
        for row in (Building.objects.filter(community=site.community).exclude(grid__parent=None).order_by("pk")
                    .values_list("pk", "name", "address", "latitude", "longitude", "grid__parent_id")):
            buildings.setdefault(row[5], []).append(row[:5])
        writer = Writer(site, units, users, categories, grids, buildings)
        seeds = None
        if site.plan.name == "东联":
            seeds = seeds_chain(writer)
        timelines = writer.year(case_count(site, scale))
        timelines_write(timelines)
        if seeds:
            deliberation, projects, chain = seeds
            deliberation.agenda.set([t.case for t in chain])
        if site.plan.name == "罗湖":
            captains_meetings(site, users)
        total += len(timelines) + len(live_cases(site, units, grids, users, categories))
        if bar is not None:
            bar.update()
    # Kept when a demo loaded before cases were the demo's left it (reset did not know it as the demo's then).
    if not Open311Client.objects.filter(key_hash=key_hash(OPEN311_KEY)).exists():
        open311_client_issue(name="演示应用", by=None, key=OPEN311_KEY)
    similar_rebuild()
    return total


def similar_rebuild() -> None:
    """The similar-case index is derived data: made afresh from every case once the demo's are written."""
    from banyan.cases.similar import similar_index_rebuild

    similar_index_rebuild()


