"""Sending a queued message, once: claim it, send it, mark it; retry with backoff; the
sweeper's list of what is due. Runs on a worker (``tasks.py``), never in a request.

The claim is a conditional UPDATE committed BEFORE the SMTP conversation (a lease: the
row's ``next_attempt_at`` moves to now + ``DISCRETION_MESSAGE_LEASE_SECONDS``), and the
outcome another conditional UPDATE on the attempt it claimed. So a duplicate task, a
second sweep or a redelivered task finds nothing to claim while one worker holds it or
after it was sent; a worker killed before the server accepted the message leaves a lease
that runs out, and the sweeper sends it again. The one window left: a worker killed after
the server accepted the message and before the row says so; the next attempt sends a
second copy with the same ``Message-ID`` (docs/concurrency.md, "The customer outbox").
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from discretion.messages.models import CustomerMessage
from discretion.notifications.services import notification_create
from discretion.webhooks.payloads import message_data
from discretion.webhooks.services import webhook_event_add

logger = logging.getLogger(__name__)

Status = CustomerMessage.Status
BACKOFF_MAX = timedelta(hours=1)


def message_backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: base, twice that, four times… ≤ 1 hour."""
    base = timedelta(seconds=settings.DISCRETION_MESSAGE_RETRY_SECONDS)
    return min(base * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _claim(message_id: int) -> CustomerMessage | None:
    now = timezone.now()
    lease = timedelta(seconds=settings.DISCRETION_MESSAGE_LEASE_SECONDS)
    # Its own committed statement: the lease must hold while the SMTP conversation runs.
    with transaction.atomic():
        claimed = (
            CustomerMessage.objects.filter(pk=message_id, status=Status.QUEUED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .update(attempts=F("attempts") + 1, next_attempt_at=now + lease, updated_at=now)
        )
        if not claimed:
            return None
        return CustomerMessage.objects.select_related("sent_by", "author").get(pk=message_id)


def _email(message: CustomerMessage) -> EmailMessage:
    return EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.CUSTOMER_FROM_EMAIL,
        to=[message.to],
        # The same on every attempt: a second copy (the one window above) is recognisably
        # the same message to the customer's mail client.
        headers={"Message-ID": message.message_id},
    )


def message_deliver(*, message_id: int) -> bool:
    """Send a queued message if it is due and nobody else holds it. True if this call
    sent it (the SMTP server accepted it)."""
    message = _claim(message_id)
    if message is None:
        return False
    attempt = message.attempts
    try:
        _email(message).send(fail_silently=False)
    except Exception as error:  # SMTP refusals, connection errors, timeouts alike
        _failed(message, attempt=attempt, error=f"{type(error).__name__}: {error}")
        return False
    sent_at = timezone.now()
    # The mark and its webhook event commit together (or neither does).
    with transaction.atomic():
        marked = CustomerMessage.objects.filter(
            pk=message.pk, status=Status.QUEUED, attempts=attempt
        ).update(
            status=Status.SENT,
            sent_at=sent_at,
            next_attempt_at=None,
            last_error="",
            updated_at=sent_at,
        )
        if marked:
            message.status, message.sent_at = Status.SENT, sent_at
            webhook_event_add(type="message.sent", data=message_data(message))
    if not marked:
        # Only when the lease ran out mid-send and another worker claimed it.
        logger.warning("message %s was sent after its lease ran out", message.pk)
    return True


def _failed(message: CustomerMessage, *, attempt: int, error: str) -> None:
    now = timezone.now()
    logger.warning("message %s: attempt %s failed: %s", message.pk, attempt, error)
    with transaction.atomic():
        rows = CustomerMessage.objects.filter(pk=message.pk, status=Status.QUEUED, attempts=attempt)
        if attempt < settings.DISCRETION_MESSAGE_MAX_ATTEMPTS:
            rows.update(
                next_attempt_at=now + message_backoff(attempt),
                last_error=error[:2000],
                updated_at=now,
            )
            return
        if not rows.update(status=Status.FAILED, next_attempt_at=None, last_error=error[:2000]):
            return
        recipient = message.sent_by or message.author
        queued = message.queued_at or message.created_at
        notification_create(
            recipient=recipient,
            kind="message_failed",
            title=f"Your message on case #{message.case_id} could not be sent",
            body=(
                f"{attempt} attempts to e-mail {message.to} failed; the last: {error[:300]} "
                "Check the address and send it again."
            ),
            link=f"/cases/{message.case_id}/#messages",
            dedupe_key=f"msg{message.pk}:failed:{int(queued.timestamp())}",
        )


def message_due_ids(*, limit: int = 200) -> list[int]:
    """Queued messages a worker should be sending now: never claimed this long after they
    were queued (their task was lost), past a dead worker's lease, or past a backoff."""
    now = timezone.now()
    grace = timedelta(seconds=settings.DISCRETION_MESSAGE_GRACE_SECONDS)
    return list(
        CustomerMessage.objects.filter(status=Status.QUEUED)
        .filter(
            Q(next_attempt_at__lte=now)
            | Q(next_attempt_at__isnull=True, queued_at__lte=now - grace)
        )
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def message_of_resolution(*, resolution_id: int) -> int | None:
    """The id of a resolution's message (the decision's batch does not read it back)."""
    return (
        CustomerMessage.objects.filter(resolution_id=resolution_id)
        .values_list("id", flat=True)
        .first()
    )
