"""Where the machine's CPU goes per request, and the escalation-cost targets (issue 17).

    .venv/bin/python bench/cpu_split.py [--repeat 3] [--clients 8] [--duration 8]
                                        [--over-percent 25]

Seeds a fresh ``disc_bench`` and starts the production shape (as bench/run.py does). Each
pass runs, in alternating order, wrk against the no-database endpoint, the decision
endpoint within limits only, the decision endpoint with ``--over-percent`` escalated,
and pgbench with the within-limit decision's SQL core (bench/run.py's script), and reads
every process's CPU time (``/proc/<pid>/stat``, user + system) before and after each
run. The difference divided by the requests served is the CPU one request costs each
part of the stack, on every core together (the load generators exit before the second
reading, so their own share is not counted). On a machine where the load generator,
the app server, the worker and PostgreSQL share the cores, throughput is about cores /
total CPU per request, so this table says which part to cut and how far a ratio can go.

From each pass's own runs (ratios from the same pass; medians over passes):
- **escalated / within**: an escalated request's total CPU, (mix - (1 - f) * within) / f,
  against a within-limit one's (target <= 2x);
- **within / (no-DB + SQL)**: a within-limit decision's total CPU against the no-DB
  request's plus PostgreSQL's per pgbench transaction of the same SQL (target <= 2.5x);
- **p99 with the mix** (target < 100 ms in every pass).

Every decision run is checked: within limits only, every request applied; with the mix,
the share escalated is the one asked. Results: ``bench/results/cpu_split.json`` and
``.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import run

GROUPS = ("gunicorn", "celery", "postgres", "redis", "wrk")


def _cpu_by_pid() -> dict[str, tuple[str, float]]:
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # the process ended meanwhile
        found[pid] = (command, (int(fields[11]) + int(fields[12])) / ticks)
    return found


def _group(command: str) -> str:
    return next((name for name in GROUPS if name in command), "other")


def _ours(pid: str, command: str) -> bool:
    """Only this benchmark's processes count (on a shared machine, other users' servers,
    workers and PostgreSQL sessions do not): gunicorn on its port, the Celery worker with
    its var dir, PostgreSQL backends of its database."""
    if "gunicorn" in command:
        return f"127.0.0.1:{harness.PORT}" in command
    if "celery" in command:
        return str(harness.VAR_DIR) in command
    if command.startswith("postgres"):
        return f" {harness.db_params()['dbname']} " in command
    return True


def _postmaster_reaped() -> float:
    """CPU seconds of the PostgreSQL backends that have ended: the postmaster's reaped
    children (cutime + cstime), of any database. pgbench's sessions end before the second
    reading, so this is how their share is counted."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    with open(f"/proc/{backend}/stat") as stat:
        postmaster = int(stat.read().rsplit(")", 1)[1].split()[1])
    with open(f"/proc/{postmaster}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def measure(
    label: str,
    runner,
    scope: Callable[[str, str], bool] | None = None,
    *,
    ended_sessions: bool = False,
) -> dict:
    """CPU per request of ``runner()``'s requests, by group. ``scope(pid, command)`` keeps
    only the processes it accepts: by default this benchmark's own (``_ours``);
    bench/peer_run.py passes the peer's. ``ended_sessions``: add the CPU of PostgreSQL
    sessions that ended meanwhile (for pgbench, whose sessions end with it; on a shared
    server that includes other users' sessions that ended)."""
    reaped = _postmaster_reaped() if ended_sessions else 0.0
    before = _cpu_by_pid()
    result = runner()
    after = _cpu_by_pid()
    spent: dict[str, float] = dict.fromkeys((*GROUPS, "other"), 0.0)
    for pid, (command, seconds) in after.items():
        if not (scope or _ours)(pid, command):
            continue
        spent[_group(command)] += seconds - before.get(pid, (command, 0.0))[1]
    if ended_sessions:
        spent["postgres"] += _postmaster_reaped() - reaped
    per_request = {name: seconds * 1000 / result["requests"] for name, seconds in spent.items()}
    return {"label": label, **result, "cpu_ms": per_request}


TARGET_ESCALATED = 2.0
TARGET_CORE = 2.5


def _share_escalated(outcomes: dict[str, int]) -> float:
    total = sum(outcomes.values())
    return outcomes.get("pending_approval", 0) / total if total else 0.0


def _check(row: dict, over_percent: int) -> None:
    """Every request answered and decided as the mix says, or the pass means nothing."""
    if row["errors"]:
        raise RuntimeError(f"{row['label']}: {row['errors']} errors {row.get('error_detail')}")
    outcomes = row.get("outcomes")
    if outcomes is None:
        return
    unexpected = set(outcomes) - {"applied", "pending_approval"}
    share = _share_escalated(outcomes)
    if unexpected or abs(share - over_percent / 100) > 0.05:
        raise RuntimeError(f"{row['label']}: outcomes {outcomes}, not {over_percent}% escalated")


def _total(row: dict) -> float:
    return sum(row["cpu_ms"].values())


def pass_ratios(rows: dict[str, dict], over_percent: int) -> dict:
    """The targets' figures from one pass's runs."""
    within, mix = _total(rows["within"]), _total(rows["mix"])
    noop, core = _total(rows["noop"]), rows["sql"]["cpu_ms"]["postgres"]
    # The pgbench client is the load generator, like wrk: not counted on either side.
    share = over_percent / 100
    escalated = (mix - (1 - share) * within) / share if share else float("nan")
    return {
        "within_ms": round(within, 2),
        "mix_ms": round(mix, 2),
        "escalated_ms": round(escalated, 2),
        "escalated_over_within": round(escalated / within, 2),
        "noop_ms": round(noop, 2),
        "sql_postgres_ms": round(core, 2),
        "within_over_core": round(within / (noop + core), 2),
        "mix_p99_ms": round(rows["mix"]["p99_ms"], 1),
        "mix_rps": rows["mix"]["rps"],
        "within_rps": rows["within"]["rps"],
    }


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def report(passes: list[dict], args: argparse.Namespace, meta: dict) -> str:
    lines = [
        f"CPU per request at {args.clients} clients, ms summed over all cores, "
        f"{args.duration:g} s per run, {len(passes)} pass(es); {meta['when']}, "
        f"{meta['machine']['nproc']} x {meta['machine']['cpu']}, PostgreSQL "
        f"{meta['machine']['postgresql']}",
        "",
        "| pass | endpoint | req/s | p99 ms | " + " | ".join(GROUPS[:-1]) + " | other | total |",
        "|---|---|---:|---:|" + "---:|" * (len(GROUPS) + 1),
    ]
    for number, one in enumerate(passes, start=1):
        for key in ("noop", "within", "mix", "sql"):
            row = one["rows"][key]
            cpu = row["cpu_ms"]
            cells = " | ".join(f"{cpu[name]:.2f}" for name in GROUPS[:-1])
            lines.append(
                f"| {number} | {row['label']} | {row['rps']:.0f} | {row['p99_ms']:.1f} | "
                f"{cells} | {cpu['other'] + cpu['wrk']:.2f} | {_total(row):.2f} |"
            )
    figures = [one["ratios"] for one in passes]

    def figure(key: str, unit: str = "") -> str:
        values = [f[key] for f in figures]
        each = ", ".join(f"{v:g}{unit}" for v in values)
        return f"**{_median(values):g}{unit}** ({each})"

    def met(key: str, target: float) -> str:
        return "yes" if _median([f[key] for f in figures]) <= target else "no"

    p99s = [f["mix_p99_ms"] for f in figures]
    lines += [
        "",
        "| figure (median, then each pass) | measured | target | met |",
        "|---|---|---|---|",
        f"| within-limit request, ms CPU | {figure('within_ms')} | | |",
        f"| escalated request, ms CPU | {figure('escalated_ms')} | | |",
        f"| escalated / within-limit | {figure('escalated_over_within', 'x')} | "
        f"<= {TARGET_ESCALATED:g}x | "
        f"{met('escalated_over_within', TARGET_ESCALATED)} |",
        f"| no-DB request, ms CPU | {figure('noop_ms')} | | |",
        f"| PostgreSQL per pgbench transaction of the SQL core, ms CPU | "
        f"{figure('sql_postgres_ms')} | | |",
        f"| within-limit / (no-DB + SQL core) | {figure('within_over_core', 'x')} | "
        f"<= {TARGET_CORE:g}x | "
        f"{met('within_over_core', TARGET_CORE)} |",
        f"| p99 with {args.over_percent}% escalated, ms | {figure('mix_p99_ms')} | "
        f"< 100 in every pass | {'yes' if max(p99s) < 100 else 'no'} |",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--over-percent", type=int, default=run.OVER_PERCENT)
    args = parser.parse_args(argv)
    if not 0 < args.over_percent <= 100:
        parser.error("--over-percent must be 1 to 100: the escalated figure needs escalations")

    wrk = harness.need("wrk", "wrk")
    pgbench = harness.need("pgbench", "postgresql-contrib")
    harness.fresh_database()
    harness.flush_redis()
    seeded = harness.seed(agents=200)
    workdir = Path(tempfile.mkdtemp(prefix="cpu-", dir=harness.VAR_DIR))
    pairs = seeded.pairs()
    files = {
        "within": run.write_data_file(workdir, "within", "decision", pairs, over_percent=0),
        "mix": run.write_data_file(
            workdir, "mix", "decision", pairs, over_percent=args.over_percent
        ),
        "noop": run.write_data_file(workdir, "noop", "noop", pairs),
    }
    sql = run.write_pgbench_script(workdir, "sql", seeded, hot=False, over_percent=0)
    meta = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": harness.machine(),
        "clients": args.clients,
        "duration_s": args.duration,
        "over_percent": args.over_percent,
    }

    def wrk_run(key: str) -> Callable[[], dict]:
        def go() -> dict:
            first = run._last_resolution_id()
            result = run.run_wrk(wrk, stack.base_url, files[key], args.clients, args.duration)
            if key != "noop":
                # Count the worker's whole share: wait until it routed this run's escalations.
                run.wait_routed()
                result["outcomes"] = run._outcomes_since(first)
            return result

        return go

    labels = {
        "noop": "no-DB",
        "within": "decision, within limits only",
        "mix": f"decision, {args.over_percent}% escalated",
        "sql": "pgbench, the within-limit SQL core",
    }
    passes = []
    with harness.Stack() as stack:
        run.run_wrk(wrk, stack.base_url, files["mix"], args.clients, 2)  # warm up
        run.run_wrk(wrk, stack.base_url, files["noop"], args.clients, 1)
        run.wait_routed()
        for number in range(args.repeat):
            order = ["noop", "within", "mix", "sql"]
            if number % 2:
                order.reverse()
            rows = {}
            for key in order:
                runner = (
                    (lambda: run.run_pgbench(pgbench, sql, args.clients, args.duration, workdir))
                    if key == "sql"
                    else wrk_run(key)
                )
                run.wait_idle()
                rows[key] = measure(labels[key], runner, ended_sessions=key == "sql")
                _check(rows[key], args.over_percent if key == "mix" else 0)
                row = rows[key]
                print(
                    f"  pass {number + 1} {row['label']:38} {row['rps']:>8.1f}/s "
                    f"p99 {row['p99_ms']:.1f} ms, {_total(row):.2f} ms CPU",
                    file=sys.stderr,
                )
            passes.append({"rows": rows, "ratios": pass_ratios(rows, args.over_percent)})

    text = report(passes, args, meta)
    print(text)
    harness.RESULTS_DIR.mkdir(exist_ok=True)
    (harness.RESULTS_DIR / "cpu_split.md").write_text(text)
    (harness.RESULTS_DIR / "cpu_split.json").write_text(
        json.dumps({**meta, "passes": passes}, indent=2, default=str)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
