"""Reads of a user's in-app notifications (the bell, the page and the API)."""

from __future__ import annotations

from django.db.models import QuerySet

from discretion.models import Notification, User


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
