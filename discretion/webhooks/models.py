"""Webhook endpoints, the events they are sent and the delivery of each (the outbox).

Invariants the database holds: one delivery per (endpoint, event); an event id (``evt_…``)
is made when the event is written and never changes, so every attempt of one delivery
carries the same id; a delivered delivery has its time.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

# Every event type an endpoint may subscribe to (the contract's list).
EVENT_TYPES = (
    "resolution.applied",
    "resolution.escalated",
    "resolution.rejected",
    "escalation.decided",
    "message.sent",
    "incident.started",
    "incident.ended",
)
URL_MAX_LENGTH = 2000


class WebhookEndpoint(models.Model):
    url = models.URLField(max_length=URL_MAX_LENGTH)
    events = ArrayField(models.CharField(max_length=64), default=list)
    enabled = models.BooleanField(default=True)
    # The signing key: shown once, in the response that created it, and never again. Kept
    # as it is because signing needs it (a hash could not sign).
    secret = models.CharField(max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"webhook #{self.pk} → {self.url}"


class WebhookEvent(models.Model):
    """What happened, as sent: written only when some enabled endpoint subscribes."""

    id = models.CharField(primary_key=True, max_length=40)  # "evt_" + a uuid4's hex
    type = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.id} ({self.type})"


class WebhookDelivery(models.Model):
    """One event to one endpoint. ``next_attempt_at`` is when it is due (a backoff's end);
    ``leased_until`` the end of the lease of the worker attempting it (NULL: nobody)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    # No database constraint, on purpose: a decision writes deliveries after its audit
    # row (which holds the audit append lock until commit), and a foreign key would make
    # its commit KEY SHARE-lock the endpoint row, which an endpoint's deletion holds FOR
    # UPDATE while it waits for that same append lock: a deadlock. Django's delete still
    # cascades; a delivery whose endpoint vanished meanwhile is dropped when claimed.
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_constraint=False,
    )
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    leased_until = models.DateTimeField(null=True, blank=True)
    # Retried until then (the event's time, or a resend's, plus the retry horizon).
    retry_until = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due_idx",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once"),
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False),
                name="webhook_delivered_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → webhook #{self.endpoint_id} ({self.status})"
