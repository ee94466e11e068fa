"""Celery plumbing shared by every app's ``tasks.py`` and by the services that enqueue.

Services enqueue a task **by its name** (``task_send``), never by importing the task
module: a task imports its service, never the reverse (see docs/concurrency.md,
"On commit"). Every task is idempotent, so ``acks_late`` redeliveries are harmless.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.db import OperationalError

logger = logging.getLogger(__name__)

# Retries with backoff only for expected, transient errors (the database going away);
# countdowns stay far below the broker's visibility timeout (3600 s).
RETRY: dict[str, Any] = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 1,
    "retry_backoff_max": 30,
    "retry_jitter": True,
    "max_retries": 8,
}


def task_send(name: str, *args: Any) -> bool:
    """Publish the task called ``name``; False (logged) when the broker is unreachable.

    Called after commit: the change is durable and its row is what a sweeper retries,
    so a broker outage must never fail the request that made it.
    """
    try:
        current_app.send_task(name, args=list(args))
    except Exception:
        logger.warning("could not enqueue %s%r; its sweeper will retry", name, args)
        return False
    return True
