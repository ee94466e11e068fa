"""discretion.decisions.selectors: resolutions as the API and the case page read them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from discretion.decisions.selectors import (
    case_outcome_get,
    case_outcome_list,
    customer_history_list,
    resolution_list,
)
from discretion.models import Escalation
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def outcomes(agent, supervisor, case):
    """Five resolutions on the case, two of them escalated (one decided)."""
    rows = factories.ResolutionFactory.create_batch(5, case=case, agent=agent)
    Escalation.objects.create(resolution=rows[0], assigned_to=supervisor)
    Escalation.objects.create(
        resolution=rows[1], status="denied", decided_by=supervisor, assigned_to=supervisor
    )
    return rows


def test_resolution_list_is_one_query_with_remedy_and_escalation(
    outcomes, case, django_assert_num_queries
):
    with django_assert_num_queries(1):
        rows = list(resolution_list(case_id=case.pk))
        assert [r.remedy_type.code for r in rows] == ["refund"] * 5
        escalated = [r for r in rows if hasattr(r, "escalation")]
    assert len(escalated) == 2
    assert resolution_list(status="applied").count() == 0


def test_case_outcome_list_is_one_query_with_the_people(
    outcomes, case, supervisor, django_assert_num_queries
):
    with django_assert_num_queries(1):
        rows = case_outcome_list(case_id=case.pk)
        labels = [
            (r.agent.label, r.escalation_or_none and r.escalation_or_none.assigned_to.label)
            for r in rows
        ]
        decided = [r.escalation_or_none.decided_by for r in rows if r.escalation_or_none]
    assert len(rows) == 5 and sum(1 for _, who in labels if who == supervisor.label) == 2
    assert supervisor in decided
    one = case_outcome_get(case_id=case.pk, resolution_id=outcomes[2].pk)
    assert one.escalation_or_none is None
    other_case = factories.CaseFactory()
    with pytest.raises(type(one).DoesNotExist):
        case_outcome_get(case_id=other_case.pk, resolution_id=outcomes[2].pk)


def test_customer_history_is_one_query_and_leaves_out_this_case(
    agent, case, django_assert_num_queries
):
    other = factories.CaseFactory(customer=case.customer)
    factories.ResolutionFactory(case=case, agent=agent)
    factories.ResolutionFactory.create_batch(
        3, case=other, agent=agent, requested_amount=Decimal("10.00")
    )
    with django_assert_num_queries(1):
        rows = customer_history_list(customer_id=case.customer_id, exclude_case_id=case.pk)
        assert [(r.case.subject, r.remedy_type.code) for r in rows] == [
            (other.subject, "refund")
        ] * 3
