"""Messages to the customer in a real browser, through a real worker: a remedy applied
with a message shows "Sent" on the timeline; an escalation lowered by a supervisor turns
its message back into a draft that the agent edits and sends."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from discretion.escalations.services import escalation_decide
from discretion.models import CustomerMessage, Escalation, OnCallShift
from tests import factories
from tests.support.browser import assert_no_axe_violations
from tests.support.worker import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def amy(db):
    user = factories.UserFactory(
        username="amy", display_name="Amy Agent", role="agent", tier=factories.tier("standard")
    )
    factories.TrustLimitFactory(
        agent=user,
        tier=None,
        remedy_type=factories.remedy("refund"),
        per_remedy_max=Decimal("50.00"),
    )
    return user


@pytest.fixture
def pam(db):
    user = factories.UserFactory(username="pam", display_name="Pam Beesly", role="supervisor")
    factories.TrustLimitFactory(
        agent=user, tier=None, per_remedy_max=Decimal("200.00"), approval_max=Decimal("500.00")
    )
    now = timezone.now()
    OnCallShift.objects.create(
        supervisor=user,
        level=1,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=8),
    )
    return user


def resolve(page, amount: str, message: str) -> None:
    page.get_by_label("Remedy", exact=True).select_option("refund")
    page.get_by_label("Amount (USD)").fill(amount)
    page.get_by_label("Reason (internal)").fill("Trip wasted")
    # A complaint: the playbook's first step (acknowledge) is required with a message.
    page.locator("#pb-acknowledge").fill("I'm sorry your trip was wasted.")
    page.get_by_label("Message to the customer").fill(message)
    page.get_by_role("button", name="Submit remedy").click()


def test_sent_on_the_timeline_then_a_lowered_one_is_a_draft_the_agent_edits_and_sends(
    page, login_as, live_url, amy, pam, celery_worker
):
    customer = factories.CustomerFactory(name="Ana Lima", email="ana@example.com")
    case = factories.CaseFactory(subject="Late delivery", assignee=amy, customer=customer)
    login_as(page, "amy")
    page.goto(live_url(f"/cases/{case.pk}/"))
    timeline = page.locator("#timeline")

    resolve(page, "25", "We refunded 25.00 USD.")
    sent = timeline.locator('[data-kind="message"][data-status="sent"]')
    expect(sent).to_contain_text("Sent to ana@example.com at", timeout=15_000)

    resolve(page, "70", "We will refund your trip costs of 70.00 USD.")
    outcome = page.locator("#submit-result").get_by_test_id("outcome")
    expect(outcome.get_by_test_id("outcome-status")).to_contain_text("Went to")
    expect(timeline.locator('[data-kind="message"]').last).to_contain_text("held", timeout=10_000)
    escalation = wait_for(
        lambda: Escalation.objects.filter(resolution__case=case, assigned_to=pam).first(),
        timeout=10,
    )
    escalation_decide(
        acting_user=pam, escalation_id=escalation.pk, approve=True, amount=Decimal("40.00")
    )
    expect(outcome.get_by_test_id("outcome-status")).to_contain_text(
        re.compile("^(Applied|Approved by)"), timeout=10_000
    )
    draft = page.get_by_test_id("message-draft")
    expect(draft).to_contain_text("The refund was lowered to $40.00: edit and send.")
    expect(timeline).to_contain_text("Draft — The refund was lowered to $40.00", timeout=10_000)
    body = draft.get_by_role("textbox", name="Message to ana@example.com")
    expect(body).to_have_value(
        "A correction to the message below: the refund we can give you is $40.00, "
        "not the $70.00 it mentions.\n\nWe will refund your trip costs of 70.00 USD."
    )
    assert_no_axe_violations(page)
    body.fill("We have refunded 40.00 USD of your trip costs.")
    draft.get_by_role("button", name="Send to the customer").click()
    expect(page.get_by_test_id("message-draft")).to_have_count(0)
    expect(timeline.locator('[data-kind="message"][data-status="sent"]')).to_have_count(
        2, timeout=15_000
    )
    lowered = CustomerMessage.objects.get(resolution=escalation.resolution)
    assert lowered.status == "sent" and lowered.body.startswith("We have refunded 40.00")
    assert CustomerMessage.objects.filter(case=case, status="sent").count() == 2
