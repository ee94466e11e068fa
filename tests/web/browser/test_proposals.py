"""Limit proposals in a real browser: the admin accepts one from the proposals page (by
keyboard), then the agent's meter shows the new limit and why; the limit matrix shows
the what-if of a cell's caps live, before saving."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from discretion.decisions.services import resolution_request
from discretion.models import TrustLimit
from discretion.proposals.services import limit_proposals_open
from tests import factories
from tests.proposals.support import decided
from tests.support.browser import assert_no_axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ada(db):
    return factories.UserFactory.create(
        username="ada", display_name="Ada Admin", role="admin", is_staff=True, is_superuser=True
    )


@pytest.fixture
def rosa(db):
    standard = factories.tier("standard")
    factories.TrustLimitFactory.create(
        tier=standard, per_remedy_max=Decimal("100"), daily_max=Decimal("400")
    )
    return factories.UserFactory.create(
        username="rosa", display_name="Rosa Diaz", role="agent", tier=standard
    )


def test_admin_accepts_a_proposal_and_the_agents_meter_says_why(
    page, new_page, login_as, live_url, ada, rosa
):
    decided(rosa, unchanged=14, lowered=1, amount="150.00")
    (proposal,) = limit_proposals_open()
    assert proposal.proposed == Decimal("150.00")
    case = factories.CaseFactory.create(subject="Refund me", assignee=rosa)

    login_as(page, "ada")
    page.goto(live_url("/admin-ui/"))
    expect(page.get_by_test_id("proposals-badge")).to_contain_text("1")
    page.get_by_role("link", name="Limit proposals").first.click()
    card = page.get_by_test_id("proposal")
    expect(card).to_contain_text("14 of 15 refund escalations approved unchanged in 90 days")
    expect(card.get_by_test_id("record")).to_contain_text("Refund")
    expect(card.get_by_test_id("proposal-whatif")).to_contain_text(
        "15 more would have applied, 15 fewer escalated, spend +2250.00."
    )
    assert_no_axe_violations(page)
    screenshot(page, "limit-proposals")
    page.keyboard.press("a")  # focuses the accept note
    expect(page.get_by_label("Note (optional)")).to_be_focused()
    page.keyboard.type("Fourteen of fifteen, well earned")
    page.keyboard.press("Enter")
    expect(page.locator("body")).to_contain_text("limit is now $150.00 per remedy")
    assert TrustLimit.objects.get(agent=rosa).per_remedy_max == Decimal("150.00")

    agent_page = new_page()
    login_as(agent_page, "rosa")
    agent_page.goto(live_url(f"/cases/{case.pk}/"))
    agent_page.get_by_label("Remedy", exact=True).select_option("refund")
    expect(agent_page.get_by_test_id("meter-per-remedy")).to_contain_text(
        "$150.00 of $150.00 left per remedy"
    )
    expect(agent_page.get_by_test_id("limit-note")).to_contain_text(
        "from your record: 14 of 15 approved unchanged."
    )
    expect(agent_page.get_by_test_id("limit-note")).to_contain_text("Raised on ")


def test_the_matrix_shows_the_what_if_as_a_cell_is_edited(page, login_as, live_url, ada, rosa):
    for amount in ("60", "120", "130"):
        resolution_request(
            case_id=factories.CaseFactory.create().pk,
            acting_user=rosa,
            remedy_type=factories.remedy("refund"),
            amount=Decimal(amount),
            reason="History.",
        )
    login_as(page, "ada")
    page.goto(live_url("/admin-ui/limits/"))
    page.get_by_role("button", name="Edit Standard limit for Refund").click()
    cell = page.get_by_role("form", name="Standard limit for Refund")
    whatif = cell.get_by_test_id("cell-whatif")
    expect(whatif).to_contain_text("no outcome of 3 requests would change")
    cell.get_by_label("Per remedy").fill("150")
    expect(whatif).to_contain_text(
        "Over the last 30 days: 2 more would have applied, 2 fewer escalated, spend +250.00."
    )
    screenshot(page, "limits-matrix-what-if")
    cell.get_by_label("Per remedy").fill("50")
    expect(whatif).to_contain_text("1 fewer would have applied, 1 more escalated, spend -60.00.")
    # Nothing saved yet.
    assert TrustLimit.objects.get(tier__code="standard").per_remedy_max == Decimal("100.00")
    cell.get_by_label("Reason (audit log)").fill("Try it")
    cell.get_by_role("button", name="Save").click()
    expect(page.locator("#cell-standard-refund")).to_contain_text("Saved.")
