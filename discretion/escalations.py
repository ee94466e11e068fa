"""Escalation services: open (called by the decision), route, move up, approve, deny."""

from __future__ import annotations

import logging

from django.db import transaction

from cases.models import Resolution

from .models import Escalation, EscalationEvent, EscalationPolicy

logger = logging.getLogger(__name__)


def escalation_open(*, resolution: Resolution, acting_user) -> Escalation:
    """Create the escalation of a pending resolution. Call inside the decision's transaction.

    The row is the durable record: routing happens on a worker after commit, and the
    sweeper routes any escalation whose message never reached one.
    """
    policy = EscalationPolicy.objects.filter(pk=1).first()
    levels = policy.levels if policy and policy.levels else EscalationPolicy.DEFAULT_LEVELS
    escalation = Escalation.objects.create(resolution=resolution, level=1, policy_levels=levels)
    EscalationEvent.objects.create(
        escalation=escalation, event="created", actor=acting_user, level=1
    )
    transaction.on_commit(lambda: _enqueue_route(escalation.pk))
    return escalation


def _enqueue_route(escalation_id: int) -> None:
    # The broker may be down: the request has committed and must not fail now. The
    # sweeper finds unrouted escalations and routes them once the broker is back.
    try:
        from .tasks import route_escalation

        route_escalation.delay(escalation_id)
    except Exception:  # noqa: BLE001 - any broker error
        logger.warning("could not enqueue routing of escalation %s; the sweeper will", escalation_id)
