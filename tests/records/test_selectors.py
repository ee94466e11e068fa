"""discretion.records.selectors: exact query counts whatever the history, the window's
edges, weekly buckets, and one history made through the real decision and escalation
services (not factories) read back through the API."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from discretion.decisions.services import resolution_request
from discretion.escalations.services import escalation_decide
from discretion.records.selectors import (
    agent_recognition_list,
    agent_record_get,
    agent_record_weeks,
    agent_review_list,
    record_window,
)
from policies.services import policy_rule_create
from tests import factories
from tests.support.records import build_history

pytestmark = pytest.mark.django_db


def test_record_is_two_queries_whatever_the_history(history, django_assert_num_queries):
    with django_assert_num_queries(2):
        small = agent_record_get(agent=history.agent, days=90)
    for _ in range(3):
        build_history()  # other agents' rows
    factories.ResolutionFactory.create_batch(
        30, agent=history.agent, status="applied", counts_against_budget=True
    )
    with django_assert_num_queries(2):
        big = agent_record_get(agent=history.agent, days=90)
    assert big.requests == small.requests + 30


def test_page_reads_are_one_or_two_queries_each(history, django_assert_num_queries):
    with django_assert_num_queries(2):
        weeks = agent_record_weeks(agent=history.agent, days=90)
    with django_assert_num_queries(1):
        recognitions = agent_recognition_list(agent=history.agent, days=90)
        assert [r.from_user.label for r in recognitions]  # joined, no further query
        assert [r.resolution_id for r in recognitions if r.resolution]
    with django_assert_num_queries(1):
        reviews = agent_review_list(agent=history.agent, days=90)
        assert [(r.remedy_type.code, r.reviewer.label, r.resolution.case_id) for r in reviews]
    assert sum(w.requests for w in weeks) == 10
    assert len(recognitions) == 2 and len(reviews) == 4


def test_totals_and_rates(history):
    record = agent_record_get(agent=history.agent, days=90)
    assert (record.requests, record.applied, record.escalated) == (10, 5, 4)
    assert (record.approved, record.approved_unchanged, record.decided) == (2, 1, 3)
    assert (record.reviewed, record.review_good) == (4, 2)
    assert record.autonomy_rate == pytest.approx(0.5)
    assert [r.remedy_name for r in record.remedies] == ["Refund", "Store credit"]


def test_weeks_cover_the_window_newest_ending_today():
    now = timezone.now()
    weeks = agent_record_weeks(agent=factories.UserFactory(), days=90, now=now)
    window = record_window(90, now)
    assert len(weeks) == 13
    assert weeks[-1].ends_on == window.today and weeks[0].starts_on == window.first_day
    assert (weeks[0].ends_on - weeks[0].starts_on).days == 5  # 90 = 6 + 12 weeks of 7
    assert all((w.ends_on - w.starts_on).days == 6 for w in weeks[1:])
    assert [w.starts_on for w in weeks[1:]] == [w.ends_on + timedelta(days=1) for w in weeks[:-1]]
    assert len(agent_record_weeks(agent=factories.UserFactory(), days=365)) == 53
    assert len(agent_record_weeks(agent=factories.UserFactory(), days=1)) == 1


def test_weeks_put_each_request_review_and_recognition_in_its_week(history):
    now = timezone.now()
    week_ago = now - timedelta(days=8)
    boss = history.boss
    earlier = factories.ResolutionFactory(
        agent=history.agent,
        status="applied",
        counts_against_budget=True,
        created_at=week_ago,
        requested_amount=Decimal("5.00"),
    )
    factories.ReviewFactory(
        resolution=earlier, status="done", verdict="coach", reviewer=boss, done_at=now, note="x"
    )
    factories.RecognitionFactory(agent=history.agent, from_user=boss, created_at=week_ago)
    weeks = agent_record_weeks(agent=history.agent, days=90, now=now)
    latest, before = weeks[-1], weeks[-2]
    assert (latest.requests, latest.applied, latest.escalated, latest.rejected) == (10, 5, 4, 1)
    assert latest.verdicts == {
        "good_call": 1,
        "above_and_beyond": 1,
        "coach": 1,
        "policy_gap": 1,
    }
    assert (latest.recognitions, latest.reviewed) == (2, 4)
    assert (before.requests, before.applied, before.verdicts["coach"], before.recognitions) == (
        1,
        1,
        1,
        1,
    )
    assert sum(w.requests for w in weeks[:-2]) == 0


def test_the_window_starts_at_midnight_of_the_first_day(agent):
    now = timezone.make_aware(datetime(2026, 6, 30, 15, 0))
    window = record_window(30, now)
    first_midnight = timezone.make_aware(datetime(2026, 6, 1))
    assert window.since == first_midnight
    inside = factories.ResolutionFactory(agent=agent, created_at=first_midnight)
    factories.ResolutionFactory(agent=agent, created_at=first_midnight - timedelta(seconds=1))
    factories.ResolutionFactory(agent=agent, created_at=now + timedelta(seconds=1))  # future
    record = agent_record_get(agent=agent, days=30, now=now)
    assert record.requests == 1 and inside.pk


def test_through_the_real_services_end_to_end(api, supervisor):
    """Requests decided by resolution_request and escalations decided by
    escalation_decide, read back through the API."""
    agent = factories.UserFactory(role="agent", tier=factories.tier("standard"))
    factories.TrustLimitFactory(
        agent=agent, per_remedy_max=Decimal("100.00"), monthly_max=Decimal("1000.00")
    )
    factories.TrustLimitFactory(
        agent=supervisor, per_remedy_max=Decimal("100.00"), approval_max=Decimal("1000.00")
    )
    policy_rule_create(
        acting_user=None,
        name="No crisis refunds",
        expression='case.category == "crisis"',
        effect="deny",
        message="Crisis refunds go through legal.",
    )

    def ask(amount: str, category: str = "complaint"):
        return resolution_request(
            case_id=factories.CaseFactory.create(category=category).pk,
            acting_user=agent,
            remedy_type=factories.remedy("refund"),
            amount=Decimal(amount),
            reason="End to end.",
        )

    applied = [ask("40.00"), ask("60.00")]
    assert [r.status for r in applied] == ["applied", "applied"]
    unchanged, lowered, denied, waiting = ask("150.00"), ask("200.00"), ask("300.00"), ask("500")
    assert ask("10.00", category="crisis").status == "rejected"
    escalation_decide(acting_user=supervisor, escalation_id=unchanged.escalation.pk, approve=True)
    escalation_decide(
        acting_user=supervisor,
        escalation_id=lowered.escalation.pk,
        approve=True,
        amount=Decimal("120.00"),
    )
    escalation_decide(
        acting_user=supervisor, escalation_id=denied.escalation.pk, approve=False, note="No."
    )
    assert waiting.escalation.status == "pending"
    factories.ReviewFactory(
        resolution=applied[0], status="done", verdict="good_call", reviewer=supervisor,
        done_at=timezone.now(),
    )  # fmt: skip

    response = api.as_user(agent).get(f"/api/v1/agents/{agent.pk}/record/")
    assert response.status_code == 200
    assert response.json()["remedies"] == [
        {
            "remedy_type": "refund",
            "requests": 7,
            "applied": 2,
            "escalated": 4,
            "approved_unchanged": 1,
            "approved_lowered": 1,
            "denied": 1,
            "rejected": 1,
            "reviewed": 1,
            "review_good": 1,
            "review_coach": 0,
            "applied_total": "100.00",  # approved ones were granted on the approver's authority
        }
    ]
