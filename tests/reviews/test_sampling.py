"""Sampling through the real decision (``resolution_request``): applied on the agent's own
authority and monetary only, exactly as the pure draw says, in the decision's one batch."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from discretion.decisions.services import resolution_request
from discretion.models import Review, ReviewPolicy
from discretion.reviews.draw import review_draw
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(agent):
    for code in ("refund", "apology"):
        factories.TrustLimitFactory(
            tier=agent.tier,
            remedy_type=factories.remedy(code),
            per_remedy_max=D("100.00"),
            per_case_max=None,
            daily_max=None,
            monthly_max=None,
        )


def _policy(percent: str, always_above: str | None = None) -> None:
    ReviewPolicy.objects.update_or_create(
        pk=1,
        defaults={
            "sample_percent": D(percent),
            "always_above": None if always_above is None else D(always_above),
        },
    )


def _request(agent, amount, code="refund"):
    case = factories.CaseFactory()
    return resolution_request(
        case_id=case.pk,
        acting_user=agent,
        remedy_type=factories.remedy(code),
        amount=D(amount),
        reason="Late parcel",
    )


def test_the_migration_seeds_the_default_policy():
    policy = ReviewPolicy.objects.get(pk=1)
    assert policy.sample_percent == D("5") and policy.always_above is None


def test_applied_resolutions_are_sampled_exactly_as_the_draw_says(agent, limits):
    _policy("30")
    resolutions = [_request(agent, "10.00") for _ in range(40)]
    expected = {r.pk for r in resolutions if review_draw(r.pk, D("30"))}
    assert 0 < len(expected) < 40  # the test means something
    reviews = Review.objects.filter(resolution__in=resolutions)
    assert {r.resolution_id for r in reviews} == expected
    for review in reviews:
        assert review.status == "pending" and review.reason == "sampled"
        assert review.agent_id == agent.pk
        assert review.remedy_type.code == "refund"
        assert review.created_at == review.resolution.created_at


def test_always_above_reviews_every_large_one(agent, limits):
    _policy("0", always_above="50.00")
    small, large, exact = _request(agent, "49.99"), _request(agent, "80.00"), _request(agent, "50")
    assert not Review.objects.filter(resolution=small).exists()
    assert Review.objects.get(resolution=large).reason == "always_above"
    assert Review.objects.get(resolution=exact).reason == "always_above"


def test_escalated_rejected_and_non_monetary_are_never_sampled(agent, limits):
    _policy("100")
    escalated = _request(agent, "500.00")  # over per_remedy_max
    assert escalated.status == "pending_approval"
    apology = _request(agent, "0.00", code="apology")
    assert apology.status == "applied"
    factories.PolicyRuleFactory(
        expression="amount > 60.0", effect="deny", message="No.", enabled=True
    )
    rejected = _request(agent, "70.00")
    assert rejected.status == "rejected"
    sampled = _request(agent, "20.00")
    assert sampled.status == "applied"
    assert list(Review.objects.values_list("resolution_id", flat=True)) == [sampled.pk]


def test_a_policy_edit_is_used_by_the_next_decision(agent, limits):
    _policy("0")
    assert not Review.objects.filter(resolution=_request(agent, "10.00")).exists()
    _policy("100")
    assert Review.objects.filter(resolution=_request(agent, "10.00")).exists()
