"""Benchmark: finding a resident by the last four characters of an ID or phone number, at district size.

    python benchmarks/last_four.py [--rows 1000000] [--database postgresql://…]

Imports N generated residents (through `banyan import`, as benchmarks/import_residents.py does) into a fresh
database (`banyan_bench_search` on the server of --database, or a temporary SQLite), then searches for the last
four digits the masks show, as the district admin, through the API and the list page, and prints p50 and p95 beside
two references measured in the same run: the same rows found by scanning every mask (`LIKE '%1234'`, what the
search costs without its index) and a bare `SELECT count(*)` of the table. Your data is never touched.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_residents import resident_rows, run_import, setup_django, write_file  # noqa: E402


def timed_ms(call, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", default="", help="PostgreSQL URL; default: the embedded SQLite")
    parser.add_argument("--searches", type=int, default=30)
    args = parser.parse_args()
    setup_django(args.database, "banyan_bench_search")
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from banyan.people.models import Resident

    figures = run_import(write_file(resident_rows(args.rows, 7), "csv"))
    print(f"database={connection.vendor} residents={figures['created']} import_seconds={figures['seconds']}",
          flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would give a table this size
    rng = random.Random(11)
    count = Resident.objects.count()
    masks = list(Resident.objects.filter(pk__in=[rng.randrange(1, count) for _ in range(args.searches)])
                 .values_list("id_number_masked", "phone_masked"))
    fours = [m[rng.randrange(2)][-4:] for m in masks]
    admin = get_user_model().objects.create_superuser("bench-admin", password="x")
    client = Client()
    client.force_login(admin)
    found = []

    def api(four):
        response = client.get("/api/residents/", {"search": four})
        assert response.status_code == 200
        found.append(response.json()["count"])

    def page(four):
        assert client.get("/residents/", {"q": four}).status_code == 200

    def scan(four):
        list(Resident.objects.filter(id_number_masked__endswith=four).values_list("pk", flat=True)) + \
            list(Resident.objects.filter(phone_masked__endswith=four).values_list("pk", flat=True))

    def bare_count():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM people_resident")

    api_ms = [ms for four in fours for ms in timed_ms(lambda f=four: api(f), 1)]
    page_ms = [ms for four in fours for ms in timed_ms(lambda f=four: page(f), 1)]
    scan_ms = [ms for four in fours[:5] for ms in timed_ms(lambda f=four: scan(f), 1)]
    count_ms = timed_ms(bare_count, 5)
    api50, api95 = p50_p95(api_ms)
    page50, page95 = p50_p95(page_ms)
    scan50, _ = p50_p95(scan_ms)
    count50, _ = p50_p95(count_ms)
    print(f"residents={count} matches_p50={statistics.median(found):.0f} last_four_api_p50_ms={api50:.1f} "
          f"last_four_api_p95_ms={api95:.1f} last_four_page_p50_ms={page50:.1f} last_four_page_p95_ms={page95:.1f} "
          f"scan_p50_ms={scan50:.1f} count_ms={count50:.1f} scan_ratio={scan50 / api50:.1f}")


if __name__ == "__main__":
    main()
