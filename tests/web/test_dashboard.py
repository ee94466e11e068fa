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
    assert "$100.00" in html and "$120.00" in html and "$3,500.00" in html
    assert "Rule: No crisis refunds" in html
