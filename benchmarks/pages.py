"""How fast the busiest reads answer on the full demo: /api/summary/, /api/residents/ and the /residents/ page, for
the district admin, a community secretary of each town and a grid worker.

    .venv/bin/banyan demo                                  # once: the full demo in var/ (or DATABASE_URL)
    .venv/bin/python benchmarks/pages.py                   # in-process, Django's test client
    .venv/bin/python benchmarks/pages.py --database postgresql://postgres@127.0.0.1:5432/banyan
    .venv/bin/python benchmarks/pages.py --url http://127.0.0.1:8000   # a running `banyan serve` (loopback)

Each figure is the median and p95 of N timed requests after two warm-up requests. As a reference for the machine
and database, the same run times a bare `SELECT COUNT(*) FROM people_resident` on the same connection. The last
line gives each path's worst p95 over the users, against the target of 300 ms. Not part of `make test`.
"""

import argparse
import http.cookiejar
import os
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request
import warnings

USERS = ("admin", "donglian", "luohu", "luohu-grid")
PASSWORD = "banyan-demo"
PATHS = {"summary": "/api/summary/", "residents_api": "/api/residents/", "residents_page": "/residents/"}
TARGET_MS = 300


def stats(samples: list[float]) -> tuple[float, float]:
    """Median and p95 (nearest rank) in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed(call, n: int) -> list[float]:
    for _ in range(2):  # warm-up: connection, template and translation caches
        call()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


class InProcess:
    """Django's test client in this process: the application's own time, without a network or a server."""

    def __init__(self):
        from django.test import Client

        self.client = Client()

    def login(self, username: str) -> None:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            sys.exit(f"no user {username!r} in this database: load the demo first (.venv/bin/banyan demo)")
        self.client.force_login(user)

    def get(self, path: str) -> None:
        response = self.client.get(path)
        if response.status_code != 200:
            sys.exit(f"GET {path} answered {response.status_code}")


class OverHttp:
    """A running server on this machine, logged in through the login form like a browser."""

    def __init__(self, base: str):
        host = urllib.parse.urlsplit(base).hostname or ""
        if not (host == "localhost" or host.startswith("127.") or host == "::1"):
            sys.exit("--url must be a server on this machine (127.0.0.1, localhost or ::1)")
        self.base = base.rstrip("/")

    def login(self, username: str) -> None:
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = self.opener.open(f"{self.base}/accounts/login/", timeout=30).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
        data = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                       "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(f"{self.base}/accounts/login/", data=data,
                                         headers={"Referer": f"{self.base}/accounts/login/"})
        if "/accounts/login/" in self.opener.open(request, timeout=30).geturl():
            sys.exit(f"could not log in as {username!r}: load the demo first (.venv/bin/banyan demo)")

    def get(self, path: str) -> None:
        with self.opener.open(f"{self.base}{path}", timeout=60) as response:
            response.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="DATABASE_URL of a database holding the full demo (default: settings)")
    parser.add_argument("--url", help="time a running server at this loopback URL instead of in-process")
    parser.add_argument("-n", "--requests", type=int, default=20, help="timed requests per path and user")
    args = parser.parse_args()
    if args.database:
        os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banyan.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    # In debug, Django records every SQL statement in memory; a deployment does not, so neither do we.
    settings.DEBUG = False
    # WhiteNoise warns that collected static files are missing: the benchmark does not fetch any.
    warnings.filterwarnings("ignore", message="No directory at")

    def count_residents():
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM people_resident")
            return cursor.fetchone()[0]

    residents = count_residents()
    reference = stats(timed(count_residents, args.requests))
    target = OverHttp(args.url) if args.url else InProcess()
    where = args.url or f"in-process, {connection.vendor} {connection.settings_dict['NAME']}"
    print(f"Banyan page timings: {where}; {residents:,} residents; {args.requests} requests each (ms)")
    print(f"{'user':<12}" + "".join(f"{name:>22}" for name in PATHS))
    worst = dict.fromkeys(PATHS, 0.0)
    for username in USERS:
        target.login(username)
        cells = []
        for name, path in PATHS.items():
            median, p95 = stats(timed(lambda path=path: target.get(path), args.requests))
            worst[name] = max(worst[name], p95)
            cells.append(f"{median:8.1f} / p95 {p95:6.1f}")
        print(f"{username:<12}" + "".join(f"{c:>22}" for c in cells))
    print(f"reference: SELECT COUNT(*) FROM people_resident: median {reference[0]:.2f} ms, p95 {reference[1]:.2f} ms;"
          " worst p95 as a multiple of it: "
          + ", ".join(f"{name} x{worst[name] / max(reference[1], 1e-3):.0f}" for name in PATHS))
    print(f"summary_ms={worst['summary']:.0f} residents_api_ms={worst['residents_api']:.0f} "
          f"residents_page_ms={worst['residents_page']:.0f} (target < {TARGET_MS})")


if __name__ == "__main__":
    main()
