# ruff: noqa: E501 - the recorded checks read best one per line
"""Benchmark policy rules: the rule part of a decision with 0 vs 200 enabled rules, and a
backtest over 10,000 resolutions.

    DEBUG=1 .venv/bin/python bench/bench_rules.py [--resolutions 10000] [--rules 200]

Runs in a throwaway test database (``test_<name>``, created and dropped here), so it
never touches your data. Uses DATABASE_URL like the app (PostgreSQL gives the numbers
that matter; the SQLite default works too).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from decimal import Decimal  # noqa: E402

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402


def _timed(fn, iterations: int) -> tuple[float, float]:
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95)]


def _context(i: int) -> dict:
    from policies.context import empty_context

    context = empty_context()
    context["amount"] = float(10 + (i * 37) % 600)
    context["remedy"] = ("refund", "store_credit", "goodwill_gesture", "fee_waiver")[i % 4]
    context["case"].update(
        category=("complaint", "crisis", "question")[i % 3],
        age_hours=float(i % 72),
        remedies_total=float((i * 13) % 400),
    )
    context["customer"].update(
        external_id=f"CUST-{i % 500:05d}",
        remedies_30d_total=float((i * 7) % 900),
        remedies_30d_count=i % 6,
    )
    context["agent"].update(role="agent", tier="standard", team="Returns", tenure_days=i % 700)
    return context


def _make_rules(admin, count: int) -> None:
    from policies import services
    from policies.examples import EXAMPLE_RULES

    for i in range(count):
        example = EXAMPLE_RULES[i % len(EXAMPLE_RULES)]
        services.policy_rule_create(
            acting_user=admin,
            name=f"{example['name']} #{i}",
            expression=f"({example['expression']}) && amount > {float(i)}",
            effect=example["effect"],
            message=example["message"],
            priority=i,
        )


def bench_decision_rules(admin, rule_count: int, iterations: int = 3000) -> list[tuple]:
    from policies.evaluation import current_ruleset, reset_ruleset_cache
    from policies.models import PolicyRule

    rows = []
    context = _context(42)
    for label, count in (("0 rules", 0), (f"{rule_count} rules", rule_count)):
        PolicyRule.objects.all().delete()
        if count:
            _make_rules(admin, count)
        reset_ruleset_cache()
        current_ruleset()  # compile once, as a warm process would have

        def decision_rule_part():
            current_ruleset().evaluate(context)

        median, p95 = _timed(decision_rule_part, iterations)
        eval_median, eval_p95 = _timed(partial(current_ruleset().evaluate, context), iterations)
        start = time.perf_counter()
        reset_ruleset_cache()
        current_ruleset()
        cold_ms = (time.perf_counter() - start) * 1000
        rows.append((label, median, p95, eval_median, eval_p95, cold_ms))
    return rows


def bench_backtest(admin, resolution_count: int) -> list[tuple]:
    from cases.models import Case, Customer, RemedyType, Resolution
    from discretion.decisions.backtest import backtest_run, rule_draft_build
    from discretion.models import User
    from policies.models import PolicyRule

    agents = [
        User.objects.create(username=f"bench{i}", display_name=f"Bench Agent {i}", role="agent")
        for i in range(20)
    ]
    customers = Customer.objects.bulk_create(
        Customer(external_id=f"BENCH-{i:05d}", name=f"Customer {i}") for i in range(200)
    )
    cases = Case.objects.bulk_create(
        Case(subject=f"Case {i}", category="complaint", customer=customers[i % 200])
        for i in range(1000)
    )
    remedies = {r.code: r for r in RemedyType.objects.all()}
    now = timezone.now()
    batch = []
    for i in range(resolution_count):
        context = _context(i)
        amount = Decimal(str(context["amount"])).quantize(Decimal("0.01"))
        cap = Decimal("500.00")
        checks = [
            {
                "name": "per_remedy_max",
                "limit": str(cap),
                "used": "0.00",
                "requested": str(amount),
                "passed": amount <= cap,
            },
            {"name": "per_case_max", "limit": None, "used": "0.00", "requested": str(amount), "passed": True},
            {"name": "daily_max", "limit": "1000.00", "used": "100.00", "requested": str(amount), "passed": True},
            {"name": "monthly_max", "limit": None, "used": "0.00", "requested": str(amount), "passed": True},
            {"name": "policy_rules", "limit": None, "used": "0.00", "requested": str(amount), "passed": True},
        ]  # fmt: skip
        batch.append(
            Resolution(
                case=cases[i % 1000],
                agent=agents[i % 20],
                remedy_type=remedies[context["remedy"]],
                requested_amount=amount,
                amount=amount,
                reason="bench",
                status="applied" if amount <= cap else "pending_approval",
                decision={
                    "outcome": "apply" if amount <= cap else "escalate",
                    "summary": "bench",
                    "checks": checks,
                    "rules": [],
                    "rule_versions": [],
                    "limit_source": "tier",
                    "context": context,
                },
                created_at=now - timedelta(minutes=i * 4 % (29 * 24 * 60)),
            )
        )
        if len(batch) == 2000:
            Resolution.objects.bulk_create(batch)
            batch = []
    Resolution.objects.bulk_create(batch)

    rows = []
    draft = rule_draft_build(
        name="Refunds over 300 go to the returns desk",
        expression="remedy == 'refund' && amount > 300.0",
        effect="require_approval",
    )
    for enabled in (0, PolicyRule.objects.filter(enabled=True).count()):
        if enabled == 0:
            PolicyRule.objects.update(enabled=False, version=models_F("version") + 1)
        else:
            PolicyRule.objects.update(enabled=True, version=models_F("version") + 1)
        start = time.perf_counter()
        report = backtest_run(draft=draft, days=30)
        seconds = time.perf_counter() - start
        rows.append(
            (f"{report['replayed']} resolutions, {enabled} other rules", seconds, report["changed"])
        )
    return rows


def models_F(name):
    from django.db.models import F

    return F(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--resolutions", type=int, default=10_000)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from discretion.models import User

        admin = User.objects.create(username="bench-admin", role="admin", is_superuser=True)
        decision_rows = bench_decision_rules(admin, args.rules)
        backtest_rows = bench_backtest(admin, args.resolutions)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(f"\nDecision, rule part (current_ruleset() + evaluate), {connection.vendor}:")
    print(f"{'':<12}{'median µs':>12}{'p95 µs':>10}{'eval only':>12}{'p95':>8}{'cold ms':>10}")
    for label, median, p95, eval_median, eval_p95, cold in decision_rows:
        print(
            f"{label:<12}{median:>12.0f}{p95:>10.0f}{eval_median:>12.0f}{eval_p95:>8.0f}{cold:>10.1f}"
        )
    base = decision_rows[0][1]
    delta_ms = (decision_rows[-1][1] - base) / 1000
    print(f"200 rules cost {delta_ms:.2f} ms more per decision than none (budget: 5 ms).")
    print("(cold = first decision after a rule change: reload + compile every rule)")
    print("\nBacktest:")
    for label, seconds, changed in backtest_rows:
        print(f"  {label:<45}{seconds:>7.2f} s   ({changed} outcomes change)")


if __name__ == "__main__":
    main()
