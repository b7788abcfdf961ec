"""200 public submissions at once against a running server (`banyan serve`): 150 distinct ones and 50 repeats of
earlier idempotency keys, some sent alongside their original. Every distinct one must be stored exactly once, every
repeat must get its original's tracking code, and nothing may answer 5xx.

The server is a real process with its own data directory. On SQLite it gets a file copy of the test run's migrated
database (which is in memory, out of another process's reach); on PostgreSQL it uses the test database pytest-django
made, which a transactional test leaves committed and visible to it.
"""

import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection

from banyan.cases.catalog import catalog_ensure
from banyan.core.testing import community

pytestmark = pytest.mark.django_db(transaction=True)
BANYAN = Path(sys.executable).with_name("banyan")
DISTINCT, REPEATS, WORKERS = 150, 50, 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerDatabase:
    """Where the server writes, and how this test reads it back."""

    def __init__(self, tmp_path: Path, env: dict):
        db = settings.DATABASES["default"]
        self.sqlite = db["ENGINE"].endswith("sqlite3")
        # An earlier transactional test may have flushed the reference data that migrations load.
        community("东联")
        catalog_ensure(django_apps)
        if self.sqlite:
            # A copy of the migrated test database (in memory) into a file the server can open: the same schema
            # as `banyan migrate` makes, in a fraction of the time.
            self.path = tmp_path / "serve.sqlite3"
            self.url = f"sqlite:///{self.path}"
            connection.ensure_connection()
            with sqlite3.connect(self.path) as copy:
                connection.connection.backup(copy)
        else:
            auth = quote(db["USER"] or "", safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
            self.url = f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"

    def rows(self, sql: str, *params) -> list[tuple]:
        if self.sqlite:
            with sqlite3.connect(self.path) as db:
                return db.execute(sql, params).fetchall()
        with connection.cursor() as cursor:
            cursor.execute(sql.replace("?", "%s"), params)
            return cursor.fetchall()

    def community_code(self) -> str:
        return self.rows("SELECT code FROM places_community WHERE name = ?", "东联")[0][0]


@pytest.fixture
def server(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    env = {**os.environ, "BANYAN_DATA_DIR": str(data), "BANYAN_PUBLIC_RATE": "100000/minute", "BANYAN_DEBUG": "1",
           "BANYAN_ALLOWED_HOSTS": "127.0.0.1,localhost"}
    database = ServerDatabase(tmp_path, env)
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen([str(BANYAN), "serve", "--port", str(port), "--threads", "8"],
                               env={**env, "DATABASE_URL": database.url}, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/t/", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start: {(tmp_path / 'server.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield base, database
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def post(base: str, body: dict, key: str) -> tuple[int, dict]:
    request = urllib.request.Request(f"{base}/api/public/cases/", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Idempotency-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, {"body": error.read().decode(errors="replace")[:500]}


def test_concurrent_submissions_are_each_stored_exactly_once(server):
    base, database = server
    code = database.community_code()
    run = f"run{random.randrange(10**6)}"
    bodies = {f"{run}-key-{i}": {"community": code, "description": f"{run} 并发第{i}号：楼道灯不亮",
                                 "category": "C-LIGHT"} for i in range(DISTINCT)}
    keys = list(bodies)
    sends = [(key, bodies[key]) for key in keys]
    # Half of the repeats go right beside their original, so that both are in flight at once; the rest later.
    for n, key in enumerate(random.Random(7).sample(keys, REPEATS)):
        at = sends.index((key, bodies[key])) + 1 if n % 2 == 0 else len(sends)
        sends.insert(at, (key, bodies[key]))
    assert len(sends) == DISTINCT + REPEATS

    started = time.monotonic()
    with ThreadPoolExecutor(WORKERS) as pool:
        answers = list(pool.map(lambda send: (send[0], *post(base, send[1], send[0])), sends))
    elapsed = time.monotonic() - started

    statuses = Counter(status for _key, status, _body in answers)
    assert set(statuses) <= {200, 201}, [a for a in answers if a[1] not in (200, 201)][:3]
    assert statuses[201] == DISTINCT and statuses[200] == REPEATS
    codes: dict[str, set[str]] = {}
    for key, _status, body in answers:
        codes.setdefault(key, set()).add(body["tracking_code"])
    assert all(len(found) == 1 for found in codes.values()), "a repeat got another tracking code than its original"

    stored = database.rows("SELECT description, tracking_code FROM cases_case WHERE description LIKE ?", f"{run} %")
    assert len(stored) == DISTINCT
    assert Counter(d for d, _c in stored) == Counter(b["description"] for b in bodies.values())
    assert {c for _d, c in stored} == {next(iter(found)) for found in codes.values()}
    assert database.rows("SELECT COUNT(*) FROM cases_publicsubmission WHERE key LIKE ?", f"{run}-key-%")[0][0] \
        == DISTINCT
    assert elapsed < 60
