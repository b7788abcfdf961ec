"""A killed import leaves nothing behind: its write transaction dies with it."""

import datetime as dt
import os
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


def _ledger(path: Path, rows: int) -> None:
    """`rows` residents with distinct valid ID numbers: 25,000 birth dates times order codes."""
    start = dt.date(1950, 1, 1)
    with path.open("w", encoding="utf-8") as f:
        f.write("姓名,身份证号,人口类别,社区\n")
        for i in range(rows):
            first17 = f"440605{start + dt.timedelta(days=i % 25_000):%Y%m%d}{i // 25_000:03d}"
            f.write(f"居民{i},{first17}{id_check_digit(first17)},户籍人口,东联\n")


def test_killing_an_import_while_it_writes_leaves_no_row(tmp_path):
    env = {**os.environ, "BANYAN_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    banyan = str(Path(sys.executable).with_name("banyan"))
    subprocess.run([banyan, "migrate", "--quiet"], env=env, check=True)
    ledger = tmp_path / "big.csv"
    _ledger(ledger, 300_000)
    process = subprocess.Popen([banyan, "import", "residents", str(ledger)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    database = sqlite3.connect(tmp_path / "banyan.sqlite3", timeout=30)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = database.execute("SELECT status FROM ledgers_importjob").fetchone()
        if status and status[0] == "writing":
            break
        assert process.poll() is None, "the import ended before it began to write"
        time.sleep(0.05)
    else:
        pytest.fail("the import never began to write")
    time.sleep(1.0)  # inside the write transaction: a commit per frame would have landed rows by now
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert database.execute("SELECT count(*) FROM people_resident").fetchone() == (0,)
    assert database.execute("SELECT status FROM ledgers_importjob").fetchone() == ("writing",)
