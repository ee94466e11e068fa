"""Every example rule of the library saves, reads what it says, and matches what it says."""
# ruff: noqa: E501 - the table of cases reads best one row per case

from __future__ import annotations

import copy

import pytest

from policies.context import empty_context
from policies.evaluation import RuleSet, compile_rule
from policies.examples import EXAMPLE_RULES
from policies.expressions import check_expression


@pytest.mark.parametrize("example", EXAMPLE_RULES, ids=[e["name"] for e in EXAMPLE_RULES])
def test_example_rules_are_valid_and_list_their_variables(example):
    compiled = check_expression(example["expression"])
    assert compiled.variables == frozenset(example["variables"])
    assert example["effect"] in ("deny", "require_approval")
    assert example["message"]


def _ctx(**changes):
    context = copy.deepcopy(empty_context())
    for key, value in changes.items():
        if "__" in key:
            ns, field = key.split("__")
            context[ns][field] = value
        else:
            context[key] = value
    return context


CASES = [
    ("Refunds over 300 go to the returns desk", _ctx(remedy="refund", amount=300.01), True),
    ("Refunds over 300 go to the returns desk", _ctx(remedy="refund", amount=300.0), False),
    ("Refunds over 300 go to the returns desk", _ctx(remedy="store_credit", amount=900.0), False),
    ("Frequent remedies need a second pair of eyes", _ctx(customer__remedies_30d_count=4, amount=1.0), True),
    ("Frequent remedies need a second pair of eyes", _ctx(customer__remedies_30d_count=3, amount=1.0), False),
    ("New agents: goodwill over 50 needs approval", _ctx(remedy="goodwill_gesture", amount=60.0, agent__tenure_days=30), True),
    ("New agents: goodwill over 50 needs approval", _ctx(remedy="goodwill_gesture", amount=60.0, agent__tenure_days=400, agent__tier="standard"), False),
    ("Crisis cases: approval for anything over 200", _ctx(case__category="crisis", amount=201.0), True),
    ("Crisis cases: approval for anything over 200", _ctx(case__category="crisis", amount=201.0, incident__active=True, incident__id=4), False),
    ("Fresh case, big refund", _ctx(remedy="refund", amount=150.0, case__age_hours=0.5), True),
    ("Fresh case, big refund", _ctx(remedy="refund", amount=150.0, case__age_hours=2.0), False),
    ("Case total over 500", _ctx(amount=100.0, case__remedies_total=450.0), True),
    ("Questions don't get refunds", _ctx(case__category="question", remedy="refund"), True),
    ("Questions don't get refunds", _ctx(case__category="question", remedy="apology"), False),
    ("Test accounts never get money", _ctx(customer__external_id="TEST-1", amount=5.0), True),
]  # fmt: skip


@pytest.mark.parametrize(("name", "context", "matched"), CASES)
def test_example_rules_match_what_they_say(name, context, matched):
    [example] = [e for e in EXAMPLE_RULES if e["name"] == name]
    rule = compile_rule(
        id=1,
        name=name,
        version=1,
        effect=example["effect"],
        message=example["message"],
        expression=example["expression"],
    )
    [result] = RuleSet([rule]).evaluate(context)
    assert result.error is None
    assert result.matched is matched
