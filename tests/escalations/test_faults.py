"""Faults: SIGKILL gunicorn and Celery workers and restart Redis in the middle of a burst.

The production shape runs on loopback against the test database (``tests/support/faults.py``):
gunicorn with several workers, a Celery worker, Celery beat (the sweeper) and a PRIVATE
redis-server on a free port (the machine's Redis is shared; this test never touches it).
Eight client threads fire 200 resolution requests, paced over about 15 seconds, a mix
of within-limit and over-limit ones, each with an ``Idempotency-Key``; like a real client,
a thread retries on a broken connection, a 5xx or a 409 (key still in flight) with the
SAME key and body. Meanwhile the test SIGKILLs a gunicorn worker, then the Celery worker,
then gunicorn altogether, then Redis (started again empty: every queued message is lost),
then the Celery worker and a gunicorn worker again, restarting each.

Then it checks:
- nothing lost: every request got its 201 in the end, and each 201's resolution exists
  and is the one its key recorded;
- nothing granted twice: exactly one resolution per key, budget windows equal the
  ledger, no agent above the daily cap, case totals equal their applied resolutions;
- nothing left unrouted: within 60 s every pending escalation is routed and assigned
  to a supervisor on call (the sweeper finds those whose message Redis lost).
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connections
from django.db.models import Sum
from django.utils import timezone

from cases.models import Case, Resolution
from discretion.models import BudgetWindow, Escalation, IdempotencyKey, OnCallShift
from tests import factories
from tests.support.auth import api_token
from tests.support.escalations import approval_give
from tests.support.faults import Stack

pytestmark = [
    pytest.mark.faults,
    pytest.mark.timeout(240),
    # Committed data (the servers read it) and, via conftest, the seeds back after a flush.
    pytest.mark.django_db(transaction=True),
]

REQUESTS = 200
THREADS = 8
BURST_SECONDS = 15.0  # requests are released evenly over this long
CLIENT_DEADLINE = 60.0  # every request must have its answer by then
ROUTED_WITHIN = 60.0
DAILY_MAX = D("500.00")
PER_REMEDY_MAX = D("50.00")
AMOUNTS = [D("10.00"), D("20.00"), D("25.00"), D("80.00")]  # 80.00: over per_remedy_max


@dataclass
class Outcome:
    key: str
    agent: int
    case: int
    body: dict
    attempts: int = 0
    status: int | None = None
    data: dict | None = None
    seen: Counter = field(default_factory=Counter)  # what came back on the way


@pytest.fixture
def stack(transactional_db):
    """The running stack; killed after the test, before the database is flushed."""
    services = Stack(web_workers=3)
    try:
        yield services.start()
    finally:
        services.close()


def _fire(stack: Stack, outcome: Outcome, token: str, deadline: float) -> None:
    headers = {"Authorization": f"Token {token}", "Idempotency-Key": outcome.key}
    path = f"/api/v1/cases/{outcome.case}/resolutions/"
    while time.monotonic() < deadline:
        outcome.attempts += 1
        try:
            status, data = stack.http("POST", path, body=outcome.body, headers=headers, timeout=10)
        except (OSError, http.client.HTTPException) as broken:  # reset, refused, timed out
            outcome.seen[type(broken).__name__] += 1
            time.sleep(0.2 + random.random() * 0.3)
            continue
        outcome.seen[status] += 1
        if status >= 500 or status == 409:
            time.sleep(0.2 + random.random() * 0.3)
            continue
        outcome.status, outcome.data = status, data
        return


def _faults(
    stack: Stack, log: list[str], t0: float, done: Callable[[], int], lost: list[int]
) -> None:
    """The fault schedule, by how many requests have had their answer (so every fault
    lands mid-burst however slow the machine is)."""

    def after(answered: int) -> None:
        while done() < answered and time.monotonic() < t0 + CLIENT_DEADLINE:
            time.sleep(0.05)

    def note(what: str) -> None:
        log.append(f"{time.monotonic() - t0:5.1f}s, {done():3d} answered: {what}")

    after(REQUESTS * 10 // 100)
    note(f"SIGKILL gunicorn worker {stack.kill_one_web_worker()}")
    after(REQUESTS * 20 // 100)
    stack.worker.kill()
    note("SIGKILL Celery worker")
    stack.start_worker()
    note("Celery worker back")
    after(REQUESTS * 35 // 100)
    stack.web.kill()
    note("SIGKILL gunicorn master and workers")
    stack.start_web()
    note("gunicorn back")
    after(REQUESTS * 50 // 100)
    killed_at = timezone.now()
    stack.redis.kill()
    note("SIGKILL redis-server (queued messages lost)")
    # Stay down until at least one escalation was committed with no broker to announce it:
    # only the sweeper can route that one.
    started_down = time.monotonic()
    while time.monotonic() - started_down < 10:
        time.sleep(0.25)
        if (
            time.monotonic() - started_down > 1.5
            and Escalation.objects.filter(created_at__gte=killed_at).exists()
        ):
            break
    lost[0] = Escalation.objects.filter(created_at__gte=killed_at).count()
    stack.start_redis()
    note(f"redis-server back, empty; {lost[0]} escalations were created while it was down")
    after(REQUESTS * 70 // 100)
    stack.worker.kill()
    note(f"SIGKILL Celery worker and gunicorn worker {stack.kill_one_web_worker()}")
    stack.start_worker()
    note("Celery worker back")


def test_burst_survives_killed_workers_and_a_redis_restart(stack: Stack):
    standard = factories.tier("standard")
    agents = [factories.UserFactory.create(role="agent", tier=standard) for _ in range(4)]
    factories.TrustLimitFactory.create(
        tier=standard, per_remedy_max=PER_REMEDY_MAX, daily_max=DAILY_MAX, monthly_max=None
    )
    supervisors = [
        factories.UserFactory.create(role="supervisor", tier=factories.tier("senior"))
        for _ in range(2)
    ]
    now = timezone.now()
    for supervisor in supervisors:
        approval_give(supervisor)  # routing assigns only to someone who may approve it
        OnCallShift.objects.create(
            supervisor=supervisor,
            level=1,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=2),
        )
    cases = [factories.CaseFactory.create() for _ in range(20)]
    tokens = {a.pk: api_token(a) for a in agents}

    rng = random.Random(6)
    outcomes = [
        Outcome(
            key=f"burst-{i}",
            agent=agents[i % len(agents)].pk,
            case=rng.choice(cases).pk,
            body={
                "remedy_type": "refund",
                "amount": str(rng.choice(AMOUNTS)),
                "reason": "The parcel arrived three weeks late.",
            },
        )
        for i in range(REQUESTS)
    ]

    t0 = time.monotonic()
    deadline = t0 + CLIENT_DEADLINE
    fault_log: list[str] = []
    fault_errors: list[BaseException] = []

    answered = [0]
    lost = [0]

    def faults() -> None:
        try:
            _faults(stack, fault_log, t0, lambda: answered[0], lost)
        except BaseException as error:  # reported below
            fault_errors.append(error)
        finally:
            connections.close_all()

    next_index = iter(range(REQUESTS))
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                i = next(next_index, None)
            if i is None:
                return
            time.sleep(max(0.0, t0 + i * BURST_SECONDS / REQUESTS - time.monotonic()))
            outcome = outcomes[i]
            _fire(stack, outcome, tokens[outcome.agent], deadline)
            with lock:
                answered[0] += 1

    threads = [threading.Thread(target=faults, name="faults")] + [
        threading.Thread(target=client, name=f"client-{n}") for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=CLIENT_DEADLINE + 60)
    burst_seconds = time.monotonic() - t0
    seen = sum((o.seen for o in outcomes), Counter())
    report = (
        f"burst {burst_seconds:.1f}s, attempts {sum(o.attempts for o in outcomes)}, "
        f"seen {dict(seen)}\n" + "\n".join(fault_log)
    )
    print(report)
    assert not fault_errors, f"{fault_errors!r}\n{report}"
    assert lost[0] >= 1, f"no escalation was created while Redis was down\n{report}"
    assert stack.web.starts >= 2 and stack.worker.starts >= 3 and stack.redis.starts >= 2, report

    # --- nothing lost -----------------------------------------------------------------
    unanswered = [o.key for o in outcomes if o.status is None]
    assert not unanswered, f"no answer in {CLIENT_DEADLINE} s for {unanswered}\n{report}"
    assert all(o.status == 201 for o in outcomes), [
        (o.key, o.status, o.data) for o in outcomes if o.status != 201
    ]
    answers = {o.key: o.data for o in outcomes if o.data is not None}
    assert len(answers) == len(outcomes)
    ids = [answer["id"] for answer in answers.values()]
    resolutions = {r.pk: r for r in Resolution.objects.all()}
    for o in outcomes:
        answer = answers[o.key]
        resolution = resolutions.get(answer["id"])
        assert resolution is not None, f"{o.key}: 201 for resolution {answer['id']}, not stored"
        assert resolution.agent_id == o.agent and resolution.case_id == o.case
        assert resolution.requested_amount == D(o.body["amount"])

    # --- nothing granted twice --------------------------------------------------------
    assert len(set(ids)) == REQUESTS
    assert sorted(resolutions) == sorted(ids), "a resolution no client was told about"
    keys = {k.key: k for k in IdempotencyKey.objects.all()}
    assert set(keys) == {o.key for o in outcomes}
    for o in outcomes:
        assert keys[o.key].state == IdempotencyKey.State.DONE
        stored = keys[o.key].response_body
        assert stored is not None and stored["id"] == answers[o.key]["id"]

    ledger: defaultdict[tuple[object, ...], D] = defaultdict(lambda: D("0.00"))
    for r in resolutions.values():
        if r.counts_against_budget:
            assert r.budget_day is not None
            ledger[(r.agent_id, r.remedy_type_id, "day", r.budget_day)] += r.amount
            ledger[(r.agent_id, r.remedy_type_id, "month", r.budget_day.replace(day=1))] += r.amount
    windows = {
        (w.user_id, w.remedy_type_id, w.period, w.starts_on): w.used
        for w in BudgetWindow.objects.all()
    }
    assert {k: v for k, v in windows.items() if v} == {k: v for k, v in ledger.items() if v}
    for (_, _, period, _), used in windows.items():
        if period == "day":
            assert used <= DAILY_MAX
    statuses = Counter(r.status for r in resolutions.values())
    assert statuses["applied"] > 0 and statuses["pending_approval"] > 0, statuses
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]):
        applied = Resolution.objects.filter(case=case, status="applied").aggregate(
            total=Sum("amount")
        )["total"] or D("0.00")
        assert case.remedies_total == applied

    # --- nothing left unrouted --------------------------------------------------------
    pending = [r.pk for r in resolutions.values() if r.status == "pending_approval"]
    assert Escalation.objects.filter(resolution_id__in=pending, status="pending").count() == len(
        pending
    )
    supervisor_ids = {s.pk for s in supervisors}
    routed_by = time.monotonic() + ROUTED_WITHIN

    def unrouted() -> list:
        return list(
            Escalation.objects.filter(status="pending")
            .exclude(routed_at__isnull=False, assigned_to_id__in=supervisor_ids)
            .values_list("pk", "routed_at", "assigned_to_id")
        )

    left = unrouted()
    while left and time.monotonic() < routed_by:
        time.sleep(0.5)
        left = unrouted()
    assert not left, f"unrouted after {ROUTED_WITHIN} s: {left[:10]}\n{report}\n{stack.beat.tail()}"
    print(f"{len(pending)} escalations routed; {time.monotonic() - t0:.1f}s after the burst began")
