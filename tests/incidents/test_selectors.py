"""The incident page's reads, through the real decision service: what the incident
budget paid per day, and the spread of remedies granted on its cases (are customers with
the same problem treated alike? outliers above and below the median flagged)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.utils import timezone

from discretion.decisions.services import resolution_request
from discretion.incidents import selectors
from discretion.incidents.selectors import (
    incident_get,
    incident_spend_by_day,
    incident_spread,
)
from tests import factories

pytestmark = pytest.mark.django_db


def grant(agent, case, amount: str, remedy: str = "refund"):
    return resolution_request(
        case_id=case.pk,
        acting_user=agent,
        remedy_type=factories.remedy(remedy),
        amount=D(amount),
        reason="Outage",
        customer_message="",
    )


@pytest.fixture
def big_incident(db):
    incident = factories.IncidentFactory(title="Outage 3 Dec", budget=D("5000.00"))
    factories.IncidentRemedyFactory(incident=incident, per_remedy_max=D("500.00"))
    return incident


def test_spend_by_day_is_what_the_incident_budget_paid(small_agent, big_incident):
    cases = [factories.IncidentCaseFactory(incident=big_incident).case for _ in range(3)]
    for case, amount in zip(cases, ("60.00", "40.00", "700.00"), strict=True):
        grant(small_agent, case, amount)  # the 700.00 is over the schedule: it escalates
    grant(small_agent, factories.CaseFactory(), "20.00")  # not in the incident: own budget
    [day] = incident_spend_by_day(incident=incident_get(incident_id=big_incident.pk))
    assert day.day == timezone.localdate() and day.amount == D("100.00") and day.count == 2
    big_incident.refresh_from_db()
    assert big_incident.spent == D("100.00")


def test_the_spread_flags_customers_treated_unlike_the_others(small_agent, big_incident):
    amounts = ["60.00", "60.00", "55.00", "65.00", "200.00", "20.00"]
    cases = [factories.IncidentCaseFactory(incident=big_incident).case for _ in amounts]
    for case, amount in zip(cases, amounts, strict=True):
        assert grant(small_agent, case, amount).status == "applied"
    [refunds] = incident_spread(incident=incident_get(incident_id=big_incident.pk))
    assert refunds.remedy_type == "Refund" and refunds.count == 6
    assert (refunds.minimum, refunds.median, refunds.maximum) == (
        D("20.00"),
        D("60.00"),
        D("200.00"),
    )
    # 200.00 > 2 x 60.00 (above) and 20.00 < 60.00 / 2 (below); 55 and 65 are alike.
    assert sorted((o["case"], o["amount"], o["side"]) for o in refunds.outliers) == sorted(
        [(cases[4].pk, D("200.00"), "above"), (cases[5].pk, D("20.00"), "below")]
    )


def test_alike_grants_flag_nobody_and_an_empty_incident_has_no_spread(small_agent, big_incident):
    assert incident_spread(incident=big_incident) == []
    assert incident_spend_by_day(incident=big_incident) == []
    for _ in range(3):
        grant(small_agent, factories.IncidentCaseFactory(incident=big_incident).case, "60.00")
    [refunds] = incident_spread(incident=incident_get(incident_id=big_incident.pk))
    assert refunds.count == 3 and refunds.outliers == ()


def test_the_page_lists_the_farthest_outliers_and_counts_the_rest(
    small_agent, big_incident, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(selectors, "OUTLIERS_SHOWN", 2)
    amounts = ["60.00", "60.00", "60.00", "60.00", "150.00", "200.00", "10.00", "25.00"]
    cases = [factories.IncidentCaseFactory(incident=big_incident).case for _ in amounts]
    for case, amount in zip(cases, amounts, strict=True):
        assert grant(small_agent, case, amount).status == "applied"
    incident = incident_get(incident_id=big_incident.pk)
    with django_assert_num_queries(1):
        [refunds] = incident_spread(incident=incident)
    assert refunds.median == D("60.00") and refunds.outliers_total == 4
    # Farthest from the median first: 200 (140 away), then 150 (90 away); 10 and 25 counted.
    assert [(o["amount"], o["side"]) for o in refunds.outliers] == [
        (D("200.00"), "above"),
        (D("150.00"), "above"),
    ]
    assert refunds.outliers_more == 2
