"""The repair playbook in a real browser: the agent fills the steps, is stopped without an
acknowledgement on a complaint, sees "it's our policy" underlined with a plainer way to
say it, applies it in one click, sets a follow-up, submits, and finds the follow-up on
My follow-ups."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from cases.models import Resolution
from discretion.models import FollowUp
from tests import factories
from tests.support.browser import assert_no_axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def amy(db):
    user = factories.UserFactory(
        username="amy", display_name="Amy Agent", role="agent", tier=factories.tier("standard")
    )
    for code, cap in (("refund", "50.00"), ("goodwill_gesture", "20.00")):
        factories.TrustLimitFactory(
            agent=user,
            tier=None,
            remedy_type=factories.remedy(code),
            per_remedy_max=Decimal(cap),
            daily_max=Decimal("100.00"),
        )
    return user


def test_agent_fills_the_playbook_fixes_the_wording_and_follows_up(page, login_as, live_url, amy):
    factories.MessagingSettingsFactory(brand_promise="If it isn't right, we make it right.")
    case = factories.CaseFactory(subject="Jacket leaks", category="complaint", assignee=amy)
    login_as(page, "amy")
    page.goto(live_url(f"/cases/{case.pk}/"))
    page.get_by_label("Remedy", exact=True).select_option("refund")
    page.get_by_label("Amount (USD)").fill("25")
    expect(page.get_by_test_id("preview")).to_contain_text("Applies now")
    page.get_by_label("Reason (internal)").fill("Seams leak")
    message = page.get_by_label("Message to the customer")
    # Steps 2-4 fill themselves from the preview, the remedy and the brand promise; the
    # message waits for the agent to start.
    expect(page.get_by_label("2 · Say why")).to_have_value(
        "This is within what I can do for you right away."
    )
    expect(page.get_by_label("3 · Make it right")).to_have_value(
        "I've refunded $25.00; you'll see it on your statement in 3–5 days."  # noqa: RUF001
    )
    expect(page.get_by_label("4 · What we stand for")).to_have_value(
        "If it isn't right, we make it right."
    )
    expect(message).to_have_value("")
    expect(page.get_by_label("Offer a goodwill gesture of $10.00 for the trouble")).to_be_visible()

    # A complaint: no message without step 1, the error next to it.
    message.fill("Here is your refund.")
    page.get_by_role("button", name="Submit remedy").click()
    expect(page.get_by_test_id("acknowledge-error")).to_contain_text("Acknowledge first")
    expect(page.get_by_label("1 · Acknowledge")).to_be_focused()
    assert not Resolution.objects.exists()
    message.fill("")

    page.get_by_label("1 · Acknowledge").fill("I'm sorry your jacket let the rain in.")
    expect(page.get_by_test_id("acknowledge-error")).to_have_text("")
    expect(message).to_have_value(
        "I'm sorry your jacket let the rain in.\n\n"
        "This is within what I can do for you right away.\n\n"
        "I've refunded $25.00; you'll see it on your statement in 3–5 days.\n\n"  # noqa: RUF001
        "If it isn't right, we make it right."
    )
    message.fill(message.input_value() + "\n\nIt's our policy to refund to the card you paid with.")
    check = page.locator("#customer_message + [data-testid=plain-check]")
    expect(check.locator("mark.plain-flag")).to_have_text("It's our policy")
    finding = check.get_by_test_id("plain-finding")
    expect(finding).to_contain_text("Say what you can do and why")
    assert_no_axe_violations(page)
    screenshot(page, "agent-playbook")
    finding.get_by_role("button", name="Use this instead of “It's our policy”").click()
    expect(message).not_to_have_value("It's our policy", timeout=2000)
    assert "It's our policy" not in message.input_value()
    assert "Here's what I can do: … to refund to the card you paid with." in message.input_value()
    expect(check).to_be_hidden()  # checked again: nothing left to flag

    page.get_by_label("6 · Follow-up").fill("2030-03-04T09:30")
    page.get_by_label("Follow-up note").fill("Did the refund land?")
    # A hand-edited message is not recomposed behind the agent's back.
    expect(page.locator("[data-pb-status]")).to_contain_text("You edited the message")
    edited = message.input_value()
    page.get_by_role("button", name="Submit remedy").click()
    outcome = page.locator("#submit-result").get_by_test_id("outcome")
    expect(outcome.get_by_test_id("outcome-status")).to_contain_text(
        re.compile("^(Applied|Approved by)")
    )
    expect(page.get_by_test_id("case-follow-ups")).to_contain_text("Did the refund land?")
    resolution = Resolution.objects.get()
    assert resolution.customer_message == edited
    assert FollowUp.objects.get().assigned_to == amy

    page.get_by_role("link", name="Follow-ups").click()
    upcoming = page.get_by_test_id("follow-ups-upcoming")
    expect(upcoming).to_contain_text("Jacket leaks")
    expect(upcoming).to_contain_text("Did the refund land?")
    assert_no_axe_violations(page)
    # Keyboard: j selects the first follow-up, x marks it done.
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.get_by_test_id("follow-ups-done")).to_contain_text("Jacket leaks")
    assert FollowUp.objects.get().status == "done"
