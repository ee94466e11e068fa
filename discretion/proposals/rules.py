"""When the record earns a raise, and how much: the proposer's rules, as plain functions.

An agent earns a proposal for a monetary remedy type when, over the last WINDOW_DAYS
days, at least MIN_DECIDED of their escalations of that type (requests created in the
window) were decided, at least MIN_UNCHANGED_PERCENT of those were approved unchanged
(approved with ``amount == requested_amount``) and no review of that type (a request
created in the window, or a verdict given in it) has the verdict ``coach``.

The proposed value: the 90th percentile (nearest rank) of the requested amounts that
were approved unchanged, rounded UP to a "nice" step (5 up to 100, 25 up to 1,000, 100 up
to 10,000, then 1,000). It never is at or below the current limit: when that percentile
is already within it (the escalations were over another cap, or a rule asked for
approval), the proposal is the next nice step above the current limit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

WINDOW_DAYS = 90
MIN_DECIDED = 10
MIN_UNCHANGED_PERCENT = 90
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Evidence:
    """The counts behind a proposal (stored on it as JSON, amounts as strings)."""

    escalations_decided: int
    approved_unchanged: int
    approved_lowered: int
    denied: int
    coach_reviews: int
    max_approved: Decimal | None
    p90_approved: Decimal | None
    days: int = WINDOW_DAYS

    def earns_raise(self) -> bool:
        return (
            self.escalations_decided >= MIN_DECIDED
            and self.approved_unchanged * 100 >= MIN_UNCHANGED_PERCENT * self.escalations_decided
            and self.coach_reviews == 0
        )

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("max_approved", "p90_approved"):
            if data[name] is not None:
                data[name] = str(data[name].quantize(CENT))
        return data


def percentile_90(amounts: Sequence[Decimal]) -> Decimal | None:
    """The nearest-rank 90th percentile: the smallest amount with 90% at or below it."""
    if not amounts:
        return None
    ordered = sorted(amounts)
    return ordered[max(math.ceil(0.9 * len(ordered)) - 1, 0)]


def nice_step(amount: Decimal) -> Decimal:
    if amount <= 100:
        return Decimal(5)
    if amount <= 1000:
        return Decimal(25)
    if amount <= 10000:
        return Decimal(100)
    return Decimal(1000)


def nice_up(amount: Decimal) -> Decimal:
    """``amount`` rounded up to its nice step (an exact step stays)."""
    step = nice_step(amount)
    steps = (amount / step).to_integral_value(rounding=ROUND_CEILING)
    return (steps * step).quantize(CENT)


def proposed_limit(*, current: Decimal, p90: Decimal) -> Decimal:
    """The proposed per-remedy cap: always above ``current``."""
    proposed = nice_up(p90)
    if proposed <= current:
        proposed = nice_up(current + CENT)
    return proposed
