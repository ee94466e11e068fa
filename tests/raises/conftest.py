from __future__ import annotations

from decimal import Decimal as D

import pytest

from tests import factories


@pytest.fixture
def limits(agent):
    """The standard tier's refund limit: 100 per remedy, 500 a case, 400 a day, 2,000 a month."""
    return factories.TrustLimitFactory(
        tier=agent.tier,
        per_remedy_max=D("100.00"),
        per_case_max=D("500.00"),
        daily_max=D("400.00"),
        monthly_max=D("2000.00"),
    )
