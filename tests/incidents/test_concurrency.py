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
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[i]}")
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
