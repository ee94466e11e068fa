"""Bounded CEL: expressions whose worst case is too costly (or too deep) are refused at
validate and save without being evaluated, validation is for admins, and a rule over its
run-time budget sends the request for approval and says why."""

from __future__ import annotations

import time
from decimal import Decimal as D

import pytest

from policies.context import NAMESPACES
from policies.cost import expression_cost
from policies.evaluation import RuleSet, compile_rule
from policies.expressions import ExpressionError, check_expression
from policies.models import PolicyRule
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/policy-rules/"
RESOLVE = "/api/v1/cases/{}/resolutions/"
L100 = "[" + ", ".join(str(n) for n in range(1, 101)) + "]"
# The expression that pinned a gunicorn worker for 30 s: 10^10 steps.
FIVE_NESTED = (
    f"{L100}.all(a, {L100}.all(b, {L100}.all(c, {L100}.all(d, {L100}.all(e, "
    "a + b + c + d + e > 0)))))"
)


def _cost(expression: str) -> int:
    return expression_cost(expression, namespaces=NAMESPACES).cost


def _list(n: int) -> str:
    return "[" + ", ".join(str(i) for i in range(n)) + "]"


def test_the_five_nested_all_is_refused_at_validate_fast(api, admin_user):
    client = api.as_user(admin_user)
    client.post(f"{URL}validate/", {"expression": "amount > 1.0"}, format="json")  # warm up
    started = time.perf_counter()
    response = client.post(f"{URL}validate/", {"expression": FIVE_NESTED}, format="json")
    assert time.perf_counter() - started < 0.5
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False and body["result"] is None
    assert "too costly" in body["error"] and "10,000" in body["error"]


@pytest.mark.parametrize("method", ["post", "patch"])
def test_the_five_nested_all_is_refused_at_save_naming_expression(api, admin_user, method):
    client = api.as_user(admin_user)
    client.post(f"{URL}validate/", {"expression": "amount > 1.0"}, format="json")  # warm up
    rule = {"name": "Runaway", "expression": FIVE_NESTED, "effect": "deny"}
    started = time.perf_counter()
    if method == "post":
        response = client.post(URL, rule, format="json")
    else:
        existing = factories.PolicyRuleFactory(expression="amount > 1.0")
        response = client.patch(f"{URL}{existing.pk}/", {"expression": FIVE_NESTED}, format="json")
    assert time.perf_counter() - started < 0.5
    assert response.status_code == 400, response.content
    [message] = response.json()["expression"]
    assert "too costly" in message and "the limit is 10,000" in message
    assert not PolicyRule.objects.filter(expression=FIVE_NESTED).exists()


def test_an_expression_just_under_the_limit_is_accepted_and_one_over_is_refused(
    api, admin_user, settings
):
    # Ten times an .exists() over a list of n: the cost grows by about 40 per element.
    limit = settings.DISCRETION_CEL_MAX_COST

    def draft(n: int) -> str:
        return f"{_list(10)}.exists(x, {_list(n)}.exists(y, x == y + 1000))"

    n = 1
    while _cost(draft(n + 1)) <= limit:
        n += 1
    under, over = draft(n), draft(n + 1)
    assert limit - 100 < _cost(under) <= limit < _cost(over)
    client = api.as_user(admin_user)
    ok = client.post(
        URL, {"name": "Big list", "expression": under, "effect": "deny"}, format="json"
    )
    assert ok.status_code == 201, ok.content
    refused = client.post(
        URL, {"name": "Too big", "expression": over, "effect": "deny"}, format="json"
    )
    assert refused.status_code == 400 and "too costly" in refused.json()["expression"][0]


def test_the_cost_limit_is_a_setting(settings):
    expression = f"{_list(10)}.all(x, x >= 0)"
    check_expression(expression)
    settings.DISCRETION_CEL_MAX_COST = _cost(expression) - 1
    with pytest.raises(ExpressionError, match="too costly"):
        check_expression(expression)


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("(" * 40 + "amount" + ")" * 40 + " > 1.0", "brackets nest more than 32"),
        ("[1].all(a, [1].all(b, [1].all(c, [1].all(d, a + b + c + d > 0))))", "nests 4"),
    ],
)
def test_nesting_is_limited(expression, words):
    with pytest.raises(ExpressionError, match=words):
        check_expression(expression)


def test_comprehension_costs_multiply_and_chains_add():
    one = _cost(f"{_list(10)}.all(a, a > 0)")
    nested = _cost(f"{_list(10)}.all(a, {_list(10)}.all(b, a + b > 0))")
    assert nested > 10 * one
    # doubling a string in a chain of .map() is caught by its growing size
    doubling = "['abcdefgh']" + "".join(f".map(s{i}, s{i} + s{i})" for i in range(30))
    assert _cost(doubling + ".size() > 0") > 10**6


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_only_admins_validate(api, role):
    user = factories.UserFactory(role=role)
    response = api.as_user(user).post(
        f"{URL}validate/", {"expression": "amount > 1.0"}, format="json"
    )
    assert response.status_code == 403
    body = response.json()
    assert set(body) == {"detail", "code", "request_id"} and body["detail"]
    # everyone still reads the rules and the context
    assert api.as_user(user).get(URL).status_code == 200
    assert api.as_user(user).get(f"{URL}context/").status_code == 200


def test_a_stored_rule_over_the_cost_limit_fails_safe_without_running(settings):
    settings.DISCRETION_CEL_MAX_COST = 50
    rule = compile_rule(
        id=1,
        name="Costly",
        version=1,
        effect="deny",
        message="m",
        expression=f"{_list(100)}.exists(x, x < 0)",
    )
    [result] = RuleSet([rule]).evaluate({"amount": 1.0})
    assert result.matched and result.effect == "require_approval"
    assert "too costly" in (result.error or "")


def test_a_rule_over_its_run_time_budget_sends_for_approval_and_says_so(api, agent, case, settings):
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("1000.00"))
    factories.PolicyRuleFactory(
        name="Never matches", expression="amount > 100000.0", effect="deny", message="No."
    )
    settings.DISCRETION_CEL_RULE_BUDGET_MS = 0
    response = api.as_user(agent).post(
        RESOLVE.format(case.pk),
        {"remedy_type": "refund", "amount": "25.00", "reason": "Parcel never arrived"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending_approval"
    [rule] = body["decision"]["rules"]
    assert rule["effect"] == "require_approval"
    assert "exceeded its evaluation budget" in rule["error"]
    assert "sent for approval to be safe" in rule["error"]
