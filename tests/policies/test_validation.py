"""Expression checks at save time, table-driven, without a database."""

from __future__ import annotations

import pytest

from policies.context import CONTEXT_VARIABLES, ContextError, context_merge, empty_context
from policies.expressions import ExpressionError, check_expression

GOOD = [
    ("amount > 100", {"amount"}),
    ("amount > 100.0 && remedy == 'refund'", {"amount", "remedy"}),
    ("customer.remedies_30d_count >= 4", {"customer.remedies_30d_count"}),
    ("case.category == 'crisis' && amount > 200.0", {"case.category", "amount"}),
    ("agent.tier == 'new' && remedy == 'goodwill_gesture' && amount > 50.0", None),
    ("agent.team.startsWith('Ret')", {"agent.team"}),
    ("remedy in ['refund', 'store_credit']", {"remedy"}),
    ("[10.0, 20.0].exists(x, x > amount)", {"amount"}),
    ("has(customer.external_id) && customer.external_id != ''", {"customer.external_id"}),
    ("customer['remedies_30d_total'] > 500.0", {"customer.remedies_30d_total"}),
    ("case.age_hours < 1.0 &&\n  amount > 100.0", {"case.age_hours", "amount"}),
    ("'customer.nope' == remedy", {"remedy"}),  # names inside strings are not variables
    ("amount > 0.0 && 1000.0 / amount > 2.0", {"amount"}),  # guarded division
    ("size(customer) > 0", {f for f in CONTEXT_VARIABLES if f.startswith("customer.")}),
]


@pytest.mark.parametrize(("expression", "variables"), GOOD)
def test_good_expressions_compile_with_their_variables(expression, variables):
    compiled = check_expression(expression)
    if variables is not None:
        assert compiled.variables == frozenset(variables)


BAD = [
    # (expression, words the message must contain, line, column)
    ("amount >", ["Line 1, column 9", "stops too early", "| amount >", "........^"], 1, 9),
    ("amount > 1 and remedy == 'x'", ["column 12", "write && instead"], 1, 12),
    ("(amount > 1", ["a “)” is missing"], 1, 12),
    ("amount > 100 && remedy = 'x'", ["Line 1, column 24"], 1, 24),
    ("amount > 100 &&\n  remedy ==", ["Line 2, column 12", "|   remedy =="], 2, 12),
    ("foo > 1", ["Line 1, column 1", "unknown variable foo", "| foo > 1", "| ^"], 1, 1),
    ("customer.nope", ["Line 1, column 10", "unknown variable customer.nope"], 1, 10),
    ("amount > 1.0 &&\n has(customer.nopes)", ["Line 2, column 15", "customer.nopes"], 2, 15),
    ("customer['x'] > 3", ["unknown variable customer.x"], 1, 10),
    ("remedy.code == 'refund'", ["unknown variable remedy.code"], 1, 8),
    ("amount", ["not boolean", "double"], None, None),
    ("remedy", ["not boolean", "string"], None, None),
    ("customer.remedies_30d_count + 1", ["not boolean", "int"], None, None),
    ("amount + 1 > 100", ["fails to evaluate", "float + int", "doubles"], None, None),
    ("remedy > 1", ["fails to evaluate", "No such overload"], None, None),
    ("100 / customer.remedies_30d_count > 5", ["division by zero", "empty context"], None, None),
    ("", ["empty"], None, None),
    ("   ", ["empty"], None, None),
]


@pytest.mark.parametrize(("expression", "words", "line", "column"), BAD)
def test_bad_expressions_are_refused_saying_where(expression, words, line, column):
    with pytest.raises(ExpressionError) as caught:
        check_expression(expression)
    for word in words:
        assert word in caught.value.message, caught.value.message
    assert (caught.value.line, caught.value.column) == (line, column)


def test_empty_context_has_every_documented_variable_with_typed_defaults():
    context = empty_context()
    assert context["amount"] == 0.0 and isinstance(context["amount"], float)
    assert context["customer"]["remedies_30d_count"] == 0
    assert isinstance(context["customer"]["remedies_30d_count"], int)
    assert context["agent"]["team"] == ""
    flat = {f"{k}.{f}" for k, v in context.items() if isinstance(v, dict) for f in v}
    flat |= {k for k, v in context.items() if not isinstance(v, dict)}
    assert flat == set(CONTEXT_VARIABLES)


def test_context_merge_coerces_and_refuses_wrong_types():
    merged = context_merge({"amount": 250, "customer": {"remedies_30d_count": 5.0}})
    assert merged["amount"] == 250.0 and isinstance(merged["amount"], float)
    assert merged["customer"]["remedies_30d_count"] == 5
    assert merged["customer"]["remedies_30d_total"] == 0.0
    for bad, word in [
        ({"amount": "lots"}, "amount must be a number"),
        ({"amount": True}, "amount must be a number"),
        ({"customer": {"remedies_30d_count": 1.5}}, "whole number"),
        ({"customer": {"nope": 1}}, "customer.nope is not a context variable"),
        ({"foo": 1}, "foo is not a context variable"),
        ({"agent": "x"}, "agent must be an object"),
        ({"remedy": 3}, "remedy must be a string"),
        ([1], "context must be an object"),
    ]:
        with pytest.raises(ContextError, match=word):
            context_merge(bad)
