"""Fewer clicks on the screens (Django's test client): the preview's split offer and
repeat warning, Resolve & close, the split and withdraw from the case page, the queue's
repeat flag, and search across all cases."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from cases.models import Case, Resolution
from cases.selectors import case_search_list
from discretion.decisions.services import resolution_request
from discretion.models import Escalation
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(agent):
    return factories.TrustLimitFactory(
        agent=agent,
        tier=None,
        per_remedy_max=D("25.00"),
        per_case_max=D("150.00"),
        daily_max=D("200.00"),
        monthly_max=D("1000.00"),
    )


@pytest.fixture
def case(agent):
    return factories.CaseFactory(assignee=agent, category="question")


def form(**extra):
    return {"remedy_type": "refund", "amount": "60.00", "reason": "Late"} | extra


def refund(agent, case, amount):
    return resolution_request(
        case_id=case.pk,
        acting_user=agent,
        remedy_type=factories.remedy("refund"),
        amount=D(amount),
        reason="Late",
    )


def test_preview_offers_the_split_and_warns_of_a_repeat(client, agent, case, limits):
    client.force_login(agent)
    url = f"/cases/{case.pk}/preview/"
    html = client.post(url, form()).content.decode()
    assert 'data-testid="split-action"' in html
    assert "Apply $25.00 now, send $35.00 to the admins" in html  # nobody on call
    assert "repeat-warning" not in html
    within = client.post(url, form(amount="10.00")).content.decode()
    assert "split-action" not in within
    refund(agent, case, "10.00")
    again = client.post(url, form(amount="10.00")).content.decode()
    assert "You already asked for $10.00 refund on this case less than a minute ago" in again


def test_resolve_and_close_closes_only_when_it_applies(client, agent, case, limits):
    client.force_login(agent)
    url = f"/cases/{case.pk}/resolve/"
    escalated = client.post(
        url, form(mode="close", idempotency_key="k1"), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "The case stays open: this request waits for a supervisor" in escalated
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN
    applied = client.post(
        url, form(mode="close", amount="10.00", idempotency_key="k2"), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f"Case #{case.pk} is closed." in applied
    assert '<span id="case-status-badge" hx-swap-oob="true">' in applied
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert client.post(url, form(mode="bogus"), HTTP_HX_REQUEST="true").status_code == 400


def test_split_and_withdraw_from_the_case_page(client, agent, case, limits):
    client.force_login(agent)
    html = client.post(
        f"/cases/{case.pk}/resolve/",
        form(mode="split", idempotency_key="s1"),
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "Applied $25.00 now (your limit per remedy); $35.00 went to" in html
    rest = Resolution.objects.get(status="pending_approval")
    assert 'data-testid="withdraw"' in html
    card = client.post(
        f"/cases/{case.pk}/resolutions/{rest.pk}/withdraw/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-status="withdrawn"' in card and "Withdrawn by you" in card
    assert Escalation.objects.get().status == "withdrawn"
    again = client.post(
        f"/cases/{case.pk}/resolutions/{rest.pk}/withdraw/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "only a pending request can be withdrawn" in again


def test_the_queue_card_flags_a_repeat(client, agent, case, limits, supervisor):
    first = refund(agent, case, "60.00")
    refund(agent, case, "60.00")
    client.force_login(supervisor)
    html = client.get("/queue/").content.decode()
    assert f"Repeat of #{first.pk}" in html
    assert html.count('data-testid="repeat-flag"') == 1
    assert 'aria-selected="true"' not in html  # nothing selected on load


def test_search_looks_through_all_cases(client, agent, django_assert_num_queries):
    other = factories.UserFactory()
    customer = factories.CustomerFactory(name="Zed Quill", email="zed@example.com")
    theirs = factories.CaseFactory(
        subject="Broken kettle", assignee=other, status="closed", customer=customer
    )
    theirs.external_ref = "ZD-4242"
    theirs.save()
    for q in ("kettle", "Quill", "zed@example", customer.external_id, "ZD-4242", f"#{theirs.pk}"):
        assert list(case_search_list(q=q)) == [theirs], q
    client.force_login(agent)
    client.get("/cases/")  # warm the session
    factories.CaseFactory.create_batch(5, subject="Broken kettle too")
    # session, user, cases (customer and assignee joined): whatever the tab or filter
    with django_assert_num_queries(3):
        response = client.get("/cases/", {"tab": "mine", "status": "open", "q": "kettle"})
    assert len(response.context["cases"]) == 6
    assert "Searching all cases and customers" in response.content.decode()
