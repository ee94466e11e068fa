"""Fewer clicks, no one-key accidents (issue 16, parts 2 and 4), in a real browser.

Each trap has a test that fails if it comes back: a queue key acting on a card nobody
selected, or approving on one key press; the meter or the outcome pushed below the fold
at 1440x900; the split, withdraw and repeat warning; j/k on the case list and a search
that only looks in the current tab.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from cases.models import Case, Resolution
from discretion.decisions.services import resolution_request
from discretion.models import Escalation
from tests import factories
from tests.support.browser import assert_no_axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture
def nina(db):
    user = factories.UserFactory(username="nina", display_name="Nina Patel", role="agent")
    factories.TrustLimitFactory(
        agent=user,
        tier=None,
        per_remedy_max=Decimal("25.00"),
        per_case_max=Decimal("500.00"),
        daily_max=Decimal("1000.00"),
        monthly_max=Decimal("5000.00"),
    )
    return user


@pytest.fixture
def pam(db):
    user = factories.UserFactory(username="pam", display_name="Pam Beesly", role="supervisor")
    factories.TrustLimitFactory(
        agent=user, tier=None, per_remedy_max=Decimal("200.00"), approval_max=Decimal("5000.00")
    )
    return user


def _over_limit(agent, subject, amount):
    case = factories.CaseFactory(subject=subject, assignee=agent)
    return resolution_request(
        case_id=case.pk,
        acting_user=agent,
        remedy_type=factories.remedy("refund"),
        amount=Decimal(amount),
        reason="Needs a look.",
    )


def test_queue_keys_act_only_on_the_selected_card_and_approve_takes_two_presses(
    page, login_as, live_url, nina, pam
):
    first = _over_limit(nina, "First in line", "3000.00")
    second = _over_limit(nina, "Second in line", "40.00")
    approvals: list[str] = []
    page.on("request", lambda r: approvals.append(r.url) if "/approve/" in r.url else None)
    login_as(page, "pam")
    page.goto(live_url("/queue/"))
    cards = page.locator("article.queue-item")
    expect(cards).to_have_count(2)
    status = page.get_by_test_id("queue-key-status")

    # Nothing is selected on load; "a" on nothing does nothing and says so.
    expect(page.locator(".queue-item.is-selected")).to_have_count(0)
    expect(page.locator('[role=row][aria-selected="true"]')).to_have_count(0)
    page.keyboard.press("a")
    expect(status).to_have_text("Select an escalation first: j/k")
    page.keyboard.press("d")
    expect(status).to_have_text("Select an escalation first: j/k")
    expect(page.locator("#decide-panel")).not_to_contain_text("Why are you denying it?")

    # j selects visibly: the class, aria-selected on its row, the focus.
    page.keyboard.press("j")
    chosen = page.locator("article.queue-item.is-selected")
    expect(chosen).to_have_count(1)
    expect(chosen).to_be_focused()
    expect(page.locator('[role=row][aria-selected="true"]')).to_have_count(1)
    assert_no_axe_violations(page)  # the grid of rows is valid ARIA
    case_no = first.case_id if "First in line" in chosen.inner_text() else second.case_id
    amount = "$3,000.00" if case_no == first.case_id else "$40.00"

    # One press only asks; Escape cancels; nothing is sent before the second press.
    page.keyboard.press("a")
    expect(status).to_have_text(f"Press a again to approve {amount} for case #{case_no}")
    screenshot(page, "queue-confirm-approve", full_page=False)
    page.keyboard.press("Escape")
    expect(status).to_have_text("Not approved.")
    page.keyboard.press("a")
    expect(status).to_contain_text("Press a again")
    page.wait_for_timeout(300)
    assert approvals == []
    assert Escalation.objects.filter(status="pending").count() == 2

    page.keyboard.press("a")
    expect(page.locator("#decide-panel")).to_contain_text("Approved Nina Patel's refund")
    assert len(approvals) == 1
    decided = Escalation.objects.get(status="approved")
    assert decided.resolution.case_id == case_no
    expect(cards).to_have_count(1)


def test_case_page_meter_and_outcome_above_the_fold_split_repeat_withdraw_and_submit_key(
    new_page, login_as, live_url, nina, pam
):
    factories.OnCallShiftFactory(supervisor=pam)  # may approve 5,000: the split names her
    case = factories.CaseFactory(subject="Kettle leaks", assignee=nina, category="question")
    page = new_page(viewport=DESKTOP)
    login_as(page, "nina")
    page.goto(live_url(f"/cases/{case.pk}/"))
    expect(page.get_by_test_id("playbook")).to_be_visible()
    expect(page.locator("#messages-title")).to_be_visible()

    def above_the_fold(locator) -> None:
        # In view as the page stands: the resolve panel is sticky, so once the page has
        # scrolled (a field filled lower down) its content is judged in the viewport.
        box = locator.bounding_box()
        assert box is not None
        bottom = box["y"] + box["height"]
        # Within a pixel: scrollIntoView aligns an edge, sub-pixel layout rounds it (-0.09).
        top_ok, bottom_ok = box["y"] >= -1, bottom <= DESKTOP["height"] + 1
        assert top_ok and bottom_ok, f"{locator} spans {box['y']}px to {bottom}px"

    above_the_fold(page.locator("#meter"))

    # Over the headroom: the preview offers the split (apply 25 now, escalate 35).
    page.get_by_label("Amount (USD)").fill("60")
    split = page.get_by_test_id("split-action")
    expect(split).to_have_text("Apply $25.00 now, send $35.00 to Pam Beesly")
    page.get_by_label("Reason (internal)").fill("Leaked twice")
    split.click()
    summary = page.get_by_test_id("split-summary")
    expect(summary).to_have_text(
        "Applied $25.00 now (your limit per remedy); $35.00 went to Pam Beesly for approval."
    )
    outcomes = page.locator("#submit-result").get_by_test_id("outcome")
    expect(outcomes).to_have_count(2)
    pending = page.locator('#submit-result [data-status="pending_approval"]')
    above_the_fold(page.locator("#meter"))
    above_the_fold(pending.get_by_test_id("outcome-headline"))
    screenshot(page, "agent-case-split", full_page=False)
    assert Resolution.objects.filter(case=case, status="applied").get().amount == Decimal("25.00")

    # The same remedy again within minutes: the preview warns (another tab?).
    page.get_by_label("Amount (USD)").fill("10")
    expect(page.get_by_test_id("repeat-warning")).to_contain_text(
        "You already asked for $35.00 refund on this case"
    )

    # Withdraw the pending rest: its card says so, the escalation is gone from the queue.
    pending.get_by_test_id("withdraw").click()
    withdrawn = page.locator('#submit-result [data-status="withdrawn"]')
    expect(withdrawn).to_contain_text("Withdrawn by you", timeout=2_500)  # swapped, not polled
    expect(page.locator('#outcomes [data-status="withdrawn"]')).to_have_count(1)
    assert Escalation.objects.get(resolution__case=case).status == "withdrawn"

    # Ctrl+Enter submits from a field; the outcome shows above the fold.
    expect(page.get_by_test_id("submit-hint")).to_contain_text("Enter")
    page.get_by_label("Reason (internal)").fill("A small extra")
    page.get_by_label("Reason (internal)").press("Control+Enter")
    expect(summary).to_have_count(0)  # the split's result made way for this one
    applied = page.locator('#submit-result [data-status="applied"]')
    expect(applied).to_have_count(1)
    above_the_fold(applied.get_by_test_id("outcome-headline"))
    assert Resolution.objects.filter(case=case, status="applied").count() == 2
    assert Case.objects.get(pk=case.pk).status == "open"


def test_case_list_j_k_and_search_across_every_case(page, login_as, live_url, nina):
    mine = [factories.CaseFactory(subject=f"Nina's case {n}", assignee=nina) for n in range(3)]
    stranger = factories.UserFactory()
    elsewhere = factories.CaseFactory(subject="Fridge hums", assignee=stranger, status="closed")
    login_as(page, "nina")
    page.goto(live_url("/cases/"))
    rows = page.locator("#case-results tbody tr")
    expect(rows).to_have_count(3)
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(page.locator("#case-results tbody tr.is-selected")).to_have_count(1)
    expect(rows.first).to_have_class("is-selected")
    expect(rows.first.get_by_role("link")).to_be_focused()
    assert_no_axe_violations(page)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/cases/{mine[-1].pk}/")  # newest first

    page.goto(live_url("/cases/?tab=mine&status=open"))
    page.get_by_label("Search").fill("fridge")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Fridge hums")
    expect(page.get_by_test_id("search-scope")).to_contain_text("Searching all cases")
    assert elsewhere.status == "closed"
