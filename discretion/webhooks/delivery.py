"""Attempting a delivery: claim it with a lease, check where it goes, POST the signed
event, mark it; retry with backoff and jitter until its horizon, then ``failed``; the
sweeper's list of what is due. Runs on a worker (``tasks.py``), never in a request.

The claim is one conditional ``UPDATE … RETURNING`` committed BEFORE the POST (its lease:
``leased_until`` = now + ``DISCRETION_WEBHOOK_LEASE_SECONDS``), and the outcome another
conditional UPDATE on the attempt it claimed. So a duplicate task, a second sweep or a
redelivered task finds nothing to claim while one worker holds it or after it was
delivered; a worker killed mid-POST leaves a lease that runs out, and the sweeper sends
it again, with the same event id (receivers deduplicate on it, docs/webhooks.md).
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta

import requests
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from discretion.webhooks.models import WebhookDelivery, WebhookEndpoint
from discretion.webhooks.signing import event_body, request_headers
from discretion.webhooks.targets import TargetRefused, webhook_url_parts
from discretion.webhooks.transport import checked_session

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
ERROR_MAX = 2000
BODY_SHOWN = 300


def webhook_backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: base, twice that, four times…
    at most the maximum, each between half and all of it (jitter spreads a burst)."""
    base = settings.DISCRETION_WEBHOOK_BACKOFF_SECONDS
    delay = min(base * (2 ** max(attempts - 1, 0)), settings.DISCRETION_WEBHOOK_BACKOFF_MAX_SECONDS)
    return timedelta(seconds=delay * random.uniform(0.5, 1.0))


def _claim_sql() -> str:
    table, endpoints = WebhookDelivery._meta.db_table, WebhookEndpoint._meta.db_table
    # A disabled endpoint's deliveries wait (pending) until it is enabled again.
    return (
        f"UPDATE {table} d SET attempts = d.attempts + 1, leased_until = %(lease)s "
        "WHERE d.id = %(id)s AND d.status = 'pending' AND d.next_attempt_at <= %(now)s "
        "AND (d.leased_until IS NULL OR d.leased_until < %(now)s) "
        f"AND NOT EXISTS (SELECT 1 FROM {endpoints} e "
        "WHERE e.id = d.endpoint_id AND NOT e.enabled) "
        "RETURNING d.attempts"
    )


CLAIM_SQL = _claim_sql()


def _claim(delivery_id: int) -> WebhookDelivery | None:
    now = timezone.now()
    lease = now + timedelta(seconds=settings.DISCRETION_WEBHOOK_LEASE_SECONDS)
    # Its own committed statement: the lease must hold while the POST runs.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(CLAIM_SQL, {"id": delivery_id, "now": now, "lease": lease})
            if cursor.fetchone() is None:
                return None
        delivery = (
            WebhookDelivery.objects.select_related("endpoint", "event")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            # Its endpoint was deleted while the change that wrote it committed (models.py).
            WebhookDelivery.objects.filter(pk=delivery_id).delete()
        return delivery


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """One attempt: (the answer's status code or None, the error; "" when 2xx)."""
    endpoint, event = delivery.endpoint, delivery.event
    try:
        webhook_url_parts(endpoint.url)
    except TargetRefused as refusal:
        return None, f"Not sent: {refusal}"
    body = event_body(event)
    headers = request_headers(
        event=event, secret=endpoint.secret, timestamp=int(time.time()), body=body
    )
    timeout = settings.DISCRETION_WEBHOOK_TIMEOUT_SECONDS
    try:
        # The session's connections check the address they connect to (the name may point
        # elsewhere today: DNS rebinding). No redirects: a 3xx is an answer, not a hop.
        with (
            checked_session() as session,
            session.post(
                endpoint.url,
                data=body,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            ) as response,
        ):
            code = response.status_code
            if 200 <= code < 300:
                return code, ""
            text = response.raw.read(BODY_SHOWN, decode_content=True).decode(errors="replace")
    except TargetRefused as refusal:
        return None, f"Not sent: {refusal}"
    except requests.Timeout:
        return None, f"No answer within {timeout:g} s."
    except requests.RequestException as error:
        return None, f"{type(error).__name__}: {error}"
    return code, f"HTTP {code}{': ' + text.strip() if text.strip() else ''}"


def webhook_deliver(*, delivery_id: int) -> bool:
    """Attempt a delivery if it is due and nobody else holds it. True if this attempt
    was answered with a 2xx."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return False
    attempt = delivery.attempts
    code, error = _post(delivery)
    now = timezone.now()
    rows = WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING, attempts=attempt)
    if not error:
        marked = rows.update(
            status=Status.DELIVERED,
            status_code=code,
            delivered_at=now,
            next_attempt_at=None,
            leased_until=None,
            last_error="",
        )
        if not marked:
            # Only when the lease ran out mid-POST and another attempt claimed it.
            logger.warning("webhook delivery %s answered after its lease ran out", delivery.pk)
        return True
    logger.warning(
        "webhook delivery %s (%s): attempt %s failed: %s",
        delivery.pk,
        delivery.event_id,
        attempt,
        error,
    )
    retry_at = now + webhook_backoff(attempt)
    if retry_at <= delivery.retry_until:
        rows.update(
            status_code=code,
            last_error=error[:ERROR_MAX],
            next_attempt_at=retry_at,
            leased_until=None,
        )
    else:
        rows.update(
            status=Status.FAILED,
            status_code=code,
            last_error=error[:ERROR_MAX],
            next_attempt_at=None,
            leased_until=None,
        )
    return False


def webhook_due_ids(*, limit: int = 200) -> list[int]:
    """Pending deliveries of enabled endpoints a worker should attempt now: never claimed
    this long after they were written (their task was lost), past a dead worker's lease,
    or past a backoff."""
    now = timezone.now()
    grace = timedelta(seconds=settings.DISCRETION_WEBHOOK_GRACE_SECONDS)
    return list(
        WebhookDelivery.objects.filter(status=Status.PENDING, endpoint__enabled=True)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .filter(
            Q(attempts__gt=0, next_attempt_at__lte=now)
            | Q(attempts=0, next_attempt_at__lte=now - grace)
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def webhook_delivery_ids(*, event_id: str) -> list[int]:
    """The deliveries of one event (the batch that wrote them did not read ids back)."""
    return list(
        WebhookDelivery.objects.filter(event_id=event_id, status=Status.PENDING)
        .order_by("id")
        .values_list("id", flat=True)
    )
