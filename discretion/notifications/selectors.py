"""Reads of a user's in-app notifications (the bell, the page and the API)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from common.roles import is_supervising
from discretion.models import Escalation, LimitRequest, Notification, User

# Notifications that only announce work waiting in the queue: the bell counts the work
# itself (below), so a decided escalation or request leaves the bell however it was
# decided (in the queue, on the case page, by someone else, through the API).
QUEUE_KINDS = ("escalation_assigned", "escalation_overdue", "limit_request_assigned")


def notification_list(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    """The user's own notifications, newest first (``unread`` True/False filters)."""
    qs = Notification.objects.filter(recipient=user)
    if unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    return qs.order_by("-created_at", "-id")


def notification_unread_count(*, user: User) -> int:
    """For the bell (one COUNT query)."""
    return notification_list(user=user, unread=True).count()


def notification_get(*, user: User, notification_id: int) -> Notification:
    """One of the user's own notifications. Raises Notification.DoesNotExist, also for
    someone else's."""
    return Notification.objects.get(pk=notification_id, recipient=user)


@dataclass(frozen=True)
class BellCount:
    """What the bell counts: unread news, and the decisions waiting for this user."""

    unread: int
    escalations: int
    limit_requests: int

    @property
    def total(self) -> int:
        return self.unread + self.escalations + self.limit_requests


def bell_count(*, user: User) -> BellCount:
    """Unread notifications other than the queue's announcements, plus the pending
    escalations and limit requests assigned to ``user`` (three COUNT queries, two of them
    only for supervisors and admins)."""
    unread = notification_list(user=user, unread=True).exclude(kind__in=QUEUE_KINDS).count()
    if not is_supervising(user):
        return BellCount(unread=unread, escalations=0, limit_requests=0)
    escalations = Escalation.objects.filter(
        Q(assigned_to=user), status=Escalation.Status.PENDING
    ).count()
    requests = LimitRequest.objects.filter(
        assigned_to=user, status=LimitRequest.Status.PENDING
    ).count()
    return BellCount(unread=unread, escalations=escalations, limit_requests=requests)
