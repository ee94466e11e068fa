"""Follow-ups: a promise to come back to a customer by a time.

Invariants the database holds: a done follow-up has ``done_at``, an open one has none;
the due reminder is sent once (``notified_at`` is set by a conditional UPDATE, and the
notification's dedupe key ``follow_up:<id>:due`` is unique per recipient).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

FOLLOW_UP_NOTE_MAX_LENGTH = 2000


class FollowUp(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="follow_ups")
    due_at = models.DateTimeField()
    note = models.TextField(blank=True, default="")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="follow_ups"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["assigned_to", "status", "due_at"], name="followup_assignee_idx"),
            models.Index(fields=["case", "due_at"], name="followup_case_idx"),
            # What the due sweeper scans: open and not yet notified, by due time.
            models.Index(
                fields=["due_at"],
                condition=Q(status="open", notified_at__isnull=True),
                name="followup_unnotified_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", done_at__isnull=True)
                | Q(status="done", done_at__isnull=False),
                name="followup_done_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Follow-up #{self.pk} on case {self.case_id} ({self.status})"
