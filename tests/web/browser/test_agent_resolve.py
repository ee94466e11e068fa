"""The resolve panel in a real browser: preview as you type, submit, outcome, meter."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Resolution
from discretion.models import Escalation, OnCallShift
from tests import factories
from tests.support.browser import assert_no_axe_violations, screenshot
from tests.support.worker import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def limited_agent(db):
    user = factories.UserFactory(
        username="amy", display_name="Amy Agent", role="agent", tier=factories.tier("standard")
    )
    factories.TrustLimitFactory(
        agent=user,
        tier=None,
        remedy_type=factories.remedy("refund"),
        per_remedy_max=Decimal("50.00"),
        per_case_max=Decimal("80.00"),
        daily_max=Decimal("100.00"),
        monthly_max=Decimal("500.00"),
    )
    return user


@pytest.fixture
def pam(db):
    user = factories.UserFactory(
        username="pam", display_name="Pam Beesly", role="supervisor", tier=factories.tier("senior")
    )
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


def test_agent_resolves_within_limits(page, login_as, live_url, limited_agent):
    case = factories.CaseFactory(subject="Late delivery", assignee=limited_agent)
    login_as(page, "amy")
    page.goto(live_url(f"/cases/{case.pk}/"))
    meter_today = page.get_by_test_id("meter-today").first
    expect(meter_today).to_contain_text("$100.00 of $100.00 left today")

    page.keyboard.press("r")
    expect(page.get_by_label("Remedy", exact=True)).to_be_focused()
    page.get_by_label("Remedy", exact=True).select_option("refund")
    page.get_by_label("Amount (USD)").fill("25")
    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text("Applies now")
    expect(meter_today).to_contain_text("75.00 after this")
    page.get_by_label("Reason (internal)").fill("Parcel arrived a week late")
    # The repair playbook composes the message (static/js/playbook.js).
    page.get_by_label("1 · Acknowledge").fill("You're right, and I'm sorry it was late.")
    message = page.get_by_label("Message to the customer")
    expect(message).to_have_value(
        "You're right, and I'm sorry it was late.\n\n"
        "This is within what I can do for you right away.\n\n"
        "I've refunded $25.00; you'll see it on your statement in 3–5 days."  # noqa: RUF001
    )
    assert_no_axe_violations(page)
    screenshot(page, "agent-case-resolve")

    page.get_by_role("button", name="Submit remedy").dblclick()
    outcome = page.locator("#submit-result").get_by_test_id("outcome")
    expect(outcome.get_by_test_id("outcome-status")).to_contain_text(
        re.compile("^(Applied|Approved by)")
    )
    expect(outcome).to_contain_text("is within your limits")
    expect(meter_today).to_contain_text("$75.00 of $100.00 left today")
    expect(page.get_by_label("Amount (USD)")).to_have_value("")
    # The rest of the page follows without a reload: header total, list, timeline.
    expect(page.get_by_test_id("remedies-total")).to_have_text("$25.00")
    expect(page.locator("#outcomes").get_by_test_id("outcome")).to_have_count(1)
    expect(page.locator("#timeline")).to_contain_text("Applies now")
    screenshot(page, "agent-case-outcome")
    # One double click, one grant.
    assert Resolution.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    assert case.remedies_total == Decimal("25.00")


def expect_preview_answered(page) -> None:
    """The live preview has no request in flight: its last answer has been handled."""
    trigger = page.locator("#resolve-form [hx-target='#preview']")
    expect(trigger).not_to_have_class(re.compile("htmx-request"))


def test_a_preview_answered_after_the_submit_does_not_paint_over_its_meter(
    page, login_as, live_url, limited_agent
):
    """A preview sent before the submit, answered after it, is for the old budget."""
    case = factories.CaseFactory(subject="Late delivery", assignee=limited_agent)
    login_as(page, "amy")
    page.goto(live_url(f"/cases/{case.pk}/"))
    meter_today = page.get_by_test_id("meter-today").first
    page.get_by_label("Remedy", exact=True).select_option("refund")
    page.get_by_label("Reason (internal)").fill("Parcel arrived a week late")
    amount = page.get_by_label("Amount (USD)")
    amount.fill("25")
    expect(meter_today).to_contain_text("$75.00 after this")

    # The next preview is answered by the server now, before the submit, and handed to
    # the page only after the submit's answer is in.
    held: list = []

    def hold_first(route):
        if held:
            route.continue_()
        else:
            held.append((route, route.fetch()))

    page.route("**/cases/*/preview/", hold_first)
    amount.fill("30")  # an input event: a preview 300 ms later, no change event (no blur)
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the preview was never sent"
    amount.press("Control+Enter")  # submit from the field: it keeps the focus
    outcome = page.locator("#submit-result").get_by_test_id("outcome")
    expect(outcome.get_by_test_id("outcome-status")).to_have_text("Applied")
    after_submit = re.compile(r"^\s*\$70\.00 of \$100\.00 left today\s*$")  # no "after this"
    expect(meter_today).to_have_text(after_submit)

    route, stale = held[0]
    route.fulfill(response=stale)
    expect_preview_answered(page)
    expect(meter_today).to_have_text(after_submit)
    expect(page.get_by_test_id("preview")).to_contain_text("Type an amount")
    assert Resolution.objects.get(case=case).amount == Decimal("30.00")


def test_a_click_on_the_split_offer_survives_a_preview_answered_while_it_is_pressed(
    page, login_as, live_url, limited_agent, pam
):
    """Leaving a field for the split button sends a preview (its change event); its
    answer, the same as the one shown, must not replace the button under the pointer."""
    case = factories.CaseFactory(subject="Kettle leaks", assignee=limited_agent)
    login_as(page, "amy")
    page.goto(live_url(f"/cases/{case.pk}/"))
    page.get_by_label("Remedy", exact=True).select_option("refund")
    page.get_by_label("Reason (internal)").fill("Leaked twice")
    page.get_by_label("Amount (USD)").fill("60")
    split = page.get_by_test_id("split-action")
    expect(split).to_have_text("Apply $50.00 now, send $10.00 to Pam Beesly")
    expect_preview_answered(page)

    box = split.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    with page.expect_response("**/cases/*/preview/"):
        page.evaluate(
            "document.getElementById('resolve-form')"
            ".dispatchEvent(new Event('change', {bubbles: true}))"
        )
    expect_preview_answered(page)
    page.mouse.up()

    expect(page.get_by_test_id("split-summary")).to_contain_text("Applied $50.00 now")
    assert sorted(Resolution.objects.filter(case=case).values_list("status", "amount")) == [
        ("applied", Decimal("50.00")),
        ("pending_approval", Decimal("10.00")),
    ]


def test_agent_over_the_limit_waits_and_sees_the_decision_without_reload(
    page, login_as, live_url, limited_agent, pam, celery_worker
):
    from discretion.escalations.services import escalation_decide

    case = factories.CaseFactory(subject="Broken blender", assignee=limited_agent)
    login_as(page, "amy")
    page.goto(live_url(f"/cases/{case.pk}/"))
    page.get_by_label("Remedy", exact=True).select_option("refund")
    page.get_by_label("Amount (USD)").fill("70")
    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text("Goes to Pam Beesly, on call")
    expect(preview.get_by_test_id("failed-check")).to_contain_text("Per remedy limit of $50.00")
    page.get_by_label("Reason (internal)").fill("Blender broke twice")
    page.get_by_role("button", name="Submit remedy").click()
    outcome = page.locator("#submit-result").get_by_test_id("outcome")
    expect(outcome.get_by_test_id("outcome-status")).to_contain_text("Went to")
    expect(outcome).to_contain_text("Went to Pam Beesly", timeout=10_000)  # routed by the worker

    escalation = wait_for(
        lambda: Escalation.objects.filter(resolution__case=case, assigned_to=pam).first(),
        timeout=10,
    )
    escalation_decide(
        acting_user=pam,
        escalation_id=escalation.pk,
        approve=True,
        amount=Decimal("60.00"),
        note="Fair, but 60 covers the blender.",
    )
    expect(outcome.get_by_test_id("outcome-status")).to_contain_text(
        re.compile("^(Applied|Approved by)"), timeout=10_000
    )
    expect(outcome.get_by_test_id("supervisor-note")).to_contain_text(
        "lowered it from $70.00 to $60.00"
    )
    expect(outcome.get_by_test_id("supervisor-note")).to_contain_text("60 covers the blender")
    expect(page.get_by_test_id("outcome-headline").first).to_contain_text("Approved by Pam Beesly")
