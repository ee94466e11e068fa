"""On-call that answers (issue 16, part 1), in a real browser: a 3,000.00 store credit is
previewed and routed straight to the supervisor on call who may approve it (Sam, level 2,
approval 5,000), never to Pam on call at level 1 (approval 1,000); above everyone's
approval the preview says it goes to the admins."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from discretion.escalations.routing import escalation_route
from discretion.models import Escalation
from tests import factories
from tests.support.escalations import on_call

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(db):
    nina = factories.UserFactory(username="nina", display_name="Nina Patel", role="agent")
    factories.TrustLimitFactory(
        agent=nina, tier=None, remedy_type=factories.remedy("store_credit"), per_remedy_max="25.00"
    )
    pam = factories.UserFactory(username="pam", display_name="Pam Beesly", role="supervisor")
    sam = factories.UserFactory(username="sam", display_name="Sam Rivera", role="supervisor")
    on_call(pam, level=1, approval_max="1000.00")
    on_call(sam, level=2, approval_max="5000.00")
    return nina, pam, sam


def test_a_3000_store_credit_is_previewed_and_routed_to_who_may_approve_it(
    page, login_as, live_url, people
):
    nina, _pam, sam = people
    case = factories.CaseFactory(assignee=nina, category="question", subject="Lost twice")
    login_as(page, "nina")
    page.goto(live_url(f"/cases/{case.pk}/"))
    page.get_by_label("Remedy", exact=True).select_option("store_credit")
    amount = page.locator("#resolve-form [name=amount]")
    route = page.get_by_test_id("preview-route")

    amount.fill("9000.00")
    expect(route).to_have_text("Goes to the admins: nobody on call may approve $9,000.00 right now")
    amount.fill("500.00")
    expect(route).to_have_text("Goes to Pam Beesly, on call")
    amount.fill("3000.00")
    expect(route).to_have_text("Goes to Sam Rivera, on call")

    page.get_by_label("Reason").fill("Order lost twice; store credit instead of a refund.")
    page.get_by_role("button", name="Submit remedy").click()
    expect(page.locator("#submit-result").get_by_test_id("outcome-status")).to_be_visible()
    escalation = Escalation.objects.get(resolution__case=case)
    escalation_route(escalation_id=escalation.pk)  # what the worker does after the commit
    escalation.refresh_from_db()
    assert (escalation.assigned_to_id, escalation.level) == (sam.pk, 2)
    assert escalation.resolution.requested_amount == Decimal("3000.00")
    page.reload()
    expect(page.locator("#outcomes")).to_contain_text("Went to Sam Rivera")
