"""Reads of reviews: the queue (pending or done), one review, an agent's reviews for
their record, and the policy preview ("what would this policy have sampled?")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from cases.models import Resolution
from common.money import ZERO
from discretion.models import Review, ReviewPolicy, User
from discretion.reviews.draw import review_reason

PREVIEW_DAYS = 30


def review_list(*, status: str | None = None, agent_id: int | None = None) -> QuerySet[Review]:
    """Newest first (done ones: most recently done first). One query for any page size:
    the resolution, its case and remedy type, the agent and the reviewer are joined."""
    qs = Review.objects.select_related(
        "resolution__case", "resolution__remedy_type", "agent", "reviewer"
    )
    if status:
        qs = qs.filter(status=status)
    if agent_id is not None:
        qs = qs.filter(agent_id=agent_id)
    if status == Review.Status.DONE:
        return qs.order_by("-done_at", "-id")
    return qs.order_by("-created_at", "-id")


QUEUE_LIMIT = 100


def review_queue(*, status: str, limit: int = QUEUE_LIMIT) -> list[Review]:
    """The reviews screen's cards: pending newest first, or done most recent first. One
    query, whatever the number of cards."""
    return list(review_list(status=status)[:limit])


def review_count(*, status: str) -> int:
    return Review.objects.filter(status=status).count()


def review_get(*, review_id: int) -> Review | None:
    return review_list().filter(pk=review_id).first()


def reviews_for_agent(*, agent: User, since: datetime) -> list[Review]:
    """The agent's own done reviews since ``since``, newest first, with their notes: a
    coach note is for the agent and the reviewer (the agent's record page shows it; no
    screen ranks agents by it). One query."""
    return list(
        Review.objects.filter(agent=agent, status=Review.Status.DONE, created_at__gte=since)
        .select_related("resolution__case", "resolution__remedy_type", "reviewer")
        .order_by("-done_at", "-id")
    )


def review_policy_current() -> ReviewPolicy:
    """The policy row for reading (its defaults if the row went missing; never written)."""
    return ReviewPolicy.objects.filter(pk=1).first() or ReviewPolicy(pk=1)


@dataclass(frozen=True)
class PolicyPreview:
    days: int
    candidates: int  # applied on the agents' own authority, monetary, above zero
    candidate_spend: Decimal
    sampled: int  # would be reviewed: at random or always_above
    sampled_spend: Decimal
    always: int  # of those, because of always_above

    @property
    def share(self) -> float:
        return self.sampled / self.candidates if self.candidates else 0.0


def review_policy_preview(
    *,
    sample_percent: Decimal,
    always_above: Decimal | None,
    days: int = PREVIEW_DAYS,
    now: datetime | None = None,
) -> PolicyPreview:
    """Replay the draw over the last ``days`` of autonomous resolutions under the given
    policy (the same pure function the decision uses, so the answer is what it would
    have drawn). One query; writes nothing."""
    since = (now or timezone.now()) - timedelta(days=days)
    rows = Resolution.objects.filter(
        status=Resolution.Status.APPLIED,
        counts_against_budget=True,
        remedy_type__monetary=True,
        amount__gt=ZERO,
        created_at__gte=since,
    ).values_list("id", "amount")
    candidates = sampled = always = 0
    candidate_spend = sampled_spend = ZERO
    for resolution_id, amount in rows:
        candidates += 1
        candidate_spend += amount
        reason = review_reason(
            resolution_id=resolution_id,
            amount=amount,
            sample_percent=sample_percent,
            always_above=always_above,
        )
        if reason is not None:
            sampled += 1
            sampled_spend += amount
            always += reason == Review.Reason.ALWAYS_ABOVE
    return PolicyPreview(
        days=days,
        candidates=candidates,
        candidate_spend=candidate_spend,
        sampled=sampled,
        sampled_spend=sampled_spend,
        always=always,
    )
