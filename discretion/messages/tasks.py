"""Customer-message tasks: send one, send a resolution's, re-enqueue what is due."""

from __future__ import annotations

from celery import shared_task

from common.tasks import RETRY
from discretion.messages.delivery import (
    message_deliver,
    message_due_ids,
    message_of_resolution,
)


@shared_task(name="discretion.send_customer_message", **RETRY)
def send_customer_message(message_id: int) -> bool:
    """Send a queued message once (claimed with a lease, marked sent on its attempt)."""
    return message_deliver(message_id=message_id)


@shared_task(name="discretion.send_resolution_message", **RETRY)
def send_resolution_message(resolution_id: int) -> bool:
    """The message a decision queued (its batch did not read the message's id back)."""
    message_id = message_of_resolution(resolution_id=resolution_id)
    return message_id is not None and message_deliver(message_id=message_id)


@shared_task(name="discretion.sweep_customer_messages", **RETRY)
def sweep_customer_messages() -> int:
    """Re-enqueue every message that is due: lost tasks, dead workers, backoffs over."""
    ids = message_due_ids()
    for message_id in ids:
        send_customer_message.delay(message_id)
    return len(ids)
