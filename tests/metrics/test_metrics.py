"""GET /metrics through the test client: who may read it, what it counts, what it costs."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from common.metrics import address_allowed
from tests import factories
from tests.support.metrics import value
from tests.support.paths import ROOT

pytestmark = pytest.mark.django_db

URL = "/cases/{}/resolutions/"


def scrape(client, address: str = "127.0.0.1"):
    return client.get("/metrics", REMOTE_ADDR=address)


def test_loopback_reads_the_prometheus_text_format(client):
    response = scrape(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    text = response.content.decode()
    for name in (
        "discretion_decisions_total",
        "discretion_decision_seconds_bucket",
        "discretion_escalations_pending",
        "discretion_escalations_overdue",
        "discretion_customer_messages",
    ):
        assert name in text, name
    assert 'outcome="rejected"' in text  # every outcome has a series from the start


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.7", "2001:db8::1", "not-an-ip"])
def test_any_other_address_is_refused(client, address):
    response = scrape(client, address)
    assert response.status_code == 403
    assert b"discretion_" not in response.content


def test_the_allow_list_takes_addresses_and_networks(client, settings):
    settings.DISCRETION_METRICS_ALLOW = ["10.0.0.0/8", "::1"]
    assert scrape(client, "10.9.8.7").status_code == 200
    assert scrape(client, "127.0.0.1").status_code == 403
    assert address_allowed("::ffff:10.0.0.1", ["10.0.0.0/8"])
    assert not address_allowed("11.0.0.1", ["10.0.0.0/8"])


def test_decisions_are_counted_by_outcome_with_their_latency(client, api, agent):
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("100.00"))
    case = factories.CaseFactory()
    before = scrape(client).content.decode()
    caller = api.as_user(agent)
    base = {"remedy_type": "refund", "reason": "Late parcel"}
    for amount in ("20.00", "30.00", "500.00"):
        response = caller.post(
            f"/api/v1{URL.format(case.pk)}", base | {"amount": amount}, format="json"
        )
        assert response.status_code == 201, response.json()
    # Refused before any decision: not counted.
    bad = caller.post(f"/api/v1{URL.format(case.pk)}", base | {"amount": "x"}, format="json")
    assert bad.status_code == 400
    after = scrape(client).content.decode()

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("discretion_decisions_total", outcome="applied") == 2
    assert delta("discretion_decisions_total", outcome="escalated") == 1
    assert delta("discretion_decisions_total", outcome="rejected") == 0
    assert delta("discretion_decision_seconds_count") == 3
    assert delta("discretion_decision_seconds_sum") > 0
    # The escalation is a database row: the gauge reads it.
    assert value(after, "discretion_escalations_pending") == 1


def test_gauges_come_from_the_database_one_query_each(client, django_assert_num_queries):
    past = timezone.now() - timedelta(minutes=5)
    factories.EscalationFactory(due_at=past)
    factories.EscalationFactory(due_at=timezone.now() + timedelta(minutes=5))
    factories.EscalationFactory(status="approved", decided_by=factories.UserFactory())
    factories.LimitRequestFactory()
    for status, count in (("queued", 2), ("failed", 1), ("draft", 3)):
        for _ in range(count):
            factories.CustomerMessageFactory(
                status=status, queued_at=timezone.now() if status == "queued" else None
            )
    with django_assert_num_queries(4):  # one per gauge in discretion/metrics/gauges.py
        text = scrape(client).content.decode()
    assert value(text, "discretion_escalations_pending") == 2
    assert value(text, "discretion_escalations_overdue") == 1
    assert value(text, "discretion_limit_requests_pending") == 1
    assert value(text, "discretion_customer_messages", status="queued") == 2
    assert value(text, "discretion_customer_messages", status="failed") == 1
    assert value(text, "discretion_metrics_gauge_errors") == 0


def test_the_grafana_dashboard_reads_metrics_that_exist(client):
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    names = {name for expr in exprs for name in re.findall(r"discretion_[a-z_]+", expr)}
    assert len(names) >= 6
    text = scrape(client).content.decode()
    missing = [name for name in names if name not in text]
    assert not missing, missing
