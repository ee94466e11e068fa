"""The what-if (discretion.whatif.replay and POST /api/v1/trust-limits/what-if/): numbers
on a crafted history made by the real decision service, both directions, tier vs agent,
usage carried forward in order, and nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit.models import AuditEvent
from cases.models import Resolution
from discretion.decisions.services import resolution_request
from discretion.models import BudgetWindow, Escalation, LimitProposal, TrustLimit
from discretion.whatif.replay import what_if_run, what_if_sentence
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal
URL = "/api/v1/trust-limits/what-if/"


def request(agent, amount: str):
    return resolution_request(
        case_id=factories.CaseFactory.create().pk,
        acting_user=agent,
        remedy_type=factories.remedy("refund"),
        amount=D(amount),
        reason="Crafted history.",
    )


@pytest.fixture
def history(agent):
    """The agent's own refund limit 50 a remedy, 100 a day; four requests today:
    30 applies, 60 escalates (over 50), 40 applies (70 used), 80 escalates."""
    factories.TrustLimitFactory(agent=agent, per_remedy_max=D("50.00"), daily_max=D("100.00"))
    made = [request(agent, a) for a in ("30.00", "60.00", "40.00", "80.00")]
    assert [r.status for r in made] == [
        "applied",
        "pending_approval",
        "applied",
        "pending_approval",
    ]
    return made


def test_raising_replays_in_order_with_the_usage_it_changes(agent, history):
    _, r2, r3, _ = history
    report = what_if_run(
        remedy_type=factories.remedy("refund"), agent=agent, per_remedy_max=D("100.00")
    )
    # r2 (60) now fits per remedy and the day (30 + 60 = 90): it applies. Then r3 (40)
    # finds 90 of 100 used, not the 30 recorded: it escalates. r4 (80) still escalates.
    assert (report["requests"], report["would_apply"], report["would_escalate"]) == (4, 2, 2)
    assert (report["applied_now"], report["escalated_now"]) == (2, 2)
    assert report["spend_change"] == "20.00"
    assert [(c["resolution"], c["was"], c["would_be"]) for c in report["changed"]] == [
        (r2.pk, "escalate", "apply"),
        (r3.pk, "apply", "escalate"),
    ]
    assert report["changed_total"] == 2 and report["agents"] == 1
    assert what_if_sentence(report) == (
        "Over the last 30 days: as many would have applied, but 2 requests would change "
        "outcome, spend +20.00."
    )


def test_the_sentence_names_the_differences(agent, history):
    raised = what_if_run(
        remedy_type=factories.remedy("refund"),
        agent=agent,
        per_remedy_max=D("100.00"),
        caps={"daily_max": None},
    )
    # No daily cap: r2 and r4 apply as well, r3 keeps applying.
    assert (raised["would_apply"], raised["would_escalate"]) == (4, 0)
    assert raised["spend_change"] == "140.00"
    assert what_if_sentence(raised) == (
        "Over the last 30 days: 2 more would have applied, 2 fewer escalated, spend +140.00."
    )


def test_lowering_escalates_and_the_spend_change_is_negative(agent, history):
    report = what_if_run(
        remedy_type=factories.remedy("refund"), agent=agent, per_remedy_max=D("25.00")
    )
    assert (report["would_apply"], report["would_escalate"]) == (0, 4)
    assert report["spend_change"] == "-70.00"
    assert {c["would_be"] for c in report["changed"]} == {"escalate"}
    assert what_if_sentence(report) == (
        "Over the last 30 days: 2 fewer would have applied, 2 more escalated, spend -70.00."
    )


def test_a_tier_leaves_out_agents_with_their_own_row(agent):
    standard = factories.tier("standard")
    factories.TrustLimitFactory(tier=standard, per_remedy_max=D("50.00"))
    other = factories.UserFactory(role="agent", tier=standard)
    factories.TrustLimitFactory(agent=other, per_remedy_max=D("50.00"))
    mine = request(agent, "70.00")
    request(other, "70.00")  # governed by their own row: not the tier's business
    report = what_if_run(
        remedy_type=factories.remedy("refund"), tier=standard, per_remedy_max=D("80.00")
    )
    assert (report["agents"], report["excluded_agents"], report["requests"]) == (1, 1, 1)
    assert [(c["resolution"], c["would_be"]) for c in report["changed"]] == [(mine.pk, "apply")]
    # The same question for the other agent alone replays theirs.
    solo = what_if_run(
        remedy_type=factories.remedy("refund"), agent=other, per_remedy_max=D("80.00")
    )
    assert (solo["requests"], solo["would_apply"]) == (1, 1)


def test_requests_before_the_window_are_left_out(agent, history):
    old = history[1]
    Resolution.objects.filter(pk=old.pk).update(created_at=old.created_at.replace(year=2000))
    report = what_if_run(
        remedy_type=factories.remedy("refund"), agent=agent, per_remedy_max=D("100.00"), days=30
    )
    assert report["requests"] == 3


def test_it_writes_nothing(agent, history, api, admin_user, django_assert_num_queries):
    tables = (Resolution, BudgetWindow, Escalation, TrustLimit, LimitProposal, AuditEvent)
    before = [m.objects.count() for m in tables]
    windows = list(BudgetWindow.objects.values_list("id", "used"))
    refund = factories.remedy("refund")
    with django_assert_num_queries(1):  # one streamed read of the resolutions
        what_if_run(remedy_type=refund, agent=agent, per_remedy_max=D("1000"))
    body = {"remedy_type": "refund", "agent": agent.pk, "per_remedy_max": "1000"}
    assert api.as_user(admin_user).post(URL, body, format="json").status_code == 200
    assert [m.objects.count() for m in tables] == before
    assert list(BudgetWindow.objects.values_list("id", "used")) == windows


def test_api_contract_and_permissions(agent, history, api, supervisor, admin_user):
    body = {"remedy_type": "refund", "agent": agent.pk, "per_remedy_max": "100.00"}
    response = api.as_user(supervisor).post(URL, body, format="json")
    assert response.status_code == 200
    data = response.json()
    for key in ("days", "requests", "would_apply", "would_escalate", "applied_now"):
        assert isinstance(data[key], int)
    assert data["days"] == 30 and data["spend_change"] == "20.00"
    assert {"resolution", "was", "would_be"} <= set(data["changed"][0])
    assert api.as_user(agent).post(URL, body, format="json").status_code == 403
    assert api.as_user(admin_user).post(URL, body, format="json").status_code == 200


@pytest.mark.parametrize(
    "change, field",
    [
        ({"agent": None}, "tier"),  # neither
        ({"tier": "standard"}, "tier"),  # both
        ({"per_remedy_max": 100}, "per_remedy_max"),  # a JSON number
        ({"per_remedy_max": "-1"}, "per_remedy_max"),
        ({"per_remedy_max": "1.005"}, "per_remedy_max"),
        ({"daily_max": "1e3"}, "daily_max"),
        ({"days": 0}, "days"),
        ({"days": 366}, "days"),
        ({"remedy_type": "nope"}, "remedy_type"),
        ({"agent": 10**30}, "agent"),  # a huge id: a 400, never a 500
        ({"tier": "nope", "agent": None}, "tier"),
    ],
)
def test_api_refuses_bad_input_naming_the_field(agent, api, admin_user, change, field):
    body = {"remedy_type": "refund", "agent": agent.pk, "per_remedy_max": "100.00", **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = api.as_user(admin_user).post(URL, body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()


def test_days_default_and_range(agent, history, api, admin_user):
    body = {"remedy_type": "refund", "agent": agent.pk, "per_remedy_max": "100.00", "days": 365}
    assert api.as_user(admin_user).post(URL, body, format="json").json()["days"] == 365
