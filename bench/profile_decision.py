"""Profile the decision path in-process: queries per request and where the time goes.

    .venv/bin/python bench/profile_decision.py [--requests 300] [--over-percent 25]

Seeds a fresh ``disc_bench`` (as bench/run.py does), then sends resolution requests through
Django's full WSGI stack (middleware, DRF, token auth, the decision, JSON rendering) with
the test client, and reports:
- the SQL statements of one within-limit and one over-limit decision (count and text),
- the median wall time per request, and the share spent waiting on PostgreSQL,
- a pyinstrument profile (text, and HTML in bench/results/profile.html).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
from django.db import connection
from django.test.utils import CaptureQueriesContext


class DbTimer:
    """A connection wrapper summing the time spent in PostgreSQL calls."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.count += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--over-percent", type=int, default=25)
    parser.add_argument("--show-sql", action="store_true", help="print every statement")
    args = parser.parse_args(argv)

    harness.fresh_database()
    harness.flush_redis()
    seeded = harness.seed(agents=50)
    live = harness.InProcess(seeded)
    request = live.decide
    rng = random.Random(7)

    # Warm up: imports, compiled rules, the connection.
    for _ in range(20):
        request(harness.WITHIN)
    live.noop()

    for label, amount in (("within limit (applied)", harness.WITHIN), ("over limit", harness.OVER)):
        with CaptureQueriesContext(connection) as queries:
            response = request(amount)
        print(f"--- {label}: status {response.json()['status']}, {len(queries)} statements")
        for q in queries.captured_queries:
            sql = q["sql"]
            print(f"  {q['time']:>6}s  {sql if args.show_sql else sql[:150]}")

    # Time per request, and the part of it inside PostgreSQL calls.
    timer = DbTimer()
    walls, noop_walls = [], []
    cpu_start = time.process_time()
    with connection.execute_wrapper(timer):
        for _ in range(args.requests):
            amount = harness.OVER if rng.randrange(100) < args.over_percent else harness.WITHIN
            start = time.perf_counter()
            request(amount)
            walls.append(time.perf_counter() - start)
    cpu_decision = (time.process_time() - cpu_start) / args.requests
    cpu_start = time.process_time()
    for _ in range(args.requests):
        start = time.perf_counter()
        live.noop()
        noop_walls.append(time.perf_counter() - start)
    cpu_noop = (time.process_time() - cpu_start) / args.requests
    total = sum(walls)
    print(
        f"\n--- {args.requests} requests in-process: median {statistics.median(walls) * 1e3:.2f} ms"
        f" wall and {cpu_decision * 1e3:.2f} ms Python CPU per decision, "
        f"{timer.count / args.requests:.1f} statements per decision (+1 hidden SELECT 1 per "
        f"request with CONN_HEALTH_CHECKS), {timer.seconds / total:.0%} of the wall time "
        f"inside database calls; no-DB endpoint median {statistics.median(noop_walls) * 1e3:.2f}"
        f" ms wall, {cpu_noop * 1e3:.2f} ms CPU"
    )

    import cProfile
    import pstats

    cprofile = cProfile.Profile(time.process_time)  # CPU time: waits on PostgreSQL excluded
    cprofile.enable()
    for _ in range(args.requests):
        amount = harness.OVER if rng.randrange(100) < args.over_percent else harness.WITHIN
        request(amount)
    cprofile.disable()
    stats = pstats.Stats(cprofile)
    print("\n--- CPU by function (cProfile, process time, own), top 15")
    stats.sort_stats("tottime").print_stats(15)
    print("--- the app's own functions, CPU cumulative (cProfile), top 40")
    stats.sort_stats("cumulative").print_stats(
        r"discretion|cases/|audit/|policies/|rest_framework/(views|authentication|serializers|renderers)",
        40,
    )

    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(args.requests):
        amount = harness.OVER if rng.randrange(100) < args.over_percent else harness.WITHIN
        request(amount)
    profiler.stop()
    harness.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (harness.RESULTS_DIR / "profile.html").write_text(profiler.output_html())
    (harness.RESULTS_DIR / "profile.txt").write_text(profiler.output_text(show_all=False))
    print(profiler.output_text(show_all=False, color=False))
    print(f"profile: {harness.RESULTS_DIR / 'profile.html'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
