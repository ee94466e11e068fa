"""Limit requests through a REAL Celery worker (tests/support/worker.py) on Redis and
PostgreSQL, with committed transactions: routed on commit to the on-call supervisor like
an escalation, moved up when a level times out, and flipped to expired by beat."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from discretion.models import LimitRequest, Notification
from discretion.raises.services import limit_request_create, limit_request_decide
from tests import factories
from tests.support.escalations import on_call
from tests.support.worker import wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _agent():
    agent = factories.UserFactory(role="agent", tier=factories.tier("standard"))
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("100.00"))
    return agent


def _ask(agent, *, seconds=3600):
    return limit_request_create(
        acting_user=agent,
        remedy_type=factories.remedy("refund"),
        reason="The outage week",
        expires_at=timezone.now() + timedelta(seconds=seconds),
        per_remedy_max=D("200.00"),
    )


def fresh(request):
    return LimitRequest.objects.get(pk=request.pk)


def test_the_routing_task_assigns_it_on_commit(worker_factory):
    # No beat: only the task enqueued on commit can route it.
    worker = worker_factory(beat=False)
    worker.purge()
    worker.start()
    boss = factories.UserFactory(role="supervisor")
    on_call(boss)
    agent = _agent()
    request = _ask(agent)
    wait_for(lambda: fresh(request).routed_at, timeout=5)
    routed = fresh(request)
    assert (routed.assigned_to_id, routed.level, routed.version) == (boss.pk, 1, 1)
    assert routed.due_at is not None
    note = wait_for(
        lambda: Notification.objects.filter(recipient=boss, emailed_at__isnull=False).first(),
        timeout=5,
    )
    assert note.kind == "limit_request_assigned"
    assert note.link == "/queue/"
    assert "asks: refund limit $100.00 → $200.00" in note.title


def test_the_sweeper_routes_moves_up_and_beat_flips_lapsed_ones_to_expired(celery_worker):
    factories.EscalationPolicyFactory(
        levels=[{"level": 1, "timeout_seconds": 1}, {"level": 2, "timeout_seconds": 600}]
    )
    first, second = (factories.UserFactory(role="supervisor") for _ in range(2))
    on_call(first, level=1)
    on_call(second, level=2)
    agent = _agent()
    # A row whose routing message never reached a worker: the sweeper routes it, then
    # moves it up to level 2 when level 1's second runs out.
    lost = factories.LimitRequestFactory(
        requester=agent,
        policy_levels=[{"level": 1, "timeout_seconds": 1}, {"level": 2, "timeout_seconds": 600}],
    )
    wait_for(lambda: fresh(lost).assigned_to_id == second.pk, timeout=8)
    assert fresh(lost).level == 2
    assert Notification.objects.filter(recipient=first, kind="limit_request_assigned").count() == 1

    approved, denied, pending = (_ask(agent, seconds=2) for _ in range(3))
    limit_request_decide(acting_user=second, limit_request_id=approved.pk, approve=True)
    limit_request_decide(acting_user=second, limit_request_id=denied.pk, approve=False, note="no")
    wait_for(lambda: fresh(approved).status == "expired", timeout=8)
    wait_for(lambda: fresh(pending).status == "expired", timeout=3)
    assert fresh(denied).status == "denied"
    assert fresh(approved).decided_by_id == second.pk  # who approved it is kept
    assert fresh(lost).status == "pending"
