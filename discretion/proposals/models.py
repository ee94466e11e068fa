"""Limit proposals: a raise of an agent's per-remedy limit, proposed from their record.

Invariants the database holds: at most one OPEN proposal per (agent, remedy type), so a
second run of the proposer (or two at once) opens no second one; a proposal only ever
raises (``proposed > current``); a decided proposal names who decided it and when.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from common.money import MONEY_MAX_DIGITS, MONEY_PLACES

DECISION_NOTE_MAX_LENGTH = 2000


class LimitProposal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    class Field(models.TextChoices):
        PER_REMEDY_MAX = "per_remedy_max", "Per remedy"

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="limit_proposals"
    )
    remedy_type = models.ForeignKey("cases.RemedyType", on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=32, choices=Field.choices, default=Field.PER_REMEDY_MAX)
    current = models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_PLACES)
    proposed = models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_PLACES)
    # The counts behind it (discretion.proposals.rules.Evidence) and the what-if report of
    # the proposed value over the last 30 days, both as they were when it was opened.
    evidence = models.JSONField(default=dict)
    what_if = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="limit_proposals_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at", "-id"], name="proposal_status_idx"),
            models.Index(fields=["agent", "remedy_type", "status"], name="proposal_agent_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "remedy_type"],
                condition=Q(status="open"),
                name="proposal_one_open_per_agent_remedy",
            ),
            models.CheckConstraint(
                condition=Q(proposed__gt=F("current")), name="proposal_raises_only"
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="proposal_decided_has_decider",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Proposal #{self.pk}: {self.agent_id}/{self.remedy_type_id} "
            f"{self.current} → {self.proposed} ({self.status})"
        )
