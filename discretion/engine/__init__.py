"""The discretion decision, as one pure function.

Plain Python, no Django, no ORM: frozen dataclasses in (the effective limits, what has
been used, the policy rules that matched), a ``Decision`` out (outcome, one row per
check, the matched rules and one human sentence saying why). Deterministic, so it is
tested table-driven and replayed by the rule backtest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Outcome = Literal["apply", "escalate", "reject"]
Effect = Literal["deny", "require_approval"]

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

CHECK_NAMES = ("per_remedy_max", "per_case_max", "daily_max", "monthly_max", "policy_rules")

# How each check reads in a sentence: "over your <label> of 100.00".
_CHECK_LABELS = {
    "per_remedy_max": "limit per remedy",
    "per_case_max": "limit for this case",
    "daily_max": "daily limit",
    "monthly_max": "monthly limit",
    # Recorded under an incident (discretion.engine.incidents); named when replayed.
    "incident_per_remedy_max": "incident's limit per remedy",
    "incident_budget": "incident's remaining budget",
}
_HEADROOM_LABELS = {
    "per_remedy_max": "on a single remedy",
    "per_case_max": "on this case",
    "daily_max": "today",
    "monthly_max": "this month",
    "incident_budget": "in the incident's budget",
}


@dataclass(frozen=True)
class Limits:
    """The effective trust limit of one user for one remedy type (None caps = uncapped)."""

    per_remedy_max: Decimal
    per_case_max: Decimal | None = None
    daily_max: Decimal | None = None
    monthly_max: Decimal | None = None
    approval_max: Decimal | None = None


@dataclass(frozen=True)
class Usage:
    """What is already applied: of this remedy on this case, and by this user today/this month."""

    case_used: Decimal = ZERO
    daily_used: Decimal = ZERO
    monthly_used: Decimal = ZERO


@dataclass(frozen=True)
class RuleHit:
    """A policy rule that matched (or failed to evaluate, which counts as require_approval)."""

    id: int
    name: str
    version: int
    effect: Effect
    message: str
    error: str | None = None


@dataclass(frozen=True)
class Check:
    name: str
    limit: Decimal | None
    used: Decimal
    requested: Decimal
    passed: bool


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    summary: str
    checks: tuple[Check, ...]
    rules: tuple[RuleHit, ...]

    @property
    def failed_checks(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)


# The screens' currency symbols (common.money.money_display; a test keeps the two equal).
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def money_text(amount: Decimal, currency: str) -> str:
    """How every sentence writes an amount: ``$1,250.00``, or ``CHF 1,250.00``."""
    text = f"{amount.quantize(CENT):,.2f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{currency} {text}"


_fmt = money_text


def limit_checks(*, amount: Decimal, limits: Limits | None, usage: Usage) -> tuple[Check, ...]:
    """The four limit checks. With no limit at all, any amount above zero fails."""
    if limits is None:
        return (
            Check("per_remedy_max", ZERO, ZERO, amount, amount <= ZERO),
            Check("per_case_max", None, usage.case_used, amount, True),
            Check("daily_max", None, usage.daily_used, amount, True),
            Check("monthly_max", None, usage.monthly_used, amount, True),
        )

    def capped(name: str, cap: Decimal | None, used: Decimal) -> Check:
        return Check(name, cap, used, amount, cap is None or used + amount <= cap)

    return (
        Check(
            "per_remedy_max", limits.per_remedy_max, ZERO, amount, amount <= limits.per_remedy_max
        ),
        capped("per_case_max", limits.per_case_max, usage.case_used),
        capped("daily_max", limits.daily_max, usage.daily_used),
        capped("monthly_max", limits.monthly_max, usage.monthly_used),
    )


def decide(
    *,
    remedy_name: str,
    amount: Decimal,
    limits: Limits | None,
    usage: Usage,
    rule_hits: Sequence[RuleHit],
    currency: str,
    monetary: bool = True,
) -> Decision:
    """Decide a request: reject on a deny rule, escalate on a failed check or an
    approval rule, else apply. ``rule_hits`` are the rules that matched, in priority order.
    """
    checks = limit_checks(amount=amount, limits=limits, usage=usage)
    return decide_from_checks(
        remedy_name=remedy_name,
        amount=amount,
        checks=checks,
        rule_hits=rule_hits,
        currency=currency,
        no_limit=limits is None,
        monetary=monetary,
    )


def decide_from_checks(
    *,
    remedy_name: str,
    amount: Decimal,
    checks: Sequence[Check],
    rule_hits: Sequence[RuleHit],
    currency: str,
    no_limit: bool = False,
    monetary: bool = True,
) -> Decision:
    """Decide from limit checks already computed (the backtest replays recorded ones)."""
    limit_rows = tuple(c for c in checks if c.name != "policy_rules")
    hits = tuple(rule_hits)
    rules_passed = not hits
    policy_row = Check("policy_rules", None, ZERO, amount, rules_passed)
    all_checks = (*limit_rows, policy_row)

    # A rule that failed to evaluate never denies: it asks for approval, to be safe.
    denies = [r for r in hits if r.effect == "deny" and r.error is None]
    approvals = [r for r in hits if r.effect != "deny" or r.error is not None]
    failed = [c for c in limit_rows if not c.passed]
    what = f"{_fmt(amount, currency)} {remedy_name.lower()}" if monetary else remedy_name.lower()

    if denies:
        rule = denies[0]
        summary = f"Not allowed: rule “{rule.name}” says: {rule.message}"
        return Decision("reject", summary, all_checks, hits)

    if failed or approvals:
        reasons: list[str] = []
        if failed:
            reasons.append(_failed_reason(failed[0], no_limit=no_limit, currency=currency))
            if len(failed) > 1:
                others = [f"your {_CHECK_LABELS[c.name]}" for c in failed[1:]]
                listed = (
                    ", ".join(others[:-1]) + " and " + others[-1] if len(others) > 1 else others[0]
                )
                reasons.append(f"also over {listed}")
        for rule in approvals:
            if rule.error:
                reasons.append(f"rule “{rule.name}” could not be checked ({rule.error})")
            else:
                reasons.append(f"rule “{rule.name}” asks for approval: {rule.message}")
        summary = _sentence(f"Goes to a supervisor: {what} — " + "; ".join(reasons))
        return Decision("escalate", summary, all_checks, hits)

    if not monetary:
        summary = f"Applies now: an {what} costs nothing from your budget."
        return Decision("apply", summary, all_checks, hits)
    summary = f"Applies now: {what} is within your limits" + _headroom(limit_rows, currency) + "."
    return Decision("apply", summary, all_checks, hits)


def _sentence(text: str) -> str:
    """End with a full stop, unless a rule's own message already ended the sentence."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _failed_reason(check: Check, *, no_limit: bool, currency: str) -> str:
    if no_limit:
        return "you have no trust limit set for this remedy yet"
    assert check.limit is not None  # a failed check always has a cap
    label = _CHECK_LABELS[check.name]
    if check.name == "per_remedy_max":
        return f"over your {label} of {_fmt(check.limit, currency)}"
    left = max(check.limit - check.used, ZERO)
    return (
        f"over your {label} of {_fmt(check.limit, currency)} "
        f"({_fmt(check.used, currency)} used, {_fmt(left, currency)} left)"
    )


def _headroom(checks: Sequence[Check], currency: str) -> str:
    """The tightest cap after this request, e.g. '; 75.00 USD left today'."""
    best: tuple[Decimal, str] | None = None
    for check in checks:
        # "left on a single remedy" reads oddly after this one: the windows matter.
        if check.limit is None or check.name in ("per_remedy_max", "incident_per_remedy_max"):
            continue
        left = max(check.limit - check.used - check.requested, ZERO)
        if best is None or left < best[0]:
            best = (left, check.name)
    if best is None:
        return "; no caps apply after this"
    return f"; {_fmt(best[0], currency)} left {_HEADROOM_LABELS[best[1]]} after this"
