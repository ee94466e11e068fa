"""Factories for the limit proposals room (``discretion.proposals``)."""

from __future__ import annotations

from decimal import Decimal

import factory

from discretion.models import LimitProposal
from tests.factories.cases import remedy


class LimitProposalFactory(factory.django.DjangoModelFactory[LimitProposal]):
    """An open proposal to raise an agent's refund limit from 100.00 to 150.00."""

    class Meta:
        model = LimitProposal

    agent = factory.SubFactory("tests.factories.discretion.UserFactory")
    remedy_type = factory.LazyFunction(lambda: remedy("refund"))
    current = Decimal("100.00")
    proposed = Decimal("150.00")
    evidence = factory.LazyFunction(
        lambda: {
            "escalations_decided": 15,
            "approved_unchanged": 14,
            "approved_lowered": 1,
            "denied": 0,
            "coach_reviews": 0,
            "max_approved": "150.00",
            "p90_approved": "140.00",
            "days": 90,
        }
    )
    what_if = factory.LazyFunction(
        lambda: {
            "days": 30,
            "requests": 0,
            "would_apply": 0,
            "would_escalate": 0,
            "applied_now": 0,
            "escalated_now": 0,
            "spend_change": "0.00",
            "changed_total": 0,
            "changed": [],
        }
    )
