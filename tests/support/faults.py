"""The production shape on loopback, for the fault-injection test (``test_faults.py``).

Each service is a real subprocess in its own process group (so SIGKILL reaches every
child): a private ``redis-server`` on a free port (never the machine's shared Redis),
gunicorn serving ``config.wsgi``, a Celery worker and Celery beat (the sweeper), all on
pytest-django's test database. ``Stack.close()`` kills whatever is still running; the
fixture calls it even when the test fails, and before the database is flushed.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.paths import ROOT
from tests.support.worker import QUEUES, worker_database_url

BIN = Path(sys.executable).parent


def free_port(preferred: range | None = None) -> int:
    """A loopback port nobody listens on (tried in ``preferred`` first)."""
    for port in preferred or ():
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate: Callable[[], object], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if predicate():
                return
        except Exception:  # not up yet
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not ready within {timeout} s")
        time.sleep(0.1)


class Service:
    """One restartable subprocess with a log file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], logdir: Path):
        self.name = name
        self.command = command
        self.env = env
        self.log_path = logdir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        assert self.process is None, f"{self.name} already running"
        self.starts += 1
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        log.write(f"\n===== start #{self.starts}\n".encode())
        log.flush()
        self.log_offset = self.log_path.stat().st_size
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def log_since_start(self) -> str:
        with open(self.log_path, "rb") as log:
            log.seek(self.log_offset)
            return log.read().decode(errors="replace")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group: no cleanup, no acks, no goodbye."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self.process = None

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""


class Stack:
    """Redis + gunicorn + Celery worker + Celery beat against the test database."""

    def __init__(self, *, web_workers: int = 3, sweep_seconds: str = "0.5"):
        self.tmp = Path(tempfile.mkdtemp(prefix="faults-"))
        self.redis_port = free_port(range(6390, 6399))
        self.web_port = free_port(range(8301, 8310))
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        env = {
            **os.environ,
            "DATABASE_URL": worker_database_url(),
            "REDIS_URL": self.redis_url,
            "DEBUG": "0",
            "SECRET_KEY": "faults-test-secret-key-0123456789abcdef-not-for-production",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DISCRETION_VAR_DIR": str(self.tmp / "var"),
            "DISCRETION_SWEEP_SECONDS": sweep_seconds,
            # A key whose first request died with its process may be taken over soon.
            "DISCRETION_IDEMPOTENCY_STALE_SECONDS": "4",
            "PYTHONUNBUFFERED": "1",
        }
        self.redis = Service(
            "redis",
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.tmp),
            ],
            env,
            self.tmp,
        )
        self.web = Service(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                str(web_workers),
                "--threads",
                "1",
                "--timeout",
                "30",
                "--graceful-timeout",
                "1",
            ],
            env,
            self.tmp,
        )
        celery = [str(BIN / "celery"), "-A", "config"]
        self.worker = Service(
            "worker",
            [
                *celery,
                "worker",
                "-Q",
                QUEUES,
                "--pool=prefork",
                "-c",
                "2",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"faults-{os.getpid()}@%h",
            ],
            env,
            self.tmp,
        )
        self.beat = Service(
            "beat",
            [
                *celery,
                "beat",
                "--loglevel=INFO",
                f"--schedule={self.tmp / 'beat-schedule'}",
            ],
            env,
            self.tmp,
        )
        self.services = [self.redis, self.web, self.worker, self.beat]

    # --- lifecycle ----------------------------------------------------------------------

    def start_redis(self) -> None:
        self.redis.start()
        wait_until(self._redis_ping, timeout=10, what="redis-server")

    def _redis_ping(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.redis_port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")

    def start_web(self) -> None:
        self.web.start()
        wait_until(self._healthy, timeout=45, what=f"gunicorn:\n{self.web.tail()}")

    def _healthy(self) -> bool:
        if not self.web.alive():
            raise AssertionError(f"gunicorn exited:\n{self.web.tail()}")
        status, _ = self.http("GET", "/healthz", timeout=3)
        return status in (200, 503)  # up (503: the broker is down, which we may do on purpose)

    def start_worker(self) -> None:
        self.worker.start()
        wait_until(
            lambda: " ready." in self.worker.log_since_start(),
            timeout=45,
            what=f"Celery worker:\n{self.worker.tail()}",
        )

    def start_beat(self) -> None:
        self.beat.start()
        wait_until(
            lambda: "beat: Starting" in self.beat.log_since_start(),
            timeout=45,
            what=f"Celery beat:\n{self.beat.tail()}",
        )

    def start(self) -> Stack:
        self.start_redis()
        self.start_web()
        self.start_worker()
        self.start_beat()
        return self

    def close(self) -> None:
        for service in reversed(self.services):
            service.kill()

    # --- faults -------------------------------------------------------------------------

    def web_worker_pids(self) -> list[int]:
        assert self.web.process is not None
        master = self.web.process.pid
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True
        ).stdout
        return [int(pid) for pid in out.split()]

    def kill_one_web_worker(self) -> int | None:
        """SIGKILL one gunicorn worker; the master forks a new one."""
        pids = self.web_worker_pids()
        if not pids:
            return None
        with contextlib.suppress(ProcessLookupError):
            os.kill(pids[0], signal.SIGKILL)
        return pids[0]

    # --- HTTP ---------------------------------------------------------------------------

    def http(
        self,
        method: str,
        path: str,
        *,
        body: dict | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 15,
    ) -> tuple[int, dict | None]:
        """One request on a fresh connection; raises OSError/HTTPException on a broken one."""
        conn = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=timeout)
        try:
            payload = json.dumps(body).encode() if body is not None else None
            all_headers = {"Content-Type": "application/json", **(headers or {})}
            conn.request(method, path, body=payload, headers=all_headers)
            response = conn.getresponse()
            raw = response.read()
            try:
                data = json.loads(raw) if raw else None
            except ValueError:
                data = {"raw": raw[:500].decode(errors="replace")}
            return response.status, data
        finally:
            conn.close()
