"""Discretion against its closest open-source peer, django-helpdesk, in one run.

    ./dev bench --peer               # or: .venv/bin/python bench/run.py --peer
    ./dev bench --peer --quick       # 3 s per point

What it does, on loopback, on the same PostgreSQL server:
1. ours as bench/run.py sets it up (fresh ``BENCH_DATABASE_URL``, 200 agents, the
   production shape: gunicorn config.wsgi and a Celery worker);
2. the peer: django-helpdesk (bench/peer/requirements.txt, pinned) in its own venv,
   ``bench/.peer-venv`` (created or updated when the pins change), a minimal project
   (bench/peer/: DEBUG off, persistent connections, Django's console e-mail backend like
   ours) on its own database (``BENCH_PEER_DATABASE_URL``, default ours + ``_helpdesk``,
   dropped and recreated), migrated and seeded like ours (200 staff agents, ten tickets
   each, a logged-in session each), served by gunicorn with the same workers, worker
   class and threads on ``BENCH_PEER_PORT`` (default ``BENCH_PORT`` + 1);
3. per pass, at the same clients, the same wrk (bench/load.lua for ours, bench/peer.lua
   for the peer: the same driver, the peer's form instead of our JSON): ours with 25% of
   requests over the limit, ours within limits only, the peer's ticket update (an agent
   adds a public follow-up to one of its tickets: helpdesk's ``helpdesk:update`` view, the
   form on its ticket page; it e-mails the customer in the request). The
   order alternates from pass to pass. CPU per request of each side's own processes
   (its stack, its PostgreSQL backends, PostgreSQL's background processes, Redis) is
   read from /proc (bench/cpu_split.py);
4. checks that every request wrote its row (resolutions for ours, follow-ups for the
   peer: at least one per answered request, at most the clients' in-flight requests
   more) and counts non-2xx/3xx answers as errors;
5. reports medians over the passes and the ratios ours/peer (each taken within a pass,
   then the median) in throughput and CPU per request; writes bench/results/peer.json
   and peer.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote_plus, urlparse, urlunparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cpu_split
import harness
import run

from cases.models import Resolution

PEER_DIR = harness.BENCH_DIR / "peer"
PEER_VENV = harness.BENCH_DIR / ".peer-venv"
PEER_PYTHON = PEER_VENV / "bin" / "python"
REQUIREMENTS = PEER_DIR / "requirements.txt"
PEER_LUA = harness.BENCH_DIR / "peer.lua"


def _peer_database_url() -> str:
    if os.environ.get("BENCH_PEER_DATABASE_URL"):
        return os.environ["BENCH_PEER_DATABASE_URL"]
    ours = urlparse(harness.DATABASE_URL)
    return urlunparse(ours._replace(path=ours.path.rstrip("/") + "_helpdesk"))


PEER_DATABASE_URL = _peer_database_url()
PEER_PORT = int(os.environ.get("BENCH_PEER_PORT", str(harness.PORT + 1)))
PEER_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "HOME": os.environ.get("HOME", "/tmp"),
    "LANG": "C.UTF-8",
    "DJANGO_SETTINGS_MODULE": "peer.settings",
    "PEER_DATABASE_URL": PEER_DATABASE_URL,
}


def ensure_peer_venv() -> None:
    """bench/.peer-venv with bench/peer/requirements.txt installed; reinstalled only when
    the pins change (their hash is kept in the venv)."""
    stamp = PEER_VENV / ".requirements-sha256"
    want = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if PEER_PYTHON.exists() and stamp.exists() and stamp.read_text() == want:
        return
    print(f"==> peer venv {PEER_VENV} (pip install -r {REQUIREMENTS})", file=sys.stderr)
    if not PEER_PYTHON.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run(
        [
            str(PEER_PYTHON),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(REQUIREMENTS),
        ],
        check=True,
    )
    stamp.write_text(want)


def _peer_db_params() -> dict:
    return harness.db_params(PEER_DATABASE_URL)


def fresh_peer_database() -> None:
    harness.recreate_database(PEER_DATABASE_URL)
    subprocess.run(
        [str(PEER_PYTHON), "-m", "django", "migrate", "--noinput", "-v0"],
        cwd=harness.BENCH_DIR,
        env=PEER_ENV,
        check=True,
    )


def seed_peer(agents: int, per_agent: int, workdir: Path) -> tuple[Path, int]:
    """Seed the peer; returns its wrk data file and the statements of one update."""
    out = workdir / "peer-seed.json"
    with open(harness.VAR_DIR / "peer-seed.log", "ab") as log:
        subprocess.run(
            [str(PEER_PYTHON), "-m", "peer.seed", str(agents), str(per_agent), str(out)],
            cwd=harness.BENCH_DIR,
            env=PEER_ENV,
            stdout=log,
            stderr=log,
            check=True,
        )
    seeded = json.loads(out.read_text())
    lines = ["return {", "  pairs = {"]
    for agent in seeded["pairs"]:
        for ticket_id, queue_id, title in agent["tickets"]:
            lines.append(
                f'    {{"{agent["session"]}", "{agent["csrf"]}", {agent["agent"]}, '
                f'{ticket_id}, {queue_id}, "{quote_plus(title)}"}},'
            )
    lines += ["  },", "}"]
    data = workdir / "peer.lua"
    data.write_text("\n".join(lines) + "\n")
    return data, seeded["statements_per_update"]


def followups() -> int:
    import psycopg2

    with psycopg2.connect(connect_timeout=5, **_peer_db_params()) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM helpdesk_followup")
        return cur.fetchone()[0]


class PeerStack(harness.Stack):
    """The peer's gunicorn: the same options as ours (harness.Stack.gunicorn_args)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(port=PEER_PORT, with_celery=False, **kwargs)
        self.env = dict(PEER_ENV)

    def start(self) -> None:
        log = open(harness.VAR_DIR / "peer-gunicorn.log", "ab")  # noqa: SIM115 - the child's
        cmd = [str(PEER_VENV / "bin" / "gunicorn"), "peer.wsgi", *self.gunicorn_args()]
        self.procs.append(
            subprocess.Popen(
                cmd,
                cwd=harness.BENCH_DIR,
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        )
        self._wait_up()


def _children() -> dict[str, list[str]]:
    kids: dict[str, list[str]] = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as stat:
                ppid = stat.read().rsplit(")", 1)[1].split()[1]
        except OSError:
            continue
        kids.setdefault(ppid, []).append(pid)
    return kids


def bench_scope(stack: harness.Stack, database: str) -> Callable[[str, str], bool]:
    """One side's processes on a shared machine: the stack's process tree (gunicorn, for
    ours the Celery worker too), the PostgreSQL backends of its database, PostgreSQL's own
    background processes (WAL writer, checkpointer: machine-wide), and Redis."""
    kids = _children()
    tree: set[str] = set()
    todo = [str(p.pid) for p in stack.procs]
    while todo:
        pid = todo.pop()
        if pid not in tree:
            tree.add(pid)
            todo += kids.get(pid, [])

    def scope(pid: str, command: str) -> bool:
        if pid in tree or command.startswith("redis-server"):
            return True
        if not command.startswith("postgres"):
            return False
        words = command.split()
        is_backend = "(" in command or "[local]" in command or "autovacuum worker" in command
        return not is_backend or database in words

    return scope


def settle(count: Callable[[], int], timeout: float = 15.0) -> None:
    """Wait until the rows stop growing: the requests wrk left in flight at its end are
    finished (their CPU and rows belong to this run, not the next)."""
    last, deadline = count(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = count()
        if now == last:
            return
        last = now


def _one(label: str, result: dict, rows_before: int, rows_after: int, clients: int) -> dict:
    written = rows_after - rows_before
    short = written < result["requests"]
    extra = written - result["requests"]
    # A request wrk gave up on at the end of the run may still commit: up to one per client.
    result.update(
        label=label,
        rows_written=written,
        rows_ok=not short and extra <= clients,
        total_cpu_ms=round(sum(result["cpu_ms"].values()), 2),
    )
    flag = "" if result["rows_ok"] else "  ROWS MISMATCH"
    print(
        f"  {label:28} {result['rps']:>7.1f}/s p50 {result['p50_ms']:.1f} p99 "
        f"{result['p99_ms']:.1f} ms, CPU {result['total_cpu_ms']:.2f} ms/req, "
        f"{result['requests']} requests, {written} rows, errors {result['errors']}{flag}",
        file=sys.stderr,
    )
    return result


LABELS = ("ours, 25% escalated", "ours, within limits only", "peer: helpdesk ticket update")


def one_pass(n, *, wrk, ours, peer, files, clients, duration) -> list[dict]:
    def ours_run(data: Path) -> Callable[[], dict]:
        def go() -> dict:
            result = run.run_wrk(wrk, ours.base_url, data, clients, duration)
            settle(Resolution.objects.count)
            run.wait_routed()  # the worker's share of this run's escalations counts
            return result

        return go

    def peer_run() -> dict:
        result = run.run_wrk(wrk, peer.base_url, files["peer"], clients, duration, PEER_LUA)
        settle(followups)
        return result

    order = [0, 1, 2] if n % 2 == 0 else [2, 1, 0]
    rows = []
    for i in order:
        run.wait_routed()
        if i == 2:
            before = followups()
            scope = bench_scope(peer, _peer_db_params()["dbname"])
            result = cpu_split.measure(LABELS[i], peer_run, scope)
            rows.append(_one(LABELS[i], result, before, followups(), clients))
        else:
            before = Resolution.objects.count()
            data = files["mix"] if i == 0 else files["within"]
            scope = bench_scope(ours, harness.db_params()["dbname"])
            result = cpu_split.measure(LABELS[i], ours_run(data), scope)
            rows.append(_one(LABELS[i], result, before, Resolution.objects.count(), clients))
    return rows


def summarize(passes: list[list[dict]]) -> list[dict]:
    def by(rows: list[dict], label: str) -> dict:
        return next(r for r in rows if r["label"] == label)

    table = []
    for label in LABELS:
        runs = [by(rows, label) for rows in passes]
        row = {
            "label": label,
            "passes": len(runs),
            **{
                key: statistics.median(r[key] for r in runs)
                for key in ("rps", "p50_ms", "p99_ms", "total_cpu_ms")
            },
            "cpu_ms": {
                g: round(statistics.median(r["cpu_ms"][g] for r in runs), 2)
                for g in runs[0]["cpu_ms"]
            },
            "p99_ms_each": [r["p99_ms"] for r in runs],
            "requests": sum(r["requests"] for r in runs),
            "rows_written": sum(r["rows_written"] for r in runs),
            "rows_ok": all(r["rows_ok"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
        }
        if label != LABELS[2]:
            row["throughput_ratio"] = statistics.median(
                by(rows, label)["rps"] / by(rows, LABELS[2])["rps"] for rows in passes
            )
            row["cpu_ratio"] = statistics.median(
                by(rows, label)["total_cpu_ms"] / by(rows, LABELS[2])["total_cpu_ms"]
                for rows in passes
            )
        table.append(row)
    return table


def markdown(table: list[dict], meta: dict) -> str:
    m, s = meta["machine"], meta["stack"]
    lines = [
        f"Discretion vs django-helpdesk {meta['peer_version']}, {meta['started_at']}: "
        f"{m['nproc']} x {m['cpu']}, PostgreSQL {m['postgresql']}; both on gunicorn "
        f"{s['gunicorn_workers']} x {s['gunicorn_worker_class']} (threads "
        f"{s['gunicorn_threads']}), ours with a Celery worker (concurrency "
        f"{s['celery_concurrency']}); {meta['clients']} clients, {meta['duration_s']} s per "
        f"point, medians of {meta['repeat']} alternating passes. Peer: "
        f"{meta['peer_statements']} statements per update (autocommit), e-mail in the request.",
        "",
        "| endpoint | req/s | p50 ms | p99 ms | gunicorn | celery | postgres | redis | other "
        "| CPU ms/req | throughput ours/peer | CPU/req ours/peer | requests | rows written "
        "| errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in table:
        cpu = r["cpu_ms"]
        ratio = (
            f"{r['throughput_ratio']:.2f}x | {r['cpu_ratio']:.2f}x"
            if "throughput_ratio" in r
            else "1 | 1"
        )
        rows = f"{r['rows_written']}{'' if r['rows_ok'] else ' (MISMATCH)'}"
        lines.append(
            f"| {r['label']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
            f"| {cpu['gunicorn']:.2f} | {cpu['celery']:.2f} | {cpu['postgres']:.2f} "
            f"| {cpu['redis']:.2f} | {cpu['other'] + cpu['wrk']:.2f} | {r['total_cpu_ms']:.2f} "
            f"| {ratio} | {r['requests']} | {rows} | {r['errors']} |"
        )
    lines += [
        "",
        "p99 of each pass: "
        + "; ".join(
            f"{r['label']}: {', '.join(f'{p:.0f}' for p in r['p99_ms_each'])} ms" for r in table
        )
        + ".",
    ]
    return "\n".join(lines) + "\n"


def main(args) -> int:
    """``args``: bench/run.py's parsed options (duration, quick, repeat, clients, agents,
    workers, worker_class, threads, celery_concurrency, label)."""
    duration = 3.0 if args.quick else args.duration
    repeat = args.repeat or 3
    clients = int((args.clients or "8").split(",")[0])
    wrk = harness.need("wrk", "wrk")
    ensure_peer_venv()
    version = subprocess.run(
        [
            str(PEER_PYTHON),
            "-c",
            "import importlib.metadata as m; print(m.version('django-helpdesk'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    print(f"==> ours: fresh database {harness.db_params()['dbname']}, seeding", file=sys.stderr)
    harness.fresh_database()
    harness.flush_redis()
    seeded = harness.seed(agents=args.agents)
    workdir = Path(tempfile.mkdtemp(prefix="peer-", dir=harness.VAR_DIR))
    pairs = seeded.pairs()
    print(f"==> peer: fresh database {_peer_db_params()['dbname']}, seeding", file=sys.stderr)
    fresh_peer_database()
    peer_data, peer_statements = seed_peer(args.agents, 10, workdir)
    files = {
        "mix": run.write_data_file(workdir, "mix", "decision", pairs),
        "within": run.write_data_file(workdir, "within", "decision", pairs, over_percent=0),
        "peer": peer_data,
    }
    shape = {"workers": args.workers, "worker_class": args.worker_class, "threads": args.threads}
    ours = harness.Stack(celery_concurrency=args.celery_concurrency, **shape)
    peer = PeerStack(**shape)
    meta = {
        "started_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": harness.machine(),
        "stack": ours.describe(),
        "peer_version": version,
        "peer_statements": peer_statements,
        "duration_s": duration,
        "repeat": repeat,
        "clients": clients,
        "agents": args.agents,
    }
    passes = []
    with ours, peer:
        # Warm every worker of both (imports, templates, connections) before measuring.
        run.run_wrk(wrk, ours.base_url, files["mix"], clients, 2)
        run.run_wrk(wrk, peer.base_url, files["peer"], clients, 2, PEER_LUA)
        for n in range(repeat):
            print(f"==> pass {n + 1}/{repeat}", file=sys.stderr)
            passes.append(
                one_pass(
                    n,
                    wrk=wrk,
                    ours=ours,
                    peer=peer,
                    files=files,
                    clients=clients,
                    duration=duration,
                )
            )
            time.sleep(1)
    table = summarize(passes)
    md = markdown(table, meta)
    harness.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = "peer" + (f"-{args.label}" if args.label else "")
    (harness.RESULTS_DIR / f"{stamp}.json").write_text(
        json.dumps({"meta": meta, "table": table, "passes": passes}, indent=2)
    )
    (harness.RESULTS_DIR / f"{stamp}.md").write_text(md)
    print(md)
    bad = [r["label"] for r in table if not r["rows_ok"] or r["errors"]]
    if bad:
        print(f"FAILED: rows or errors in {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0
