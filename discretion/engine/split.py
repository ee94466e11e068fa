"""Splitting a request at the agent's headroom: apply what every check allows now,
escalate the rest. Pure, like the rest of the engine.

``headroom`` reads the checks of the whole request (as ``limit_checks`` made them): the
most the agent may apply now is the smallest of what is left on each capped check
(the per-remedy cap itself; per case, today and this month their cap less what is used).
``rest_checks`` makes the checks of the escalated rest: the per-remedy cap counts the
applied part of the same request as used, so the rest of one request never fits under
the cap the whole request broke (25 now and 15 more "within the limit" would be 40).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from . import ZERO, Check, Decision, decide_from_checks, money_text

# How the binding check reads in the split sentence: "Applied 25.00 now (your limit per remedy)".
HEADROOM_REASONS = {
    "per_remedy_max": "your limit per remedy",
    "per_case_max": "your limit for this case",
    "daily_max": "what is left of your daily limit",
    "monthly_max": "what is left of your monthly limit",
}


@dataclass(frozen=True)
class Headroom:
    amount: Decimal
    binding: str  # the check that sets it


def headroom(checks: Sequence[Check]) -> Headroom | None:
    """The most that applies now under every capped check, or None without any cap."""
    best: Headroom | None = None
    for check in checks:
        if check.name == "policy_rules" or check.limit is None:
            continue
        left = check.limit if check.name == "per_remedy_max" else check.limit - check.used
        left = max(left, ZERO)
        if best is None or left < best.amount:
            best = Headroom(left, check.name)
    return best


def split_offer(decision: Decision, *, amount: Decimal, monetary: bool = True) -> Headroom | None:
    """The split to offer for a decided request, or None: only a money request that
    escalates on its limit checks alone (no policy rule matched) and has some headroom."""
    if not monetary or decision.outcome != "escalate" or decision.rules:
        return None
    room = headroom(decision.checks)
    if room is None or room.amount <= ZERO or room.amount >= amount:
        return None
    return room


def rest_checks(checks: Sequence[Check], *, applied: Decimal) -> tuple[Check, ...]:
    """The rest's checks (``checks`` made for the rest's amount after the applied part):
    the per-remedy cap counts the applied part as used."""
    out = []
    for check in checks:
        if check.name == "per_remedy_max" and check.limit is not None:
            check = Check(
                check.name,
                check.limit,
                applied,
                check.requested,
                applied + check.requested <= check.limit,
            )
        out.append(check)
    return tuple(out)


def rest_decision(
    decision: Decision, *, applied: Decimal, remedy_name: str, currency: str
) -> Decision:
    """The decision of the rest of a split (``decision`` as the engine made it for the
    rest's amount after the applied part): it always escalates, saying why."""
    amount = next(c.requested for c in decision.checks)
    checks = rest_checks(decision.checks, applied=applied)
    rest = decide_from_checks(
        remedy_name=remedy_name,
        amount=amount,
        checks=checks,
        rule_hits=decision.rules,
        currency=currency,
    )
    if rest.outcome != "apply":
        return rest
    # Only reachable with caps changed between the two parts: never apply a rest.
    rest_text = money_text(amount, currency)
    summary = f"Goes to a supervisor: the rest of a request over your limits ({rest_text})."
    return Decision("escalate", summary, rest.checks, rest.rules)
