"""cases.selectors: the reads the workspace, the case page and the cases API make."""

from __future__ import annotations

import pytest

from cases.selectors import case_get, case_workspace_list, remedy_type_list
from tests import factories

pytestmark = pytest.mark.django_db


def test_workspace_list_is_one_query_whatever_the_rows(agent, django_assert_num_queries):
    factories.CaseFactory.create_batch(12, assignee=agent)
    with django_assert_num_queries(1):
        rows = list(case_workspace_list(user=agent))
        assert len(rows) == 12
        # What a row shows: the customer and the assignee, joined.
        assert all(r.customer.name and r.assignee.username for r in rows)


def test_workspace_team_tab_and_search(agent):
    team = factories.TeamFactory(name="Returns")
    agent.team = team
    agent.save()
    colleague = factories.UserFactory(team=team)
    theirs = factories.CaseFactory(subject="Lost parcel", assignee=colleague)
    nobody = factories.CaseFactory(subject="Nobody's yet", assignee=None)
    factories.CaseFactory(subject="Closed one", assignee=colleague, status="closed")
    factories.CaseFactory(subject="Another team", assignee=factories.UserFactory())
    team_tab = set(case_workspace_list(user=agent, tab="team"))
    assert team_tab == {theirs, nobody}
    assert list(case_workspace_list(user=agent, tab="team", q=f"#{theirs.pk}")) == [theirs]
    assert list(case_workspace_list(user=agent, tab="team", q="parcel")) == [theirs]


def test_case_get_joins_customer_and_people(agent, django_assert_num_queries):
    case = factories.CaseFactory(assignee=agent, created_by=agent)
    with django_assert_num_queries(1):
        found = case_get(case_id=case.pk)
        assert (found.customer.name, found.assignee.pk, found.created_by.pk) == (
            case.customer.name,
            agent.pk,
            agent.pk,
        )


def test_remedy_type_list_is_one_query_in_display_order(django_assert_num_queries):
    with django_assert_num_queries(1):
        remedies = list(remedy_type_list(enabled=True))
    assert remedies == sorted(remedies, key=lambda r: (r.sort_order, r.code))
    assert all(r.enabled for r in remedies)
