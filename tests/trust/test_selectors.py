"""discretion.trust.selectors: users, tiers, limits, and the discretion meter shared by
/api/v1/me/ and the case page."""

from __future__ import annotations

from decimal import Decimal

import pytest

from discretion.decisions.services import resolution_request
from discretion.engine import Check
from discretion.trust.selectors import (
    allowance_list,
    check_shortfall_list,
    me_discretion,
    meter_get,
    trust_limit_list,
    trust_tier_list,
    user_list,
)
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def capped(agent):
    """The agent's own refund limit: 50 a remedy, 120 a case, 100 a day, 300 a month."""
    factories.TrustLimitFactory(
        agent=agent,
        per_remedy_max=D("50.00"),
        per_case_max=D("120.00"),
        daily_max=D("100.00"),
        monthly_max=D("300.00"),
        approval_max=D("0.00"),
    )
    return agent


def test_user_list_is_one_query_with_team_and_tier(django_assert_num_queries):
    team = factories.TeamFactory()
    for role in ("agent", "supervisor", "admin"):
        factories.UserFactory(role=role, team=team, tier=factories.tier("standard"))
    factories.UserFactory(role="agent", is_active=False)
    with django_assert_num_queries(1):
        rows = [(u.username, u.team.name, u.tier.code) for u in user_list(active=True)]
    assert len(rows) == 3 and rows == sorted(rows)
    assert {u.role for u in user_list(supervising=True)} == {"supervisor", "admin"}
    by_role = [u.role for u in user_list(order="role")]
    assert by_role == sorted(by_role)


def test_tier_and_limit_lists_are_one_query_each(agent, django_assert_num_queries):
    factories.TrustLimitFactory(tier=factories.tier("new"))
    factories.TrustLimitFactory(agent=agent, remedy_type=factories.remedy("store_credit"))
    with django_assert_num_queries(1):
        ranks = [t.rank for t in trust_tier_list()]
    assert ranks == sorted(ranks)
    with django_assert_num_queries(1):
        scopes = [
            (lim.tier.code if lim.tier else lim.agent.username, lim.remedy_type.code)
            for lim in trust_limit_list()
        ]
    assert scopes == [("new", "refund"), (agent.username, "store_credit")]


def test_allowances_and_me_are_three_queries(capped, django_assert_num_queries):
    with django_assert_num_queries(3):
        rows = allowance_list(user=capped)
    refund = next(a for a in rows if a.remedy_type.code == "refund")
    assert (refund.limit_source, refund.daily_remaining) == ("agent", D("100.00"))
    with django_assert_num_queries(3):
        me_discretion(capped)


def test_meter_is_three_queries_and_reads_like_me(capped, case, api, django_assert_num_queries):
    refund = factories.remedy("refund")
    resolution_request(
        case_id=case.pk, acting_user=capped, remedy_type=refund, amount=D("30.00"), reason="x"
    )
    with django_assert_num_queries(3):
        meter = meter_get(user=capped, case_id=case.pk, remedy_type=refund, requested=D("20.00"))
    bars = {bar.label: bar for bar in meter.bars}
    assert [(b.cap, b.used, b.left, b.left_after) for b in meter.bars] == [
        (D("50.00"), D("0.00"), D("50.00"), D("30.00")),
        (D("120.00"), D("30.00"), D("90.00"), D("70.00")),
        (D("100.00"), D("30.00"), D("70.00"), D("50.00")),
        (D("300.00"), D("30.00"), D("270.00"), D("250.00")),
    ]
    assert bars["Today"].level == "ok" and bars["Today"].fits
    assert meter.approval_max == D("0.00") and not meter.no_limit
    # /api/v1/me/ gives the same figures for the day and the month.
    row = next(
        r
        for r in api.as_user(capped).get("/api/v1/me/").json()["discretion"]
        if (r["remedy_type"] == "refund")
    )
    assert (row["daily_used"], row["daily_remaining"]) == ("30.00", "70.00")
    assert (row["monthly_used"], row["monthly_remaining"]) == ("30.00", "270.00")
    assert D(row["daily_remaining"]) == bars["Today"].left
    assert D(row["monthly_remaining"]) == bars["This month"].left


def test_meter_over_a_cap_and_without_a_limit(capped, case):
    refund = factories.remedy("refund")
    over = meter_get(user=capped, case_id=case.pk, remedy_type=refund, requested=D("70.00"))
    per_remedy = over.bars[0]
    assert (per_remedy.fits, per_remedy.over_by, per_remedy.request_pct) == (
        False,
        D("20.00"),
        100.0,
    )
    nobody = factories.UserFactory(role="agent")
    bare = meter_get(user=nobody, case_id=case.pk, remedy_type=refund)
    assert bare.no_limit and bare.bars[0].cap == D("0.00") and not bare.bars[1].capped
    assert meter_get(user=nobody, case_id=case.pk, remedy_type=None) is None


def test_check_shortfalls_leave_out_passed_checks_and_rules():
    checks = [
        Check("per_remedy_max", D("50.00"), D("0.00"), D("70.00"), False),
        Check("daily_max", D("100.00"), D("90.00"), D("70.00"), False),
        Check("monthly_max", None, D("0.00"), D("70.00"), True),
        Check("policy_rules", None, D("0.00"), D("70.00"), False),
    ]
    rows = check_shortfall_list(checks=checks)
    assert [(r.label, r.limit, r.left) for r in rows] == [
        ("Per remedy", D("50.00"), D("50.00")),
        ("Today", D("100.00"), D("10.00")),
    ]
