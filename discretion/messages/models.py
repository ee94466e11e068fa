"""The customer outbox: one row per message to a case's customer.

Invariants the database holds: a message id (the e-mail's ``Message-ID`` header) per
row, made when the row is written and never changed, so every copy of one message is
recognisably the same; at most one message per resolution; a sent message has its
sent time; a held message is a draft (it waits for a supervisor's decision).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cases.models import SUBJECT_MAX_LENGTH, Case, Resolution

MESSAGE_BODY_MAX_LENGTH = 20_000


class CustomerMessage(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="customer_messages")
    # The resolution whose customer_message this is (its fate decides the message's).
    resolution = models.OneToOneField(
        Resolution,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customer_message_row",
    )
    # Who wrote it; the one told when it turns back into a draft or fails.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Who queued it last (the explicit send, or the author when a decision queued it).
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to = models.EmailField(blank=True, default="")
    subject = models.CharField(max_length=SUBJECT_MAX_LENGTH)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # A draft waiting for a supervisor's decision on its resolution: not sendable.
    held = models.BooleanField(default=False)
    # Why it is a draft again (the resolution was lowered, denied or rejected), for the page.
    draft_reason = models.CharField(max_length=300, blank=True, default="")
    message_id = models.CharField(max_length=255, unique=True)
    # Delivery: attempts since it was last queued; NULL next_attempt_at is "due now".
    # While a worker sends it, next_attempt_at is the end of its lease; after an SMTP
    # failure, the end of the backoff. A worker claims it only when that time is past.
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="message_outbox_due_idx",
                condition=Q(status="queued"),
            ),
            models.Index(fields=["case", "created_at"], name="message_case_idx"),
            # The outbox backlog gauge of /metrics counts these at every scrape.
            models.Index(
                fields=["status"],
                name="message_backlog_idx",
                condition=Q(status__in=["queued", "failed"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="message_sent_has_time"
            ),
            models.CheckConstraint(
                condition=Q(held=False) | Q(status="draft"), name="message_held_is_draft"
            ),
        ]

    def __str__(self) -> str:
        return f"message #{self.pk} on case #{self.case_id} ({self.status})"
