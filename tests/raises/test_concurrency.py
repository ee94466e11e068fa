"""Temporary raises under concurrency, with real threads on PostgreSQL (committed
transactions): two deciders race for one request; many requests spend one budget across
the moment a raise lapses."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connections
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from cases.models import Resolution
from discretion.models import BudgetWindow, LimitRequest
from discretion.raises.services import limit_request_create, limit_request_decide
from tests import factories
from tests.support.auth import api_token

pytestmark = pytest.mark.django_db(transaction=True)


def _fire(n: int, request) -> list:
    barrier = threading.Barrier(n)

    def one(i: int):
        try:
            barrier.wait(timeout=30)
            return request(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def test_two_concurrent_approvals_exactly_one_wins():
    agent = factories.UserFactory(role="agent", tier=factories.tier("standard"))
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("100.00"))
    request = limit_request_create(
        acting_user=agent,
        remedy_type=factories.remedy("refund"),
        reason="The outage week",
        expires_at=timezone.now() + timedelta(days=1),
        per_remedy_max=D("200.00"),
    )
    deciders = [factories.UserFactory(role="supervisor") for _ in range(6)]
    headers = [_client(user)._credentials for user in deciders]

    def decide(i: int):
        client = APIClient()
        client.credentials(**headers[i])
        verb = "approve" if i % 2 == 0 else "deny"
        response = client.post(
            f"/api/v1/limit-requests/{request.pk}/{verb}/", {"note": f"n{i}"}, format="json"
        )
        return response.status_code

    codes = _fire(6, decide)
    assert sorted(codes) == [200, 409, 409, 409, 409, 409]
    decided = LimitRequest.objects.get(pk=request.pk)
    assert decided.status in ("approved", "denied") and decided.version == 1
    decisions = AuditEvent.objects.filter(
        object_type="limit_request", action__in=["limit_request.approve", "limit_request.deny"]
    )
    assert decisions.count() == 1


def test_the_day_total_never_exceeds_the_cap_in_force_across_a_lapse():
    """Base: 50 per remedy, 100 a day. A raise to 200 a day, a few seconds long. 12
    requests of 10.00 spend 120 while it is in force (above the base cap); then 12 threads
    keep asking across the lapse. Each applied amount fitted the cap in force when it was
    applied, the window's ledger is coherent, and after the lapse nothing more applies
    because the day is already past the base cap."""
    agent = factories.UserFactory(role="agent", tier=factories.tier("standard"))
    factories.TrustLimitFactory(
        tier=agent.tier, per_remedy_max=D("50.00"), daily_max=D("100.00"), monthly_max=None
    )
    boss = factories.UserFactory(role="supervisor")
    expires = timezone.now() + timedelta(seconds=8)
    raise_ = limit_request_create(
        acting_user=agent,
        remedy_type=factories.remedy("refund"),
        reason="The outage week",
        expires_at=expires,
        daily_max=D("200.00"),
    )
    limit_request_decide(acting_user=boss, limit_request_id=raise_.pk, approve=True)
    headers = _client(agent)._credentials
    cases = [factories.CaseFactory() for _ in range(24)]

    def resolve(case) -> str:
        client = APIClient()
        client.credentials(**headers)
        response = client.post(
            f"/api/v1/cases/{case.pk}/resolutions/",
            {"remedy_type": "refund", "amount": "10.00", "reason": "outage"},
            format="json",
        )
        assert response.status_code == 201, response.content
        return response.json()["status"]

    # While the raise is in force: 120 > the base 100, all within 200.
    assert _fire(12, lambda i: resolve(cases[i])) == ["applied"] * 12
    assert timezone.now() < expires

    def straddle(i: int) -> list[str]:
        # Each thread asks again and again from a little before the lapse to after it.
        statuses = []
        while timezone.now() < expires + timedelta(seconds=1):
            statuses.append(resolve(cases[12 + i]))
            time.sleep(0.1)
        return statuses

    while timezone.now() < expires - timedelta(seconds=1):
        time.sleep(0.05)
    results = [status for statuses in _fire(12, straddle) for status in statuses]

    applied = list(
        Resolution.objects.filter(agent=agent, status="applied", counts_against_budget=True)
    )
    total = sum((r.amount for r in applied), D("0.00"))
    day = BudgetWindow.objects.get(user=agent, period="day")
    assert day.used == total <= D("200.00")
    assert day.cap is not None and day.used <= day.cap
    assert results.count("applied") == len(applied) - 12
    later = [
        r for r in Resolution.objects.filter(agent=agent) if r.decision["limit_source"] == "tier"
    ]
    assert later, "some requests were decided after the lapse"
    assert all(r.status == "pending_approval" for r in later)
    # Each applied amount fitted the cap in force when it was applied, and the spends
    # form one ledger: 0, 10, 20, … with no two reading the same "used".
    befores = []
    for resolution in applied:
        assert resolution.decision["limit_source"] == "temporary"
        daily = next(c for c in resolution.decision["checks"] if c["name"] == "daily_max")
        assert D(daily["used"]) + resolution.amount <= D(daily["limit"]) == D("200.00")
        befores.append(D(daily["used"]))
    assert sorted(befores) == [D(10) * k for k in range(len(applied))]
