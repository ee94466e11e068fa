"""Concurrent requests under one incident budget, with real threads on PostgreSQL (each
thread its own connection; committed transactions, as many app servers would)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal as D

import pytest
from django.db import connections
from django.db.models import Sum
from rest_framework.test import APIClient

from cases.models import Resolution
from discretion.models import BudgetWindow, Incident
from tests import factories
from tests.support.auth import api_token

pytestmark = pytest.mark.django_db(transaction=True)

N = 12
K = 5  # the budget fits five refunds of 40.00


def _client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_concurrent_requests_of_different_agents_apply_exactly_what_the_budget_fits():
    incident = factories.IncidentFactory(budget=D("200.00"))
    factories.IncidentRemedyFactory(incident=incident, per_remedy_max=D("60.00"))
    agents = [factories.UserFactory(role="agent", tier=factories.tier("new")) for _ in range(N)]
    factories.TrustLimitFactory(tier=factories.tier("new"), per_remedy_max=D("25.00"))
    cases = [factories.IncidentCaseFactory(incident=incident).case for _ in range(N)]
    tokens = [api_token(agent) for agent in agents]
    barrier = threading.Barrier(N)

    def one(i: int):
        try:
            client = _client(tokens[i])
            barrier.wait(timeout=30)
            response = client.post(
                f"/api/v1/cases/{cases[i].pk}/resolutions/",
                {"remedy_type": "refund", "amount": "40.00", "reason": f"outage {i}"},
                format="json",
            )
            return response.status_code, response.json()["status"]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=N) as pool:
        results = list(pool.map(one, range(N)))
    assert all(code == 201 for code, _ in results), results
    statuses = [status for _, status in results]
    assert statuses.count("applied") == K
    assert statuses.count("pending_approval") == N - K
    incident.refresh_from_db()
    applied = Resolution.objects.filter(status="applied", decision__incident=incident.pk)
    assert incident.spent == applied.aggregate(total=Sum("amount"))["total"] == D("200.00")
    assert not BudgetWindow.objects.filter(used__gt=0).exists()
    assert Incident.objects.filter(pk=incident.pk, spent__lte=D("200.00")).exists()


def test_ending_while_requests_decide_neither_deadlocks_nor_grants_after_the_end():
    """The lock order (cases before the incident, docs/concurrency.md): requests, links
    and an End now racing each other all answer (no deadlock, no 500), the budget equals
    what was paid, and once ended nothing more is paid."""
    incident = factories.IncidentFactory(budget=D("1000.00"))
    factories.IncidentRemedyFactory(incident=incident, per_remedy_max=D("60.00"))
    supervisor = factories.UserFactory(role="supervisor")
    agents = [factories.UserFactory(role="agent", tier=factories.tier("new")) for _ in range(6)]
    cases = [factories.IncidentCaseFactory(incident=incident).case for _ in range(6)]
    spare = [factories.CaseFactory() for _ in range(2)]
    tokens = [api_token(agent) for agent in agents] + [api_token(supervisor)] * 3
    barrier = threading.Barrier(9)

    def one(i: int):
        try:
            client = _client(tokens[i])
            barrier.wait(timeout=30)
            if i < 6:
                return client.post(
                    f"/api/v1/cases/{cases[i].pk}/resolutions/",
                    {"remedy_type": "refund", "amount": "50.00", "reason": "outage"},
                    format="json",
                ).status_code
            if i < 8:
                return client.post(
                    f"/api/v1/incidents/{incident.pk}/cases/",
                    {"cases": [spare[i - 6].pk, cases[i - 6].pk]},
                    format="json",
                ).status_code
            return client.post(f"/api/v1/incidents/{incident.pk}/end/").status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=9) as pool:
        codes = list(pool.map(one, range(9)))
    assert codes[:6] == [201] * 6 and codes[8] == 200, codes
    assert all(code in (200, 201, 409) for code in codes[6:8]), codes
    incident.refresh_from_db()
    assert incident.status == "ended"
    paid = Resolution.objects.filter(status="applied", decision__incident=incident.pk)
    assert incident.spent == (paid.aggregate(total=Sum("amount"))["total"] or D("0.00"))
    # Each request was decided wholly before the end or wholly after it; after, it escalates.
    after = _client(tokens[0]).post(
        f"/api/v1/cases/{cases[0].pk}/resolutions/",
        {"remedy_type": "refund", "amount": "50.00", "reason": "outage, later"},
        format="json",
    )
    assert after.json()["status"] == "pending_approval"
