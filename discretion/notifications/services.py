"""In-app notifications, and their e-mail copy delivered by a task.

A notification is a row written in the transaction of what it announces, at most once
per ``dedupe_key``; its e-mail goes out after commit, once. Why that holds (the unique
constraint, the conditional UPDATE on ``emailed_at``, the sweeper): docs/concurrency.md.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from common.db import insert_or_skip
from common.tasks import task_send
from discretion.models import Escalation, Notification, User

logger = logging.getLogger(__name__)

# An e-mail not sent this long after its notification was committed is re-enqueued.
EMAIL_RETRY_AFTER = timedelta(seconds=30)
# ...for a day; after that the in-app notification is all there is.
EMAIL_GIVE_UP_AFTER = timedelta(days=1)


def notification_create(
    *,
    recipient: User,
    kind: str,
    title: str,
    dedupe_key: str,
    body: str = "",
    link: str = "",
    escalation: Escalation | None = None,
) -> Notification | None:
    """Insert one notification unless ``(recipient, dedupe_key)`` exists. Call inside the
    transaction of the change it announces; returns None for a duplicate."""
    notification = Notification(
        recipient=recipient,
        kind=kind,
        title=title[:200],
        body=body,
        link=link[:300],
        escalation=escalation,
        dedupe_key=dedupe_key[:120],
    )
    # One statement: a duplicate is skipped by ON CONFLICT, so no savepoint is needed to
    # keep it from poisoning the caller's transaction (every routing writes one).
    if insert_or_skip(notification, constraint="notification_once_per_recipient") is None:
        return None
    notification_id = notification.pk
    transaction.on_commit(lambda: _enqueue_delivery(notification_id))
    return notification


# Set inside a worker's task (``notifications_sent_inline``): e-mails of the
# notifications that task commits are sent by the task itself, right after its commit,
# instead of by one more task per e-mail (each task costs the worker a few ms of CPU).
_send_inline: ContextVar[bool] = ContextVar("discretion_send_inline", default=False)


@contextmanager
def notifications_sent_inline() -> Iterator[None]:
    """Within this block, a committed notification's e-mail is sent at once, here.

    For Celery tasks that already run off the request path. A failed send is logged and
    left to the sweeper (``redeliver_notifications``), as a lost message would be.
    """
    token = _send_inline.set(True)
    try:
        yield
    finally:
        _send_inline.reset(token)


def _enqueue_delivery(notification_id: int) -> None:
    if _send_inline.get():
        try:
            notification_deliver(notification_id=notification_id)
        except Exception:
            logger.warning(
                "could not send the e-mail of notification %s; the sweeper retries",
                notification_id,
                exc_info=True,
            )
        return
    # Never fail the committed change because the broker is down: the sweeper retries.
    task_send("discretion.deliver_notification", notification_id)


# The claim and the read of what to send, in one statement.
_CLAIM_SQL = (
    f"UPDATE {Notification._meta.db_table} n SET emailed_at = %(now)s "
    f"FROM {User._meta.db_table} u WHERE n.id = %(id)s AND n.emailed_at IS NULL "
    "AND u.id = n.recipient_id RETURNING u.email, n.title, n.body, n.link"
)


def notification_deliver(*, notification_id: int) -> bool:
    """Send the e-mail copy once. Returns True if this call sent it.

    The conditional UPDATE claims the notification inside a transaction that is only
    committed after the mail went out: a concurrent duplicate waits on the row lock and
    then matches nothing; a failed send rolls the claim back so a retry sends it.
    """
    with transaction.atomic(), connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(_CLAIM_SQL, {"now": timezone.now(), "id": notification_id})
        claimed = cursor.fetchone()
        if claimed is None:
            return False
        address, title, body, link = claimed
        if not address:
            return False  # nothing to send; emailed_at marks it handled
        if link:
            body = f"{body}\n\nOpen it in Discretion: {absolute_url(link)}".strip()
        send_mail(
            subject=f"[Discretion] {title}",
            message=body or title,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[address],
        )
    return True


def notification_undelivered_ids(*, limit: int = 100) -> list[int]:
    """Notifications whose e-mail should have gone out by now (for the sweeper)."""
    now = timezone.now()
    return list(
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__lte=now - EMAIL_RETRY_AFTER,
            created_at__gte=now - EMAIL_GIVE_UP_AFTER,
        )
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    # Conditional: the first read time is the one kept.
    Notification.objects.filter(pk=notification.pk, recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    notification.refresh_from_db(fields=["read_at"])
    return notification


def notification_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def absolute_url(link: str) -> str:
    """A link for an e-mail: a path (``/cases/3/``) under ``DISCRETION_BASE_URL``; a full
    URL stays as it is."""
    if link.startswith("/"):
        return f"{settings.DISCRETION_BASE_URL}{link}"
    return link
