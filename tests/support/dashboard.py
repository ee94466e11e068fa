"""A known history for the dashboard: its metrics (tests/dashboard/) and its page
(tests/web/test_dashboard.py) are checked on the same data."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from discretion.decisions.services import resolution_request
from discretion.escalations.services import escalation_decide
from discretion.models import Escalation
from policies.services import policy_rule_create
from tests import factories


def ask(user, amount: str, *, category: str = "complaint"):
    """A refund of ``amount`` on a new case, through the real decision service."""
    return resolution_request(
        case_id=factories.CaseFactory.create(category=category).pk,
        acting_user=user,
        remedy_type=factories.remedy("refund"),
        amount=Decimal(amount),
        reason="Known data.",
    )


def dashboard_history():
    """7 requests: 3 applied, 3 escalated (1 approved lowered, 1 late, 1 overdue), 1 denied
    by a rule. Refund caps: 1000 + 500 + 2000 a month."""
    alice = factories.UserFactory.create(role="agent")
    factories.TrustLimitFactory.create(
        agent=alice, per_remedy_max=Decimal("100.00"), monthly_max=Decimal("1000.00")
    )
    bob = factories.UserFactory.create(role="agent")
    factories.TrustLimitFactory.create(
        agent=bob, per_remedy_max=Decimal("10.00"), monthly_max=Decimal("500.00")
    )
    boss = factories.UserFactory.create(role="supervisor")
    factories.TrustLimitFactory.create(
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
