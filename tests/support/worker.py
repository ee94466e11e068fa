"""A REAL Celery worker (with beat) for tests, against the test database and the broker.

Eager mode hides ``on_commit`` bugs and lost messages, so tests of anything that goes
through Celery start an actual ``celery -A config worker -B`` subprocess that talks to
pytest-django's test database (the data must be COMMITTED: use
``@pytest.mark.django_db(transaction=True)``; the autouse fixture in ``tests/conftest.py``
re-seeds the remedy types, tiers and escalation policy that a transactional test's flush
removes) and to the broker of
``REDIS_URL`` (give each engineer / CI job its own Redis DB number).

Usage (the fixtures are registered in ``tests/conftest.py``)::

    @pytest.mark.celery_worker
    @pytest.mark.django_db(transaction=True)
    def test_something(celery_worker):          # started, beat sweeping every 0.3 s
        ...
        wait_for(lambda: Escalation.objects.get(pk=pk).routed_at, timeout=2)

    def test_other(worker_factory):             # not started: choose env, start yourself
        worker = worker_factory(env={"DISCRETION_SWEEP_SECONDS": "1"}, beat=False)
        worker.purge()                          # drop every queued message
        worker.start()
        worker.kill()                           # SIGKILL the worker and its children
        worker.start()                          # a fresh worker, same settings
        worker.stop()                           # warm shutdown (SIGTERM), then SIGKILL

The fixtures depend on ``transactional_db``, so the worker is stopped BEFORE pytest-django
flushes the database (a worker holding a connection would block the TRUNCATE). The log of
each run is kept at ``worker.log_path`` and its tail is printed when a start times out.
PostgreSQL is required (SQLite's in-memory test database cannot be shared).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from tests.support.paths import ROOT

QUEUES = "default,escalations"
# Fast enough for "moves up within 5 s" tests, slow enough not to hog the database.
SWEEP_SECONDS = "0.3"


def worker_database_url() -> str:
    """The URL of the database this test process is using (pytest-django's test DB)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("Celery worker tests need PostgreSQL: set DATABASE_URL=postgres://…")
    user = quote(db.get("USER") or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{connection.settings_dict['NAME']}"


def wait_for(predicate: Callable[[], Any], *, timeout: float, interval: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


class CeleryWorker:
    """One ``celery worker`` subprocess (its own process group), restartable."""

    def __init__(
        self,
        *,
        env: dict[str, str] | None = None,
        beat: bool = True,
        pool: str = "prefork",
        concurrency: int = 1,
        queues: str = QUEUES,
    ):
        self.beat = beat
        self.pool = pool
        self.concurrency = concurrency
        self.queues = queues
        self.tmp = Path(tempfile.mkdtemp(prefix="celery-test-"))
        self.log_path = self.tmp / "worker.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": worker_database_url(),
            "DISCRETION_SWEEP_SECONDS": SWEEP_SECONDS,
            "DB_CONN_MAX_AGE": "0",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        if settings.REDIS_URL:
            self.env["REDIS_URL"] = settings.REDIS_URL
        self.process: subprocess.Popen[bytes] | None = None
        self._runs = 0

    # --- lifecycle --------------------------------------------------------------------

    def start(self, *, timeout: float = 30) -> CeleryWorker:
        assert self.process is None, "already running"
        self._runs += 1
        command = [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "config",
            "worker",
            "-Q",
            self.queues,
            f"--pool={self.pool}",
            "-c",
            str(self.concurrency),
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"test-{os.getpid()}-{self._runs}@%h",
        ]
        if self.beat:
            command += ["-B", f"--schedule={self.tmp / f'beat-{self._runs}'}"]
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        log.write(f"\n===== start #{self._runs}: {' '.join(command)}\n".encode())
        log.flush()
        self._log_offset = self.log_path.stat().st_size
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill() reaches the children
        )
        log.close()
        try:
            wait_for(self._ready, timeout=timeout, interval=0.1)
        except AssertionError:
            tail = self.log_path.read_text(errors="replace")[-4000:]
            self.kill()
            raise AssertionError(f"Celery worker did not start in {timeout} s:\n{tail}") from None
        return self

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(
                "Celery worker exited:\n" + self.log_path.read_text(errors="replace")[-4000:]
            )
        with open(self.log_path, "rb") as log:
            log.seek(self._log_offset)
            return b" ready." in log.read()

    def stop(self, *, timeout: float = 15) -> None:
        """Warm shutdown: finish the current task, then exit; SIGKILL if it hangs."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return
        except ProcessLookupError:
            pass
        self._reap()

    def kill(self) -> None:
        """SIGKILL the worker and every child at once: no cleanup, no acks."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self._reap()

    def _reap(self) -> None:
        assert self.process is not None
        try:
            self.process.wait(timeout=10)
        finally:
            self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    # --- broker -----------------------------------------------------------------------

    @staticmethod
    def purge() -> int:
        """Drop every message waiting in the app's queues (as if lost in transit)."""
        from config.celery import app

        purged = 0
        with app.connection_for_write() as conn:
            channel = conn.default_channel
            for queue in QUEUES.split(","):
                with contextlib.suppress(Exception):
                    purged += channel.queue_purge(queue) or 0
        return purged


@pytest.fixture
def worker_factory(transactional_db) -> Iterator[Callable[..., CeleryWorker]]:
    """Make (not start) workers; every one is stopped before the database is flushed."""
    workers: list[CeleryWorker] = []

    def make(**kwargs: Any) -> CeleryWorker:
        worker = CeleryWorker(**kwargs)
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.kill()


@pytest.fixture
def celery_worker(worker_factory) -> CeleryWorker:
    """A started worker with beat (sweeper every 0.3 s), on a purged broker."""
    worker = worker_factory()
    worker.purge()
    return worker.start()
