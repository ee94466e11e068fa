"""The compiled ruleset: snapshot, ordering, freshness, fail-safe errors, query cost."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from policies import services
from policies.context import CONTEXT_VARIABLES, empty_context
from policies.evaluation import (
    RuleResult,
    RuleSet,
    compile_rule,
    current_ruleset,
)
from policies.models import PolicyRule

pytestmark = pytest.mark.django_db


def _rule(admin_user, expression, *, effect="require_approval", priority=100, **kw):
    return services.policy_rule_create(
        acting_user=admin_user,
        name=kw.pop("name", expression),
        expression=expression,
        effect=effect,
        message=kw.pop("message", f"because {expression}"),
        priority=priority,
        **kw,
    )


def _context(**top):
    context = empty_context()
    for key, value in top.items():
        if "__" in key:
            ns, field = key.split("__", 1)
            context[ns][field] = value
        else:
            context[key] = value
    return context


def test_enabled_rules_in_priority_order_with_results(admin_user):
    late = _rule(admin_user, "amount > 100.0", priority=50, effect="deny")
    early = _rule(admin_user, "customer.remedies_30d_count >= 4", priority=10)
    _rule(admin_user, "amount > 0.0", enabled=False)
    ruleset = current_ruleset()
    assert len(ruleset) == 2
    assert ruleset.versions == ((early.pk, 1), (late.pk, 1))
    assert ruleset.variables == frozenset({"amount", "customer.remedies_30d_count"})
    results = ruleset.evaluate(_context(amount=250.0, customer__remedies_30d_count=1))
    assert results == [
        RuleResult(
            id=early.pk,
            name=early.name,
            version=1,
            effect="require_approval",
            message=early.message,
            matched=False,
            error=None,
        ),
        RuleResult(
            id=late.pk,
            name=late.name,
            version=1,
            effect="deny",
            message=late.message,
            matched=True,
            error=None,
        ),
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        results[0].matched = True  # type: ignore[misc]
    with pytest.raises(AttributeError):
        ruleset._rules = ()  # type: ignore[misc]


def test_unchanged_rules_cost_one_query_and_return_the_same_snapshot(admin_user):
    for i in range(20):
        _rule(admin_user, f"amount > {i}.0")
    first = current_ruleset()
    with CaptureQueriesContext(connection) as queries:
        second = current_ruleset()
        second.evaluate(empty_context())
    assert len(queries) == 1
    assert second is first


def test_an_edit_is_seen_on_the_next_call_never_stale(admin_user):
    rule = _rule(admin_user, "amount > 100.0")
    assert current_ruleset().evaluate(_context(amount=150.0))[0].matched is True
    services.policy_rule_update(
        acting_user=admin_user, rule_id=rule.pk, expression="amount > 200.0"
    )
    ruleset = current_ruleset()
    assert ruleset.versions == ((rule.pk, 2),)
    assert ruleset.evaluate(_context(amount=150.0))[0].matched is False
    services.policy_rule_update(acting_user=admin_user, rule_id=rule.pk, enabled=False)
    assert len(current_ruleset()) == 0
    services.policy_rule_update(acting_user=admin_user, rule_id=rule.pk, enabled=True)
    assert current_ruleset().versions == ((rule.pk, 4),)
    services.policy_rule_delete(acting_user=admin_user, rule_id=rule.pk)
    assert len(current_ruleset()) == 0


def test_a_new_rule_is_seen_by_the_next_decision(admin_user):
    assert len(current_ruleset()) == 0
    _rule(admin_user, "amount > 1.0")
    assert len(current_ruleset()) == 1


def test_runtime_error_counts_as_require_approval_and_says_so(admin_user):
    rule = _rule(admin_user, "amount > 0.0 && 10 / customer.remedies_30d_count > 1", effect="deny")
    [result] = current_ruleset().evaluate(_context(amount=5.0))
    assert result.matched is True
    assert result.effect == "require_approval"
    assert result.version == 1 and result.id == rule.pk
    assert result.error.startswith("rule failed to evaluate: division by zero")
    assert result.error.endswith("sent for approval to be safe")


def test_missing_context_parts_fail_safe(admin_user):
    _rule(admin_user, "customer.remedies_30d_count >= 4")
    [result] = current_ruleset().evaluate({"amount": 1.0})
    assert result.matched is True and result.effect == "require_approval"
    assert "rule failed to evaluate" in result.error


def test_a_stored_expression_that_no_longer_compiles_fails_safe(admin_user):
    rule = _rule(admin_user, "amount > 1.0")
    # Written behind the services' back (e.g. a bad data migration).
    PolicyRule.objects.filter(pk=rule.pk).update(expression="amount >", version=2)
    [result] = current_ruleset().evaluate(empty_context())
    assert result.matched is True and result.effect == "require_approval"
    assert "Line 1, column 9" in result.error


def test_ruleset_replacing_for_backtests():
    a = compile_rule(
        id=1, name="a", version=1, effect="deny", message="a", expression="amount > 1.0"
    )
    b = compile_rule(
        id=2, name="b", version=3, effect="deny", message="b", expression="remedy == 'x'"
    )
    ruleset = RuleSet([a, b])
    assert ruleset.replacing(1, None).versions == ((2, 3),)
    edited = dataclasses.replace(a, version=2)
    assert ruleset.replacing(1, edited).versions == ((1, 2), (2, 3))
    assert ruleset.versions == ((1, 1), (2, 3))  # unchanged
    assert RuleSet().evaluate(empty_context()) == []


def test_context_variables_are_the_contract_ones():
    assert CONTEXT_VARIABLES["customer.remedies_30d_count"] == "int"
    assert CONTEXT_VARIABLES["amount"] == "double"
    assert CONTEXT_VARIABLES["incident.active"] == "bool"
    assert CONTEXT_VARIABLES["incident.id"] == "int"
    assert len(CONTEXT_VARIABLES) == 14
