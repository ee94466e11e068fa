"""Dashboard metrics on known data (discretion.dashboard.selectors).

The /dashboard/ page on the same data is in tests/web/test_dashboard.py."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from discretion.dashboard.selectors import dashboard_metrics
from discretion.models import Escalation
from tests.support.dashboard import ask, dashboard_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    return dashboard_history()


def test_metrics_on_known_data(history, django_assert_num_queries):
    with django_assert_num_queries(8):
        m = dashboard_metrics()
    assert (m.resolutions, m.autonomous) == (7, 3)
    assert m.autonomy_rate == pytest.approx(3 / 7)
    assert (m.escalations, m.decided, m.pending) == (3, 1, 2)
    assert m.median_decision_seconds == pytest.approx(600, abs=1)
    assert (m.overdue, m.late_pending, m.sla_breaches) == (1, 1, 2)
    today = m.days[-1]
    assert (today.total, today.autonomous, today.escalated, today.rejected) == (7, 3, 3, 1)
    assert len(m.days) == 30 and sum(d.total for d in m.days[:-1]) == 0
    refund = next(row for row in m.spend if row.remedy_type.code == "refund")
    assert (refund.own, refund.approved) == (Decimal("100.00"), Decimal("120.00"))
    assert refund.monthly_caps == Decimal("3500.00") and refund.uncapped_users == 0
    assert refund.share_of_caps == pytest.approx(100 / 3500)
    assert dict(m.failing) == {"Per-remedy cap": 3, "Rule: No crisis refunds": 1}


def test_old_history_falls_out_of_the_window(history):
    from cases.models import Resolution

    Resolution.objects.update(created_at=timezone.now() - timedelta(days=45))
    Escalation.objects.update(created_at=timezone.now() - timedelta(days=45))
    m = dashboard_metrics()
    assert (m.resolutions, m.escalations, m.failing) == (0, 0, [])
    assert m.autonomy_rate is None and m.median_decision_seconds is None


def test_query_count_does_not_grow_with_history(history, django_assert_num_queries):
    for _ in range(10):
        ask(history["alice"], "5.00")
        ask(history["bob"], "40.00")
    with django_assert_num_queries(8):
        m = dashboard_metrics()
    assert m.resolutions == 27
