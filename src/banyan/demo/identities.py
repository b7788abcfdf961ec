"""Synthetic people and firms: plausible names, valid but recognisably synthetic personal numbers.

Every demo ID number passes GB 11643 (province prefix, a real birth date, check digit) and uses an order code
(digits 15-17) from 900 to 999, so a demo number is recognisable at a glance; every demo mobile number lies in
the blocks 199 0000, 198 0000 and 170 0000. Credit codes pass GB 32100 and GB 11714.
"""

import datetime as dt
import itertools
import random

from banyan.core.validators import id_check_digit
from banyan.demo.figures import AS_OF

# Surnames most frequent in 南海 (locals) and in China (migrants), most frequent first; drawn with falling weight.
LOCAL_SURNAMES = "陈梁黄李何罗林吴张谭冯邓麦潘关区劳杨周刘钟叶郭邝伍卢苏朱曾岑"
NATIONAL_SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡"
                     "贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段")
MALE_GIVEN = "伟强明志杰俊文华建国家辉锦荣浩健永耀嘉宇子豪炳成德添泽智鸿海军平涛斌亮新"
FEMALE_GIVEN = "丽芳敏静燕玲婷娟红霞艳秀美慧欣嘉雪琳颖晓翠洁佩淑映彩萍玉梅兰凤珍"

# Registered residents of 南海 carry 440682 (南海市, before it became a district in 2002) or 440605.
NANHAI_BEFORE_2003, NANHAI = "440682", "440605"
# Home counties of migrants (GB/T 2260): 粤东西北 and the provinces that send most workers to 佛山.
HOME_COUNTIES = (
    ("441581", "广东省陆丰市"), ("445281", "广东省普宁市"), ("440882", "广东省雷州市"), ("441481", "广东省兴宁市"),
    ("430524", "湖南省隆回县"), ("431121", "湖南省祁阳县"), ("430423", "湖南省衡山县"),
    ("450881", "广西壮族自治区桂平市"), ("450921", "广西壮族自治区容县"), ("450721", "广西壮族自治区灵山县"),
    ("360731", "江西省于都县"), ("360733", "江西省会昌县"), ("511323", "四川省蓬安县"), ("510623", "四川省中江县"),
    ("520324", "贵州省正安县"), ("411522", "河南省光山县"), ("411721", "河南省西平县"), ("421127", "湖北省黄梅县"),
    ("500235", "重庆市云阳县"), ("340826", "安徽省宿松县"), ("530381", "云南省宣威市"),
)
# Where permanent (non-hukou) residents, who mostly bought their flats, come from: cities as well as counties.
HOME_CITIES = HOME_COUNTIES + (
    ("440104", "广东省广州市越秀区"), ("440604", "广东省佛山市禅城区"), ("440606", "广东省佛山市顺德区"),
    ("441302", "广东省惠州市惠城区"), ("441202", "广东省肇庆市端州区"), ("430103", "湖南省长沙市天心区"),
    ("420106", "湖北省武汉市武昌区"), ("450103", "广西壮族自治区南宁市青秀区"), ("360102", "江西省南昌市东湖区"),
)
# Minorities frequent among people from a province (GB/T 3304 code, share); everyone else is 汉族 (01).
MINORITIES = {"45": ("08", 0.25), "52": ("06", 0.15), "43": ("15", 0.05)}
PHONE_BLOCKS = ("1990000", "1980000", "1700000")
BRANDS = "宏达鑫源金盛永利华泰联发恒通信德志诚中兴顺昌伟业广盛富力新华嘉俊锦辉佳美东方利丰创新粤海南方"

_LOCAL_WEIGHTS = list(itertools.accumulate(1 / (i + 3) for i in range(len(LOCAL_SURNAMES))))
_NATIONAL_WEIGHTS = list(itertools.accumulate(1 / (i + 5) for i in range(len(NATIONAL_SURNAMES))))


def surname_draw(rng: random.Random, *, local: bool) -> str:
    if local:
        return rng.choices(LOCAL_SURNAMES, cum_weights=_LOCAL_WEIGHTS)[0]
    return rng.choices(NATIONAL_SURNAMES, cum_weights=_NATIONAL_WEIGHTS)[0]


def person_name(rng: random.Random, *, male: bool, surname: str) -> str:
    chars = MALE_GIVEN if male else FEMALE_GIVEN
    given = rng.choice(chars) if rng.random() < 0.2 else rng.choice(chars) + rng.choice(chars)
    return surname + given


def birth_date(rng: random.Random, age: int) -> dt.date:
    """A birth date that makes someone `age` years old on the demo's day."""
    return AS_OF - dt.timedelta(days=age * 365 + age // 4 + rng.randrange(365))


def phone_number(rng: random.Random) -> str:
    return rng.choice(PHONE_BLOCKS) + f"{rng.randrange(10000):04d}"


def ethnicity_for(rng: random.Random, region: str) -> str:
    code, share = MINORITIES.get(region[:2], ("01", 0.0))
    return code if rng.random() < share else "01"


class IdNumbers:
    """ID numbers unique across the whole demo: 50 order codes per region, birth date and sex (odd for men)."""

    def __init__(self):
        self._issued: dict[tuple[str, dt.date, bool], int] = {}

    def issue(self, *, region: str, born: dt.date, male: bool) -> tuple[str, dt.date]:
        """The number and the birth date it encodes: a day later when the 50 codes of the day are used up."""
        while (count := self._issued.get((region, born, male), 0)) >= 50:
            born += dt.timedelta(days=1)
        self._issued[(region, born, male)] = count + 1
        first17 = f"{region}{born:%Y%m%d}{900 + 2 * count + male}"
        return first17 + id_check_digit(first17), born


_USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_code(rng: random.Random) -> str:
    """A unified social credit code of a 南海 company (91 440605 …), with both check characters right."""
    org = "MA" + "".join(rng.choice(_USCC[:10] + "ABCDEFGH") for _ in range(6))
    org_check = 11 - sum(int(c, 36) * w for c, w in zip(org, _ORG_WEIGHTS, strict=True)) % 11
    body = "91440605" + org + {10: "X", 11: "0"}.get(org_check, str(org_check))
    check = (31 - sum(_USCC.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True)) % 31) % 31
    return body + _USCC[check]


PRODUCTS = {"五金": ("五金制品", "金属制品", "五金机械", "铝制品", "不锈钢制品", "五金配件"),
            "鞋业": ("鞋业", "鞋材"), "纺织服装": ("服装", "纺织"), "家具": ("家具", "木业"),
            "汽车配件": ("汽车配件", "汽车零部件", "精密机械"),
            "金融服务": ("投资管理", "资产管理", "融资租赁", "金融信息服务", "股权投资"),
            "信息技术": ("信息科技", "网络科技", "软件科技", "数据科技", "智能科技"),
            "商务服务": ("企业管理咨询", "人力资源服务", "商务咨询", "财税咨询", "知识产权代理"),
            "文化传媒": ("文化传播", "广告", "传媒"), "房地产服务": ("房地产代理", "房地产经纪", "置业顾问"),
            "教育培训": ("教育科技", "教育咨询", "职业培训")}
OFFICE_PREFIXES = ("广东", "佛山市", "佛山市南海区")


def firm_name(rng: random.Random, industry: str, taken: set[str], *, office: bool = False) -> str:
    """A company name not yet taken in the community, e.g. 佛山市南海区鑫源五金制品有限公司 (an office firm is
    never a 厂, and often registered in the province or the city)."""
    while True:
        brand = rng.choice(BRANDS[::2]) + rng.choice(BRANDS[1::2])
        product = rng.choice(PRODUCTS.get(industry, (industry,)))
        if office:
            name = f"{rng.choice(OFFICE_PREFIXES)}{brand}{product}有限公司"
        else:
            name = f"佛山市南海区{brand}{product}有限公司" if rng.random() < 0.7 else f"南海{brand}{product}厂"
        if name not in taken:
            taken.add(name)
            return name
