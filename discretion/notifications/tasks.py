"""Notification tasks: send one e-mail copy, re-enqueue what a lost message left."""

from __future__ import annotations

from celery import shared_task

from common.tasks import RETRY
from discretion.notifications.services import (
    notification_deliver,
    notification_undelivered_ids,
)


@shared_task(name="discretion.redeliver_notifications", **RETRY)
def redeliver_notifications() -> int:
    """Re-enqueue e-mails whose message was lost or whose send failed (once a minute, so
    a mail server outage does not flood the queue)."""
    ids = notification_undelivered_ids()
    for notification_id in ids:
        deliver_notification.delay(notification_id)
    return len(ids)


@shared_task(name="discretion.deliver_notification", **RETRY)
def deliver_notification(notification_id: int) -> bool:
    """Send a notification's e-mail copy once (conditional UPDATE on ``emailed_at``)."""
    return notification_deliver(notification_id=notification_id)
