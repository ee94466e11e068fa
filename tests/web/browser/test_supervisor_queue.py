"""The supervisor queue in a real browser, with a real Celery worker routing escalations.

An agent goes over their limit (through the API); the on-call supervisor's open queue
shows it without a reload, they lower and approve it with the keyboard, and the agent
sees the outcome.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from discretion.models import Escalation, OnCallShift
from tests import factories
from tests.support.browser import TABLET, assert_no_axe_violations, screenshot
from tests.support.worker import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def nina(db):
    user = factories.UserFactory(username="nina", display_name="Nina Patel", role="agent")
    factories.TrustLimitFactory(agent=user, per_remedy_max=Decimal("50.00"))
    return user


@pytest.fixture
def pam(db):
    user = factories.UserFactory(username="pam", display_name="Pam Beesly", role="supervisor")
    factories.TrustLimitFactory(
        agent=user, per_remedy_max=Decimal("200.00"), approval_max=Decimal("500.00")
    )
    now = timezone.now()
    OnCallShift.objects.create(
        supervisor=user,
        level=1,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=8),
    )
    return user


def request_refund(api, user, case, amount: str, reason: str):
    response = api.as_user(user).post(
        f"/api/v1/cases/{case.pk}/resolutions/",
        {"remedy_type": "refund", "amount": amount, "reason": reason},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_escalation_appears_live_and_is_lowered_with_the_keyboard(
    page, new_page, login_as, live_url, api, nina, pam, celery_worker
):
    case = factories.CaseFactory(subject="Blender arrived broken", assignee=nina)
    login_as(page, "pam")
    page.goto(live_url("/queue/"))
    expect(page.get_by_text("Nothing waiting.")).to_be_visible()
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    created = request_refund(api, nina, case, "150.00", "Second broken blender this month.")
    item = page.locator("article.queue-item", has_text="Blender arrived broken")
    expect(item).to_be_visible(timeout=10_000)  # polled in, no reload
    expect(item).to_contain_text("Assigned to you", timeout=10_000)  # routed by the worker
    expect(item).to_contain_text("$150.00")
    expect(item).to_contain_text("Per-remedy cap: asks $150.00, cap $50.00")
    expect(item).to_contain_text("Nina Patel, 30 days")
    expect(item.locator("time[data-countdown]")).to_contain_text("left")
    assert page.evaluate("window.__sameDocument") is True

    assert_no_axe_violations(page)
    page.keyboard.press("j")
    expect(item).to_have_class("card queue-item is-mine is-selected")
    page.keyboard.press("l")
    amount = page.get_by_label("Amount to approve (refund)")
    expect(amount).to_be_focused()
    amount.fill("90")
    page.get_by_label("Note for the agent (optional)").fill("90 covers a new blender.")
    screenshot(page, "queue")
    page.locator("#decide-panel").get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status").filter(has_text="Approved")).to_contain_text(
        "Approved Nina Patel's refund of $90.00 (lowered from $150.00)."
    )
    expect(item).to_have_count(0)  # left the queue
    assert page.evaluate("window.__sameDocument") is True

    # The agent sees the outcome: the API, and their case page.
    resolution = api.as_user(nina).get(f"/api/v1/resolutions/{created['id']}/").json()
    assert (resolution["status"], resolution["amount"]) == ("applied", "90.00")
    agent_page = new_page()
    login_as(agent_page, "nina")
    agent_page.goto(live_url(f"/cases/{case.pk}/"))
    outcome = agent_page.get_by_test_id("outcome").first
    expect(outcome.get_by_test_id("outcome-status")).to_contain_text(
        re.compile("^(Applied|Approved by)")
    )
    expect(outcome.get_by_test_id("supervisor-note")).to_contain_text(
        "lowered it from $150.00 to $90.00"
    )


def test_deny_needs_a_note_and_four_eyes_is_explained(page, login_as, live_url, api, nina, pam):
    case = factories.CaseFactory(subject="Late parcel", assignee=nina)
    request_refund(api, nina, case, "120.00", "Three weeks late.")
    own_case = factories.CaseFactory(subject="Pam's own case")
    request_refund(api, pam, own_case, "300.00", "Big gesture.")
    login_as(page, "pam")
    page.goto(live_url("/queue/"))

    own = page.locator("article.queue-item", has_text="Pam's own case")
    own.get_by_role("button", name="Approve $300.00").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "you made this request, so you cannot decide it yourself"
    )

    late = page.locator("article.queue-item", has_text="Late parcel")
    late.get_by_role("link", name="Deny…").click()
    note = page.get_by_label("Why are you denying it?")
    expect(note).to_be_focused()
    page.locator("#decide-panel").get_by_role("button", name="Deny").click()
    expect(page.get_by_text("Write a note: the agent sees it")).to_be_visible()
    page.get_by_label("Why are you denying it?").fill("Outside the refund policy.")
    page.locator("#decide-panel").get_by_role("button", name="Deny").click()
    expect(page.get_by_role("status").filter(has_text="Denied")).to_contain_text(
        "Denied Nina Patel's refund request."
    )
    escalation = wait_for(
        lambda: Escalation.objects.filter(resolution__case=case, status="denied").first(),
        timeout=5,
    )
    assert escalation.decision_note == "Outside the refund policy."


def test_queue_on_a_tablet(new_page, login_as, live_url, api, nina, pam):
    for n in range(3):
        case = factories.CaseFactory(subject=f"Tablet case {n}", assignee=nina)
        request_refund(api, nina, case, f"{60 + n}.00", "Needs a look.")
    page = new_page(viewport=TABLET)
    login_as(page, "pam")
    page.goto(live_url("/queue/"))
    expect(page.locator("article.queue-item")).to_have_count(3)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 768, f"horizontal scroll at 768 px: {width}"
    page.locator("article.queue-item").first.get_by_role("link", name="Lower…").click()
    expect(page.get_by_label("Amount to approve (refund)")).to_be_in_viewport()
    assert_no_axe_violations(page)
