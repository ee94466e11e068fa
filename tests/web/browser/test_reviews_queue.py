"""The reviews queue in a real browser: resolutions sampled by the real decision are
reviewed with the keyboard, one key per verdict, on the visibly selected card only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from discretion.models import Recognition, Review, ReviewPolicy
from tests import factories
from tests.support.browser import assert_no_axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reviews_are_completed_by_keys(page, login_as, live_url, api):
    ReviewPolicy.objects.filter(pk=1).update(sample_percent=Decimal("100"))
    nina = factories.UserFactory(username="nina", display_name="Nina Patel", role="agent")
    factories.TrustLimitFactory(agent=nina, per_remedy_max=Decimal("50.00"))
    factories.UserFactory(username="pam", display_name="Pam Beesly", role="supervisor")
    subjects = ["Broken blender", "Late parcel", "Double charge"]
    for subject in subjects:
        case = factories.CaseFactory(subject=subject, assignee=nina)
        response = api.as_user(nina).post(
            f"/api/v1/cases/{case.pk}/resolutions/",
            {"remedy_type": "refund", "amount": "20.00", "reason": f"{subject}: sorry"},
            format="json",
        )
        assert response.json()["status"] == "applied"
    assert Review.objects.filter(status="pending").count() == 3

    login_as(page, "pam")
    page.goto(live_url("/reviews/"))
    cards = page.locator("article.review-card")
    expect(cards).to_have_count(3)
    expect(cards.first).to_contain_text("Double charge")  # newest first
    assert_no_axe_violations(page)

    # Nothing is selected yet: a verdict key does nothing.
    page.keyboard.press("g")
    page.wait_for_timeout(300)
    assert Review.objects.filter(status="pending").count() == 3

    page.keyboard.press("j")
    expect(cards.first).to_have_class("card queue-item review-card is-selected")
    page.keyboard.press("g")
    expect(page.locator("#reviews-flash")).to_contain_text("Good call: Nina Patel's refund")
    expect(cards).to_have_count(2)
    # The card that took its place is selected, visibly, before any key acts on it.
    expect(cards.first).to_contain_text("Late parcel")
    expect(cards.first).to_have_class("card queue-item review-card is-selected")

    page.keyboard.press("c")
    note = cards.first.get_by_label("Note")
    expect(note).to_be_focused()
    note.fill("Ask for the order number first.")
    screenshot(page, "reviews-queue")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#reviews-flash")).to_contain_text("Coach: Nina Patel's refund")
    expect(cards).to_have_count(1)
    # A key acts only once the card is visibly selected (after htmx settles the swap).
    expect(cards.first).to_have_class("card queue-item review-card is-selected")

    page.keyboard.press("b")
    expect(page.locator("#reviews-flash")).to_contain_text("Kudos sent to Nina Patel")
    expect(cards).to_have_count(0)
    expect(page.get_by_text("Nothing to review.")).to_have_count(0)  # no reload needed

    verdicts = dict(Review.objects.values_list("resolution__case__subject", "verdict"))
    assert verdicts == {
        "Double charge": "good_call",
        "Late parcel": "coach",
        "Broken blender": "above_and_beyond",
    }
    assert Review.objects.get(verdict="coach").note == "Ask for the order number first."
    assert Recognition.objects.get().agent == nina

    page.goto(live_url("/reviews/?tab=done"))
    expect(page.locator("article.review-card")).to_have_count(3)
    expect(page.get_by_text("Ask for the order number first.")).to_be_visible()
