"""The decision under an incident's schedule, pure (no database): table-driven at, just
under and just over each incident cap."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from typing import Any

import pytest

from discretion.engine import Limits, RuleHit, Usage
from discretion.engine.incidents import IncidentTerms, applied_under_incident, decide_with_incident

AGENT = Limits(per_remedy_max=D("25.00"), daily_max=D("100.00"))


def terms(**overrides: Any) -> IncidentTerms:
    base = IncidentTerms(
        id=4,
        title="Outage 3 Dec",
        active=True,
        budget=D("5000.00"),
        spent=D("3700.00"),
        per_remedy_max=D("60.00"),
    )
    return replace(base, **overrides)


def decide(amount: str, incident: IncidentTerms | None, *, limits=AGENT, rules=(), monetary=True):
    return decide_with_incident(
        remedy_name="Refund",
        amount=D(amount),
        limits=limits,
        usage=Usage(),
        rule_hits=rules,
        currency="USD",
        monetary=monetary,
        incident=incident,
    )


@pytest.mark.parametrize(
    ("amount", "incident", "outcome"),
    [
        ("60.00", terms(), "apply"),  # at the schedule's cap
        ("60.01", terms(), "escalate"),  # just over it
        ("1300.00", terms(per_remedy_max=D("2000")), "apply"),  # exactly what is left
        ("1300.01", terms(per_remedy_max=D("2000")), "escalate"),  # a cent over the budget
        ("60.00", terms(active=False), "escalate"),  # ended: the agent's own 25 applies
        ("20.00", terms(active=False), "apply"),
        ("60.00", terms(per_remedy_max=None), "escalate"),  # remedy not in the schedule
        ("60.00", None, "escalate"),
    ],
)
def test_the_schedule_replaces_the_agents_limit_while_it_covers(amount, incident, outcome):
    decision = decide(amount, incident)
    assert decision.outcome == outcome
    covered = incident is not None and incident.active and incident.per_remedy_max is not None
    assert applied_under_incident(decision) == (covered and outcome == "apply")


# (case, amount, incident, outcome, incident_per_remedy_max passed, incident_budget passed)
# None: the check is not made (the schedule does not cover the request).
CHECK_TABLE = [
    ("within schedule", "40.00", terms(), "apply", True, True),
    ("at the schedule's cap", "60.00", terms(), "apply", True, True),
    ("above schedule", "60.01", terms(), "escalate", False, True),
    ("budget exactly used up", "60.00", terms(spent=D("4940.00")), "apply", True, True),
    ("budget exhausted", "0.01", terms(spent=D("5000.00")), "escalate", True, False),
    ("budget short by a cent", "60.00", terms(spent=D("4940.01")), "escalate", True, False),
    ("above schedule and budget", "61.00", terms(spent=D("4990.00")), "escalate", False, False),
    ("ended incident", "60.00", terms(active=False), "escalate", None, None),
    ("ended, within own limit", "20.00", terms(active=False), "apply", None, None),
    ("remedy not in the schedule", "60.00", terms(per_remedy_max=None), "escalate", None, None),
]


@pytest.mark.parametrize(
    ("amount", "incident", "outcome", "per_remedy", "budget"),
    [row[1:] for row in CHECK_TABLE],
    ids=[row[0] for row in CHECK_TABLE],
)
def test_the_incident_checks_table(amount, incident, outcome, per_remedy, budget):
    decision = decide(amount, incident)
    assert decision.outcome == outcome
    checks = {c.name: c for c in decision.checks}
    if per_remedy is None:
        # Not covered: the agent's own four checks decide, the incident's are not made.
        assert "incident_per_remedy_max" not in checks and "incident_budget" not in checks
        assert checks["per_remedy_max"].limit == D("25.00")
        assert not applied_under_incident(decision)
        return
    schedule, room = checks["incident_per_remedy_max"], checks["incident_budget"]
    assert (schedule.passed, room.passed) == (per_remedy, budget)
    assert (schedule.limit, schedule.used, schedule.requested) == (
        D("60.00"),
        D("0.00"),
        D(amount),
    )
    assert (room.limit, room.used, room.requested) == (incident.budget, incident.spent, D(amount))
    assert applied_under_incident(decision) == (outcome == "apply")
    if outcome == "escalate":
        # The agent's own checks are reported too (the request escalates as usual) and
        # the sentence names the incident's failed check.
        assert "per_remedy_max" in checks
        assert f"incident #{incident.id} 'Outage 3 Dec'" in decision.summary


def test_the_summary_and_checks_under_the_incident():
    decision = decide("60.00", terms(spent=D("3700.00")))
    assert (
        decision.summary == "Applies under incident #4 'Outage 3 Dec'; $1,240.00 of $5,000.00 left."
    )
    assert [c.name for c in decision.checks] == [
        "incident_per_remedy_max",
        "incident_budget",
        "policy_rules",
    ]
    over = decide("61.00", terms(), limits=None)  # no own limit at all: still a sentence
    assert over.outcome == "escalate"
    assert over.summary.startswith("Goes to a supervisor: $61.00 refund — over the $60.00")
    assert "no trust limit set" in over.summary


def test_policy_rules_still_reject_or_ask_for_approval():
    deny = RuleHit(1, "No refunds", 1, "deny", "Refunds are paused.")
    ask = RuleHit(2, "Second look", 1, "require_approval", "Look twice.")
    assert decide("10.00", terms(), rules=[deny]).outcome == "reject"
    assert decide("10.00", terms(), rules=[ask]).outcome == "escalate"
    assert decide("99.00", terms(), rules=[deny]).outcome == "reject"


def test_a_non_money_remedy_is_decided_as_always():
    decision = decide("0.00", terms(), monetary=False, limits=None)
    assert decision.outcome == "apply" and not applied_under_incident(decision)
