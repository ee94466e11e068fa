from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from tests import factories

URL = "/api/v1/limit-requests/"


@pytest.fixture
def limits(agent):
    """The standard tier's refund limit: 100 per remedy, 400 a day, 2,000 a month."""
    return factories.TrustLimitFactory(
        tier=agent.tier,
        per_remedy_max=D("100.00"),
        per_case_max=D("500.00"),
        daily_max=D("400.00"),
        monthly_max=D("2000.00"),
    )


def ask(api, user, **body):
    payload = {
        "remedy_type": "refund",
        "per_remedy_max": "200.00",
        "reason": "The outage week",
        "expires_at": (timezone.now() + timedelta(days=2)).isoformat(),
    } | body
    return api.as_user(user).post(URL, payload, format="json")
