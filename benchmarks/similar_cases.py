"""Benchmark: similar-case lookup (`banyan.cases.similar.similar_cases`) beside PostgreSQL pg_trgm, on the same data.

    python benchmarks/similar_cases.py [--cases 1000000] [--queries 200] [--database URL] [--reuse]

Generates N plausible Chinese resident concerns (places, objects, problems, times and details from templates),
plants `--queries` reworded near-duplicates of random ones among them (synonyms, reordered clauses, particles and
polite phrases added or dropped, a typo or two: the same concern said again by another resident), loads them with
COPY and indexes them through the product's bulk path (`similar_index_rebuild`). Then it asks for the 5 cases
most like each planted rewording (excluding itself, its community given, as at intake) and counts how often the
case it rewords is among them (recall@5), timing each lookup through the product function. The same queries run
through pg_trgm: a GIN trigram index on the description, `description % text` at the default threshold (0.3)
ordered by `similarity` (GIN cannot order by distance; `<->` without a GiST index scans every row).

All cases are in open states: the worst case for a lookup among open cases, which then reads every posting.
It works in its own database `banyan_similar_bench` on the server of --database, created afresh (`--reuse` keeps
a loaded one, to repeat the queries). Your data is never touched. The last line has the figures.
"""

import argparse
import io
import math
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/test"
NAME = "banyan_similar_bench"
WARMUP = 20


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200, help="planted rewordings, each one query")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="a PostgreSQL server (its URL)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded database of an earlier run")
    parser.add_argument("--no-trgm", action="store_true", help="skip pg_trgm (its figures print as nan)")
    return parser.parse_args()


def say(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------------------------------------------------------
# Database.


def bench_database(url: str, *, fresh: bool) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [NAME]).fetchone()
        if fresh or not exists:
            conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {NAME}")
    return urlunsplit(urlsplit(url)._replace(path=f"/{NAME}"))


def setup_django(database: str) -> None:
    """Production settings (no debug query log), throwaway keys, a scratch data directory."""
    os.environ["BANYAN_DATA_DIR"] = tempfile.mkdtemp(prefix="banyan-similar-")
    os.environ["BANYAN_DEBUG"] = "0"
    os.environ.setdefault("BANYAN_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("BANYAN_PII_KEY", secrets.token_urlsafe(32))
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banyan.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", "-v", "0")


# ---------------------------------------------------------------------------------------------------------------
# Concerns, from templates.

NAME_CHARS = ("东西南北中新上下前后大小金银玉龙凤鹤松竹梅兰桂荔榕桃杏柳枫华兴隆盛昌泰康宁安平和福寿富贵祥瑞吉庆嘉德"
              "仁信义明光辉阳春秋云霞星月江河湖海山岭塘涌沙岗围坑埔洲湾港桥丹灶狮山西樵九江里水大沥罗村盐步")
ESTATE_ENDS = ["花园", "华庭", "新村", "雅苑", "名苑", "豪庭", "公馆", "小区", "家园", "山庄", "新城", "御府", "湾畔",
               "雅居", "苑"]
ROAD_ENDS = ["路", "街", "大道", "巷", "大街", "一路", "二路", "北路", "南路", "东路", "西路", "横街", "直街"]
SHOP_ENDS = ["超市", "餐馆", "烧烤店", "五金店", "药店", "快递点", "大排档", "茶楼", "KTV", "洗车场", "汽修厂",
             "棋牌室", "麻将馆", "酒吧", "网吧", "菜馆", "士多店", "理发店", "废品站", "装修公司"]
LANDMARKS = ["公交站", "幼儿园", "小学", "菜市场", "公园", "篮球场", "祠堂", "文化室", "卫生站", "榕树头", "停车场",
             "垃圾站", "农贸市场", "桥头", "路口", "健身广场", "党群服务中心", "医院后门", "中学门口", "球场"]
FAMILY = "陈李黄张梁何吴刘林罗郑谢冯邓曾彭潘袁蔡蒋余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖"
ELDERS = ["伯", "姨", "叔", "婆", "姐", "生", "小姐", "阿婆", "老师"]
NUMERALS = "一二三四五六七八九十"


def _name(rng) -> str:
    return rng.choice(NAME_CHARS) + rng.choice(NAME_CHARS)


def estate(rng) -> str:
    return _name(rng) + rng.choice(ESTATE_ENDS)


def road(rng) -> str:
    return _name(rng) + rng.choice(ROAD_ENDS)


def place(rng) -> str:
    """Where it happens, as a resident says it: an estate's building, a road's number, a village's corner."""
    kind = rng.random()
    if kind < 0.35:
        return rng.choice([f"{estate(rng)}{rng.randint(1, 40)}栋", f"{estate(rng)}{rng.randint(1, 30)}座",
                           f"{estate(rng)}{rng.randint(1, 40)}栋{rng.randint(1, 4)}单元",
                           f"{estate(rng)}{rng.randint(1, 33)}0{rng.randint(1, 8)}房门口",
                           f"{estate(rng)}{rng.choice(['东门', '西门', '南门', '北门', '地下车库', '中心花园'])}"])
    if kind < 0.7:
        return rng.choice([f"{road(rng)}{rng.randint(1, 300)}号", f"{road(rng)}{rng.randint(1, 300)}号附近",
                           f"{road(rng)}和{road(rng)}交界处", f"{road(rng)}{rng.choice(LANDMARKS)}旁边",
                           f"{road(rng)}{rng.choice(LANDMARKS)}对面"])
    if kind < 0.85:
        return f"{_name(rng)}村{rng.choice(NUMERALS)}{rng.choice(['经济社', '队', '坊'])}{rng.choice(LANDMARKS)}"
    return f"{road(rng)}{_name(rng)}{rng.choice(SHOP_ENDS)}门口"


def _pick(rng, *options):
    return rng.choice(options)


def problem(rng, at: str) -> list[str]:
    """The concern itself: one of the common kinds, a clause or three."""
    shop = _name(rng) + rng.choice(SHOP_ENDS)
    when = _pick(rng, "每天晚上十点以后", "凌晨一两点", "中午十二点到两点", "周末早上七点", "一到晚上",
                 "每天早上六点多")
    n = rng.randint(2, 12)
    kinds = [
        lambda: [f"{at}的路灯{_pick(rng, '不亮', '坏了', '一直不亮', '时亮时不亮', '亮了又灭')}",
                 _pick(rng, "晚上很黑", f"有{n}盏灯不亮", "晚上走路看不清"), _pick(rng, "老人小孩出行很不安全", "")],
        lambda: [f"{at}的垃圾{_pick(rng, '没人清运', '堆了好几天', '清运不及时', '一直没人处理')}",
                 _pick(rng, "垃圾桶满了溢出来", "招来很多苍蝇老鼠", "天气热臭味很大")],
        lambda: [f"{at}{shop}{when}还很吵", _pick(rng, "音响声音太大", "客人大声喧哗", "噪音扰民"),
                 "严重影响居民休息"],
        lambda: [f"{at}楼顶有人违章搭建{_pick(rng, '铁皮房', '彩钢棚', '砖房')}",
                 _pick(rng, "占用消防通道", "存在安全隐患", f"已经搭了{n}米多")],
        lambda: [f"{at}下水道堵塞污水外溢", _pick(rng, "臭味很大", "流到路面上", "化粪池满了没人清理")],
        lambda: [f"{at}的出租屋楼道堆放杂物", _pick(rng, "电动车在楼道充电", "没有灭火器", f"住了{n}个人"),
                 "存在消防安全隐患"],
        lambda: [f"{at}停车难", _pick(rng, "车位不够", "外来车辆乱停", "乱停车堵住出入口"),
                 _pick(rng, "消防通道被占用", "早上出不了门")],
        lambda: [f"{at}有摊贩占道经营", _pick(rng, "油烟很大", "垃圾乱丢", "行人只能走机动车道")],
        lambda: [f"{at}{_pick(rng, '楼上', '隔壁', '天台')}漏水", _pick(rng, "墙面发霉", "天花板掉灰", "物业不处理")],
        lambda: [f"{at}的电梯经常{_pick(rng, '故障', '停运', '困人')}", f"这个月已经坏了{n}次"],
        lambda: [f"{at}路面坑洼", _pick(rng, "井盖松动", "井盖缺失", "一下雨就积水"), "电动车容易摔倒"],
        lambda: [f"{at}的大树{_pick(rng, '枝干快断了', '歪向楼房', '树根把路面顶坏了')}",
                 _pick(rng, "台风来了很危险", "怕砸到人")],
        lambda: [f"{at}有流浪狗{_pick(rng, '咬人', '追小孩', '到处拉屎')}", f"大概有{n}只"],
        lambda: [f"{at}{_pick(rng, '停水', '水压低', '水质发黄')}", _pick(rng, "高层用不了水", "烧开有沉淀")],
        lambda: [f"{at}{shop}油烟直排", "熏到楼上住户", "窗户都不敢开"],
        lambda: [f"{at}有人高空抛物", _pick(rng, "砸坏了车", "差点砸到人", "丢下来很多烟头")],
        lambda: [f"{at}跳广场舞{when}", "音响声音太大", "影响小孩学习"],
        lambda: [f"{at}有群租房", f"一套房住了{n + 8}个人", "进出人员复杂"],
        lambda: [f"{at}的健身器材{_pick(rng, '坏了', '生锈松动', '缺了零件')}", "老人锻炼有危险"],
        lambda: [f"{at}的河涌{_pick(rng, '发黑发臭', '漂着垃圾', '有人排污')}", "夏天味道很大"],
        lambda: [f"{at}的公交站{_pick(rng, '站牌被撞坏', '没有雨棚', '被车占了')}", "等车的老人很不方便"],
        lambda: [f"{at}{_pick(rng, '夜间施工', '工地凌晨还在打桩', '装修电钻声')}", f"{when}还在干", "影响休息"],
        lambda: [f"{at}有人养狗不拴绳", _pick(rng, "狗屎没人清理", "吓到小孩")],
        lambda: [f"{at}的监控{_pick(rng, '坏了', '拍不清楚', '被挡住了')}", "电动车被偷了找不到"],
    ]
    return [clause for clause in rng.choice(kinds)() if clause]


def concern(rng) -> str:
    """A concern of 20 to 150 characters."""
    clauses = []
    if rng.random() < 0.4:
        clauses.append(_pick(rng, "您好", "你好", "您好，我想反映一个问题", f"我是{estate(rng)}的业主",
                             "我是附近的居民", "反映一下", f"{rng.choice(FAMILY)}{rng.choice(ELDERS)}反映"))
    clauses += problem(rng, place(rng))
    if rng.random() < 0.6:
        clauses.append(_pick(rng, "已经一个多月了", "快两个星期了", "最近半个月都这样", "这几天一直这样", "从上周开始",
                             "好几个月了", "从去年年底开始", f"从{rng.randint(1, 12)}月{rng.randint(1, 28)}号开始",
                             f"已经打过{rng.randint(2, 6)}次12345"))
    if rng.random() < 0.5:
        n = rng.randint(2, 60)
        clauses.append(_pick(rng, "之前跟物业反映过", "物业说不归他们管", "社区来看过一次但没有下文",
                             "上次回复说会处理但到现在还没动静", f"{rng.randint(1, 12)}月份已经反映过一次",
                             f"附近住了{n}户人家", f"住在{rng.randint(1, 30)}栋的{rng.choice(FAMILY)}"
                             f"{rng.choice(ELDERS)}也说过这个事", f"有{n}个居民联名签字"))
    if rng.random() < 0.5:
        clauses.append(_pick(rng, "大家意见很大", "存在很大安全隐患", "附近居民都很担心", "影响周边商户做生意",
                             "家里老人小孩晚上睡不好", "外地来的租客也投诉过"))
    clauses.append(_pick(rng, "希望尽快解决", "请有关部门尽快处理", "麻烦社区帮忙协调一下", "有没有办法解决？",
                         "恳请领导重视", "希望物业管一管", "谢谢！", "希望有关部门派人来看看"))
    text = "，".join(clauses)
    while len(text) > 150 and len(clauses) > 2:
        clauses.pop(-2)
        text = "，".join(clauses)
    return text if text.endswith(("？", "！")) else text + "。"


SYNONYMS = {
    "路灯": ["街灯", "路边的灯"], "不亮": ["不亮了", "坏了", "没亮"], "晚上": ["夜里", "夜间", "晚间"],
    "很黑": ["黑乎乎的", "特别黑", "一片漆黑"], "没人清运": ["没有人来清理", "一直没人收", "无人清运"],
    "清运": ["清理", "收走"], "堆了": ["放了"], "很吵": ["太吵了", "吵得很"], "噪音": ["噪声"], "扰民": ["吵到居民"],
    "违章搭建": ["私自搭建", "违建"], "铁皮房": ["铁皮棚"], "下水道": ["排水管", "下水管"], "堵塞": ["堵了", "不通"],
    "污水": ["脏水"], "外溢": ["冒出来", "溢出"], "臭味": ["臭气", "异味"], "出租屋": ["出租房"],
    "楼道": ["走廊", "楼梯间"], "电动车": ["电瓶车"], "车位": ["停车位"], "乱停": ["乱停乱放"], "占用": ["占了"],
    "消防通道": ["生命通道"], "摊贩": ["小贩", "流动摊贩"], "漏水": ["渗水"], "经常": ["时常", "总是"],
    "一直": ["始终", "总是"], "已经": ["都已经", "已"], "希望": ["恳请", "盼望", "期望"], "尽快": ["早日", "赶紧"],
    "解决": ["处理", "处理一下"], "有关部门": ["相关部门", "职能部门"], "居民": ["住户", "街坊"],
    "老人": ["老年人", "长者"], "小孩": ["孩子", "小朋友"], "安全隐患": ["隐患", "安全风险"], "影响": ["干扰"],
    "休息": ["睡觉"], "附近": ["周边"], "门口": ["门前"], "旁边": ["边上"], "麻烦": ["劳烦", "请"],
    "协调": ["沟通"], "每天": ["天天"], "以后": ["之后"], "凌晨": ["半夜"], "坑洼": ["坑坑洼洼"], "井盖": ["下水井盖"],
    "积水": ["水浸"], "流浪狗": ["野狗"], "油烟": ["烟味"], "音响": ["喇叭"], "栋": ["号楼", "座"],
    "交界处": ["交叉口", "路口"], "对面": ["对过"], "很大": ["特别大", "很重"], "故障": ["出毛病"], "坏了": ["坏掉了"],
    "好几天": ["几天"], "一个多月": ["个把月", "一个多月时间"], "两个星期": ["半个月"], "大概": ["差不多"],
    "怕": ["担心"], "不安全": ["危险"], "看看": ["看一下"], "开始": ["起"],
}
TYPOS = {"灯": "登", "园": "圆", "清": "青", "理": "里", "噪": "燥", "建": "见", "圾": "级", "盖": "概", "坏": "怀",
         "漏": "露", "梯": "题", "扰": "绕", "堵": "赌", "违": "为", "消": "销", "防": "方", "停": "亭", "积": "机",
         "油": "由", "味": "未", "安": "按", "影": "应", "响": "想", "希": "西", "尽": "进", "快": "块", "决": "绝",
         "楼": "搂", "车": "东", "水": "谁"}
OPENERS = ["您好", "你好", "麻烦问一下", "我又来反映了", "打扰一下", "我想反映个事"]
CLOSERS = ["谢谢", "麻烦你们了", "盼复", "请尽快派人来看看", "辛苦了", "望答复"]
GREETING = re.compile(r"^(您好|你好|反映一下|我想反映)")
REQUEST = re.compile(r"(希望|请有关|麻烦社区|有没有办法|恳请|谢谢)")


def reworded(text: str, rng) -> str:
    """The same concern from another resident: another greeting and request, two clauses swapped, synonyms,
    a particle added or dropped, sometimes a typo."""
    clauses = [c for c in re.split(r"[，。！？]", text) if c]
    clauses = [c for c in clauses if not GREETING.match(c) and not REQUEST.search(c)] or clauses
    if len(clauses) > 2 and rng.random() < 0.6:
        i = rng.randrange(len(clauses) - 1)
        clauses[i], clauses[i + 1] = clauses[i + 1], clauses[i]
    swaps = 0
    for i, clause in enumerate(clauses):
        for word, others in SYNONYMS.items():
            if word in clause and rng.random() < 0.6:
                clause = clause.replace(word, rng.choice(others), 1)
                swaps += 1
        clauses[i] = clause
    if rng.random() < 0.5:
        i = rng.randrange(len(clauses))
        clauses[i] += rng.choice(["了", "啊", "呢", "的"])
    if rng.random() < 0.4:
        i = rng.randrange(len(clauses))
        clauses[i] = clauses[i].replace("的", "", 1)
    for _ in range(rng.choice([0, 1, 1, 2])):
        i = rng.randrange(len(clauses))
        spots = [k for k, ch in enumerate(clauses[i]) if ch in TYPOS]
        if spots:
            k = rng.choice(spots)
            clauses[i] = clauses[i][:k] + TYPOS[clauses[i][k]] + clauses[i][k + 1:]
    if rng.random() < 0.5:
        clauses.insert(0, rng.choice(OPENERS))
    clauses.append(rng.choice(CLOSERS))
    return "，".join(clauses) + "。"


# ---------------------------------------------------------------------------------------------------------------
# Load.


def load_cases(texts: list[str], communities: list[int]) -> None:
    """COPY the cases in, all open (received, dispatched or in progress), received over the last year."""
    from django.db import connection

    columns = ("id, tracking_code, kind, channel, title, description, priority, address, contact_name, "
               "contact_phone_enc, contact_phone_masked, state, level, difficult, escalations, extended, received_at, "
               "reply, satisfaction, community_id")
    states = ["received", "dispatched", "in_progress"]
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY cases_case ({columns}) FROM STDIN") as copy:
            buffer = io.StringIO()
            for i, text in enumerate(texts):
                pk = i + 1
                buffer.write(f"{pk}\tS{pk:09d}\trequest\tphone\t\t{text}\tnormal\t\t\t\t\t{states[pk % 3]}\tcommunity\t"
                             f"f\t0\tf\t2026-{pk % 12 + 1:02d}-{pk % 28 + 1:02d} 09:00:00+08\t\t\t"
                             f"{communities[i]}\n")
                if pk % 50_000 == 0:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
        cursor.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), %s)", [len(texts)])
        cursor.execute("ANALYZE cases_case")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def pg_trgm(texts: list[str], planted: list[tuple[int, int]]) -> tuple[float, float]:
    """The same lookups through pg_trgm: p50 and recall@5."""
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute("CREATE INDEX IF NOT EXISTS bench_case_trgm ON cases_case USING gin (description gin_trgm_ops)")
        cursor.execute("ANALYZE cases_case")
        say(f"pg_trgm GIN index built in {time.perf_counter() - started:.1f} s")
        cursor.execute("SHOW pg_trgm.similarity_threshold")
        threshold = cursor.fetchone()[0]
        latencies, hits = [], 0
        for at, original in planted:
            began = time.perf_counter()
            cursor.execute("SELECT id FROM cases_case WHERE description %% %s AND id <> %s "
                           "AND state IN ('received', 'dispatched', 'in_progress', 'returned', 'reopened') "
                           "ORDER BY similarity(description, %s) DESC, id DESC LIMIT 5", [texts[at], at + 1, texts[at]])
            found = {row[0] for row in cursor.fetchall()}
            latencies.append((time.perf_counter() - began) * 1000)
            hits += (original + 1) in found
    p50, recall = statistics.median(latencies), hits / len(planted)
    say(f"pg_trgm (GIN, % at threshold {threshold}, by similarity): p50 {p50:.1f} ms, "
        f"p95 {percentile(latencies, 0.95):.1f} ms, recall@5 {recall:.3f}")
    return p50, recall


def main():
    args = parse_args()
    rng = random.Random(args.seed)
    say(f"database {NAME} on {urlsplit(args.database).netloc}; generating {args.cases:,} cases")
    setup_django(bench_database(args.database, fresh=not args.reuse))
    from django.db import connection

    from banyan.cases.models import Case
    from banyan.cases.similar import similar_cases, similar_index_rebuild, terms
    from banyan.places.models import Community

    started = time.perf_counter()
    communities = list(Community.objects.order_by("pk").values_list("pk", flat=True))
    # Residents say the same things in many ways: half the cases are told in the words a rewording uses, so
    # that its greetings, synonyms and typos are as common in the data as in life, not clues to the planted ones.
    texts = [concern(rng) for _ in range(args.cases)]
    texts = [reworded(text, rng) if rng.random() < 0.5 else text for text in texts]
    # Some communities raise more: a few large ones, many small ones.
    homes = [communities[min(int(rng.paretovariate(1.2)) - 1, len(communities) - 1)] for _ in range(args.cases)]
    # The planted rewordings take the places of random cases; each names the case it rewords (a different one).
    slots = rng.sample(range(args.cases), 2 * args.queries)
    planted = list(zip(slots[:args.queries], slots[args.queries:], strict=True))
    for at, original in planted:
        texts[at] = reworded(texts[original], rng)
        homes[at] = homes[original] if rng.random() < 0.9 else rng.choice(communities)
    say(f"generated in {time.perf_counter() - started:.1f} s; e.g. {texts[planted[0][1]]} → {texts[planted[0][0]]}")
    overlap = statistics.mean(len(terms(texts[a]) & terms(texts[o])) / len(terms(texts[a]) | terms(texts[o]))
                              for a, o in planted)
    say(f"planted {args.queries} rewordings; mean bigram Jaccard with their originals {overlap:.2f}")

    if args.reuse and Case.objects.count() == args.cases:
        say("reusing the loaded cases and index")
    else:
        started = time.perf_counter()
        load_cases(texts, homes)
        loaded = time.perf_counter() - started
        say(f"cases loaded (COPY) in {loaded:.1f} s")
        started = time.perf_counter()
        step = max(args.cases // 10, 1)
        similar_index_rebuild(progress=lambda done: done % step < 20_000 and say(f"  indexed {done:,} cases"))
        indexed = time.perf_counter() - started
        with connection.cursor() as cursor:
            # What autovacuum does after a bulk load: statistics, and the visibility map for index-only scans.
            cursor.execute("VACUUM ANALYZE cases_caseterm")
            cursor.execute("VACUUM ANALYZE cases_termcount")
            cursor.execute("SELECT count(*) FROM cases_caseterm")
            postings = cursor.fetchone()[0]
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('cases_caseterm'))")
            size = cursor.fetchone()[0]
        say(f"index built in {indexed:.1f} s (+ vacuum {time.perf_counter() - started - indexed:.1f} s): "
            f"{postings:,} postings, {size}; load total {time.perf_counter() - started + loaded:.1f} s")

    # Warm-up lookups (other texts): a running server's caches are warm.
    for text in texts[:WARMUP]:
        similar_cases(text)
    latencies, hits = [], 0
    for at, original in planted:
        began = time.perf_counter()
        found = similar_cases(texts[at], community_id=homes[at], exclude_id=at + 1, limit=5)
        latencies.append((time.perf_counter() - began) * 1000)
        hits += (original + 1) in {s.case_id for s in found}
    p50, p95, recall = statistics.median(latencies), percentile(latencies, 0.95), hits / len(planted)
    say(f"similar_cases: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(latencies):.1f} ms, recall@5 {recall:.3f}")

    trgm_p50, trgm_recall = pg_trgm(texts, planted) if not args.no_trgm else (math.nan, math.nan)
    say(f"ratios: {trgm_p50 / p50:.1f}x faster than pg_trgm, recall {recall:.3f} vs {trgm_recall:.3f}")
    say(f"cases={args.cases} p50_ms={p50:.1f} p95_ms={p95:.1f} recall_at_5={recall:.3f} "
        f"pg_trgm_p50_ms={trgm_p50:.1f} pg_trgm_recall_at_5={trgm_recall:.3f}")


if __name__ == "__main__":
    main()
