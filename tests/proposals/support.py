"""A decided escalation history, for the proposer's tests."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from tests import factories


def decided(
    agent,
    *,
    unchanged: int = 0,
    lowered: int = 0,
    denied: int = 0,
    amount: str = "80.00",
    remedy_code: str = "refund",
    approver=None,
):
    """``unchanged`` + ``lowered`` + ``denied`` escalations of the agent, decided now."""
    approver = approver or factories.UserFactory(role="supervisor")
    remedy = factories.remedy(remedy_code)
    requested = Decimal(amount)
    rows = [("approved", requested)] * unchanged
    rows += [("approved", requested / 2)] * lowered
    rows += [("denied", requested)] * denied
    made = []
    for status, granted in rows:
        resolution = factories.ResolutionFactory(
            agent=agent,
            remedy_type=remedy,
            requested_amount=requested,
            amount=granted,
            status="applied" if status == "approved" else "denied",
            # Escalated as the decision service records it: over the per-remedy cap.
            decision={
                "outcome": "escalate",
                "summary": "Goes to a supervisor.",
                "checks": [
                    {
                        "name": "per_remedy_max",
                        "limit": "50.00",
                        "used": "0.00",
                        "requested": str(requested),
                        "passed": False,
                    }
                ],
                "rules": [],
            },
        )
        made.append(
            factories.EscalationFactory(
                resolution=resolution,
                status=status,
                decided_by=approver,
                decided_at=timezone.now(),
            )
        )
    return made
