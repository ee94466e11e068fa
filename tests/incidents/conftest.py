"""Fixtures of the incidents tests: an agent whose own refund limit is 25 and an active
incident whose schedule pays refunds up to 60."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tests import factories


@pytest.fixture
def small_agent(db):
    agent = factories.UserFactory(role="agent", tier=factories.tier("new"))
    factories.TrustLimitFactory(
        tier=agent.tier,
        per_remedy_max=D("25.00"),
        per_case_max=D("50.00"),
        daily_max=D("100.00"),
        monthly_max=D("500.00"),
    )
    return agent


@pytest.fixture
def incident(db):
    incident = factories.IncidentFactory(title="Outage 3 Dec", budget=D("200.00"))
    factories.IncidentRemedyFactory(incident=incident, per_remedy_max=D("60.00"))
    return incident


@pytest.fixture
def linked_case(incident):
    return factories.IncidentCaseFactory(incident=incident).case
