"""Escalation tasks: thin (fetch by id, call a service), idempotent, named explicitly.

``acks_late`` + ``task_reject_on_worker_lost`` (settings) mean a task may run twice; the
routing services are idempotent (conditional UPDATEs, docs/concurrency.md), so that is
harmless. The beat schedule is in ``config/settings.py`` (``CELERY_BEAT_SCHEDULE``).
"""

from __future__ import annotations

from celery import shared_task
from django.db import close_old_connections

from common.tasks import RETRY
from discretion.escalations.routing import escalation_route, escalation_sweep
from discretion.notifications.services import notifications_sent_inline


@shared_task(name="discretion.route_escalation", **RETRY)
def route_escalation(escalation_id: int) -> bool:
    """Route (or move up) one escalation. Runs on the ``escalations`` queue; the
    assignee's e-mail goes out from here right after the commit (no second task)."""
    with notifications_sent_inline():
        return escalation_route(escalation_id=escalation_id)


@shared_task(name="discretion.sweep_escalations", **RETRY)
def sweep_escalations() -> int:
    """Move every unrouted or past-due escalation.

    Beat may fire while a previous sweep still runs, or two beats may run: the sweep's
    FOR UPDATE SKIP LOCKED batch and conditional UPDATEs make that harmless.
    """
    close_old_connections()
    return escalation_sweep()
