"""Asking for more in a real browser, with a real Celery worker routing the request: the
agent asks from the case page, the on-call supervisor approves it in the queue with the
keyboard, and the agent's meter shows the temporary limit."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from discretion.models import LimitRequest, OnCallShift
from tests import factories
from tests.support.browser import assert_no_axe_violations
from tests.support.worker import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rosa(db):
    user = factories.UserFactory(username="rosa", display_name="Rosa Diaz", role="agent")
    factories.TrustLimitFactory(
        agent=user, per_remedy_max=Decimal("100.00"), daily_max=Decimal("400.00")
    )
    return user


@pytest.fixture
def pam(db):
    user = factories.UserFactory(username="pam", display_name="Pam Beesly", role="supervisor")
    now = timezone.now()
    OnCallShift.objects.create(
        supervisor=user,
        level=1,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=8),
    )
    return user


def test_agent_asks_supervisor_approves_meter_shows_it(
    page, new_page, login_as, live_url, rosa, pam, celery_worker
):
    case = factories.CaseFactory(subject="Outage week: router down", assignee=rosa)
    login_as(page, "rosa")
    page.goto(live_url(f"/cases/{case.pk}/"))
    expect(page.get_by_test_id("meter-per-remedy")).to_contain_text("of $100.00 left")
    page.keyboard.press("m")  # opens "Ask for more"
    page.get_by_label("New per-remedy limit").fill("200.00")
    page.get_by_label("Friday, 17:00").check()
    page.get_by_label("Why you need it").fill("The outage week")
    page.get_by_role("button", name="Send to the supervisor on call").click()
    expect(page.get_by_text("Asked for more: refund limit $100.00 → $200.00")).to_be_visible()
    request = LimitRequest.objects.get()
    wait_for(lambda: LimitRequest.objects.get(pk=request.pk).assigned_to_id == pam.pk, timeout=10)

    boss = new_page()
    login_as(boss, "pam")
    boss.goto(live_url("/queue/"))
    card = boss.locator("article.queue-raise")
    expect(card).to_contain_text("Rosa Diaz asks: refund limit $100.00 → $200.00 until Fri")
    expect(card).to_contain_text("“The outage week”")
    expect(card).to_contain_text("Assigned to you")
    expect(card).to_contain_text("1 request for more, 0 approved")
    assert_no_axe_violations(boss)
    boss.keyboard.press("j")
    boss.keyboard.press("a")  # asks for a second press (static/js/queue.js)
    expect(boss.locator("#queue-flash")).to_contain_text("Press a again to approve Rosa Diaz")
    boss.keyboard.press("a")
    expect(boss.locator("#decide-panel")).to_contain_text("Approved Rosa Diaz's request")
    expect(boss.locator("article.queue-raise")).to_have_count(0)

    page.goto(live_url(f"/cases/{case.pk}/"))
    expect(page.get_by_test_id("meter-temporary")).to_contain_text("Temporary: $200.00 until Fri")
    expect(page.get_by_test_id("meter-per-remedy")).to_contain_text("of $200.00 left")
    page.goto(live_url("/me/limit-requests/"))
    expect(page.get_by_test_id(f"limit-request-{request.pk}")).to_contain_text("in force")
