"""The load benchmark of the discretion decision, with its two floors, in one run.

    ./dev bench                      # or: .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py --quick            # 3 s per point
    .venv/bin/python bench/run.py --repeat 3         # medians over 3 passes

What it does, on loopback:
1. drops, recreates and migrates its own PostgreSQL database (``BENCH_DATABASE_URL``,
   default ``disc_bench``) and flushes its Redis DB (``BENCH_REDIS_URL``, default DB 8);
2. seeds 200 agents with tokens (tier ``standard``: refunds up to 100.00 apply), ten
   cases each, three supervisors on call, today's budget windows;
3. starts the production shape: gunicorn ``config.wsgi`` (2 x cores sync workers, as
   docker-compose.yml) and a Celery worker with beat on queues default,escalations;
4. drives load from separate processes:
   - ``wrk`` (bench/load.lua) POSTs resolution requests, 75% within the limit (25.00,
     applied) and 25% over it (250.00, escalated and routed by the worker), (a) spread
     over all agents and their own cases, (b) all from one agent across every case;
   - the same wrk, same body and headers, against ``POST /api/v1/bench/noop/``: the same
     app stack without the database (floor 1);
   - ``pgbench`` running the decision's SQL core (lock the budget windows, debit them,
     insert the resolution, insert the audit row) with the same mix (floor 2);
   at 1, 8 and 32 concurrent clients;
5. writes ``bench/results/<time>.json`` and ``.md`` (and ``latest.*``) and prints the table.

Target: at 8 clients, spread over agents, the decision endpoint reaches >= 35% of the
no-database endpoint's throughput with p99 < 100 ms.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

from cases.models import Resolution
from discretion.models import Escalation

OVER_PERCENT = 25
TARGET_RATIO = 0.35
TARGET_P99_MS = 100.0


# --- load generators ----------------------------------------------------------------------


def write_data_file(
    directory: Path,
    name: str,
    path: str,
    pairs: list[tuple[str, int]],
    over_percent: int | None = None,
) -> Path:
    lines = [
        "return {",
        f'  path = "{path}",',
        f"  over_percent = {OVER_PERCENT if over_percent is None else over_percent},",
        f'  within = "{harness.WITHIN}",',
        f'  over = "{harness.OVER}",',
        "  pairs = {",
    ]
    lines += [f'    {{"{token}", {case_id}}},' for token, case_id in pairs]
    lines += ["  },", "}"]
    out = directory / f"{name}.lua"
    out.write_text("\n".join(lines) + "\n")
    return out


def run_wrk(
    wrk: str,
    url: str,
    data_file: Path,
    clients: int,
    duration: float,
    script: Path = harness.BENCH_DIR / "load.lua",
) -> dict:
    threads = max(1, min(clients, harness.nproc()))
    cmd = [
        wrk,
        f"-t{threads}",
        f"-c{clients}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
        "--",
        str(data_file),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    line = next((ln for ln in reversed(out.stdout.splitlines()) if ln.startswith("{")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{out.stdout}\n{out.stderr}")
    raw = json.loads(line)
    seconds = raw["duration_us"] / 1e6
    errors = sum(raw["errors"].values())
    return {
        "requests": raw["requests"],
        "seconds": round(seconds, 3),
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": raw["latency_us"]["p50"] / 1000,
        "p95_ms": raw["latency_us"]["p95"] / 1000,
        "p99_ms": raw["latency_us"]["p99"] / 1000,
        "max_ms": raw["latency_us"]["max"] / 1000,
        "errors": errors,
        "error_detail": raw["errors"],
    }


PGBENCH_SCRIPT = """\
-- The decision's SQL core: lock the agent's day and month budget windows, debit them
-- when within the limit, insert the resolution, insert the audit row; one transaction.
{pick}
\\set within random(1, 100) > {over_percent}
BEGIN;
SELECT id, used, cap FROM discretion_budgetwindow
 WHERE user_id = :a AND remedy_type_id = {rt}
   AND ((period = 'day' AND starts_on = '{day}') OR (period = 'month' AND starts_on = '{month}'))
 ORDER BY id FOR UPDATE;
\\if :within
UPDATE discretion_budgetwindow SET used = used + {within}
 WHERE user_id = :a AND remedy_type_id = {rt}
   AND ((period = 'day' AND starts_on = '{day}') OR (period = 'month' AND starts_on = '{month}'))
   AND (cap IS NULL OR used + {within} <= cap);
INSERT INTO cases_resolution (requested_amount, amount, reason, customer_message, status,
  counts_against_budget, decision, created_at, applied_at, budget_day, agent_id, case_id,
  remedy_type_id)
VALUES ({within}, {within}, 'Benchmark: parcel arrived damaged', '', 'applied', true,
  '{{"outcome": "apply"}}', now(), now(), '{day}', :a, :c, {rt})
RETURNING id \\gset res_
\\else
INSERT INTO cases_resolution (requested_amount, amount, reason, customer_message, status,
  counts_against_budget, decision, created_at, applied_at, budget_day, agent_id, case_id,
  remedy_type_id)
VALUES ({over}, {over}, 'Benchmark: parcel arrived damaged', '', 'pending_approval', false,
  '{{"outcome": "escalate"}}', now(), NULL, NULL, :a, :c, {rt})
RETURNING id \\gset res_
\\endif
INSERT INTO audit_auditevent (at, action, object_type, object_id, before, after, reason,
  actor_id)
VALUES (now(), 'resolution.decide', 'resolution', :res_id, NULL,
  '{{"amount": "{within}"}}', '', :a);
END;
"""


def write_pgbench_script(
    directory: Path,
    name: str,
    seeded: harness.Seeded,
    hot: bool,
    over_percent: int | None = None,
) -> Path:
    from django.utils import timezone

    agents = seeded.agent_ids
    cases = seeded.case_ids
    per_agent = len(cases) // len(agents)
    # bulk_create gives contiguous ids here (a fresh database); the picks rely on it.
    assert agents == list(range(agents[0], agents[0] + len(agents))), "agent ids not contiguous"
    assert cases == list(range(cases[0], cases[0] + len(cases))), "case ids not contiguous"
    if hot:
        pick = f"\\set a {agents[0]}\n\\set c random({cases[0]}, {cases[-1]})"
    else:
        pick = (
            f"\\set i random(0, {len(agents) - 1})\n"
            f"\\set a {agents[0]} + :i\n"
            f"\\set c {cases[0]} + :i * {per_agent} + random(0, {per_agent - 1})"
        )
    day = timezone.localdate()
    script = PGBENCH_SCRIPT.format(
        pick=pick,
        over_percent=OVER_PERCENT if over_percent is None else over_percent,
        rt=seeded.remedy_type_id,
        day=day.isoformat(),
        month=day.replace(day=1).isoformat(),
        within=harness.WITHIN,
        over=harness.OVER,
    )
    out = directory / f"{name}.sql"
    out.write_text(script)
    return out


def run_pgbench(pgbench: str, script: Path, clients: int, duration: float, logdir: Path) -> dict:
    params = harness.db_params()
    for old in logdir.glob("pgb*"):
        old.unlink()
    cmd = [
        pgbench,
        "-h",
        params["host"],
        "-p",
        str(params["port"]),
        "-U",
        params["user"],
        "-n",
        "-c",
        str(clients),
        "-j",
        str(max(1, min(clients, harness.nproc()))),
        "-T",
        str(max(1, round(duration))),
        "-f",
        str(script),
        "-l",
        "--log-prefix",
        str(logdir / "pgb"),
        params["dbname"],
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    if out.returncode != 0:
        raise RuntimeError(f"pgbench failed:\n{out.stdout}\n{out.stderr}")
    latencies = []
    for log in logdir.glob("pgb*"):
        for line in log.read_text().splitlines():
            parts = line.split()
            # A failed transaction (a deadlock, a serialization failure) logs "failed"
            # for its time: pgbench counts it in "number of failed transactions".
            if len(parts) >= 6 and parts[2].isdigit():
                latencies.append(int(parts[2]))
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", out.stdout)
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": duration,
        "rps": round(float(tps.group(1)), 1) if tps else round(len(latencies) / duration, 1),
        "p50_ms": _pct(latencies, 50) / 1000,
        "p95_ms": _pct(latencies, 95) / 1000,
        "p99_ms": _pct(latencies, 99) / 1000,
        "max_ms": (latencies[-1] if latencies else 0) / 1000,
        "errors": int(failed.group(1)) if failed else 0,
    }


def _pct(values: list[int], p: float) -> float:
    if not values:
        return 0.0
    return float(values[min(len(values) - 1, int(len(values) * p / 100))])


# --- one pass -----------------------------------------------------------------------------


def _last_resolution_id() -> int:
    last = Resolution.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


def _outcomes_since(first_id: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in Resolution.objects.filter(pk__gt=first_id).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def wait_routed(timeout: float = 30.0) -> float:
    """Seconds until every escalation is routed (the worker caught up), or -1 on timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if not Escalation.objects.filter(routed_at__isnull=True).exists():
            return round(time.monotonic() - start, 2)
        time.sleep(0.2)
    return -1.0


def wait_idle(timeout: float = 15.0) -> None:
    """Until no other session of the benchmark's database is inside a statement: the
    requests gunicorn was still serving when wrk stopped must not overlap the next point.
    pgbench's script does not take the app's locks in the app's order (it has no case
    lock), so the two overlapping can deadlock each other, and any point would count the
    other's work."""
    from django.db import connection

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid() "
                "AND state <> 'idle'"
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.05)


def one_pass(
    *,
    wrk: str,
    pgbench: str,
    url: str,
    files: dict[str, Path],
    clients_list: list[int],
    duration: float,
    logdir: Path,
) -> list[dict]:
    rows = []
    for clients in clients_list:
        for kind, scenario in (
            ("noop", "-"),
            ("decision", "many"),
            ("decision", "one"),
            ("pgbench", "many"),
            ("pgbench", "one"),
        ):
            drain = wait_routed()
            wait_idle()
            first = _last_resolution_id()
            if kind == "pgbench":
                result = run_pgbench(pgbench, files[f"pg-{scenario}"], clients, duration, logdir)
            else:
                data = files["noop"] if kind == "noop" else files[f"decision-{scenario}"]
                result = run_wrk(wrk, url, data, clients, duration)
            result.update(kind=kind, scenario=scenario, clients=clients, drain_before_s=drain)
            if kind == "decision":
                result["outcomes"] = _outcomes_since(first)
            rows.append(result)
            print(
                f"  {kind:8} {scenario:4} c={clients:<3} {result['rps']:>8.1f}/s "
                f"p50 {result['p50_ms']:.1f} p95 {result['p95_ms']:.1f} "
                f"p99 {result['p99_ms']:.1f} ms errors {result['errors']}",
                file=sys.stderr,
            )
    return rows


# --- report -------------------------------------------------------------------------------


def summarize(passes: list[list[dict]], clients_list: list[int]) -> list[dict]:
    """One row per (scenario, clients): medians over the passes, ratios to both floors."""

    def cell(kind: str, scenario: str, clients: int) -> dict:
        runs = [
            r
            for rows in passes
            for r in rows
            if r["kind"] == kind and r["scenario"] == scenario and r["clients"] == clients
        ]
        return {
            key: statistics.median(r[key] for r in runs)
            for key in ("rps", "p50_ms", "p95_ms", "p99_ms")
        } | {"errors": sum(r["errors"] for r in runs), "runs": len(runs)}

    table = []
    for scenario in ("many", "one"):
        for clients in clients_list:
            decision = cell("decision", scenario, clients)
            noop = cell("noop", "-", clients)
            pg = cell("pgbench", scenario, clients)
            table.append(
                {
                    "scenario": scenario,
                    "clients": clients,
                    "decision": decision,
                    "noop": noop,
                    "pgbench": pg,
                    "ratio_to_noop": round(decision["rps"] / noop["rps"], 3) if noop["rps"] else 0,
                    "ratio_to_pgbench": round(decision["rps"] / pg["rps"], 3) if pg["rps"] else 0,
                }
            )
    return table


def markdown(table: list[dict], meta: dict) -> str:
    m = meta["machine"]
    s = meta["stack"]
    lines = [
        f"Discretion decision benchmark, {meta['started_at']} — {m['nproc']} x {m['cpu']}, "
        f"{m['memory_gib']} GiB, PostgreSQL {m['postgresql']}, Redis {m['redis']}; "
        f"gunicorn {s['gunicorn_workers']} x {s['gunicorn_worker_class']} "
        f"(threads {s['gunicorn_threads']}), Celery worker concurrency "
        f"{s['celery_concurrency']}; {meta['duration_s']} s per point, median of "
        f"{meta['repeat']} pass(es); {100 - OVER_PERCENT}% within limit / {OVER_PERCENT}% over.",
        "",
        "| agents | clients | decision req/s | p50 ms | p95 ms | p99 ms | no-DB req/s "
        "| ratio to no-DB | pgbench tx/s | pgbench p99 ms | ratio to pgbench | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in table:
        d, n, p = row["decision"], row["noop"], row["pgbench"]
        lines.append(
            f"| {'spread' if row['scenario'] == 'many' else 'one hot'} | {row['clients']} "
            f"| {d['rps']:.0f} | {d['p50_ms']:.1f} | {d['p95_ms']:.1f} | {d['p99_ms']:.1f} "
            f"| {n['rps']:.0f} | {row['ratio_to_noop']:.0%} | {p['rps']:.0f} "
            f"| {p['p99_ms']:.1f} | {row['ratio_to_pgbench']:.0%} "
            f"| {d['errors'] + n['errors'] + p['errors']} |"
        )
    target = next((r for r in table if r["scenario"] == "many" and r["clients"] == 8), None)
    if target:
        ok_ratio = target["ratio_to_noop"] >= TARGET_RATIO
        ok_p99 = target["decision"]["p99_ms"] < TARGET_P99_MS
        lines += [
            "",
            f"Target at 8 clients (spread): ratio to no-DB {target['ratio_to_noop']:.0%} "
            f"(>= {TARGET_RATIO:.0%}: {'PASS' if ok_ratio else 'FAIL'}), decision p99 "
            f"{target['decision']['p99_ms']:.1f} ms (< {TARGET_P99_MS:.0f} ms: "
            f"{'PASS' if ok_p99 else 'FAIL'}).",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per point")
    parser.add_argument("--quick", action="store_true", help="3 s per point")
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="passes; the table shows medians (default 1; --peer: 3)",
    )
    parser.add_argument("--clients", default=None, help="default 1,8,32 (--peer: 8)")
    parser.add_argument(
        "--peer",
        action="store_true",
        help="against django-helpdesk's ticket update instead (bench/peer_run.py)",
    )
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--workers", type=int, default=None, help="default 2 x cores")
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--celery-concurrency", type=int, default=2)
    parser.add_argument("--label", default="", help="added to the result file names")
    args = parser.parse_args(argv)
    if args.peer:
        import peer_run

        return peer_run.main(args)
    duration = 3.0 if args.quick else args.duration
    clients_list = [int(c) for c in (args.clients or "1,8,32").split(",")]
    args.repeat = args.repeat or 1

    wrk = harness.need("wrk", "wrk")
    pgbench = harness.need("pgbench", "postgresql-contrib")

    print(f"==> fresh database {harness.db_params()['dbname']}, migrating", file=sys.stderr)
    harness.fresh_database()
    harness.flush_redis()
    print(f"==> seeding {args.agents} agents", file=sys.stderr)
    seeded = harness.seed(agents=args.agents)

    workdir = Path(tempfile.mkdtemp(prefix="bench-", dir=harness.VAR_DIR))
    hot_token = seeded.tokens[0]
    many_pairs = seeded.pairs()
    files = {
        "decision-many": write_data_file(workdir, "decision-many", "decision", many_pairs),
        "decision-one": write_data_file(
            workdir, "decision-one", "decision", [(hot_token, c) for c in seeded.case_ids]
        ),
        "noop": write_data_file(workdir, "noop", "noop", many_pairs),
        "pg-many": write_pgbench_script(workdir, "pg-many", seeded, hot=False),
        "pg-one": write_pgbench_script(workdir, "pg-one", seeded, hot=True),
    }

    stack = harness.Stack(
        workers=args.workers,
        worker_class=args.worker_class,
        threads=args.threads,
        celery_concurrency=args.celery_concurrency,
    )
    meta = {
        "started_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": harness.machine(),
        "stack": stack.describe(),
        "duration_s": duration,
        "repeat": args.repeat,
        "clients": clients_list,
        "agents": args.agents,
        "over_percent": OVER_PERCENT,
    }
    passes: list[list[dict]] = []
    print(f"==> starting gunicorn and the Celery worker: {stack.describe()}", file=sys.stderr)
    with stack:
        # Warm every worker (imports, compiled rules, connections) before measuring.
        run_wrk(wrk, stack.base_url, files["decision-many"], 8, 2)
        run_wrk(wrk, stack.base_url, files["noop"], 8, 1)
        for n in range(args.repeat):
            print(f"==> pass {n + 1}/{args.repeat}", file=sys.stderr)
            passes.append(
                one_pass(
                    wrk=wrk,
                    pgbench=pgbench,
                    url=stack.base_url,
                    files=files,
                    clients_list=clients_list,
                    duration=duration,
                    logdir=workdir,
                )
            )
        meta["escalations_unrouted_after_30s"] = (
            0 if wait_routed() >= 0 else Escalation.objects.filter(routed_at__isnull=True).count()
        )

    table = summarize(passes, clients_list)
    md = markdown(table, meta)
    harness.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S") + (f"-{args.label}" if args.label else "")
    payload = {"meta": meta, "table": table, "passes": passes}
    for name in (stamp, "latest"):
        (harness.RESULTS_DIR / f"{name}.json").write_text(json.dumps(payload, indent=2))
        (harness.RESULTS_DIR / f"{name}.md").write_text(md)
    print(md)
    print(f"results: {harness.RESULTS_DIR / stamp}.json / .md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
