"""Changes proposed from a problem over HTTP: propose (supervisors), accept or decline
(admins), each once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit.models import AuditEvent
from discretion.models import TrustLimit
from policies.models import PolicyRule
from tests import factories

pytestmark = pytest.mark.django_db


def test_propose_a_rule_and_accept_it(api, agent, supervisor, admin_user):
    problem = factories.ProblemFactory()
    url = f"/api/v1/problems/{problem.pk}/proposals/"
    rule = {
        "kind": "rule",
        "name": "Refunds over 500 need a look",
        "expression": "amount > 500.0",
        "effect": "require_approval",
        "enabled": True,
    }
    assert api.as_user(agent).post(url, rule, format="json").status_code == 403
    missing = api.as_user(supervisor).post(url, {"kind": "rule"}, format="json")
    assert missing.status_code == 400 and {"name", "expression", "effect"} <= set(missing.json())
    broken = api.as_user(supervisor).post(url, {**rule, "expression": "amount >"}, format="json")
    assert broken.status_code == 400 and "expression" in broken.json()
    made = api.as_user(supervisor).post(url, rule, format="json")
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["status"] == "open" and body["result"]["replayed"] == 0
    assert api.as_user(agent).get(url).json()["count"] == 1

    accept = f"/api/v1/problem-proposals/{body['id']}/accept/"
    assert api.as_user(supervisor).post(accept, {}, format="json").status_code == 403
    accepted = api.as_user(admin_user).post(accept, {"note": "Good idea"}, format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert PolicyRule.objects.get(name="Refunds over 500 need a look").enabled is True
    again = api.as_user(admin_user).post(
        f"/api/v1/problem-proposals/{body['id']}/decline/", {}, format="json"
    )
    assert again.status_code == 409
    assert AuditEvent.objects.filter(action="problem_change_accepted").count() == 1


def test_propose_a_limit_and_decline_it(api, supervisor, admin_user):
    problem = factories.ProblemFactory()
    url = f"/api/v1/problems/{problem.pk}/proposals/"
    limit = {"kind": "limit", "tier": "new", "remedy_type": "refund", "per_remedy_max": 25}
    assert api.as_user(supervisor).post(url, limit, format="json").status_code == 400  # a number
    made = api.as_user(supervisor).post(url, {**limit, "per_remedy_max": "25"}, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["change"]["per_remedy_max"] == "25.00"
    declined = api.as_user(admin_user).post(
        f"/api/v1/problem-proposals/{made.json()['id']}/decline/",
        {"note": "Not now"},
        format="json",
    )
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert not TrustLimit.objects.filter(tier__code="new", per_remedy_max=Decimal("25.00")).exists()
    assert (
        api.as_user(admin_user)
        .post("/api/v1/problem-proposals/99999999999999999999/accept/", {}, format="json")
        .status_code
        == 404
    )
