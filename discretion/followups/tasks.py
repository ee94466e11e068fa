"""Follow-up tasks: the periodic due reminder (beat, ``DISCRETION_FOLLOW_UP_SWEEP_SECONDS``)."""

from __future__ import annotations

from celery import shared_task

from common.tasks import RETRY
from discretion.followups.services import follow_up_notify_due


@shared_task(name="discretion.notify_due_follow_ups", **RETRY)
def notify_due_follow_ups() -> int:
    """Notify the assignee of each follow-up that fell due, once (idempotent)."""
    return follow_up_notify_due()
