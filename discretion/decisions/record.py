"""The one write path of the discretion decision.

``resolution_request`` loads the inputs, locks, calls the pure engine, and writes the
resolution, the budget movement, the escalation (when escalated), the timeline event and
the audit event in ONE transaction; routing is enqueued only on commit.
``resolution_preview`` runs the same inputs through the engine and writes nothing.
"""

from __future__ import annotations

from typing import Any

from common.money import money
from discretion import engine
from discretion.decisions.inputs import DecisionInputs


def decision_record(decision: engine.Decision, inputs: DecisionInputs) -> dict[str, Any]:
    """The decision as stored on the resolution: enough to explain and replay it."""
    return {
        **decision_payload(decision),
        "limit_source": inputs.limit_source,
        "rule_versions": [list(pair) for pair in inputs.rule_versions],
        "context": inputs.context,
    }


def decision_payload(decision: engine.Decision) -> dict[str, Any]:
    """The contract's ``decision`` object."""
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
