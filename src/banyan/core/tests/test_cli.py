"""The `banyan` command as a user runs it: the installed script, in a process of its own."""

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

# The script pip installed beside the interpreter running the tests (the venv's).
BANYAN = Path(sys.executable).with_name("banyan")
REQUIRED = {"demo", "serve", "migrate", "manage", "worker"}  # what the README promises; more may come


def banyan(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BANYAN), *args], capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
                          env=env)


def subcommands() -> list[str]:
    """The subcommands as `banyan --help` names them ({demo,serve,...}), so a new one is tested too."""
    usage = banyan("--help").stdout
    return sorted(re.search(r"\{([\w,-]+)\}", usage)[1].split(","))


def test_help_lists_every_subcommand():
    result = banyan("--help")
    assert result.returncode == 0, result.stderr
    assert set(subcommands()) >= REQUIRED


def test_each_subcommand_has_help():
    for name in subcommands():
        result = banyan(name, "--help")
        assert result.returncode == 0, f"banyan {name} --help: {result.stderr}"
        assert result.stdout.strip(), name


def test_migrate_creates_a_fresh_sqlite_database_in_the_data_dir(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["BANYAN_DATA_DIR"] = str(tmp_path)
    result = banyan("migrate", "--quiet", env=env)
    assert result.returncode == 0, result.stderr
    database = tmp_path / "banyan.sqlite3"
    assert database.exists()
    with sqlite3.connect(database) as conn:
        # The data migration loaded the district tree: 南海区, 7 towns, 307 communities.
        assert conn.execute("SELECT COUNT(*) FROM places_community").fetchone()[0] == 307
        assert conn.execute("SELECT name FROM places_district").fetchall() == [("南海区",)]
    # Running it again is a no-op, as an upgrade on an up-to-date database must be.
    assert banyan("migrate", "--quiet", env=env).returncode == 0
