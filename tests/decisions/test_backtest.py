"""Backtest: replaying a handcrafted history with and without a draft rule."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from policies import services
from policies.context import empty_context
from policies.models import PolicyRule
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/policy-rules/backtest/"
DRAFT = {
    "name": "Big refunds go to the returns desk",
    "expression": "remedy == 'refund' && amount > 300.0",
    "effect": "require_approval",
    "message": "Refunds over 300 go to the returns desk.",
}


def _resolution(*, agent, code, amount, per_remedy_cap="1000.00", age_days=1, context=True):
    amount = Decimal(amount)
    cap = Decimal(per_remedy_cap)
    checks = [
        {
            "name": "per_remedy_max",
            "limit": str(cap),
            "used": "0.00",
            "requested": str(amount),
            "passed": amount <= cap,
        },
        {
            "name": "per_case_max",
            "limit": None,
            "used": "0.00",
            "requested": str(amount),
            "passed": True,
        },
        {
            "name": "daily_max",
            "limit": None,
            "used": "0.00",
            "requested": str(amount),
            "passed": True,
        },
        {
            "name": "monthly_max",
            "limit": None,
            "used": "0.00",
            "requested": str(amount),
            "passed": True,
        },
        {
            "name": "policy_rules",
            "limit": None,
            "used": "0.00",
            "requested": str(amount),
            "passed": True,
        },
    ]
    recorded = empty_context()
    recorded["amount"] = float(amount)
    recorded["remedy"] = code
    recorded["case"]["category"] = "complaint"
    decision = {
        "outcome": "apply" if amount <= cap else "escalate",
        "summary": "recorded",
        "checks": checks,
        "rules": [],
        "rule_versions": [],
        "limit_source": "tier",
    }
    if context:
        decision["context"] = recorded
    return factories.ResolutionFactory(
        agent=agent,
        remedy_type=factories.remedy(code),
        requested_amount=amount,
        amount=amount,
        reason="test",
        status="applied" if amount <= cap else "pending_approval",
        decision=decision,
        created_at=timezone.now() - timedelta(days=age_days),
    )


@pytest.fixture
def history(admin_user):
    ann = factories.UserFactory(display_name="Ann Agent")
    bob = factories.UserFactory(display_name="Bob Agent")
    deny = services.policy_rule_create(
        acting_user=admin_user,
        name="No refunds over 450",
        expression="remedy == 'refund' && amount > 450.0",
        effect="deny",
        message="Use the returns desk.",
    )
    rows = {
        "big": _resolution(agent=ann, code="refund", amount="400.00"),
        "small": _resolution(agent=ann, code="refund", amount="100.00"),
        "over_cap": _resolution(agent=ann, code="refund", amount="500.00", per_remedy_cap="200.00"),
        "goodwill": _resolution(agent=bob, code="goodwill_gesture", amount="350.00"),
        "just_over": _resolution(agent=bob, code="refund", amount="301.00"),
        "old": _resolution(agent=bob, code="refund", amount="999.00", age_days=40),
        "legacy": _resolution(agent=bob, code="refund", amount="999.00", context=False),
    }
    return {"ann": ann, "bob": bob, "deny": deny, **rows}


def test_a_draft_rule_shows_what_would_change(api, admin_user, history):
    audit_before = AuditEvent.objects.count()
    response = api.as_user(admin_user).post(URL, DRAFT, format="json")
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["days"] == 30 and report["currency"] == "USD"
    assert report["replayed"] == 5
    assert report["skipped"] == 1
    assert report["changed"] == 2
    assert report["amount_changed"] == "701.00"
    assert report["changes"] == [
        {"from": "apply", "to": "escalate", "count": 2, "amount": "701.00"}
    ]
    # over_cap (500) is rejected by the existing deny rule either way
    assert report["outcomes_before"] == {"apply": 4, "escalate": 0, "reject": 1}
    assert report["outcomes_after"] == {"apply": 2, "escalate": 2, "reject": 1}
    assert report["draft_matched"] == 3  # big, over_cap, just_over
    assert report["draft_errors"] == 0 and report["incomplete_context"] == 0
    assert sorted((a["name"], a["count"], a["amount"]) for a in report["agents"]) == [
        ("Ann Agent", 1, "400.00"),
        ("Bob Agent", 1, "301.00"),
    ]
    examples = {e["resolution"]: e for e in report["examples"]}
    assert set(examples) == {history["big"].pk, history["just_over"].pk}
    big = examples[history["big"].pk]
    assert big["case"] == history["big"].case_id
    assert (big["amount"], big["remedy_type"], big["before"], big["after"]) == (
        "400.00",
        "refund",
        "apply",
        "escalate",
    )
    assert "Big refunds go to the returns desk" in big["summary"]
    assert report["draft"]["variables"] == ["amount", "remedy"]
    # read-only: nothing saved, nothing audited
    assert PolicyRule.objects.count() == 1
    assert AuditEvent.objects.count() == audit_before


def test_days_narrows_the_window(api, admin_user, history):
    report = api.as_user(admin_user).post(URL, {**DRAFT, "days": 60}, format="json").json()
    assert report["replayed"] == 6 and report["changed"] == 2  # "old" was already rejected
    _resolution(agent=history["ann"], code="refund", amount="320.00", age_days=0)
    report = api.as_user(admin_user).post(URL, {**DRAFT, "days": 1}, format="json").json()
    assert report["replayed"] == 1 and report["changed"] == 1


def test_an_edit_of_an_existing_rule(api, admin_user, history):
    client = api.as_user(admin_user)
    softer = client.post(
        URL, {"rule_id": history["deny"].pk, "effect": "require_approval"}, format="json"
    ).json()
    assert softer["changes"] == [
        {"from": "reject", "to": "escalate", "count": 1, "amount": "500.00"}
    ]
    off = client.post(URL, {"rule_id": history["deny"].pk, "enabled": False}, format="json").json()
    # still over the agent's per-remedy cap, so it escalates rather than applies
    assert off["changes"] == [{"from": "reject", "to": "escalate", "count": 1, "amount": "500.00"}]
    stricter = client.post(
        URL, {"rule_id": history["deny"].pk, "expression": "amount > 300.0"}, format="json"
    ).json()
    assert stricter["changed"] == 3  # big, goodwill, just_over now rejected
    assert {c["to"] for c in stricter["changes"]} == {"reject"}
    assert PolicyRule.objects.get(pk=history["deny"].pk).version == 1


def test_a_draft_that_fails_at_run_time_is_counted(api, admin_user, history):
    report = (
        api.as_user(admin_user)
        .post(
            URL,
            {
                "expression": "amount > 0.0 && 10 / customer.remedies_30d_count > 1",
                "effect": "deny",
            },
            format="json",
        )
        .json()
    )
    assert report["draft_errors"] == 5 and report["draft_matched"] == 5
    # errors fail safe: require approval, never deny
    assert report["outcomes_after"]["reject"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"effect": "deny"}, "expression"),
        ({"expression": "amount > 1.0"}, "effect"),
        ({**DRAFT, "expression": "foo > 1"}, "expression"),
        ({**DRAFT, "expression": "amount >"}, "expression"),
        ({**DRAFT, "effect": "explode"}, "effect"),
        ({**DRAFT, "days": 0}, "days"),
        ({**DRAFT, "days": 366}, "days"),
        ({**DRAFT, "days": "many"}, "days"),
        ({"rule_id": 999999}, "rule_id"),
    ],
)
def test_bad_backtests_are_400_naming_the_field(api, admin_user, body, field):
    response = api.as_user(admin_user).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_only_admins_backtest(api, role):
    user = factories.UserFactory(role=role)
    assert api.as_user(user).post(URL, DRAFT, format="json").status_code == 403


def test_anonymous_backtest_is_401(api):
    assert api.post(URL, DRAFT, format="json").status_code == 401
