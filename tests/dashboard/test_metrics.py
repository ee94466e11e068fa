"""Dashboard metrics on known data (discretion.dashboard.selectors) and the /dashboard/ page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from discretion.dashboard.selectors import dashboard_metrics
from discretion.decisions.services import resolution_request
from discretion.escalations.services import escalation_decide
from discretion.models import Escalation
from policies.services import policy_rule_create
from tests import factories

pytestmark = pytest.mark.django_db


def ask(user, amount: str, *, category: str = "complaint"):
    return resolution_request(
        case_id=factories.CaseFactory(category=category).pk,
        acting_user=user,
        remedy_type=factories.remedy("refund"),
        amount=Decimal(amount),
        reason="Known data.",
    )


@pytest.fixture
def history():
    """7 requests: 3 applied, 3 escalated (1 approved lowered, 1 late, 1 overdue), 1 denied
    by a rule. Refund caps: 1000 + 500 + 2000 a month."""
    alice = factories.UserFactory(role="agent")
    factories.TrustLimitFactory(
        agent=alice, per_remedy_max=Decimal("100.00"), monthly_max=Decimal("1000.00")
    )
    bob = factories.UserFactory(role="agent")
    factories.TrustLimitFactory(
        agent=bob, per_remedy_max=Decimal("10.00"), monthly_max=Decimal("500.00")
    )
    boss = factories.UserFactory(role="supervisor")
    factories.TrustLimitFactory(
        agent=boss,
        per_remedy_max=Decimal("100.00"),
        monthly_max=Decimal("2000.00"),
        approval_max=Decimal("1000.00"),
    )
    policy_rule_create(
        acting_user=None,
        name="No crisis refunds",
        expression='case.category == "crisis"',
        effect="deny",
        message="Crisis refunds go through legal.",
    )
    for amount in ("20.00", "30.00", "50.00"):
        ask(alice, amount)
    approved = ask(alice, "150.00").escalation
    late = ask(alice, "200.00").escalation
    overdue = ask(bob, "50.00").escalation
    rejected = ask(alice, "10.00", category="crisis")
    assert rejected.status == "rejected"

    escalation_decide(
        acting_user=boss, escalation_id=approved.pk, approve=True, amount=Decimal("120.00")
    )
    now = timezone.now()
    Escalation.objects.filter(pk=approved.pk).update(
        created_at=now - timedelta(minutes=10), decided_at=now
    )
    Escalation.objects.filter(pk=late.pk).update(due_at=now - timedelta(minutes=1))
    Escalation.objects.filter(pk=overdue.pk).update(overdue=True, due_at=now - timedelta(hours=1))
    return {"alice": alice, "bob": bob, "boss": boss}


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


def test_dashboard_page_shows_charts_and_numbers(history):
    client = Client()
    client.force_login(history["boss"])
    html = client.get("/dashboard/").content.decode()
    assert html.count('role="img"') == 4  # four SVG charts, each labelled
    assert "<title" in html and "<desc" in html
    assert "43%" in html  # autonomy 3 of 7
    assert "3 of 7 resolutions applied without escalation" in html
    assert "10m 0s" in html  # median time to decision
    assert "1 past the last level · 1 pending past due" in html
    assert "$100.00" in html and "$120.00" in html and "$3,500.00" in html
    assert "Rule: No crisis refunds" in html
