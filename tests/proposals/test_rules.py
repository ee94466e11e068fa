"""Who earns a limit proposal, and how much: the thresholds at their edges, coaching,
non-monetary remedies, never lower; the formula (discretion.proposals.rules)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from discretion.models import LimitProposal
from discretion.proposals.rules import Evidence, nice_up, percentile_90, proposed_limit
from discretion.proposals.services import limit_proposals_open
from tests import factories
from tests.proposals.support import decided

D = Decimal


def evidence(decided_: int, unchanged: int, coach: int = 0) -> Evidence:
    return Evidence(
        escalations_decided=decided_,
        approved_unchanged=unchanged,
        approved_lowered=decided_ - unchanged,
        denied=0,
        coach_reviews=coach,
        max_approved=D("80"),
        p90_approved=D("80"),
    )


@pytest.mark.parametrize(
    "decided_, unchanged, coach, earns",
    [
        (9, 9, 0, False),  # 9 decided: too few
        (10, 10, 0, True),
        (10, 9, 0, True),  # exactly 90%
        (100, 89, 0, False),  # 89%
        (100, 90, 0, True),
        (20, 20, 1, False),  # one coaching review blocks
    ],
)
def test_thresholds(decided_, unchanged, coach, earns):
    assert evidence(decided_, unchanged, coach).earns_raise() is earns


@pytest.mark.parametrize(
    "amounts, p90",
    [([], None), (["10"], "10"), ([str(n) for n in range(1, 11)], "9"), (["5"] * 9 + ["99"], "5")],
)
def test_percentile_is_nearest_rank(amounts, p90):
    assert percentile_90([D(a) for a in amounts]) == (D(p90) if p90 else None)


@pytest.mark.parametrize(
    "current, p90, proposed",
    [
        ("50", "80", "80.00"),
        ("50", "81", "85.00"),
        ("100", "140", "150.00"),
        ("100", "1010", "1100.00"),
        ("500", "80", "525.00"),  # never at or below the current limit
        ("0", "0.50", "5.00"),
    ],
)
def test_proposed_value(current, p90, proposed):
    assert proposed_limit(current=D(current), p90=D(p90)) == D(proposed)
    assert nice_up(D(proposed)) == D(proposed)


@pytest.mark.django_db
def test_nine_decided_open_nothing_ten_open_one(agent):
    factories.TrustLimitFactory(agent=agent, per_remedy_max=D("50.00"))
    decided(agent, unchanged=9)
    assert limit_proposals_open() == []
    decided(agent, unchanged=1)
    (proposal,) = limit_proposals_open()
    assert (proposal.agent, proposal.remedy_type.code, proposal.field) == (
        agent,
        "refund",
        "per_remedy_max",
    )
    assert (proposal.current, proposal.proposed) == (D("50.00"), D("80.00"))
    assert proposal.evidence == {
        "escalations_decided": 10,
        "approved_unchanged": 10,
        "approved_lowered": 0,
        "denied": 0,
        "coach_reviews": 0,
        "max_approved": "80.00",
        "p90_approved": "80.00",
        "days": 90,
    }
    # The what-if of the proposed value for the agent over 30 days came with it.
    assert proposal.what_if["agent"] == agent.pk and proposal.what_if["days"] == 30
    assert (proposal.what_if["would_apply"], proposal.what_if["escalated_now"]) == (10, 10)
    assert proposal.what_if["spend_change"] == "800.00"


@pytest.mark.django_db
def test_a_denied_or_lowered_one_counts_against(agent):
    decided(agent, unchanged=8, lowered=1, denied=1)  # 80%
    assert limit_proposals_open() == []
    decided(agent, unchanged=10)  # 18 of 20: 90%
    (proposal,) = limit_proposals_open()
    assert proposal.evidence["approved_lowered"] == 1 and proposal.evidence["denied"] == 1


@pytest.mark.django_db
def test_a_coach_review_on_that_type_blocks_another_type_does_not(agent):
    decided(agent, unchanged=10)
    reviewer = factories.UserFactory(role="supervisor")
    review = dict(status="done", verdict="coach", reviewer=reviewer, done_at=timezone.now())
    factories.ReviewFactory(
        resolution__agent=agent, resolution__remedy_type=factories.remedy("store_credit"), **review
    )
    assert len(limit_proposals_open()) == 1
    LimitProposal.objects.all().delete()
    factories.ReviewFactory(resolution__agent=agent, **review)
    assert limit_proposals_open() == []


@pytest.mark.django_db
def test_old_history_does_not_count(agent):
    for escalation in decided(agent, unchanged=10):
        resolution = escalation.resolution
        resolution.created_at = timezone.now() - timezone.timedelta(days=91)
        resolution.save(update_fields=["created_at"])
    assert limit_proposals_open() == []


@pytest.mark.django_db
def test_non_monetary_never(agent):
    decided(agent, unchanged=12, amount="0.00", remedy_code="apology")
    assert limit_proposals_open() == []


@pytest.mark.django_db
def test_never_lowers_and_current_follows_the_effective_limit(agent):
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("500.00"), daily_max=D("900"))
    decided(agent, unchanged=10, amount="80.00")
    (proposal,) = limit_proposals_open()
    assert proposal.current == D("500.00") and proposal.proposed > proposal.current


@pytest.mark.django_db
def test_without_any_limit_current_is_zero(agent):
    decided(agent, unchanged=10, amount="80.00")
    (proposal,) = limit_proposals_open()
    assert (proposal.current, proposal.proposed) == (D("0.00"), D("80.00"))
