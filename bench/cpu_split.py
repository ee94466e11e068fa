"""Where the machine's CPU goes per request: gunicorn, PostgreSQL, Celery, Redis.

    .venv/bin/python bench/cpu_split.py [--clients 8] [--duration 8] [--over-percent 25]

Seeds a fresh ``disc_bench`` and starts the production shape (as bench/run.py does), then
runs wrk against the no-database endpoint and the decision endpoint and reads every
process's CPU time (``/proc/<pid>/stat``, user + system) before and after each run. The
difference divided by the requests served is the CPU one request costs each part of the
stack, on every core together. On a machine where the load generator, the app server,
the worker and PostgreSQL share the cores, throughput is about cores / total CPU per
request, so this table says which part to cut and how far a ratio can go.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
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


def measure(label: str, runner, scope: Callable[[str, str], bool] | None = None) -> dict:
    """CPU per request of ``runner()``'s requests, by group. ``scope(pid, command)`` keeps
    only the processes it accepts: by default this benchmark's own (``_ours``);
    bench/peer_run.py passes the peer's."""
    before = _cpu_by_pid()
    result = runner()
    after = _cpu_by_pid()
    spent: dict[str, float] = dict.fromkeys((*GROUPS, "other"), 0.0)
    for pid, (command, seconds) in after.items():
        if not (scope or _ours)(pid, command):
            continue
        spent[_group(command)] += seconds - before.get(pid, (command, 0.0))[1]
    per_request = {name: seconds * 1000 / result["requests"] for name, seconds in spent.items()}
    return {"label": label, **result, "cpu_ms": per_request}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--over-percent", type=int, default=run.OVER_PERCENT)
    args = parser.parse_args(argv)
    run.OVER_PERCENT = args.over_percent

    wrk = harness.need("wrk", "wrk")
    harness.fresh_database()
    harness.flush_redis()
    seeded = harness.seed(agents=200)
    workdir = Path(tempfile.mkdtemp(prefix="cpu-", dir=harness.VAR_DIR))
    pairs = [
        (token, case_id)
        for agent_id, token in zip(seeded.agent_ids, seeded.tokens, strict=True)
        for case_id in seeded.cases_by_agent[agent_id]
    ]
    decision = run.write_data_file(workdir, "decision", "decision", pairs)
    noop = run.write_data_file(workdir, "noop", "noop", pairs)

    rows = []
    with harness.Stack() as stack:
        run.run_wrk(wrk, stack.base_url, decision, args.clients, 2)  # warm up
        run.run_wrk(wrk, stack.base_url, noop, args.clients, 1)
        rows.append(
            measure(
                "no-DB", lambda: run.run_wrk(wrk, stack.base_url, noop, args.clients, args.duration)
            )
        )
        run.wait_routed()

        def decide() -> dict:
            result = run.run_wrk(wrk, stack.base_url, decision, args.clients, args.duration)
            # Count the worker's whole share: wait until it routed this run's escalations.
            run.wait_routed()
            return result

        rows.append(measure(f"decision ({args.over_percent}% over)", decide))

    print(
        f"CPU per request at {args.clients} clients, ms summed over all cores "
        "(wrk exits before the second reading, so its own share is not counted)\n"
    )
    print("| endpoint | req/s | p99 ms | " + " | ".join(GROUPS[:-1]) + " | other | total |")
    print("|---|---:|---:|" + "---:|" * (len(GROUPS) + 1))
    for row in rows:
        cpu = row["cpu_ms"]
        total = sum(cpu.values())
        cells = " | ".join(f"{cpu[name]:.2f}" for name in GROUPS[:-1])
        print(
            f"| {row['label']} | {row['rps']:.0f} | {row['p99_ms']:.1f} | {cells} | "
            f"{cpu['other'] + cpu['wrk']:.2f} | {total:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
