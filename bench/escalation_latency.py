"""Escalation latency: from the decision's commit to the escalation being assigned.

    .venv/bin/python bench/escalation_latency.py [--count 200] [--rate 20]

Fresh ``disc_bench``, the production shape (gunicorn + a real Celery worker with beat on
Redis, bench/harness.py), three supervisors on call at level 1. Sends ``--count``
over-limit resolution requests over HTTP at ``--rate`` per second (spread over agents and
cases), then polls PostgreSQL until every escalation has ``assigned_to`` and
``routed_at``. Latency = ``routed_at - resolution.created_at``; ``created_at`` is taken
when the request's transaction starts, so each figure is an upper bound on
commit -> assigned (it includes the decision's own transaction).

The API contract asks for assignment within 2 seconds of the commit (docs/api.md,
"Escalations").
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

from discretion.models import Escalation


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def post(base_url: str, token: str, case_id: int) -> int:
    body = json.dumps(
        {"remedy_type": "refund", "amount": harness.OVER, "reason": "Latency benchmark"}
    ).encode()
    request = urllib.request.Request(
        f"{base_url}/api/v1/cases/{case_id}/resolutions/",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second")
    parser.add_argument("--celery-concurrency", type=int, default=2)
    args = parser.parse_args(argv)

    print("==> fresh database, seed", file=sys.stderr)
    harness.fresh_database()
    harness.flush_redis()
    seeded = harness.seed(agents=20, cases_per_agent=5)
    rng = random.Random(11)
    pairs = seeded.pairs()
    stack = harness.Stack(celery_concurrency=args.celery_concurrency)
    with stack:
        time.sleep(3)  # let the worker connect to the broker
        print(f"==> {args.count} over-limit requests at {args.rate}/s", file=sys.stderr)
        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = []
            start = time.monotonic()
            for i in range(args.count):
                delay = start + i / args.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                futures.append(pool.submit(post, stack.base_url, *rng.choice(pairs)))
            statuses = [f.result() for f in futures]
        assert all(s == 201 for s in statuses), statuses
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not Escalation.objects.filter(assigned_to__isnull=True).exists():
                break
            time.sleep(0.2)
    rows = list(
        Escalation.objects.values_list("routed_at", "resolution__created_at", "assigned_to_id")
    )
    unassigned = sum(1 for routed, _, who in rows if routed is None or who is None)
    latencies = [
        (routed - created).total_seconds() * 1000
        for routed, created, who in rows
        if routed is not None and who is not None
    ]
    result = {
        "machine": harness.machine(),
        "stack": stack.describe(),
        "escalations": len(rows),
        "unassigned_after_60s": unassigned,
        "rate_per_s": args.rate,
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(max(latencies), 1),
    }
    harness.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (harness.RESULTS_DIR / "escalation_latency.json").write_text(json.dumps(result, indent=2))
    line = (
        f"| {result['escalations']} escalations at {args.rate:g}/s | {result['p50_ms']} "
        f"| {result['p95_ms']} | {result['p99_ms']} | {result['max_ms']} "
        f"| {result['unassigned_after_60s']} |"
    )
    md = (
        "| commit -> assigned | p50 ms | p95 ms | p99 ms | max ms | unassigned |\n"
        "|---|---:|---:|---:|---:|---:|\n" + line + "\n"
    )
    (harness.RESULTS_DIR / "escalation_latency.md").write_text(md)
    print(md)
    return 0 if unassigned == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
