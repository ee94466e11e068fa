"""The reads of the gauges (``gauges.py``), one query each, all on an index: a scrape
every 15 s must cost the database nothing it notices."""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone

from discretion.messages.models import CustomerMessage
from discretion.models import Escalation
from discretion.raises.models import LimitRequest

# The outbox statuses the backlog gauge reports (always both, 0 when none).
MESSAGE_BACKLOG_STATUSES = (CustomerMessage.Status.QUEUED, CustomerMessage.Status.FAILED)


def escalations_pending_count() -> int:
    return Escalation.objects.filter(status=Escalation.Status.PENDING).count()


def escalations_overdue_count() -> int:
    """Pending past the due time of their level (not yet moved up, or the last level)."""
    return Escalation.objects.filter(
        status=Escalation.Status.PENDING, due_at__lt=timezone.now()
    ).count()


def limit_requests_pending_count() -> int:
    return LimitRequest.objects.filter(status=LimitRequest.Status.PENDING).count()


def customer_messages_backlog() -> dict[str, int]:
    """``{"queued": n, "failed": m}``: messages waiting to be sent, and given up on."""
    counts = dict(
        CustomerMessage.objects.filter(status__in=MESSAGE_BACKLOG_STATUSES)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {str(status): counts.get(status, 0) for status in MESSAGE_BACKLOG_STATUSES}
