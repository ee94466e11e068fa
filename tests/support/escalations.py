"""Escalations made the way the app makes them, for the escalation tests in-process
(``tests/escalations/test_escalations.py``) and through a real worker (``test_worker.py``).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from cases.models import RemedyType
from discretion.escalations.services import escalation_open
from discretion.trust.selectors import effective_limits_for
from tests import factories


def on_call(user, *, level=1, hours=1, approval_max="10000.00"):
    """Put ``user`` on call at ``level`` from ``hours`` ago until ``hours`` from now.

    Routing gives an escalation only to someone whose approval_max covers it, so a user
    with no limit for a remedy type gets a personal one with ``approval_max`` (None:
    leave them without; a limit they already have is kept).
    """
    if approval_max is not None:
        approval_give(user, approval_max)
    return factories.OnCallShiftFactory(supervisor=user, level=level, hours=hours)


def approval_give(user, approval_max="10000.00"):
    """A personal limit with ``approval_max`` for every remedy type ``user`` has none for."""
    have = effective_limits_for(user)
    for remedy in RemedyType.objects.exclude(pk__in=list(have)):
        factories.TrustLimitFactory(
            agent=user,
            remedy_type=remedy,
            per_remedy_max=Decimal("1.00"),
            approval_max=Decimal(approval_max),
        )


def open_escalation(*, agent=None, amount="150.00", remedy_code="refund", case=None):
    """A pending resolution and its escalation, opened by ``escalation_open`` (history,
    timeline, routing enqueued on commit), as the decision service does when over limits."""
    agent = agent or factories.UserFactory(role="agent", tier=factories.tier("standard"))
    extra = {"case": case} if case else {}
    resolution = factories.ResolutionFactory(
        agent=agent,
        requested_amount=Decimal(amount),
        remedy_type=factories.remedy(remedy_code),
        **extra,
    )
    with transaction.atomic():
        return escalation_open(resolution=resolution, acting_user=agent)
