"""Which event types some enabled endpoint subscribes to, as this process last read it.

Used only AFTER commit, to decide whether a change enqueues a delivery task at once: the
event and delivery rows themselves are written by an INSERT … SELECT over the live
endpoint table (``services.webhook_event_add``), so a stale answer never loses or invents
a delivery. At worst a just-created endpoint's first delivery waits for the sweeper; in
exchange, a deployment without webhooks publishes no task per decision.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings

from discretion.webhooks.models import WebhookEndpoint

# "types": frozenset of subscribed types, "until": time.monotonic() it is trusted until.
_subscribed: dict[str, Any] = {}


def webhook_types_subscribed() -> frozenset[str]:
    """The subscribed event types (one query at most every
    ``DISCRETION_WEBHOOK_SUBSCRIPTIONS_SECONDS`` per process)."""
    now = time.monotonic()
    if _subscribed and _subscribed["until"] > now:
        return _subscribed["types"]
    rows = WebhookEndpoint.objects.filter(enabled=True).values_list("events", flat=True)
    types = frozenset(event for events in rows for event in events)
    _subscribed.update(types=types, until=now + settings.DISCRETION_WEBHOOK_SUBSCRIPTIONS_SECONDS)
    return types


def webhook_subscriptions_reset() -> None:
    """Forget the list (an endpoint changed in this process; tests)."""
    _subscribed.clear()
