"""Escalations made the way the app makes them, for the escalation tests in-process
(``tests/escalations/test_escalations.py``) and through a real worker (``test_worker.py``).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from discretion.escalations.services import escalation_open
from tests import factories


def on_call(user, *, level=1, hours=1):
    """Put ``user`` on call at ``level`` from ``hours`` ago until ``hours`` from now."""
    return factories.OnCallShiftFactory(supervisor=user, level=level, hours=hours)


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
