"""The proposer's periodic task: thin, idempotent (the service skips what is open)."""

from __future__ import annotations

from celery import shared_task
from django.db import close_old_connections

from common.tasks import RETRY
from discretion.proposals.services import limit_proposals_open


@shared_task(name="discretion.propose_limits", **RETRY)
def propose_limits() -> int:
    """Open the limit proposals the agents' records earn; returns how many it opened.

    Two runs at once are harmless: one open proposal per (agent, remedy type) is a
    database constraint.
    """
    close_old_connections()
    return len(limit_proposals_open())
