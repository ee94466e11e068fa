"""Incident tasks: the periodic end sweeper (beat, ``DISCRETION_INCIDENT_SWEEP_SECONDS``)."""

from __future__ import annotations

from celery import shared_task

from common.tasks import RETRY
from discretion.incidents.services import incidents_end_due


@shared_task(name="discretion.end_incidents", **RETRY)
def end_incidents() -> int:
    """End every active incident past its ``ends_at``, audited (idempotent)."""
    return incidents_end_due()
