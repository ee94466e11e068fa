"""An incident in a real browser: a supervisor declares it and links a case; an agent
whose own refund limit is 25 applies the incident's 60.00 in one click."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from discretion.models import Incident
from tests import factories
from tests.support.browser import assert_no_axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_declares_and_links_then_the_agent_applies_in_one_click(
    page, new_page, login_as, live_url
):
    factories.UserFactory(username="pam", role="supervisor", tier=factories.tier("senior"))
    nina = factories.UserFactory(username="nina", role="agent", tier=factories.tier("new"))
    factories.TrustLimitFactory(tier=nina.tier, per_remedy_max=Decimal("25.00"))
    case = factories.CaseFactory(
        subject="Outage: card payment failed", category="crisis", assignee=nina
    )

    login_as(page, "pam")
    page.goto(live_url("/incidents/"))
    assert_no_axe_violations(page)
    page.get_by_label("Title").fill("Outage 3 Dec")
    page.get_by_label("What we tell customers").fill("Card payments failed for three hours.")
    page.get_by_label("Refund up to").fill("60")
    page.get_by_label("Budget").fill("5000")
    page.get_by_role("button", name="Declare incident").click()
    expect(page.get_by_test_id("incident-status")).to_have_text("Active")
    page.get_by_label("Case numbers").fill(str(case.pk))
    page.get_by_test_id("link-form").get_by_role("button", name="Link").click()
    expect(page.get_by_test_id("cases-count")).to_have_text("1")
    assert_no_axe_violations(page)
    screenshot(page, "incident")
    incident = Incident.objects.get()

    agent = new_page()
    login_as(agent, "nina")
    agent.goto(live_url(f"/cases/{case.pk}/"))
    expect(agent.get_by_test_id("incident-banner")).to_contain_text(
        "Card payments failed for three hours."
    )
    expect(agent.get_by_label("Amount (USD)")).to_have_value("60.00")
    expect(agent.get_by_test_id("preview")).to_contain_text("Applies under incident")
    # The meter shows what the decision reads: the incident's cap and budget, not Nina's 25.
    meter = agent.locator("#meter")
    expect(meter.get_by_test_id("meter-incident")).to_contain_text(
        f"Under incident #{incident.pk} 'Outage 3 Dec'"
    )
    expect(meter).not_to_contain_text("over by")
    assert_no_axe_violations(agent)
    agent.get_by_role("button", name="Submit remedy").click()
    outcome = agent.locator("#submit-result").get_by_test_id("outcome")
    expect(outcome.get_by_test_id("outcome-status")).to_have_text("Applied")
    expect(outcome).to_contain_text(f"Applies under incident #{incident.pk} 'Outage 3 Dec'")
    screenshot(agent, "agent-case-incident")
    incident.refresh_from_db()
    assert incident.spent == Decimal("60.00")
    assert not agent.errors  # type: ignore[attr-defined]
