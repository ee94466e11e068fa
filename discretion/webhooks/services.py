"""Webhook writes: endpoints (create, change, delete, audited), the one way to record an
event (``webhook_event_add``, inside the transaction of the change it reports) and a
delivery's resend.

An event is rows first: one INSERT … SELECT writes the event and a pending delivery for
every enabled endpoint subscribed to its type, or nothing when none is, so it rolls back
with the change and costs no round trip of its own inside the decision's batch. The POST
goes out on a worker after commit (``delivery.py``), enqueued by task name.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from audit.models import ObjectType
from audit.services import audit_record
from common.db import Batch
from common.errors import Conflict, Forbidden, Invalid, NotFound
from common.roles import is_admin
from common.tasks import task_send
from discretion.models import User
from discretion.webhooks.models import (
    EVENT_TYPES,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from discretion.webhooks.selectors import MAX_ID
from discretion.webhooks.subscriptions import (
    webhook_subscriptions_reset,
    webhook_types_subscribed,
)
from discretion.webhooks.targets import webhook_url_clean

Status = WebhookDelivery.Status


def _admin_check(acting_user: User) -> None:
    if not is_admin(acting_user):
        raise Forbidden("Only admins manage webhooks.", code="admin_only")


def webhook_events_clean(events: Iterable[Any]) -> list[str]:
    """The subscribed types as stored (in the given order, once each); raises Invalid
    naming ``events`` for an unknown name or an empty list."""
    chosen: list[str] = []
    for name in events:
        if name not in EVENT_TYPES:
            problem = f"Unknown event {name!r}: one of {', '.join(EVENT_TYPES)}."
            raise Invalid(problem, code="unknown_event", fields={"events": [problem]})
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        problem = "Subscribe to at least one event."
        raise Invalid(problem, code="no_events", fields={"events": [problem]})
    return chosen


def _fields(endpoint: WebhookEndpoint) -> dict[str, Any]:
    # Never the secret: an audit row is readable by every admin, for ever.
    return {"url": endpoint.url, "events": list(endpoint.events), "enabled": endpoint.enabled}


def _changed() -> None:
    transaction.on_commit(webhook_subscriptions_reset)


@transaction.atomic
def webhook_endpoint_create(
    *, acting_user: User, url: str, events: Iterable[Any], enabled: bool = True
) -> WebhookEndpoint:
    """A new endpoint with a fresh secret (the returned instance carries it: show it
    once). Raises Forbidden (not an admin), Invalid naming ``url`` or ``events``."""
    _admin_check(acting_user)
    clean_url = webhook_url_clean(url)
    endpoint = WebhookEndpoint.objects.create(
        url=clean_url,
        events=webhook_events_clean(events),
        enabled=enabled,
        secret=f"whsec_{secrets.token_hex(32)}",
        created_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action="webhook_endpoint.create",
        object_type=ObjectType.WEBHOOK_ENDPOINT,
        object_id=endpoint.pk,
        after=_fields(endpoint),
    )
    _changed()
    return endpoint


def _locked(endpoint_id: int) -> WebhookEndpoint:
    endpoint = (
        WebhookEndpoint.objects.select_for_update(no_key=True).filter(pk=endpoint_id).first()
        if endpoint_id <= MAX_ID
        else None
    )
    if endpoint is None:
        raise NotFound(f"No webhook #{endpoint_id}.")
    return endpoint


@transaction.atomic
def webhook_endpoint_update(
    *,
    acting_user: User,
    endpoint_id: int,
    url: str | None = None,
    events: Iterable[Any] | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change the URL, the events or whether it is enabled (None leaves a field as it
    is; the secret never changes). Raises Forbidden, NotFound, Invalid naming ``url`` or
    ``events``."""
    _admin_check(acting_user)
    # Row lock: one edit at a time, so the audit row's before/after is coherent.
    endpoint = _locked(endpoint_id)
    before = _fields(endpoint)
    if url is not None:
        endpoint.url = webhook_url_clean(url)
    if events is not None:
        endpoint.events = webhook_events_clean(events)
    if enabled is not None:
        endpoint.enabled = enabled
    after = _fields(endpoint)
    if after != before:
        endpoint.updated_at = timezone.now()
        endpoint.save()
        audit_record(
            actor=acting_user,
            action="webhook_endpoint.update",
            object_type=ObjectType.WEBHOOK_ENDPOINT,
            object_id=endpoint.pk,
            before=before,
            after=after,
        )
        _changed()
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, acting_user: User, endpoint_id: int) -> None:
    """Delete an endpoint and its delivery log; what was still pending is not sent.
    Raises Forbidden, NotFound."""
    _admin_check(acting_user)
    endpoint = _locked(endpoint_id)
    before = _fields(endpoint)
    endpoint.delete()
    audit_record(
        actor=acting_user,
        action="webhook_endpoint.delete",
        object_type=ObjectType.WEBHOOK_ENDPOINT,
        object_id=endpoint_id,
        before=before,
    )
    _changed()


@transaction.atomic
def webhook_delivery_resend(
    *, acting_user: User, endpoint_id: int, event_id: str
) -> WebhookDelivery:
    """Send an event to the endpoint again, now (a delivered or failed one, or a pending
    one before its backoff is over), with the same event id and a fresh retry horizon.
    Raises Forbidden, NotFound, Conflict ``in_flight`` (a worker is attempting it now) or
    ``endpoint_disabled``."""
    _admin_check(acting_user)
    # Row lock against a worker's claim or a second resend of the same delivery.
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",), no_key=True)
        .select_related("event", "endpoint")
        .filter(endpoint_id=min(endpoint_id, MAX_ID), event_id=event_id)
        .first()
    )
    if delivery is None:
        raise NotFound(f"Webhook #{endpoint_id} has no delivery of event {event_id}.")
    now = timezone.now()
    if not delivery.endpoint.enabled:
        raise Conflict(
            "This webhook is disabled: enable it, and its waiting deliveries go out.",
            code="endpoint_disabled",
        )
    if delivery.leased_until is not None and delivery.leased_until > now:
        raise Conflict(
            "A worker is sending this event right now: wait for its answer.", code="in_flight"
        )
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status = Status.PENDING
    delivery.next_attempt_at = now
    delivery.leased_until = None
    delivery.delivered_at = None
    delivery.retry_until = now + timedelta(hours=settings.DISCRETION_WEBHOOK_RETRY_HOURS)
    delivery.save()
    audit_record(
        actor=acting_user,
        action="webhook_delivery.resend",
        object_type=ObjectType.WEBHOOK_ENDPOINT,
        object_id=endpoint_id,
        before=before,
        after={"event": event_id, "type": delivery.event.type, "status": delivery.status},
    )
    delivery_id = delivery.pk
    transaction.on_commit(lambda: task_send("discretion.deliver_webhook", delivery_id))
    return delivery


# --- events ----------------------------------------------------------------------------


def _event_sql() -> str:
    """The event's INSERT … SELECT: built once at import from the models' tables."""
    endpoint, event = WebhookEndpoint._meta.db_table, WebhookEvent._meta.db_table
    delivery = WebhookDelivery._meta.db_table
    return (
        f"WITH subscribed AS (SELECT id FROM {endpoint} "
        "WHERE enabled AND %(type)s = ANY(events)), "
        f"written AS (INSERT INTO {event} (id, type, created_at, data) "
        "SELECT %(id)s, %(type)s, %(created_at)s, %(data)s::jsonb "
        "WHERE EXISTS (SELECT 1 FROM subscribed)) "
        f"INSERT INTO {delivery} (endpoint_id, event_id, status, attempts, status_code, "
        "last_error, created_at, next_attempt_at, leased_until, retry_until, delivered_at) "
        "SELECT id, %(id)s, 'pending', 0, NULL, '', %(created_at)s, %(created_at)s, NULL, "
        "%(retry_until)s, NULL FROM subscribed"
    )


EVENT_SQL = _event_sql()


def webhook_event_add(*, type: str, data: dict[str, Any], batch: Batch | None = None) -> str:
    """Record an event of ``type`` (one of ``EVENT_TYPES``) for every enabled endpoint
    subscribed to it, and return its id (``evt_…``). Call it inside the transaction of
    the change it reports: it rolls back with it. With ``batch``, the statement joins the
    batch (add it before a statement whose row count is checked); without, it runs now.

    Nothing is written when no endpoint subscribes. The deliveries are enqueued after
    commit; the sweeper sends any whose task was lost.
    """
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {type!r}")
    event_id = f"evt_{uuid.uuid4().hex}"
    now = timezone.now()
    params: dict[str, Any] = {
        "id": event_id,
        "type": type,
        "created_at": now,
        "data": json.dumps(data, cls=DjangoJSONEncoder),
        "retry_until": now + timedelta(hours=settings.DISCRETION_WEBHOOK_RETRY_HOURS),
    }
    # Plain SQL: the decision path runs it in its one final round trip.
    if batch is not None:
        batch.add(EVENT_SQL, params)
    else:
        with connection.cursor() as cursor:
            cursor.execute(EVENT_SQL, params)
    transaction.on_commit(lambda: _enqueue(event_id, type))
    return event_id


def _enqueue(event_id: str, type: str) -> None:
    # Only when some endpoint (as this process last read it) wants the type: no task per
    # decision for nobody. A stale "no" is made good by the sweeper (subscriptions.py).
    if type in webhook_types_subscribed():
        task_send("discretion.send_webhook_event", event_id)
