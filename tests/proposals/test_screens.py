"""The admin's proposals page and the limit matrix's live what-if, over HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from audit.models import AuditEvent
from discretion.decisions.services import resolution_request
from discretion.models import LimitProposal, TrustLimit
from discretion.proposals.services import limit_proposals_open
from tests import factories
from tests.proposals.support import decided

pytestmark = pytest.mark.django_db

D = Decimal
PAGE = "/admin-ui/proposals/"


@pytest.fixture
def admin(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def proposal(agent):
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("50.00"))
    decided(agent, unchanged=14, lowered=1)
    factories.ResolutionFactory(agent=agent, remedy_type=factories.remedy("store_credit"))
    (opened,) = limit_proposals_open()
    return opened


def test_page_shows_evidence_record_and_what_if(admin, agent, proposal):
    html = admin.get(PAGE).content.decode()
    assert "14 of 15 refund escalations approved unchanged in 90 days; no coaching." in html
    assert f"{agent.label} · Refund" in html
    assert 'data-testid="record"' in html and "Store credit" in html  # the whole record
    assert 'data-testid="proposal-whatif"' in html and "Over the last 30 days" in html
    assert 'data-shortcut="a"' in html and 'data-shortcut="r"' in html


def test_index_links_with_a_count_badge(admin, proposal):
    html = admin.get("/admin-ui/").content.decode()
    assert PAGE in html and 'data-testid="proposals-badge">1<' in html
    LimitProposal.objects.update(
        status="rejected", decided_by=proposal.agent, decided_at=proposal.created_at
    )
    assert 'data-testid="proposals-badge"' not in admin.get("/admin-ui/").content.decode()


def test_accept_via_the_page(admin, agent, proposal):
    response = admin.post(f"{PAGE}{proposal.pk}/accept/", {"note": "Well earned."})
    assert response.status_code == 302 and response["Location"] == PAGE
    assert TrustLimit.objects.get(agent=agent).per_remedy_max == D("80.00")
    html = admin.get(PAGE).content.decode()
    assert "limit is now $80.00 per remedy" in html
    assert 'data-testid="no-proposals"' in html and "Well earned." in html  # recently decided
    again = admin.post(f"{PAGE}{proposal.pk}/accept/", {})
    assert again.status_code == 409
    assert "This proposal was already accepted." in again.content.decode()


def test_reject_without_a_note_says_so_next_to_it(admin, agent, proposal):
    response = admin.post(f"{PAGE}{proposal.pk}/reject/", {"note": " "})
    assert response.status_code == 400
    assert "Say why you reject it" in response.content.decode()
    assert LimitProposal.objects.get().status == "open"
    assert admin.post(f"{PAGE}{proposal.pk}/reject/", {"note": "Later."}).status_code == 302
    assert LimitProposal.objects.get().status == "rejected"
    assert not TrustLimit.objects.filter(agent=agent).exists()
    assert AuditEvent.objects.filter(action="limit_proposal_reject").count() == 1


def test_deciding_a_decided_one_on_the_page_is_409_with_the_message(admin, proposal):
    admin.post(f"{PAGE}{proposal.pk}/reject/", {"note": "No."})
    response = admin.post(f"{PAGE}{proposal.pk}/accept/", {})
    assert response.status_code == 409
    assert "This proposal was already rejected." in response.content.decode()
    assert not TrustLimit.objects.filter(agent=proposal.agent).exists()


def test_only_admins(agent, supervisor, proposal):
    for user in (agent, supervisor):
        client = Client()
        client.force_login(user)
        assert client.get(PAGE).status_code == 403
        assert client.post(f"{PAGE}{proposal.pk}/accept/", {}).status_code == 403


def test_page_query_count_is_constant(admin, agent, proposal, django_assert_num_queries):
    admin.get(PAGE)
    # session, user, open proposals, the records (one GROUP BY), recently decided
    with django_assert_num_queries(5):
        admin.get(PAGE)
    for _ in range(3):
        other = factories.UserFactory(role="agent", tier=agent.tier)
        decided(other, unchanged=10)
    assert len(limit_proposals_open()) == 3
    with django_assert_num_queries(5):
        html = admin.get(PAGE).content.decode()
    assert html.count('data-testid="proposal"') == 4


def test_matrix_cell_shows_the_what_if_before_saving(admin, agent):
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("50.00"))
    for amount in ("30.00", "60.00", "70.00"):
        resolution_request(
            case_id=factories.CaseFactory.create().pk,
            acting_user=agent,
            remedy_type=factories.remedy("refund"),
            amount=D(amount),
            reason="History.",
        )
    form = admin.get("/admin-ui/limits/cell/standard/refund/?edit=1").content.decode()
    assert 'hx-post="/admin-ui/limits/cell/standard/refund/what-if/"' in form
    url = "/admin-ui/limits/cell/standard/refund/what-if/"
    html = admin.post(url, {"per_remedy_max": "100", "reason": ""}).content.decode()
    assert (
        "Over the last 30 days: 2 more would have applied, 2 fewer escalated, spend +130.00."
        in html
    )
    assert html.count("escalate → <strong>apply</strong>") == 2
    waiting = admin.post(url, {"per_remedy_max": ""}).content.decode()
    assert "Type a per-remedy cap" in waiting
    bad = admin.post(url, {"per_remedy_max": "10", "daily_max": "1e3"}).content.decode()
    assert "Fix the amounts" in bad
    # Nothing saved: the tier's cap is still 50.
    assert TrustLimit.objects.get(tier=agent.tier).per_remedy_max == D("50.00")
    assert not AuditEvent.objects.filter(action__startswith="trust_limit").exists()
