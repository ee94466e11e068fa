"""Login, home redirects, the case list: in a real browser, with an accessibility check."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.support.browser import TABLET, assert_no_axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_is_accessible_and_bad_password_is_explained(page, live_url, agent):
    page.goto(live_url("/"))
    expect(page).to_have_url(live_url("/login/?next=/"))
    assert_no_axe_violations(page)
    screenshot(page, "login")
    page.get_by_label("Username").fill(agent.username)
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("didn't match")


def test_agent_lands_on_their_cases_and_can_search(page, login_as, live_url, agent):
    mine = factories.CaseFactory(subject="Parcel never arrived", assignee=agent)
    factories.CaseFactory(subject="Double charge on card", assignee=agent)
    login_as(page, agent.username)
    expect(page).to_have_url(live_url("/cases/"))
    expect(page.get_by_role("link", name="Parcel never arrived")).to_be_visible()
    page.keyboard.press("/")
    expect(page.get_by_label("Search")).to_be_focused()
    page.keyboard.type("Double")
    expect(page.get_by_role("link", name="Parcel never arrived")).to_have_count(0)
    expect(page.get_by_role("link", name="Double charge on card")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_label("Search").fill("")
    expect(page.get_by_role("link", name="Parcel never arrived")).to_be_visible()
    screenshot(page, "agent-cases")
    page.get_by_role("link", name="Parcel never arrived").click()
    expect(page).to_have_url(live_url(f"/cases/{mine.pk}/"))


def test_roles_land_where_their_work_is(page, login_as, live_url, supervisor):
    login_as(page, supervisor.username)
    assert page.url.startswith(live_url("/queue/"))


def test_case_list_works_on_a_tablet(new_page, login_as, live_url, agent):
    factories.CaseFactory(subject="Tablet case", assignee=agent)
    page = new_page(viewport=TABLET)
    login_as(page, agent.username)
    expect(page.get_by_role("link", name="Tablet case")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 768, f"horizontal scroll at 768 px: {width}"
