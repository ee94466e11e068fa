"""The /dashboard/ page on known data (the metrics themselves: tests/dashboard/)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.support.dashboard import dashboard_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    return dashboard_history()


def test_dashboard_page_shows_charts_and_numbers(history):
    client = Client()
    client.force_login(history["boss"])
    html = client.get("/dashboard/").content.decode()
    assert html.count('role="img"') == 4  # four SVG charts, each labelled
    assert "<title" in html and "<desc" in html
    assert "43%" in html  # autonomy 3 of 7
    assert "3 of 7 resolutions applied without escalation" in html
    assert "10m 0s" in html  # median time to decision
    assert "1 past the last level · 1 pending past due" in html
    assert "$100.00" in html and "$120.00" in html
    assert "Rule: No crisis refunds" in html
    # Spend is measured against each team's budget, not the sum of every cap.
    assert "Spend per team against its budget, last 30 days" in html
    assert "Caps (sum)" not in html and "Sum of monthly caps" not in html
    # The agents' team: 1,000 + 500 of monthly refund caps over 30 days; 100 on their own
    # authority (20 + 30 + 50) and 120 approved.
    assert "$100.00 of $1,500.00 own · $220.00 in all" in html and "Budget: $1,500.00" in html
