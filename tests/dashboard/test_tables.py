"""The dashboard's range tables on known data (discretion.dashboard.tables) and the page's
date range, CSV export and rule-off backtest (issue 16, part 8)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from discretion.dashboard.tables import Period, ops_tables
from discretion.escalations.services import escalation_decide
from policies.models import PolicyRule
from policies.services import policy_rule_create
from tests import factories
from tests.support.dashboard import ask, dashboard_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    return dashboard_history()


@pytest.fixture
def boss_client(history) -> Client:
    client = Client()
    client.force_login(history["boss"])
    return client


def test_tables_on_known_data(history, django_assert_num_queries):
    alice, bob = history["alice"], history["bob"]
    alice.team = factories.TeamFactory(name="Returns")
    alice.save(update_fields=["team"])
    with django_assert_num_queries(6):
        tables = ops_tables(period=Period.last_days(30))
    by_name = {row.name: row for row in tables.agents}
    a = by_name[alice.display_name]
    # Alice: 6 requests, 3 applied on her own (100.00), 2 escalated (1 approved lowered
    # to 120.00), 1 rejected; her budget is her monthly cap for 30 days.
    assert (a.requests, a.autonomous, a.escalated, a.approved, a.lowered) == (6, 3, 2, 1, 1)
    assert (a.own_spend, a.approved_spend, a.budget) == (
        Decimal("100.00"),
        Decimal("120.00"),
        Decimal("1000.00"),
    )
    assert a.budget_used == pytest.approx(0.1) and a.approval_rate == 1.0
    assert by_name[bob.display_name].budget == Decimal("500.00")
    teams = {row.name: row for row in tables.teams}
    assert teams["Returns"].budget == Decimal("1000.00") and teams["Returns"].members == 1
    # Prorated: 15 days is half the monthly cap.
    half = ops_tables(period=Period.last_days(15))
    assert {r.name: r.budget for r in half.agents}[alice.display_name] == Decimal("500.00")

    (approver,) = tables.approvers
    assert (approver.decisions, approver.approved, approver.lowered) == (1, 1, 1)
    assert approver.median_seconds == pytest.approx(600, abs=1)
    (rule,) = tables.rules
    assert (rule.fired, rule.escalated, rule.finding) == (1, 0, "")


def test_query_count_constant_and_rule_findings(history, django_assert_num_queries):
    never = policy_rule_create(
        acting_user=None, name="Never", expression="amount > 999999.0", effect="deny", message="x"
    )
    rubber = policy_rule_create(
        acting_user=None,
        name="Rubber stamp",
        expression='remedy == "refund" && amount == 7.0',
        effect="require_approval",
        message="y",
    )
    boss = history["boss"]
    for _ in range(5):
        esc = ask(history["alice"], "7.00").escalation
        escalation_decide(acting_user=boss, escalation_id=esc.pk, approve=True)
    with django_assert_num_queries(6):
        tables = ops_tables(period=Period.last_days(30))
    findings = {rule.name: rule.finding for rule in tables.flagged_rules}
    assert findings[never.name] == "Never fired in the period."
    assert findings[rubber.name].startswith("Approved unchanged 5 of 5 times")
    assert "No crisis refunds" not in findings


def test_page_range_validation_and_csv(boss_client, history):
    today = timezone.localdate()
    old = today - timedelta(days=60)
    page = boss_client.get("/dashboard/", {"from": old, "to": old + timedelta(days=9)})
    html = page.content.decode()
    assert page.status_code == 200 and "(10 days)" in html
    # The crisis rule fired today, not in that range.
    assert "No crisis refunds</strong>: Never fired in the period." in html
    assert "Never fired" not in boss_client.get("/dashboard/").content.decode()

    bad = boss_client.get("/dashboard/", {"from": today, "to": today - timedelta(days=1)})
    assert bad.status_code == 400 and "The start comes after the end" in bad.content.decode()
    future = boss_client.get("/dashboard/", {"to": today + timedelta(days=1)})
    assert "cannot end after today" in future.content.decode()
    junk = boss_client.get("/dashboard/", {"from": "yesterday"})
    assert junk.status_code == 400 and "Enter a valid date" in junk.content.decode()

    for table in ("agents", "teams", "approvers", "rules"):
        response = boss_client.get("/dashboard/", {"format": "csv", "table": table})
        assert response["Content-Type"].startswith("text/csv")
        assert f"discretion-{table}-" in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert len(rows) >= 2
    agents = boss_client.get("/dashboard/", {"format": "csv", "table": "agents"})
    rows = list(csv.DictReader(io.StringIO(agents.content.decode())))
    alice = next(r for r in rows if r["agent"] == history["alice"].display_name)
    assert (alice["spend_own_authority"], alice["budget"], alice["currency"]) == (
        "100.00",
        "1000.00",
        "USD",
    )
    assert boss_client.get("/dashboard/", {"format": "csv", "table": "x"}).status_code == 404


def test_every_table_on_the_page_downloads_as_csv(boss_client, history):
    """Each <table> of the dashboard (its caption) has a "Download as CSV" link, and each
    link answers a CSV of that table with its header and the range in its file name."""
    from web.dashboard.tables import TABLES

    html = boss_client.get("/dashboard/").content.decode()
    links = re.findall(r'data-testid="csv-([a-z_]+)"', html)
    assert len(links) == len(set(links)) and set(links) <= set(TABLES), links
    # One link per table shown (the rules list is no <table>, its link is "every rule").
    assert html.count('<table class="table table-compact"') == len(set(links) - {"rules"}), links
    for table in sorted(TABLES):  # those not shown here (no problems yet) download too
        response = boss_client.get("/dashboard/", {"format": "csv", "table": table})
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert f"discretion-{table}-" in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows and rows[0] == [name for name, _ in TABLES[table][1]]
    days = boss_client.get("/dashboard/", {"format": "csv", "table": "days"})
    rows = list(csv.DictReader(io.StringIO(days.content.decode())))
    assert len(rows) == 30 and sum(int(r["requests"]) for r in rows) >= 1
    spend = boss_client.get("/dashboard/", {"format": "csv", "table": "spend"})
    refund = next(
        r
        for r in csv.DictReader(io.StringIO(spend.content.decode()))
        if r["remedy_type"] == "refund"
    )
    assert refund["currency"] == "USD" and refund["month"]


def test_rule_off_backtest_from_the_dashboard(boss_client, history):
    rule = PolicyRule.objects.get(name="No crisis refunds")
    html = boss_client.post(f"/dashboard/rules/{rule.pk}/backtest-off/").content.decode()
    assert "changes <strong>1</strong> outcome" in html
    assert boss_client.post("/dashboard/rules/99999/backtest-off/").status_code == 200


def test_page_query_count_does_not_grow_with_history(boss_client, history):
    boss_client.get("/dashboard/")  # warm the session (its first save is a write)
    with CaptureQueriesContext(connection) as before:
        boss_client.get("/dashboard/", {"format": "csv", "table": "agents"})
        boss_client.get("/dashboard/")
    for _ in range(5):
        ask(history["alice"], "5.00")
        ask(factories.UserFactory(role="agent"), "40.00")
    with CaptureQueriesContext(connection) as after:
        boss_client.get("/dashboard/", {"format": "csv", "table": "agents"})
        boss_client.get("/dashboard/")
    assert len(after) == len(before), (
        "\n".join(q["sql"][:150] for q in after.captured_queries)
        + "\n-----\n"
        + "\n".join(q["sql"][:150] for q in before.captured_queries)
    )
