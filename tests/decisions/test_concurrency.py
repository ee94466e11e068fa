"""Concurrent requests against one budget, with real threads on PostgreSQL.

Each thread has its own database connection (its own PostgreSQL backend), so this is
what many app servers hitting one database look like. A plain TestCase would hide a
missing lock: these run in committed transactions (transaction=True).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal as D

import pytest
from django.db import connections
from django.db.models import Sum
from rest_framework.test import APIClient

from cases.models import Case, Resolution
from discretion.models import BudgetWindow
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


def _client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def test_forty_concurrent_requests_against_a_daily_cap_apply_exactly_ten():
    agent = factories.UserFactory(role="agent", tier=factories.tier("standard"))
    factories.TrustLimitFactory(
        tier=agent.tier, per_remedy_max=D("50.00"), daily_max=D("100.00"), monthly_max=None
    )
    cases = [factories.CaseFactory() for _ in range(40)]
    token_client = _client_for(agent)
    headers = token_client._credentials

    def request(i: int):
        client = APIClient()
        client.credentials(**headers)
        response = client.post(
            f"/api/v1/cases/{cases[i].pk}/resolutions/",
            {"remedy_type": "refund", "amount": "10.00", "reason": f"late parcel {i}"},
            format="json",
        )
        return response.status_code, response.json()["status"]

    results = _fire(40, request)
    assert all(code == 201 for code, _ in results)
    statuses = [status for _, status in results]
    assert statuses.count("applied") == 10
    assert statuses.count("pending_approval") == 30
    applied = Resolution.objects.filter(agent=agent, status="applied", counts_against_budget=True)
    assert applied.aggregate(total=Sum("amount"))["total"] == D("100.00")
    day = BudgetWindow.objects.get(user=agent, period="day")
    assert day.used == D("100.00")
    assert day.cap == D("100.00")


def test_concurrent_requests_on_one_case_respect_the_per_case_cap():
    agents = [factories.UserFactory(role="agent", tier=factories.tier("senior")) for _ in range(12)]
    factories.TrustLimitFactory(
        tier=factories.tier("senior"), per_remedy_max=D("100.00"), per_case_max=D("75.00")
    )
    case = factories.CaseFactory()

    from discretion.decisions.services import resolution_request

    refund = factories.remedy("refund")

    def request(i: int):
        return resolution_request(
            case_id=case.pk,
            acting_user=agents[i],
            remedy_type=refund,
            amount=D("25.00"),
            reason="outage credit",
        ).status

    statuses = _fire(12, request)
    assert statuses.count("applied") == 3
    case = Case.objects.get(pk=case.pk)
    assert case.remedies_total == D("75.00")


def test_the_database_refuses_a_window_above_its_cap():
    """The CHECK constraint is the last line behind the locks."""
    from django.db import IntegrityError, transaction

    agent = factories.UserFactory()
    window = factories.BudgetWindowFactory(user=agent, used=D("90.00"), cap=D("100.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetWindow.objects.filter(pk=window.pk).update(used=D("100.01"))
