"""Celery tasks: thin (fetch by id, call a service), idempotent, named explicitly.

``acks_late`` + ``task_reject_on_worker_lost`` (settings) mean a task may run twice; every
service called here is idempotent (conditional UPDATEs), so that is harmless. Retries
with backoff only for expected, transient errors (the database going away); countdowns
stay far below the broker's visibility timeout (3600 s).

The beat schedule lives here (not in settings) next to the task it runs:
``celery -A config worker -B`` (or a separate ``celery -A config beat``) runs the sweeper
every ``DISCRETION_SWEEP_SECONDS``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import OperationalError, close_old_connections

from config.celery import app

from .escalations import escalation_route, escalation_sweep
from .notifications import (
    notification_deliver,
    notification_undelivered_ids,
    notifications_sent_inline,
)

RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 1,
    "retry_backoff_max": 30,  # far below the visibility timeout
    "retry_jitter": True,
    "max_retries": 8,
}


@app.task(name="discretion.route_escalation", **RETRY)
def route_escalation(escalation_id: int) -> bool:
    """Route (or move up) one escalation. Runs on the ``escalations`` queue; the
    assignee's e-mail goes out from here right after the commit (no second task)."""
    with notifications_sent_inline():
        return escalation_route(escalation_id=escalation_id)


@app.task(name="discretion.sweep_escalations", **RETRY)
def sweep_escalations() -> int:
    """Move every unrouted or past-due escalation.

    Beat may fire while a previous sweep still runs, or two beats may run: the sweep's
    FOR UPDATE SKIP LOCKED batch and conditional UPDATEs make that harmless.
    """
    close_old_connections()
    return escalation_sweep()


@app.task(name="discretion.redeliver_notifications", **RETRY)
def redeliver_notifications() -> int:
    """Re-enqueue e-mails whose message was lost or whose send failed (once a minute, so
    a mail server outage does not flood the queue)."""
    ids = notification_undelivered_ids()
    for notification_id in ids:
        deliver_notification.delay(notification_id)
    return len(ids)


@app.task(name="discretion.deliver_notification", **RETRY)
def deliver_notification(notification_id: int) -> bool:
    """Send a notification's e-mail copy once (conditional UPDATE on ``emailed_at``)."""
    return notification_deliver(notification_id=notification_id)


app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    "discretion-sweep-escalations": {
        "task": "discretion.sweep_escalations",
        "schedule": float(settings.DISCRETION_SWEEP_SECONDS),
        # A sweep that could not run before the next one is useless: drop it.
        # Its own queue, so a backlog of e-mails never delays a move up the levels.
        "options": {
            "queue": "escalations",
            "expires": max(float(settings.DISCRETION_SWEEP_SECONDS) * 2, 1.0),
        },
    },
    "discretion-redeliver-notifications": {
        "task": "discretion.redeliver_notifications",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
}
