"""Factories for the temporary raises room (``discretion.raises``)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from discretion.models import LimitRequest
from tests.factories.cases import remedy
from tests.factories.discretion import UserFactory, _default_levels


class LimitRequestFactory(factory.django.DjangoModelFactory[LimitRequest]):
    """A pending, unrouted request for a refund limit of 200.00 for a day. For one that is
    approved, pass ``status="approved"`` and ``decided_by=``."""

    class Meta:
        model = LimitRequest

    requester = factory.SubFactory(UserFactory)
    remedy_type = factory.LazyFunction(lambda: remedy("refund"))
    per_remedy_max = Decimal("200.00")
    was_per_remedy_max = Decimal("100.00")
    reason = "The outage week"
    policy_levels = factory.LazyFunction(lambda: _default_levels())
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda r: r.created_at + timedelta(days=1))
    decided_at = factory.Maybe(
        "decided_by", yes_declaration=factory.LazyFunction(timezone.now), no_declaration=None
    )
