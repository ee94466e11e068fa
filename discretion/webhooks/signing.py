"""What goes over the wire: the JSON body of an event and its ``Discretion-Signature``.

The body is the same bytes on every attempt (the event's stored id, type, time and data),
so a receiver that saw an event id before knows it is a retry. The signature covers the
attempt's unix time and the raw body: ``t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``
(docs/webhooks.md has a receiver that checks it).
"""

from __future__ import annotations

import hashlib
import hmac
import json

from common.times import iso_time
from discretion.webhooks.models import WebhookEvent

SIGNATURE_HEADER = "Discretion-Signature"
EVENT_ID_HEADER = "Discretion-Event-Id"
EVENT_TYPE_HEADER = "Discretion-Event-Type"
USER_AGENT = "Discretion-Webhooks/1"


def event_body(event: WebhookEvent) -> bytes:
    """``{id, type, created_at, data}`` as compact UTF-8 JSON (keys in a fixed order)."""
    return json.dumps(
        {
            "id": event.id,
            "type": event.type,
            "created_at": iso_time(event.created_at),
            "data": event.data,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The ``Discretion-Signature`` header's value for one attempt."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def request_headers(*, event: WebhookEvent, secret: str, timestamp: int, body: bytes) -> dict:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_ID_HEADER: event.id,
        EVENT_TYPE_HEADER: event.type,
        SIGNATURE_HEADER: signature(secret=secret, timestamp=timestamp, body=body),
    }
