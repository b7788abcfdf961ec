"""Benchmark: importing resident ledgers through the same code as `banyan import`.

    python benchmarks/import_residents.py --rows N [--database URL] [--format csv|xlsx]

Generates N valid resident rows (plus ~3% bad ones), imports them as a district admin into 东联, and prints
rows/s and peak memory, with two references measured in the same run on the same rows: a plain COPY of the
file into a bare table (PostgreSQL only: the physical limit) and django-import-export on a 20,000-row slice
(what a Django developer would reach for). On PostgreSQL it works in its own database `banyan_bench` on the
server of --database, created afresh; on SQLite in a temporary data directory. Your data is never touched.
"""

import argparse
import csv
import itertools
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BAD_SHARE = 0.03
SLICE = 20_000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", default="", help="PostgreSQL URL; default: the embedded SQLite")
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def bench_database(url: str, name: str = "banyan_bench") -> str:
    """A fresh database `name` on the same PostgreSQL server."""
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return urlunsplit(parts._replace(path=f"/{name}"))


def setup_django(database: str, name: str = "banyan_bench") -> None:
    """Production settings (no debug query log), throwaway keys, a scratch data directory."""
    import secrets

    os.environ["BANYAN_DATA_DIR"] = tempfile.mkdtemp(prefix="banyan-bench-")
    os.environ["BANYAN_DEBUG"] = "0"
    os.environ.setdefault("BANYAN_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("BANYAN_PII_KEY", secrets.token_urlsafe(32))
    if database:
        os.environ["DATABASE_URL"] = bench_database(database, name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banyan.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", "-v", "0")


def resident_rows(n: int, seed: int):
    """N resident rows, unique valid ID numbers, ~3% with a broken check digit. Streamed, never all in memory."""
    import datetime as dt

    from banyan.core.validators import id_check_digit

    rng = random.Random(seed)
    surnames, given = "陈李黄张梁何吴刘林罗", "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂"
    regions = ["440605", "440604", "450102", "430102", "510104", "360102"]
    start = dt.date(1950, 1, 1)
    for i in range(n):
        born = start + dt.timedelta(days=i % 25_000)
        first17 = f"{regions[i % 6]}{born:%Y%m%d}{(i // 25_000) % 1000:03d}"
        number = first17 + id_check_digit(first17)
        if rng.random() < BAD_SHARE:
            number = number[:17] + ("0" if number[17] != "0" else "1")
        yield [rng.choice(surnames) + rng.choice(given) + rng.choice(given), number,
               rng.choice(["户籍人口", "常住人口", "流动人口"]), f"199{rng.randrange(10**8):08d}", "东联", "汉族",
               "佛山市南海区丹灶镇", "东联社区村前路"]


HEADER = ["姓名", "身份证号", "人口类别", "手机号", "社区", "民族", "户籍地址", "现住址"]


def write_file(rows, fmt: str) -> Path:
    path = Path(tempfile.mkstemp(suffix=f".{fmt}")[1])
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(HEADER)
            writer.writerows(rows)
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
        workbook.save(path)
    return path


def run_import(path: Path) -> dict:
    """`banyan import` in its own process, so its peak memory is its own; its last line has the figures."""
    banyan = Path(sys.executable).with_name("banyan")
    done = subprocess.run([str(banyan), "import", "residents", str(path)], env=os.environ, check=True,
                          capture_output=True, text=True)
    last = done.stdout.strip().splitlines()[-1]
    return dict(part.split("=", 1) for part in last.split()[1:])


def copy_reference(rows_path: Path) -> float | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    cols = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS bench_copy; CREATE UNLOGGED TABLE bench_copy ({cols})")
        started = time.perf_counter()
        with rows_path.open("rb") as f, cursor.cursor.copy(
                "COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            while block := f.read(1 << 20):
                copy.write(block)
        seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_copy")
        n = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_copy")
    return n / seconds


def import_export_reference(rows) -> float:
    """django-import-export importing the same kind of rows, with our model's encryption in its path."""
    import tablib
    from import_export import fields, resources, widgets

    from banyan.people.models import Residency, Resident
    from banyan.places.models import Community

    residency = {"户籍人口": Residency.REGISTERED, "常住人口": Residency.PERMANENT, "流动人口": Residency.MIGRANT}

    class ResidentResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        community = fields.Field(attribute="community", column_name="社区",
                                 widget=widgets.ForeignKeyWidget(Community, field="name"))

        class Meta:
            model = Resident
            fields = ("name", "community")
            import_id_fields = ()
            use_bulk = False

        def before_import_row(self, row, **kwargs):
            from banyan.core.validators import validate_id_number

            validate_id_number(row["身份证号"])

        def import_instance(self, instance, row, **kwargs):
            super().import_instance(instance, row, **kwargs)
            instance.id_number = row["身份证号"]
            instance.phone = row["手机号"]
            instance.residency = residency[row["人口类别"]]

    Resident.objects.all()._raw_delete(Resident.objects.db)  # a million rows: no per-row collection
    good = [r for r in rows if _valid(r[1])]
    dataset = tablib.Dataset(*good, headers=HEADER)
    started = time.perf_counter()
    result = ResidentResource().import_data(dataset, dry_run=False, raise_errors=True, use_transactions=True)
    seconds = time.perf_counter() - started
    assert not result.has_errors()
    return len(good) / seconds


def _valid(number: str) -> bool:
    from django.core.exceptions import ValidationError

    from banyan.core.validators import validate_id_number

    try:
        validate_id_number(number)
        return True
    except ValidationError:
        return False


def main():
    args = parse_args()
    setup_django(args.database)
    from django.db import connection

    path = write_file(resident_rows(args.rows, args.seed), args.format)
    csv_path = path if args.format == "csv" else write_file(resident_rows(args.rows, args.seed), "csv")
    print(f"database={connection.vendor} format={args.format} rows={args.rows} file_mb={path.stat().st_size / 1e6:.1f}",
          flush=True)
    figures = run_import(path)
    rate, peak_mb = float(figures["rows_per_s"]), float(figures["peak_mb"])
    print(f"import: created={figures['created']} refused={figures['refused']} seconds={figures['seconds']} "
          f"rows_per_s={rate:,.0f} peak_mb={peak_mb:.0f}", flush=True)
    copy_rate = copy_reference(csv_path)
    ie_rate = import_export_reference(list(itertools.islice(resident_rows(SLICE * 2, args.seed + 1), SLICE)))
    copy_text = f"{copy_rate:.0f}" if copy_rate else "n/a"
    copy_ratio = f"{rate / copy_rate:.3f}" if copy_rate else "n/a"
    print(f"rows={args.rows} rows_per_s={rate:.0f} peak_mb={peak_mb:.0f} copy_rows_per_s={copy_text} "
          f"copy_ratio={copy_ratio} import_export_rows_per_s={ie_rate:.0f} import_export_ratio={rate / ie_rate:.2f}")


if __name__ == "__main__":
    main()
