"""Issue 16's traps, each in a real browser (parts 3, 5, 6 and 8): an override's blank cap
inherits the tier's with the limits shown before saving and contradictions warned; the
rule editor flags an unknown remedy code and words a parser error; the dashboard's date
range and CSV export; the queue card's context and deciding from the case page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from discretion.decisions.services import resolution_request
from discretion.escalations.routing import escalation_route
from discretion.escalations.services import escalation_decide
from discretion.models import Escalation, TrustLimit
from tests import factories
from tests.support.browser import assert_no_axe_violations
from tests.support.escalations import on_call

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rosa(db):
    standard = factories.tier("standard")
    factories.TrustLimitFactory.create(
        tier=standard,
        per_remedy_max=Decimal("100.00"),
        per_case_max=Decimal("150.00"),
        daily_max=Decimal("400.00"),
        monthly_max=Decimal("2000.00"),
    )
    return factories.UserFactory.create(
        username="rosa", display_name="Rosa Diaz", role="agent", tier=standard
    )


@pytest.fixture
def pam(db):
    user = factories.UserFactory.create(
        username="pam", display_name="Pam Beesly", role="supervisor"
    )
    factories.TrustLimitFactory.create(
        agent=user, per_remedy_max=Decimal("100.00"), approval_max=Decimal("1000.00")
    )
    on_call(user)
    return user


def test_override_inherits_and_previews_and_the_rule_editor_explains(
    page, login_as, live_url, rosa
):
    factories.UserFactory.create(
        username="ada", display_name="Ada Admin", role="admin", is_staff=True, is_superuser=True
    )
    login_as(page, "ada")
    page.goto(live_url("/admin-ui/limits/overrides/"))
    page.get_by_label("Person").select_option(label="Rosa Diaz (rosa, agent)")
    page.locator("#id_remedy_type").select_option("refund")
    page.locator("#id_per_remedy_max").fill("300")
    preview = page.get_by_test_id("override-preview")
    per_case = preview.locator('tr[data-cap="per_case_max"]')
    expect(per_case).to_contain_text("$150.00")
    expect(per_case).to_contain_text("inherited from the tier")
    expect(preview.get_by_test_id("override-warnings")).to_contain_text(
        "The cap per remedy ($300.00) is above the cap per case ($150.00)"
    )
    page.get_by_label("No cap per month").check()
    expect(preview.locator('tr[data-cap="monthly_max"]')).to_contain_text("no cap (ticked)")
    assert_no_axe_violations(page)
    page.get_by_label("Reason for the change").fill("Handles the big accounts.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Override added for Rosa Diaz (Refund).")).to_be_visible()
    expect(page.get_by_text("is above the cap per case")).to_be_visible()
    row = TrustLimit.objects.get(agent=rosa)
    assert (row.per_remedy_max, row.per_case_max, row.daily_max, row.monthly_max) == (
        Decimal("300.00"),
        Decimal("150.00"),
        Decimal("400.00"),
        None,
    )

    page.goto(live_url("/admin-ui/rules/new/"))
    expect(page.get_by_label("Effect")).to_have_value("require_approval")
    expression = page.get_by_label("Expression (CEL)")
    expression.fill('remedy == "goodwil" && amount > 20.0')
    expect(page.get_by_test_id("unknown-remedy")).to_contain_text(
        "no remedy type has the code “goodwil”, so this comparison never matches. "
        "Did you mean “goodwill_gesture”?"
    )
    expression.fill("amount > 20.0 and remedy == 'refund'")
    expect(page.locator("#expr-feedback")).to_contain_text(
        "Line 1, column 15: CEL does not know “and”: write && instead."
    )


def test_dashboard_range_and_csv_then_the_queue_card_and_deciding_on_the_case(
    page, login_as, live_url, rosa, pam
):
    case = factories.CaseFactory.create(
        subject="Waterproof jacket",
        description="The jacket sold as waterproof let the rain in on the first walk.",
    )
    for amount in ("40.00", "60.00"):
        resolution_request(
            case_id=factories.CaseFactory.create().pk,
            acting_user=rosa,
            remedy_type=factories.remedy("refund"),
            amount=Decimal(amount),
            reason="History.",
        )
    waiting = resolution_request(
        case_id=case.pk,
        acting_user=rosa,
        remedy_type=factories.remedy("refund"),
        amount=Decimal("140.00"),
        reason="Second faulty jacket this month.",
        customer_message="We are sorry: we refund the jacket in full.",
    )
    escalation_route(escalation_id=waiting.escalation.pk)
    older = resolution_request(
        case_id=factories.CaseFactory.create().pk,
        acting_user=rosa,
        remedy_type=factories.remedy("refund"),
        amount=Decimal("120.00"),
        reason="Old one.",
    )
    escalation_decide(acting_user=pam, escalation_id=older.escalation.pk, approve=True)

    login_as(page, "pam")
    today = timezone.localdate()
    page.goto(live_url("/dashboard/"))
    page.get_by_label("From", exact=True).fill((today + timedelta(days=1)).isoformat())
    page.get_by_label("To", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#range-from-err")).to_have_text(
        "The start comes after the end: swap them."
    )
    page.get_by_label("From", exact=True).fill((today - timedelta(days=6)).isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("(7 days)")).to_be_visible()
    agents = page.get_by_test_id("dash-agents")
    # Rosa: 100.00 on her own authority against 2,000.00 a month prorated to 7 days.
    expect(agents.locator("tr", has_text="Rosa Diaz")).to_contain_text("$100.00")
    expect(agents.locator("tr", has_text="Rosa Diaz")).to_contain_text("$466.67")
    expect(page.get_by_test_id("dash-approvers")).to_contain_text("Pam Beesly")
    with page.expect_download() as download_info:
        page.get_by_test_id("csv-agents").click()
    download = download_info.value
    assert download.suggested_filename.startswith("discretion-agents-")
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    rosa_row = next(r for r in rows if r["agent"] == "Rosa Diaz")
    assert (rosa_row["spend_own_authority"], rosa_row["budget"]) == ("100.00", "466.67")

    # The queue card: the case's story, the customer's draft, the agent's reason.
    page.goto(live_url("/queue/"))
    card = page.locator("article.queue-item", has_text="Waterproof jacket")
    expect(card.get_by_test_id("qi-story")).to_contain_text("let the rain in")
    expect(card.get_by_test_id("qi-draft")).to_contain_text("we refund the jacket in full")
    expect(card.get_by_test_id("qi-reason")).to_contain_text("Second faulty jacket this month.")
    expect(page.get_by_test_id("unread-count")).to_contain_text("1")

    # Decide from the case page: approve lowered; the bell empties.
    page.goto(live_url(f"/cases/{case.pk}/"))
    panel = page.get_by_test_id("decide-here")
    panel.get_by_label("Amount to approve").fill("110.00")
    panel.get_by_test_id("decide-here-approve").click()
    expect(
        page.get_by_text(
            "Approved Rosa Diaz's refund of $110.00 (lowered from $140.00). "
            "Rosa Diaz has been notified."
        )
    ).to_be_visible()
    expect(page.get_by_test_id("outcome-status").first).to_have_text("Approved by Pam Beesly")
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
    assert Escalation.objects.get(pk=waiting.escalation.pk).status == "approved"
