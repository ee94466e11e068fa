"""My record in a real browser: reached from the nav, the period by keyboard, charts drawn,
no CSP violation or serious accessibility problem; another agent is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import assert_no_axe_violations, screenshot
from tests.support.records import build_history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_opens_my_record_from_the_nav(page, login_as, live_url):
    history = build_history()
    login_as(page, history.agent.username)
    page.get_by_role("link", name="My record").click()
    expect(page).to_have_url(live_url("/me/record/"))
    expect(page.get_by_role("heading", name="My record", level=1)).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(4)
    expect(page.get_by_text("5 of 10 requests applied on your own authority")).to_be_visible()
    expect(page.get_by_text("Saved the Henderson account.")).to_be_visible()
    expect(page.get_by_text("Offer the replacement before the refund.")).to_be_visible()
    assert_no_axe_violations(page)
    screenshot(page, "my-record")

    page.keyboard.press("y")  # the last 365 days
    expect(page).to_have_url(live_url("/me/record/?days=365"))
    expect(page.get_by_text("6 of 11 requests applied on your own authority")).to_be_visible()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog")).to_contain_text("Show the last 30 days")


def test_another_agent_cannot_open_it(page, login_as, live_url):
    history = build_history()
    login_as(page, history.other.username)
    response = page.goto(live_url(f"/agents/{history.agent.pk}/record/"))
    assert response is not None and response.status == 403
    expect(page.get_by_text("Offer the replacement")).to_have_count(0)
