"""The decision as the resolution stores it and the API shows it.

``decision_record`` keeps what explains and replays a decision later (checks, matched
rules, the limit's source, the (rule id, version) pairs evaluated and the CEL context;
the backtest re-decides from it); ``decision_payload`` is the ``decision`` object of
docs/api.md.
"""

from __future__ import annotations

from typing import Any

from common.money import money
from discretion import engine
from discretion.decisions.inputs import DecisionInputs
from discretion.engine.incidents import applied_under_incident


def decision_record(decision: engine.Decision, inputs: DecisionInputs) -> dict[str, Any]:
    """The decision as stored on the resolution: enough to explain and replay it.
    ``incident``: the incident whose budget paid for it (None when none did)."""
    return {
        **decision_payload(decision),
        "limit_source": inputs.limit_source,
        "rule_versions": [list(pair) for pair in inputs.rule_versions],
        "context": inputs.context,
        "incident": (
            inputs.incident.id
            if inputs.incident is not None and applied_under_incident(decision)
            else None
        ),
    }


def decision_payload(decision: engine.Decision) -> dict[str, Any]:
    """The ``decision`` object of docs/api.md ("Resolutions")."""
    return {
        "outcome": decision.outcome,
        "summary": decision.summary,
        "checks": [
            {
                "name": check.name,
                "limit": money(check.limit),
                "used": money(check.used),
                "requested": money(check.requested),
                "passed": check.passed,
            }
            for check in decision.checks
        ],
        "rules": [
            {
                "id": rule.id,
                "name": rule.name,
                "effect": rule.effect,
                "message": rule.message,
                "version": rule.version,
                "error": rule.error,
            }
            for rule in decision.rules
        ],
    }
