"""Webhook tasks: fan an event out to its deliveries, attempt one, re-enqueue what is due."""

from __future__ import annotations

from celery import shared_task

from common.tasks import RETRY
from discretion.webhooks.delivery import webhook_deliver, webhook_delivery_ids, webhook_due_ids


@shared_task(name="discretion.deliver_webhook", **RETRY)
def deliver_webhook(delivery_id: int) -> bool:
    """Attempt one delivery (claimed with a lease, marked on its attempt)."""
    return webhook_deliver(delivery_id=delivery_id)


@shared_task(name="discretion.send_webhook_event", **RETRY)
def send_webhook_event(event_id: str) -> int:
    """One task per delivery of a just-committed event, so a slow endpoint delays no other."""
    ids = webhook_delivery_ids(event_id=event_id)
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id)
    return len(ids)


@shared_task(name="discretion.sweep_webhook_deliveries", **RETRY)
def sweep_webhook_deliveries() -> int:
    """Re-enqueue every delivery that is due: lost tasks, dead workers, backoffs over."""
    ids = webhook_due_ids()
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id)
    return len(ids)
