"""What an escalation costs, each part on its own: the request, the publish, the routing.

    .venv/bin/python bench/profile_escalation.py [--requests 200] [--py-spy]

Fresh ``disc_bench`` (as bench/run.py does), then three measurements:

1. **The request, in-process** (Django's whole stack through the test client, no worker
   running, so the routing messages wait in Redis): for a within-limit and an over-limit
   request, the statements of one, and per request (means over ``--requests``) the
   Python CPU, the CPU of this connection's PostgreSQL backend (``/proc`` of
   ``pg_backend_pid()``), the CPU inside the on-commit publish, and the Redis commands
   and connections it cost (``INFO``).
2. **One routing task, in-process**: the statements of ``route_escalation`` (the task's
   body, the assignee's e-mail included) and its CPU, Python and PostgreSQL backend.
3. **The routing on a live worker** (bench/harness.py's production shape): over-limit
   requests at ``--rate`` per second; when every escalation is routed, per routing: the
   worker's CPU (main process and pool children apart), the CPU of this database's
   PostgreSQL backends but this script's own, apart the CPU of backends that ended
   meanwhile (the postmaster's reaped children, of any database: on a shared server,
   other users' too), and the PostgreSQL sessions opened (``pg_stat_database.sessions``).
   With ``--py-spy`` (``pip install py-spy``), py-spy samples the worker meanwhile and the
   top functions are printed (raw samples in ``bench/results/routing.pyspy.txt``).

Results also go to ``bench/results/profile_escalation.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """utime + stime of ``pid`` (and, with ``children``, of its reaped children)."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        fields = _stat(int(entry)) if entry.isdigit() else None
        if fields is not None and int(fields[1]) == pid:
            found.append(int(entry))
    return found


def backend_pid() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def postmaster_pid(backend: int) -> int:
    fields = _stat(backend)
    assert fields is not None, "PostgreSQL must run on this machine for its /proc"
    return int(fields[1])


def sessions() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cur.fetchone()[0]


class PublishTimer:
    """Wraps common.tasks.task_send (via current_app.send_task) to sum its CPU."""

    def __init__(self) -> None:
        from celery import current_app

        self.app = current_app._get_current_object()
        self.original = self.app.send_task
        self.seconds = 0.0
        self.count = 0

    def __enter__(self) -> PublishTimer:
        def timed(*args, **kwargs):
            start = time.process_time()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.seconds += time.process_time() - start
                self.count += 1

        self.app.send_task = timed
        return self

    def __exit__(self, *exc) -> None:
        self.app.send_task = self.original


def _redis_counters(client: redis.Redis) -> tuple[int, int]:
    stats = client.info("stats")
    return stats["total_commands_processed"], stats["total_connections_received"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="live-worker escalations/s")
    parser.add_argument("--show-sql", action="store_true", help="print every statement whole")
    parser.add_argument("--py-spy", action="store_true", help="sample the live worker")
    args = parser.parse_args(argv)

    harness.fresh_database()
    harness.flush_redis()
    seeded = harness.seed(agents=50)
    broker = redis.Redis.from_url(harness.REDIS_URL)
    in_process = harness.InProcess(seeded)
    request = in_process.decide

    def show(label: str, queries: CaptureQueriesContext) -> None:
        print(f"--- {label}: {len(queries)} statements")
        for q in queries.captured_queries:
            sql = q["sql"]
            print(f"  {q['time']:>6}s  {sql if args.show_sql else sql[:160]}")

    for _ in range(20):  # warm up: imports, compiled rules, the connection, the producer
        request(harness.WITHIN)
        request(harness.OVER)
    result: dict = {"machine": harness.machine(), "requests": args.requests}

    # 1. The request, in-process.
    print("== 1. the request (in-process, no worker: routing messages wait in Redis)\n")
    backend = backend_pid()
    for key, label, amount in (
        ("within", "within limit (applied)", harness.WITHIN),
        ("over", "over limit (escalated)", harness.OVER),
    ):
        with CaptureQueriesContext(connection) as queries, PublishTimer() as one:
            request(amount)
        show(f"{label}, publishes on commit: {one.count}", queries)
        commands, conns = _redis_counters(broker)
        pg = cpu_seconds(backend)
        with PublishTimer() as publish:
            cpu = time.process_time()
            for _ in range(args.requests):
                request(amount)
            cpu = time.process_time() - cpu
        pg = cpu_seconds(backend) - pg
        commands2, conns2 = _redis_counters(broker)
        n = args.requests
        row = {
            "statements": len(queries),
            "python_cpu_ms": cpu * 1e3 / n,
            "postgres_cpu_ms": pg * 1e3 / n,
            "publish_cpu_ms": publish.seconds * 1e3 / n,
            "publishes": publish.count / n,
            # one INFO call's own command is in the second reading
            "redis_commands": (commands2 - commands - 1) / n,
            "redis_connections": (conns2 - conns) / n,
        }
        result[key] = row
        print(
            f"  per request: Python {row['python_cpu_ms']:.2f} ms CPU (of which the publish "
            f"{row['publish_cpu_ms']:.2f} ms, {row['publishes']:.2f} publishes), PostgreSQL "
            f"backend {row['postgres_cpu_ms']:.2f} ms, Redis {row['redis_commands']:.1f} "
            f"commands and {row['redis_connections']:.2f} new connections\n"
        )

    # 2. One routing task, in-process (its body through the task object, e-mail included).
    from discretion.escalations.tasks import route_escalation as task
    from discretion.models import Escalation

    print("== 2. the routing task (in-process)\n")
    pending = list(
        Escalation.objects.filter(routed_at__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
    )
    assert len(pending) > args.requests, "part 1 left too few unrouted escalations"
    for escalation_id in pending[:10]:  # warm up
        assert task(escalation_id)
    with CaptureQueriesContext(connection) as queries:
        assert task(pending[10])
    show("route_escalation (one run)", queries)
    rest = pending[11 : 11 + args.requests]
    pg = cpu_seconds(backend)
    cpu = time.process_time()
    for escalation_id in rest:
        assert task(escalation_id)
    cpu = time.process_time() - cpu
    pg = cpu_seconds(backend) - pg
    result["route_in_process"] = {
        "statements": len(queries),
        "python_cpu_ms": cpu * 1e3 / len(rest),
        "postgres_cpu_ms": pg * 1e3 / len(rest),
    }
    routed = result["route_in_process"]
    print(
        f"  per routing: Python {routed['python_cpu_ms']:.2f} ms CPU, PostgreSQL backend "
        f"{routed['postgres_cpu_ms']:.2f} ms\n"
    )
    Escalation.objects.filter(routed_at__isnull=True).update(routed_at=harness.timezone.now())
    harness.flush_redis()

    # 3. The routing on a live worker.
    print(f"== 3. the routing on a live worker ({args.requests} escalations at {args.rate:g}/s)\n")
    postmaster = postmaster_pid(backend)
    stack = harness.Stack(celery_concurrency=2)
    spy = None
    with stack:
        celery_main = stack.procs[1].pid
        deadline = time.monotonic() + 30
        while len(_children(celery_main)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # the worker connects, beat starts
        for _ in range(10):  # warm up the worker's processes
            request(harness.OVER)
        _wait_routed()
        if args.py_spy:
            spy = _py_spy_start(celery_main, args.requests / args.rate + 5)
        procs = {"celery main": [celery_main], "celery pool": _children(celery_main)}
        before = {role: sum(cpu_seconds(p) for p in pids) for role, pids in procs.items()}
        pg_before = _postgres_cpu(postmaster, exclude=backend)
        sessions_before = sessions()
        start = time.monotonic()
        for i in range(args.requests):
            delay = start + i / args.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            request(harness.OVER)
        _wait_routed()
        elapsed = time.monotonic() - start
        after = {role: sum(cpu_seconds(p) for p in pids) for role, pids in procs.items()}
        pg_after = _postgres_cpu(postmaster, exclude=backend)
        sessions_after = sessions()
    n = args.requests
    live = {
        **{f"{role} cpu_ms": (after[role] - before[role]) * 1e3 / n for role in procs},
        "postgres cpu_ms (this database's live backends but this script's)": (
            pg_after[0] - pg_before[0]
        )
        * 1e3
        / n,
        "postgres cpu_ms (backends that ended meanwhile, any database)": (
            pg_after[1] - pg_before[1]
        )
        * 1e3
        / n,
        "postgres sessions per routing": (sessions_after - sessions_before) / n,
        "seconds": elapsed,
    }
    result["route_live"] = live
    for name, value in live.items():
        print(f"  {name}: {value:.2f}")
    if spy is not None:
        _py_spy_report(spy)
    harness.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (harness.RESULTS_DIR / "profile_escalation.json").write_text(json.dumps(result, indent=2))
    return 0


def _postgres_cpu(postmaster: int, *, exclude: int) -> tuple[float, float]:
    """(CPU of this database's live backends but ``exclude``, CPU of the backends that
    ended meanwhile: the postmaster's reaped children, of every database on the server,
    so on a shared server it includes other users' sessions)."""
    database = harness.db_params()["dbname"]
    live = 0.0
    for pid in _children(postmaster):
        if pid != exclude and f" {database} " in _cmdline(str(pid)):
            live += cpu_seconds(pid)
    fields = _stat(postmaster)
    ended = (int(fields[13]) + int(fields[14])) / TICKS if fields else 0.0
    return live, ended


def _wait_routed(timeout: float = 60) -> None:
    from discretion.models import Escalation

    deadline = time.monotonic() + timeout
    while Escalation.objects.filter(routed_at__isnull=True).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not route every escalation in time")
        time.sleep(0.1)


def _py_spy_start(pid: int, seconds: float) -> subprocess.Popen | None:
    binary = shutil.which("py-spy") or str(harness.VENV_BIN / "py-spy")
    if not Path(binary).exists():
        print("py-spy is not installed (pip install py-spy): no sampling", file=sys.stderr)
        return None
    out = harness.RESULTS_DIR / "routing.pyspy.txt"
    harness.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    command = [binary, "record", "--pid", str(pid), "--subprocesses", "--format", "raw"]
    command += ["--rate", "500", "--duration", str(int(seconds)), "--output", str(out)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _py_spy_report(spy: subprocess.Popen, top: int = 25) -> None:
    spy.wait(timeout=120)
    path = harness.RESULTS_DIR / "routing.pyspy.txt"
    if not path.exists():
        print("py-spy wrote nothing (ptrace not permitted?)", file=sys.stderr)
        return
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        samples = int(count)
        frames = stack.split(";")
        total += samples
        own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    print(f"\n--- py-spy on the worker: {total} samples, own time, top {top}")
    for frame, samples in own.most_common(top):
        print(f"  {samples / total:6.1%}  {frame[:150]}")
    print(f"--- inclusive, the app's and Celery's frames, top {top}")
    wanted = ("discretion/", "common/", "cases/", "celery/", "kombu/", "django/db")
    for frame, samples in [
        (f, s) for f, s in inclusive.most_common() if any(w in f for w in wanted)
    ][:top]:
        print(f"  {samples / total:6.1%}  {frame[:150]}")


if __name__ == "__main__":
    sys.exit(main())
