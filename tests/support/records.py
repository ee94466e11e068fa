"""A known track record, built with factories, for tests/records/ and the My record
browser test: one request in every bucket the record counts, plus rows that must NOT
count (another agent's, older than the window, a disabled remedy type, a pending
review)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from discretion.models import User
from tests import factories


@dataclass
class History:
    agent: User
    other: User
    boss: User


def _request(agent, status: str, requested: str, *, amount: str | None = None, **extra):
    return factories.ResolutionFactory(
        agent=agent,
        status=status,
        requested_amount=Decimal(requested),
        amount=Decimal(amount or requested),
        counts_against_budget=status == "applied" and not extra.pop("approved", False),
        applied_at=timezone.now() if status == "applied" else None,
        **extra,
    )


def _escalate(resolution, status: str, boss):
    return factories.EscalationFactory(
        resolution=resolution,
        status=status,
        decided_by=None if status == "pending" else boss,
        decided_at=None if status == "pending" else timezone.now(),
    )


def _review(resolution, verdict: str, boss, note: str = ""):
    return factories.ReviewFactory(
        resolution=resolution,
        status="done",
        verdict=verdict,
        note=note,
        reviewer=boss,
        done_at=timezone.now(),
    )


def build_history() -> History:
    agent = factories.UserFactory.create(role="agent", tier=factories.tier("standard"))
    other = factories.UserFactory.create(role="agent", tier=factories.tier("standard"))
    boss = factories.UserFactory.create(role="supervisor", display_name="Pam Boss")
    refund = factories.remedy("refund")
    credit = factories.remedy("store_credit")
    long_ago = timezone.now() - timedelta(days=100)

    # Refund: 3 applied on own authority (20 + 30 + 50), 4 escalated (1 pending, 1 approved
    # as asked, 1 approved lower, 1 denied), 1 rejected by a rule.
    good = _request(agent, "applied", "20.00", remedy_type=refund)
    coached = _request(agent, "applied", "30.00", remedy_type=refund)
    pending_review = _request(agent, "applied", "50.00", remedy_type=refund)
    _escalate(_request(agent, "pending_approval", "150.00", remedy_type=refund), "pending", boss)
    _escalate(
        _request(agent, "applied", "200.00", remedy_type=refund, approved=True), "approved", boss
    )
    _escalate(
        _request(agent, "applied", "300.00", amount="120.00", remedy_type=refund, approved=True),
        "approved",
        boss,
    )
    _escalate(_request(agent, "denied", "400.00", remedy_type=refund), "denied", boss)
    _request(agent, "rejected", "10.00", remedy_type=refund)
    _review(good, "good_call", boss)
    _review(coached, "coach", boss, note="Offer the replacement before the refund.")
    factories.ReviewFactory(resolution=pending_review)  # pending: not counted

    # Store credit: 2 applied (15 + 25), one above and beyond, one policy gap.
    star = _request(agent, "applied", "15.00", remedy_type=credit)
    gap = _request(agent, "applied", "25.00", remedy_type=credit)
    _review(star, "above_and_beyond", boss)
    _review(gap, "policy_gap", boss, note="The policy does not cover split shipments.")

    # Outside the 90-day window (inside 365 days): one applied refund of 99 and its review.
    old = _request(agent, "applied", "99.00", remedy_type=refund, created_at=long_ago)
    _review(old, "good_call", boss)
    # Another agent's request, and a disabled remedy type's: never counted.
    _request(other, "applied", "70.00", remedy_type=refund)
    disabled = factories.RemedyTypeFactory(code="old_voucher", enabled=False)
    _request(agent, "applied", "5.00", remedy_type=disabled)

    # Recognitions: 2 in the window (one for a case), 1 older, 1 for someone else.
    factories.RecognitionFactory(
        agent=agent, from_user=boss, note="Saved the Henderson account.", resolution=star
    )
    factories.RecognitionFactory(agent=agent, from_user=other, note="Thanks for covering.")
    factories.RecognitionFactory(agent=agent, from_user=boss, created_at=long_ago)
    factories.RecognitionFactory(agent=other, from_user=boss)
    return History(agent=agent, other=other, boss=boss)
