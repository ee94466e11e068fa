"""The decision under an incident's remedy schedule, still pure Python.

While an incident is active and the case is linked to it, a request for a remedy type in
its schedule is decided against the schedule instead of the agent's own limit for that
type (CONTRACT.md, "Incidents"): it applies when the amount is within the schedule's
``per_remedy_max`` and the incident's remaining budget, and then counts against the
incident budget, not the agent's windows; else it escalates as usual, with the agent's
normal checks and the incident's. Policy rules apply either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from . import (  # relative: the engine imports no app, not even by name
    ZERO,
    Check,
    Decision,
    Limits,
    RuleHit,
    Usage,
    decide,
    decide_from_checks,
    limit_checks,
    money_text,
)

INCIDENT_CHECK_NAMES = ("incident_per_remedy_max", "incident_budget")


@dataclass(frozen=True)
class IncidentTerms:
    """The incident a case is linked to, as the decision sees it.

    ``active``: active and within its window now. ``per_remedy_max``: the schedule's cap
    for the requested remedy type, None when the type is not in the schedule.
    """

    id: int
    title: str
    active: bool
    budget: Decimal
    spent: Decimal
    per_remedy_max: Decimal | None

    @property
    def left(self) -> Decimal:
        return max(self.budget - self.spent, ZERO)

    @property
    def label(self) -> str:
        """How a sentence names it: ``incident #4 'Outage 3 Dec'``."""
        return f"incident #{self.id} '{self.title}'"

    def covers(self, *, monetary: bool) -> bool:
        """Whether its schedule decides a request of this remedy type at all."""
        return self.active and monetary and self.per_remedy_max is not None


def applied_under_incident(decision: Decision) -> bool:
    """Whether the incident's budget pays for this decision (it applies under one)."""
    return decision.outcome == "apply" and any(c.name == "incident_budget" for c in decision.checks)


_fmt = money_text


def incident_checks(*, amount: Decimal, incident: IncidentTerms) -> tuple[Check, Check]:
    assert incident.per_remedy_max is not None  # only a covering schedule is checked
    return (
        Check(
            "incident_per_remedy_max",
            incident.per_remedy_max,
            ZERO,
            amount,
            amount <= incident.per_remedy_max,
        ),
        Check(
            "incident_budget",
            incident.budget,
            incident.spent,
            amount,
            incident.spent + amount <= incident.budget,
        ),
    )


def _incident_reason(check: Check, incident: IncidentTerms, currency: str) -> str:
    if check.name == "incident_per_remedy_max":
        assert check.limit is not None
        return f"over the {_fmt(check.limit, currency)} per remedy of {incident.label}"
    return (
        f"{incident.label} has {_fmt(incident.left, currency)} of "
        f"{_fmt(incident.budget, currency)} left"
    )


def decide_with_incident(
    *,
    remedy_name: str,
    amount: Decimal,
    limits: Limits | None,
    usage: Usage,
    rule_hits: Sequence[RuleHit],
    currency: str,
    monetary: bool = True,
    incident: IncidentTerms | None = None,
) -> Decision:
    """``engine.decide``, with the incident's schedule in place of the agent's own limit
    when it covers the request. ``Decision.checks`` then holds the incident's two checks;
    when they fail, the agent's checks too (the request escalates as usual)."""
    if incident is None or not incident.covers(monetary=monetary):
        return decide(
            remedy_name=remedy_name,
            amount=amount,
            limits=limits,
            usage=usage,
            rule_hits=rule_hits,
            currency=currency,
            monetary=monetary,
        )
    own = incident_checks(amount=amount, incident=incident)
    failed = [check for check in own if not check.passed]
    if not failed:
        decision = decide_from_checks(
            remedy_name=remedy_name,
            amount=amount,
            checks=own,
            rule_hits=rule_hits,
            currency=currency,
            monetary=monetary,
        )
        if decision.outcome != "apply":
            return decision  # a policy rule still rejects or asks for approval
        left = incident.left - amount
        summary = (
            f"Applies under {incident.label}; {_fmt(left, currency)} of "
            f"{_fmt(incident.budget, currency)} left."
        )
        return Decision("apply", summary, decision.checks, decision.rules)

    # Not covered after all: escalate as usual, whatever the agent's own limit says.
    agent = decide_from_checks(
        remedy_name=remedy_name,
        amount=amount,
        checks=limit_checks(amount=amount, limits=limits, usage=usage),
        rule_hits=rule_hits,
        currency=currency,
        no_limit=limits is None,
        monetary=monetary,
    )
    checks = (*agent.checks[:-1], *own, agent.checks[-1])  # policy_rules stays last
    if agent.outcome == "reject":
        return Decision("reject", agent.summary, checks, agent.rules)
    what = f"{_fmt(amount, currency)} {remedy_name.lower()}"
    summary = f"Goes to a supervisor: {what} — " + "; ".join(
        _incident_reason(check, incident, currency) for check in failed
    )
    if agent.outcome == "escalate":
        summary += "; " + agent.summary.split(" — ", 1)[-1]
    return Decision("escalate", summary.rstrip(".") + ".", checks, agent.rules)
