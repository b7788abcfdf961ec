"""The reference data of cases, loaded by a migration and kept current by `catalog_ensure()`: the time limits of
the hotline and the petition regulation, and the category tree (hotline classes, GB/T 31000 disputes, GB/T 30428.2
urban events and parts, and the community's own).
"""

from banyan.cases.deadlines import COMPLEX, EMERGENCY, GENERAL, PETITION, UTILITIES

# code, name, hours, days, working days, extension days, remind before (hours)
TIME_LIMITS = (
    (EMERGENCY, "紧急（2小时）", 2, None, False, 0, 1),
    (UTILITIES, "水电气（24小时）", 24, None, False, 0, 6),
    (GENERAL, "一般（7个工作日）", None, 7, True, 0, 24),
    (COMPLEX, "复杂（15个工作日）", None, 15, True, 0, 48),
    (PETITION, "信访（60日，可延长30日）", None, 60, False, 30, 72),
)

HOTLINE = ("城乡建设", "环境保护", "交通运输", "教育文体", "劳动和社会保障", "商贸旅游", "卫生计生")

# The community's own categories, under the hotline class a router predicts for them: code, name, parent, limit.
COMMUNITY = (
    ("C-LIGHT", "路灯", "城乡建设", ""),
    ("C-FITNESS", "健身设施", "教育文体", ""),
    ("C-SANITATION", "环境卫生", "环境保护", ""),
    ("C-NOISE", "噪音扰民", "环境保护", ""),
    ("C-RENTAL", "出租屋", "城乡建设", ""),
    ("C-FIRE", "消防安全", "城乡建设", EMERGENCY),
    ("C-UTILITIES", "供水供电供气", "城乡建设", UTILITIES),
    ("C-PROPERTY", "物业服务", "城乡建设", ""),
    ("C-ROAD", "道路设施", "交通运输", ""),
    ("C-PARKING", "停车管理", "交通运输", ""),
    ("C-ELDER", "养老服务", "劳动和社会保障", ""),
    ("C-WAGES", "欠薪", "劳动和社会保障", COMPLEX),
    ("C-HEALTH", "医疗卫生", "卫生计生", ""),
    ("C-MARKET", "市场秩序", "商贸旅游", ""),
    ("C-SCHOOL", "入学与教育", "教育文体", ""),
)


def _codes_csv() -> list[dict]:
    import csv
    from pathlib import Path

    with (Path(__file__).resolve().parent.parent / "core" / "data" / "codes.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def catalog_rows() -> list[tuple[str, str, str, str, str]]:
    """(code, name, parent code, source, time limit code) of every category, parents first."""
    rows = [(f"H{i:02d}", name, "", "hotline", "") for i, name in enumerate(HOTLINE, start=1)]
    by_name = {name: code for code, name, *_ in rows}
    rows += [(code, name, by_name[parent], "community", limit) for code, name, parent, limit in COMMUNITY]
    rows.append(("D", "矛盾纠纷", "", "dispute", COMPLEX))
    rows.append(("U", "城市管理事件", "", "urban", ""))
    rows.append(("P", "城市管理部件", "", "urban", ""))
    events = parts = 0
    for line in _codes_csv():
        kind, name = line["list"], line["name"]
        if kind.startswith("dispute_type"):
            rows.append((f"D{line['code']}", name, "D", "dispute", ""))
        elif kind.startswith("urban_event_class"):
            events += 1
            short = name.split("（")[0]
            rows.append((f"U{events:02d}", short, "U", "urban", EMERGENCY if short == "突发事件" else ""))
        elif kind.startswith("urban_part_class"):
            parts += 1
            rows.append((f"P{parts:02d}", name, "P", "urban", ""))
    return rows


def catalog_ensure(apps=None) -> None:
    """Create what is missing of the time limits and the category tree; never changes what staff configured."""
    if apps is None:
        from django.apps import apps
    TimeLimit, Category = apps.get_model("cases", "TimeLimit"), apps.get_model("cases", "Category")
    limits = {}
    for code, name, hours, days, working, extension, remind in TIME_LIMITS:
        limits[code], _ = TimeLimit.objects.get_or_create(code=code, defaults={
            "name": name, "hours": hours, "days": days, "working_days": working, "extension_days": extension,
            "remind_before_hours": remind})
    known = {c.code: c for c in Category.objects.all()}
    for order, (code, name, parent, source, limit) in enumerate(catalog_rows()):
        if code in known:
            continue
        known[code] = Category.objects.create(code=code, name=name, parent=known.get(parent), source=source,
                                              time_limit=limits.get(limit), order=order)
