"""A temporary raise of an agent's trust limit, asked for by the agent and decided by a
supervisor or admin (CONTRACT.md, "Asking for more").

Invariants the database holds: at least one cap is asked for, each cap is positive; a
decided request has a decider; a request ends after it was made. While approved and
before ``expires_at`` its caps override the requester's base limit, dimension by
dimension (``discretion.trust.effective``); the lapse needs no write.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from common.money import MONEY_MAX_DIGITS, MONEY_PLACES

REASON_MAX_LENGTH = 1000
NOTE_MAX_LENGTH = 2000
# The dimensions a raise may lift (per case and approval_max are not temporary things).
CAP_FIELDS = ("per_remedy_max", "daily_max", "monthly_max")


def _cap() -> models.DecimalField:
    return models.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )


class LimitRequest(models.Model):
    """One "raise my limit until …" request, routed like an escalation.

    Routing fields (``level``, ``assigned_to``, ``policy_levels``, ``due_at``,
    ``routed_at``, ``overdue``, ``version``) mean what they mean on ``Escalation``: every
    automatic move is a conditional UPDATE on ``version`` (``discretion.raises.routing``).
    ``was_*``: the requester's effective caps when they asked (for "100 → 200").
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"
        EXPIRED = "expired", "Expired"

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="limit_requests"
    )
    remedy_type = models.ForeignKey("cases.RemedyType", on_delete=models.PROTECT, related_name="+")
    per_remedy_max = _cap()
    daily_max = _cap()
    monthly_max = _cap()
    was_per_remedy_max = _cap()
    was_daily_max = _cap()
    was_monthly_max = _cap()
    reason = models.TextField()
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)

    level = models.PositiveSmallIntegerField(default=1)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_limit_requests",
    )
    policy_levels = models.JSONField(default=list)
    policy_repeat_times = models.PositiveSmallIntegerField(default=0)
    round = models.PositiveSmallIntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)
    routed_at = models.DateTimeField(null=True, blank=True)
    overdue = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=0)

    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decided_limit_requests",
    )
    decision_note = models.TextField(blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The effective limit's lookup: the newest approved one of a user and remedy.
            models.Index(
                fields=["requester", "remedy_type", "status", "expires_at"],
                name="limitrequest_effective_idx",
            ),
            models.Index(fields=["status", "due_at"], name="limitrequest_status_due_idx"),
            models.Index(fields=["status", "routed_at"], name="limitrequest_status_routed_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(per_remedy_max__isnull=False)
                | Q(daily_max__isnull=False)
                | Q(monthly_max__isnull=False),
                name="limitrequest_some_cap",
            ),
            models.CheckConstraint(
                condition=(Q(per_remedy_max__isnull=True) | Q(per_remedy_max__gt=0))
                & (Q(daily_max__isnull=True) | Q(daily_max__gt=0))
                & (Q(monthly_max__isnull=True) | Q(monthly_max__gt=0)),
                name="limitrequest_caps_positive",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "expired"]) | Q(decided_by__isnull=False),
                name="limitrequest_decided_has_decider",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="limitrequest_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"Limit request #{self.pk} ({self.status}) until {self.expires_at:%Y-%m-%d %H:%M}"

    def lapsed(self, now: datetime | None = None) -> bool:
        """Past ``expires_at``: whatever the stored status, it no longer counts."""
        return self.expires_at <= (now or timezone.now())

    def status_now(self, now: datetime | None = None) -> str:
        """The status as the API shows it: pending or approved past ``expires_at`` is
        expired, whether or not the sweeper has flipped it yet."""
        if self.status in (self.Status.PENDING, self.Status.APPROVED) and self.lapsed(now):
            return self.Status.EXPIRED.value
        return self.status
