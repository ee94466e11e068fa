"""Concurrent splits against one daily cap, with real threads on PostgreSQL: the split
takes the request's locks in the request's order (case, then budget windows), so the
budget invariant holds however many run at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal as D

import pytest
from django.db import connections
from django.db.models import Sum

from cases.models import Resolution
from common.errors import Conflict
from discretion.decisions.combined import resolution_request_split
from discretion.models import BudgetWindow
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_splits_never_spend_past_the_daily_cap():
    agent = factories.UserFactory(role="agent", tier=factories.tier("standard"))
    factories.TrustLimitFactory(
        agent=agent, tier=None, per_remedy_max=D("30.00"), daily_max=D("100.00"), monthly_max=None
    )
    cases = [factories.CaseFactory() for _ in range(8)]
    refund = factories.remedy("refund")
    barrier = threading.Barrier(len(cases))

    def split(i: int) -> str:
        try:
            barrier.wait(timeout=30)
            done = resolution_request_split(
                case_id=cases[i].pk,
                acting_user=agent,
                remedy_type=refund,
                amount=D("50.00"),
                reason=f"split {i}",
            )
            return str(done.applied.amount)
        except Conflict as refusal:
            return refusal.code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        results = list(pool.map(split, range(len(cases))))
    # 30 + 30 + 30 + 10: then nothing is left today, and a split has nothing to apply.
    assert sorted(r for r in results if r != "split_not_possible") == [
        "10.00",
        "30.00",
        "30.00",
        "30.00",
    ]
    applied = Resolution.objects.filter(agent=agent, status="applied", counts_against_budget=True)
    assert applied.aggregate(total=Sum("amount"))["total"] == D("100.00")
    assert BudgetWindow.objects.get(user=agent, period="day").used == D("100.00")
    # Every split that went through left exactly one escalated rest; none half-done.
    assert Resolution.objects.filter(status="pending_approval").count() == 4
