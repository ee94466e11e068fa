"""Incidents: when the core service fails, one declared budget and remedy schedule for
every case it caused (CONTRACT.md, "When the core service fails").

Invariants the database holds: the budget is positive and ``0 <= spent <= budget`` (a
CheckConstraint backs the conditional UPDATE that spends it); an incident ends after it
starts; an ended incident has ``ended_at``; a remedy type appears once in a schedule,
with a positive cap; a case is linked to an incident once. "A case is in at most one
active incident" is held by the case's single ``active_incident_id`` column
(``cases.Case``), which only ``discretion.incidents.services`` writes.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from common.money import MONEY_MAX_DIGITS, MONEY_PLACES, ZERO

TITLE_MAX_LENGTH = 200
EXPLANATION_MAX_LENGTH = 4000
MATCHER_MAX_LENGTH = 2000


def _money(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_PLACES, **kwargs)


class Incident(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    customer_explanation = models.TextField(blank=True, default="")
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    budget = _money()
    # Moved only by a conditional UPDATE (spent + x <= budget) in the decision's batch.
    spent = _money(default=ZERO)
    # An optional CEL expression over new cases (discretion.incidents.matcher).
    matcher = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            # What the end sweeper and the matcher scan: the active ones, by end time.
            models.Index(
                fields=["ends_at"], condition=Q(status="active"), name="incident_active_ends_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gt=0), name="incident_budget_positive"),
            models.CheckConstraint(
                condition=Q(spent__gte=0) & Q(spent__lte=F("budget")),
                name="incident_spent_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="incident_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status="active") | Q(ended_at__isnull=False),
                name="incident_ended_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Incident #{self.pk} {self.title} ({self.status})"

    def active_at(self, now: datetime | None = None) -> bool:
        """Active and within its window: past ``ends_at`` it grants nothing, whether or
        not the sweeper has flipped its status yet."""
        now = now or timezone.now()
        return self.status == self.Status.ACTIVE and self.starts_at <= now < self.ends_at

    def status_now(self, now: datetime | None = None) -> str:
        """The status as the API shows it: active past ``ends_at`` is ended."""
        if self.status == self.Status.ACTIVE and self.ends_at <= (now or timezone.now()):
            return self.Status.ENDED.value
        return self.status

    @property
    def left(self):
        return max(self.budget - self.spent, ZERO)


class IncidentRemedy(models.Model):
    """One row of an incident's remedy schedule: the standard remedy, up to a cap."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="remedies")
    remedy_type = models.ForeignKey("cases.RemedyType", on_delete=models.PROTECT, related_name="+")
    per_remedy_max = _money()

    class Meta:
        ordering = ["incident", "remedy_type__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "remedy_type"], name="incident_remedy_unique"
            ),
            models.CheckConstraint(
                condition=Q(per_remedy_max__gt=0), name="incident_remedy_max_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.remedy_type_id} up to {self.per_remedy_max} (incident {self.incident_id})"


class IncidentCase(models.Model):
    """A case linked to an incident (kept after the incident ends: its history)."""

    class Via(models.TextChoices):
        HAND = "hand", "Linked by hand"
        MATCHER = "matcher", "Matched when created"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="case_links")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="incident_links")
    via = models.CharField(max_length=8, choices=Via.choices, default=Via.HAND)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-linked_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "case"], name="incident_case_unique"),
        ]

    def __str__(self) -> str:
        return f"Case {self.case_id} in incident {self.incident_id}"
