"""Admin screens and the dashboard in a real browser: the limit matrix edited inline (and
the agent's meter following it), the on-call week, rules with live validation and a
backtest, the dashboard's charts. Each main screen passes axe and is screenshotted."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audit.models import AuditEvent
from discretion.decisions.services import resolution_request
from discretion.escalations.services import escalation_decide
from discretion.models import OnCallShift, TrustLimit, WebhookEndpoint
from policies.services import policy_rule_create
from tests import factories
from tests.support.browser import TABLET, assert_no_axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ada(db):
    return factories.UserFactory.create(
        username="ada", display_name="Ada Admin", role="admin", is_staff=True, is_superuser=True
    )


@pytest.fixture
def tier_limits(db):
    """Standard and new tiers with refund and store-credit limits, like a real setup."""
    for code, refund, credit in (("new", "25", "40"), ("standard", "100", "150")):
        tier = factories.tier(code)
        factories.TrustLimitFactory.create(
            tier=tier,
            per_remedy_max=Decimal(refund),
            per_case_max=Decimal(refund) * 2,
            daily_max=Decimal(refund) * 4,
            monthly_max=Decimal(refund) * 20,
        )
        factories.TrustLimitFactory.create(
            tier=tier,
            remedy_type=factories.remedy("store_credit"),
            per_remedy_max=Decimal(credit),
            daily_max=Decimal(credit) * 4,
        )


def history(agent, boss, n: int = 6):
    """A little history: applied, escalated and decided requests."""
    for index in range(n):
        resolution = resolution_request(
            case_id=factories.CaseFactory.create(subject=f"History {index}").pk,
            acting_user=agent,
            remedy_type=factories.remedy("refund"),
            amount=Decimal(40 + index * 25),
            reason="Demo history.",
        )
        if resolution.status == "pending_approval" and index % 2:
            escalation_decide(
                acting_user=boss, escalation_id=resolution.escalation.pk, approve=True
            )


def test_admin_raises_a_limit_inline_and_the_agents_meter_shows_it(
    page, new_page, login_as, live_url, ada, tier_limits
):
    rosa = factories.UserFactory.create(
        username="rosa", display_name="Rosa Diaz", role="agent", tier=factories.tier("standard")
    )
    case = factories.CaseFactory.create(subject="Refund me", assignee=rosa)
    agent_page = new_page()
    login_as(agent_page, "rosa")
    agent_page.goto(live_url(f"/cases/{case.pk}/"))
    agent_page.get_by_label("Remedy", exact=True).select_option("refund")
    per_remedy = agent_page.get_by_test_id("meter-per-remedy")
    expect(per_remedy).to_contain_text("$100.00 of $100.00 left per remedy")

    login_as(page, "ada")
    page.goto(live_url("/admin-ui/limits/"))
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Edit Standard limit for Refund").click()
    cell = page.get_by_role("form", name="Standard limit for Refund")
    per_remedy_input = cell.get_by_label("Per remedy")
    expect(per_remedy_input).to_be_focused()
    per_remedy_input.fill("250")
    screenshot(page, "limits-matrix")
    cell.get_by_role("button", name="Save").click()
    expect(cell.get_by_role("alert")).to_contain_text("Say why")  # reason required
    cell.get_by_label("Reason (audit log)").fill("Rosa's team handles premium orders")
    cell.get_by_role("button", name="Save").click()
    saved = page.locator("#cell-standard-refund")
    expect(saved).to_contain_text("$250.00")
    expect(saved).to_contain_text("Saved.")
    limit = TrustLimit.objects.get(tier__code="standard", remedy_type__code="refund")
    assert limit.per_remedy_max == Decimal("250.00")
    event = AuditEvent.objects.get(action="trust_limit_update", object_id=str(limit.pk))
    assert event.reason == "Rosa's team handles premium orders"
    assert (event.before["per_remedy_max"], event.after["per_remedy_max"]) == ("100.00", "250.00")

    # The agent's meter follows (the next time it is drawn), and so does /api/v1/me/.
    agent_page.reload()
    agent_page.get_by_label("Remedy", exact=True).select_option("refund")
    expect(agent_page.get_by_test_id("meter-per-remedy")).to_contain_text(
        "$250.00 of $250.00 left per remedy"
    )
    me = agent_page.request.get(live_url("/api/v1/me/")).json()
    refund = next(row for row in me["discretion"] if row["remedy_type"] == "refund")
    assert refund["per_remedy_max"] == "250.00"


def test_limits_matrix_on_a_tablet(new_page, login_as, live_url, ada, tier_limits):
    page = new_page(viewport=TABLET)
    login_as(page, "ada")
    page.goto(live_url("/admin-ui/limits/"))
    # The matrix scrolls inside its own box; the page itself does not scroll sideways.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 768, f"horizontal scroll at 768 px: {width}"
    page.get_by_role("button", name="Edit New limit for Store credit").click()
    expect(page.get_by_role("form", name="New limit for Store credit")).to_be_visible()
    assert_no_axe_violations(page)


def test_dashboard_charts_are_accessible(page, new_page, login_as, live_url, tier_limits):
    agent = factories.UserFactory.create(
        username="omar", display_name="Omar Haddad", role="agent", tier=factories.tier("standard")
    )
    boss = factories.UserFactory.create(
        username="pam", display_name="Pam Beesly", role="supervisor"
    )
    factories.TrustLimitFactory.create(
        agent=boss, per_remedy_max=Decimal("300"), approval_max=Decimal("1000")
    )
    history(agent, boss, n=8)
    login_as(page, "pam")
    page.goto(live_url("/dashboard/"))
    charts = page.get_by_role("img", name="Autonomy rate per day, last 30 days")
    expect(charts).to_be_visible()
    expect(page.get_by_role("img", name="Escalations per day, last 30 days")).to_be_visible()
    expect(
        page.get_by_role("img", name="Spend per team against its budget, last 30 days")
    ).to_be_visible()
    expect(
        page.get_by_role("img", name="Checks and rules that fail most, last 30 days")
    ).to_be_visible()
    expect(page.get_by_text("Autonomy rate", exact=True)).to_be_visible()
    assert_no_axe_violations(page)
    screenshot(page, "dashboard")
    tablet = new_page(viewport=TABLET)
    login_as(tablet, "pam")
    tablet.goto(live_url("/dashboard/"))
    width = tablet.evaluate("document.documentElement.scrollWidth")
    assert width <= 768, f"horizontal scroll at 768 px: {width}"


def test_oncall_week_add_a_shift(page, login_as, live_url, ada):
    pam = factories.UserFactory.create(username="pam", display_name="Pam Beesly", role="supervisor")
    sam = factories.UserFactory.create(username="sam", display_name="Sam Rivera", role="supervisor")
    now = timezone.localtime()
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    for day in range(7):
        start = monday + timedelta(days=day, hours=8)
        OnCallShift.objects.create(
            supervisor=pam, level=1, starts_at=start, ends_at=start + timedelta(hours=9)
        )
        OnCallShift.objects.create(
            supervisor=sam,
            level=2,
            starts_at=start + timedelta(hours=2),
            ends_at=start + timedelta(hours=12),
        )
    login_as(page, "ada")
    page.goto(live_url("/admin-ui/oncall/"))
    expect(page.get_by_role("heading", name="On-call schedule")).to_be_visible()
    expect(page.locator("li.shift", has_text="Pam Beesly")).to_have_count(7)
    page.get_by_label("Supervisor").select_option(label="Sam Rivera")
    page.get_by_role("spinbutton", name="Level", exact=True).fill("1")
    sunday = monday + timedelta(days=6)
    page.get_by_label("Starts").fill(f"{sunday:%Y-%m-%d}T18:00")
    page.get_by_label("Ends").fill(f"{sunday:%Y-%m-%d}T23:00")
    page.get_by_role("button", name="Add shift").click()
    expect(page.get_by_role("status")).to_contain_text("Sam Rivera is on call at level 1")
    expect(page.locator("li.shift", has_text="18:00–23:00")).to_be_visible()  # noqa: RUF001
    assert_no_axe_violations(page)
    screenshot(page, "oncall-week")


def test_oncall_x_removes_one_occurrence_after_asking_and_warns(page, login_as, live_url, ada):
    """A three-day shift: the x on its middle day asks in the page (no browser dialog),
    warns that level 1 would have nobody, and removes that day only."""
    pam = factories.UserFactory.create(username="pam", display_name="Pam Beesly", role="supervisor")
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    start = timezone.make_aware(datetime.combine(monday, time.min), tz)
    OnCallShift.objects.create(
        supervisor=pam, level=1, starts_at=start, ends_at=start + timedelta(days=3)
    )
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    login_as(page, "ada")
    page.goto(live_url(f"/admin-ui/oncall/?week={monday.isoformat()}"))
    pams = page.locator("li.shift", has_text="Pam Beesly")
    expect(pams).to_have_count(3)
    tuesday = monday + timedelta(days=1)
    page.get_by_role(
        "link",
        name=f"Remove Pam Beesly's level 1 shift 00:00–24:00 on {tuesday:%a %b} {tuesday.day}",  # noqa: RUF001
    ).click()
    confirm = page.get_by_role("alertdialog", name="Remove this occurrence?")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("Only this day's part goes")
    expect(confirm.get_by_test_id("gap-warning")).to_contain_text(
        "This leaves level 1 with nobody on call"
    )
    assert OnCallShift.objects.count() == 1  # asked, nothing removed yet
    expect(confirm.get_by_role("button", name="Remove this occurrence")).to_be_focused()
    assert_no_axe_violations(page)
    screenshot(page, "oncall-remove-confirm")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("The rest of the shift stays")
    expect(pams).to_have_count(2)
    assert OnCallShift.objects.filter(supervisor=pam).count() == 2
    assert dialogs == []


def test_rule_live_validation_and_backtest(page, login_as, live_url, ada, tier_limits):
    agent = factories.UserFactory.create(
        username="lee", display_name="Lee Chen", role="agent", tier=factories.tier("standard")
    )
    for amount in ("20", "45", "70", "95"):
        resolution_request(
            case_id=factories.CaseFactory.create().pk,
            acting_user=agent,
            remedy_type=factories.remedy("refund"),
            amount=Decimal(amount),
            reason="History.",
        )
    policy_rule_create(
        acting_user=ada,
        name="Crisis cases need a second look",
        expression='case.category == "crisis"',
        effect="require_approval",
        message="Crisis cases always get a supervisor's eye.",
    )
    login_as(page, "ada")
    page.goto(live_url("/admin-ui/rules/new/"))
    page.get_by_label("Name").fill("Refunds over 60 need approval")
    expression = page.get_by_label("Expression (CEL)")
    expression.fill('remedy == "refund" && amout > 60.0')
    feedback = page.locator("#expr-feedback")
    expect(feedback).to_contain_text("Not valid (line 1, column")
    expect(feedback).to_contain_text("amout")
    expression.fill('remedy == "refund" && amount > 60.0')
    expect(feedback).to_contain_text("Valid. Reads amount, remedy")
    page.get_by_label("Effect").select_option("require_approval")
    page.get_by_label("Message").fill("Refunds over 60 get a supervisor's eye.")
    page.get_by_role("button", name="Backtest last 30 days").click()
    report = page.locator("#backtest")
    expect(report).to_contain_text("4 requests replayed")
    expect(report).to_contain_text("changes 2 outcomes")
    expect(report.get_by_role("table", name="Outcomes without and with the rule")).to_be_visible()
    assert_no_axe_violations(page)
    screenshot(page, "rules-backtest")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("saved, not enabled yet")


def test_admin_adds_a_webhook_sees_its_secret_once_and_its_delivery_log(
    page, login_as, live_url, ada, settings
):
    settings.DISCRETION_WEBHOOK_ALLOW_HOSTS = ["hooks.example.com"]
    login_as(page, "ada")
    page.goto(live_url("/admin-ui/webhooks/"))
    page.get_by_label("URL").fill("https://hooks.example.com/discretion")
    page.get_by_label("escalation.decided").check()
    page.get_by_role("button", name="Add webhook").click()
    secret = page.get_by_label("Secret for https://hooks.example.com/discretion")
    expect(secret).to_have_value(WebhookEndpoint.objects.get().secret)
    assert_no_axe_violations(page)
    screenshot(page, "admin-webhooks")
    page.get_by_role("link", name="Delivery log of https://hooks.example.com/discretion").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Deliveries to")
    expect(page.get_by_text("Nothing sent yet")).to_be_visible()
