"""The review policy and the reviews it draws.

Invariants the database holds: one review per resolution (the draw is made once); a done
review has a verdict, a reviewer and a time; the sample share is 0 to 100.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from common.money import MONEY_MAX_DIGITS, MONEY_PLACES

REVIEW_NOTE_MAX_LENGTH = 4000


class ReviewPolicy(models.Model):
    """How much of the autonomous spend is reviewed after the fact. One row (pk=1)."""

    sample_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("5"))
    # Every resolution at or above this amount is reviewed; null: none always.
    always_above = models.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(sample_percent__gte=0) & Q(sample_percent__lte=100),
                name="reviewpolicy_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(always_above__isnull=True) | Q(always_above__gte=0),
                name="reviewpolicy_always_above_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return f"Review {self.sample_percent}% (always from {self.always_above})"


class Review(models.Model):
    """One sampled resolution, waiting for (or given) a supervisor's verdict.

    A review never changes the resolution, the budget or the customer's remedy.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"

    class Verdict(models.TextChoices):
        GOOD_CALL = "good_call", "Good call"
        ABOVE_AND_BEYOND = "above_and_beyond", "Above and beyond"
        COACH = "coach", "Coach"
        POLICY_GAP = "policy_gap", "Policy gap"

    class Reason(models.TextChoices):
        SAMPLED = "sampled", "Sampled at random"
        ALWAYS_ABOVE = "always_above", "At or above the always-review amount"

    resolution = models.OneToOneField(
        "cases.Resolution", on_delete=models.PROTECT, related_name="review"
    )
    # The resolution's agent, copied so the queue and the record filter on one table.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    remedy_type = models.ForeignKey("cases.RemedyType", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=16, choices=Reason.choices, default=Reason.SAMPLED)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True, default="")
    note = models.TextField(blank=True, default="")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviews_done",
    )
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at", "-id"], name="review_queue_idx"),
            models.Index(fields=["agent", "created_at"], name="review_agent_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending", verdict="", reviewer__isnull=True)
                | (
                    Q(status="done", reviewer__isnull=False, done_at__isnull=False) & ~Q(verdict="")
                ),
                name="review_done_has_verdict",
            ),
        ]

    def __str__(self) -> str:
        return f"Review #{self.pk} of resolution {self.resolution_id} ({self.status})"
