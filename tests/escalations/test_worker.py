"""The supervisor queue through a REAL Celery worker (tests/support/worker.py) on Redis and
PostgreSQL, with committed transactions: routing on commit, timeouts, the sweeper, a
worker killed mid-task, duplicate deliveries."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections, transaction

from discretion.models import Escalation, Notification
from tests import factories
from tests.support.escalations import on_call, open_escalation
from tests.support.worker import wait_for

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]


def fresh(escalation):
    return Escalation.objects.get(pk=escalation.pk)


def events(escalation):
    return list(escalation.history.order_by("at", "id").values_list("event", "level"))


def test_routed_within_two_seconds_by_the_on_commit_task_alone(worker_factory):
    # No beat: only the task enqueued on commit can route it.
    worker = worker_factory(beat=False)
    worker.purge()
    worker.start()
    boss = factories.UserFactory(role="supervisor")
    on_call(boss)
    escalation = open_escalation()
    started = time.monotonic()
    wait_for(lambda: fresh(escalation).routed_at, timeout=2)
    assert time.monotonic() - started < 2
    escalation = fresh(escalation)
    assert escalation.assigned_to == boss and escalation.level == 1
    note = wait_for(
        lambda: Notification.objects.filter(recipient=boss, emailed_at__isnull=False).first(),
        timeout=5,
    )
    assert note.kind == "escalation_assigned"
    assert "Approval needed" in worker.log()  # the console e-mail backend printed it


def test_levels_time_out_nobody_on_call_is_skipped_and_overdue_notifies_admins(celery_worker):
    factories.EscalationPolicyFactory(
        levels=[
            {"level": 1, "timeout_seconds": 1},
            {"level": 2, "timeout_seconds": 1},
            {"level": 3, "timeout_seconds": 1},
        ]
    )
    first, third = (factories.UserFactory(role="supervisor") for _ in range(2))
    admins = [factories.UserFactory(role="admin") for _ in range(2)]
    on_call(first, level=1)
    on_call(third, level=3)  # nobody at level 2
    escalation = open_escalation()

    wait_for(lambda: fresh(escalation).assigned_to_id == first.pk, timeout=2)
    routed = time.monotonic()
    wait_for(lambda: fresh(escalation).assigned_to_id == third.pk, timeout=5)
    assert time.monotonic() - routed < 1 + 5
    wait_for(lambda: fresh(escalation).overdue, timeout=5)
    time.sleep(1)  # more sweeps: nothing more happens
    escalation = fresh(escalation)
    assert escalation.level == 3 and escalation.assigned_to == third
    assert events(escalation) == [
        ("created", 1),
        ("assigned", 1),
        ("skipped_no_oncall", 2),
        ("escalated", 3),
        ("overdue", 3),
    ]
    overdue = Notification.objects.filter(escalation=escalation, kind="escalation_overdue")
    assert sorted(overdue.values_list("recipient_id", flat=True)) == [a.pk for a in admins]


def test_sweeper_routes_an_escalation_whose_message_never_reached_a_worker(worker_factory):
    boss = factories.UserFactory(role="supervisor")
    on_call(boss)
    escalation = open_escalation()  # committed while no worker runs
    worker = worker_factory()
    assert worker.purge() >= 1  # the routing message is lost
    worker.start()
    wait_for(lambda: fresh(escalation).routed_at, timeout=5)
    assert fresh(escalation).assigned_to == boss
    assert [e for e, _ in events(escalation)] == ["created", "assigned"]


def test_worker_killed_mid_task_loses_nothing(worker_factory):
    boss = factories.UserFactory(role="supervisor")
    on_call(boss)
    worker = worker_factory(beat=False)
    worker.purge()
    worker.start()

    # Hold the escalation's row lock from another connection so the routing task blocks
    # in the middle of its transaction; then SIGKILL the worker there.
    locked, release = threading.Event(), threading.Event()
    holder: dict = {}

    def hold_lock(escalation_id):
        with transaction.atomic():
            Escalation.objects.select_for_update().get(pk=escalation_id)
            locked.set()
            release.wait(20)
        connections.close_all()

    with transaction.atomic():
        escalation = open_escalation()
        # Take the lock as soon as this commits, before the worker's UPDATE.
        holder["thread"] = threading.Thread(target=hold_lock, args=(escalation.pk,))
        transaction.on_commit(holder["thread"].start, robust=False)
    # on_commit callbacks run in order: the lock thread starts after the enqueue.
    assert locked.wait(5)
    wait_for(lambda: "discretion.route_escalation" in worker.log(), timeout=5)
    time.sleep(0.5)  # the task is now waiting on the row lock
    worker.kill()
    release.set()
    holder["thread"].join()
    assert fresh(escalation).routed_at is None  # the half-done move rolled back

    worker = worker_factory()  # with the sweeper
    worker.start()
    wait_for(lambda: fresh(escalation).routed_at, timeout=5)
    time.sleep(1)
    assert [e for e, _ in events(escalation)] == ["created", "assigned"]
    assert Notification.objects.filter(escalation=escalation).count() == 1


def test_duplicate_deliveries_are_harmless(celery_worker):
    from discretion.escalations.tasks import route_escalation, sweep_escalations

    bosses = [factories.UserFactory(role="supervisor") for _ in range(2)]
    for boss in bosses:
        on_call(boss)
    escalation = open_escalation()
    for _ in range(5):
        route_escalation.delay(escalation.pk)
        sweep_escalations.delay()
    wait_for(lambda: fresh(escalation).routed_at, timeout=3)
    time.sleep(1.5)
    assert [e for e, _ in events(escalation)] == ["created", "assigned"]
    assert Notification.objects.filter(escalation=escalation).count() == 1
    assert fresh(escalation).version == 1


def test_over_limit_request_through_the_api_end_to_end(celery_worker, api):
    from decimal import Decimal

    agent = factories.UserFactory(role="agent")
    factories.TrustLimitFactory(agent=agent, per_remedy_max=Decimal("50.00"))
    boss = factories.UserFactory(role="supervisor")
    factories.TrustLimitFactory(
        agent=boss, per_remedy_max=Decimal("50.00"), approval_max=Decimal("500.00")
    )
    on_call(boss)
    case = factories.CaseFactory()

    response = api.as_user(agent).post(
        f"/api/v1/cases/{case.pk}/resolutions/",
        {"remedy_type": "refund", "amount": "150.00", "reason": "Jacket leaks in light rain."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending_approval" and body["escalation"]["status"] == "pending"
    escalation_id = body["escalation"]["id"]
    started = time.monotonic()
    wait_for(
        lambda: api.get(f"/api/v1/resolutions/{body['id']}/").json()["escalation"]["assigned_to"],
        timeout=2,
    )
    assert time.monotonic() - started < 2

    client = api.as_user(boss)
    queue = client.get("/api/v1/escalations/?status=pending&assigned_to=me").json()
    assert [e["id"] for e in queue["results"]] == [escalation_id]
    approved = client.post(
        f"/api/v1/escalations/{escalation_id}/approve/",
        {"amount": "120.00", "note": "Goodwill for a loyal customer"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="approve-1",
    )
    assert approved.status_code == 200, approved.json()
    resolution = api.as_user(agent).get(f"/api/v1/resolutions/{body['id']}/").json()
    assert resolution["status"] == "applied" and resolution["amount"] == "120.00"
    assert api.get(f"/api/v1/cases/{case.pk}/").json()["remedies_total"] == "120.00"
    told = api.get("/api/v1/notifications/?unread=true").json()["results"]
    assert told[0]["kind"] == "escalation_approved"
    assert "Goodwill for a loyal customer" in told[0]["body"]
    kinds = [e["kind"] for e in api.get(f"/api/v1/cases/{case.pk}/timeline/").json()["results"]]
    assert {"escalation_created", "escalation_assigned", "escalation_approved"} <= set(kinds)
