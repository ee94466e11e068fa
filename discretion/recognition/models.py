"""Kudos. Invariants the database holds: nobody recognises themself; one recognition per
``above_and_beyond`` review."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

RECOGNITION_NOTE_MAX_LENGTH = 2000


class Recognition(models.Model):
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recognitions"
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recognitions_given"
    )
    note = models.TextField()
    resolution = models.ForeignKey(
        "cases.Resolution",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recognitions",
    )
    # Set when an ``above_and_beyond`` review recorded it: at most one per review.
    review = models.OneToOneField(
        "discretion.Review",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recognition",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agent", "created_at"], name="recognition_agent_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(agent=F("from_user")), name="recognition_not_for_oneself"
            ),
        ]

    def __str__(self) -> str:
        return f"Kudos to {self.agent_id} from {self.from_user_id}"
