"""Problems in a real browser: an agent pulls the cord on a case (a new problem, title
from the case subject); a second case joins it; a supervisor marks it fixed; the agent
sees the draft telling the customer what changed on the other linked case."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from discretion.models import CustomerMessage, Problem
from tests import factories
from tests.support.browser import assert_no_axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pull_the_cord_fix_and_see_the_draft(page, new_page, login_as, live_url, agent, supervisor):
    first = factories.CaseFactory(subject="Parcel shows delivered, never came", assignee=agent)
    second = factories.CaseFactory(subject="Tracking says delivered", assignee=agent)
    login_as(page, agent.username)

    page.goto(live_url(f"/cases/{first.pk}/"))
    panel = page.locator("#problem-panel")
    expect(panel.get_by_label("What keeps happening")).to_have_value(first.subject)
    panel.get_by_role("button", name="This keeps happening: open a problem").click()
    expect(panel.get_by_test_id("case-problem")).to_contain_text(first.subject)
    assert_no_axe_violations(page)
    screenshot(page, "problem-cord")
    problem = Problem.objects.get()

    page.goto(live_url(f"/cases/{second.pk}/"))
    panel.get_by_label("Join an open problem").select_option(str(problem.pk))
    panel.get_by_role("button", name="This keeps happening: join it").click()
    expect(panel.get_by_test_id("case-problem")).to_be_visible()

    boss = new_page()
    login_as(boss, supervisor.username)
    boss.goto(live_url(f"/problems/{problem.pk}/"))
    expect(boss.get_by_test_id("problem-cases-count")).to_have_text("2")
    boss.get_by_role("button", name="Mark fixed").click()  # empty: the browser refuses it
    boss.get_by_label("What we changed").fill("Couriers now photograph every parcel they leave.")
    boss.get_by_role("button", name="Mark fixed").click()
    expect(boss.get_by_test_id("problem-drafts").locator("li")).to_have_count(2)
    assert_no_axe_violations(boss)
    screenshot(boss, "problem-fixed")

    page.goto(live_url(f"/cases/{second.pk}/"))
    expect(page.locator("#messages-title")).to_be_visible()
    expect(
        page.get_by_text("Couriers now photograph every parcel they leave.").first
    ).to_be_visible()
    assert CustomerMessage.objects.filter(case=second, status="draft").count() == 1
