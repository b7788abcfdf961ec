"""A killed import leaves nothing behind: its write transaction dies with it."""

import datetime as dt
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from banyan.core.validators import id_check_digit

pytestmark = pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="runs its own SQLite database in a subprocess; once is enough")


NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "黄敏", "赵军", "周丽", "吴强"]  # a name has no digits


def _ledger(path: Path, rows: int) -> None:
    """`rows` residents with distinct valid ID numbers: 25,000 birth dates times order codes."""
    start = dt.date(1950, 1, 1)
    with path.open("w", encoding="utf-8") as f:
        f.write("姓名,身份证号,人口类别,社区\n")
        for i in range(rows):
            first17 = f"440605{start + dt.timedelta(days=i % 25_000):%Y%m%d}{i // 25_000:03d}"
            f.write(f"{NAMES[i % len(NAMES)]},{first17}{id_check_digit(first17)},户籍人口,东联\n")


# `banyan import`, with its writer thread watched: after the first frame is inserted, it reports how many rows it
# wrote, how many its own connection then sees, and whether that connection is inside a transaction, and then
# holds the writer there until the test kills the process. The kill thus lands after a frame was written and
# before the commit, every time, instead of after a guessed delay.
WATCHED_IMPORT = """
import os, sys, threading

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banyan.settings")
import django

django.setup()
from banyan.ledgers import importing

real_insert_frame = importing.insert_frame


def insert_frame(shape, df):
    real_insert_frame(shape, df)
    with shape.connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM people_resident")
        seen = cursor.fetchone()[0]
    print(f"frame {df.height} seen {seen} in_transaction {shape.connection.in_atomic_block}", flush=True)
    threading.Event().wait()


importing.insert_frame = insert_frame
from banyan.cli import main

sys.argv = ["banyan", "import", "residents", sys.argv[1]]
main()
"""
REPORT = re.compile(r"^frame (\d+) seen (\d+) in_transaction (True|False)$", re.M)


def test_killing_an_import_while_it_writes_leaves_no_row(tmp_path):
    env = {**os.environ, "BANYAN_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    banyan = str(Path(sys.executable).with_name("banyan"))
    subprocess.run([banyan, "migrate", "--quiet"], env=env, check=True)
    ledger = tmp_path / "big.csv"
    _ledger(ledger, 300_000)
    reported = tmp_path / "reported.txt"
    with reported.open("w") as out:
        # In a session of its own: the kill takes the worker process it forks for sealing numbers along.
        process = subprocess.Popen([sys.executable, "-c", WATCHED_IMPORT, str(ledger)], env=env, stdout=out,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not (found := REPORT.search(reported.read_text())):
            assert process.poll() is None, f"the import ended before a frame was written: {reported.read_text()}"
            assert time.monotonic() < deadline, "no frame was written within two minutes"
            time.sleep(0.05)
        written, seen, in_transaction = int(found[1]), int(found[2]), found[3] == "True"
        # A whole frame is in the database as the import's own connection sees it, inside its transaction, and
        # no other connection sees any of it yet.
        assert written > 0 and seen == written and in_transaction, found[0]
        database = sqlite3.connect(tmp_path / "banyan.sqlite3", timeout=30)
        assert database.execute("SELECT count(*) FROM people_resident").fetchone() == (0,)
        assert database.execute("SELECT status FROM ledgers_importjob").fetchone() == ("writing",)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert database.execute("SELECT count(*) FROM people_resident").fetchone() == (0,)
    assert database.execute("SELECT status FROM ledgers_importjob").fetchone() == ("writing",)
