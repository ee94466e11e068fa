"""budget_spend: both windows move together, or neither does."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from cases.models import RemedyType
from discretion.models import BudgetWindow
from discretion.trust.budgets import BudgetExceeded, budget_spend
from discretion.trust.locks import budget_windows_lock
from tests import factories

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 24)


def used(user, refund) -> tuple[Decimal, Decimal]:
    rows = {w.period: w.used for w in BudgetWindow.objects.filter(user=user, remedy_type=refund)}
    return rows["day"], rows["month"]


def spend(user, refund, amount, daily_max, monthly_max):
    with transaction.atomic():
        windows = budget_windows_lock(user=user, remedy_type=refund, day=DAY)
        budget_spend(
            windows=windows,
            amount=Decimal(amount),
            daily_max=None if daily_max is None else Decimal(daily_max),
            monthly_max=None if monthly_max is None else Decimal(monthly_max),
        )


def test_both_windows_take_the_amount_and_record_their_caps():
    user, refund = factories.UserFactory(), RemedyType.objects.get(code="refund")
    spend(user, refund, "30.00", "100.00", None)
    spend(user, refund, "70.00", "100.00", None)
    assert used(user, refund) == (Decimal("100.00"), Decimal("100.00"))
    caps = {w.period: w.cap for w in BudgetWindow.objects.filter(user=user, remedy_type=refund)}
    assert caps == {"day": Decimal("100.00"), "month": None}


@pytest.mark.parametrize(("daily_max", "monthly_max"), [("50.00", "1000.00"), ("1000.00", "50.00")])
def test_no_room_in_either_window_moves_neither(daily_max, monthly_max):
    user, refund = factories.UserFactory(), RemedyType.objects.get(code="refund")
    spend(user, refund, "40.00", daily_max, monthly_max)
    with pytest.raises(BudgetExceeded):
        spend(user, refund, "20.00", daily_max, monthly_max)
    assert used(user, refund) == (Decimal("40.00"), Decimal("40.00"))


def test_no_cap_at_all_spends_and_records_no_cap():
    user, refund = factories.UserFactory(), RemedyType.objects.get(code="refund")
    spend(user, refund, "500.00", None, None)
    assert used(user, refund) == (Decimal("500.00"), Decimal("500.00"))
    caps = {w.period: w.cap for w in BudgetWindow.objects.filter(user=user, remedy_type=refund)}
    assert caps == {"day": None, "month": None}
