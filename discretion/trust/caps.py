"""What a per-agent override form means, before it is saved.

The API keeps the contract's meaning of a null cap on an agent's row: "no cap on that
dimension" (CONTRACT, "Users and trust"). The override *form* is read by people who
expect a blank field to mean "as the tier has it": left blank, a cap on an agent's row
silently lifted that dimension altogether. So the form resolves each field here first:

- a typed amount is the override's own cap;
- a blank field inherits the tier's cap for that remedy type (the value is written into
  the row, so the row means what the form showed, also if the tier changes later);
- "No cap" ticked is an explicit null (for "May approve up to": may not approve).

A blank field with no tier value to inherit is an error for ``per_remedy_max`` (a row
needs one) and an explicit "no cap" for the others only if ticked; otherwise the form asks.
``cap_warnings`` names caps that contradict each other (a per-remedy cap above the
per-case cap, a daily cap above the monthly one…): the engine would simply apply the
lower, so they are only warned about, never refused.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from common.money import money_display
from discretion.models import TrustLimit

CAP_NAMES = ("per_remedy_max", "per_case_max", "daily_max", "monthly_max", "approval_max")

CAP_WORDS = {
    "per_remedy_max": "per remedy",
    "per_case_max": "per case",
    "daily_max": "per day",
    "monthly_max": "per month",
    "approval_max": "may approve up to",
}

CapSource = Literal["typed", "tier", "no_cap", "missing"]


@dataclass(frozen=True)
class ResolvedCap:
    name: str
    value: Decimal | None
    source: CapSource

    @property
    def label(self) -> str:
        return CAP_WORDS[self.name].capitalize()

    @property
    def explanation(self) -> str:
        """One phrase: where the value comes from, in the form's words."""
        if self.source == "typed":
            return "typed here"
        if self.source == "tier":
            return "inherited from the tier" if self.value is not None else "the tier has no cap"
        if self.source == "no_cap":
            # The amount column already says "may not approve": say why here.
            return "ticked here" if self.name == "approval_max" else "no cap (ticked)"
        return "nothing to inherit: type an amount or tick No cap"


def override_caps_resolve(
    *,
    typed: Mapping[str, Decimal | None],
    no_cap: Collection[str],
    tier_limit: TrustLimit | None,
) -> dict[str, ResolvedCap]:
    """Each cap of the override as it will be saved (see the module docstring)."""
    out: dict[str, ResolvedCap] = {}
    for name in CAP_NAMES:
        value = typed.get(name)
        if value is not None:
            out[name] = ResolvedCap(name, value, "typed")
        elif name in no_cap and name != "per_remedy_max":
            out[name] = ResolvedCap(name, None, "no_cap")
        elif tier_limit is not None:
            out[name] = ResolvedCap(name, getattr(tier_limit, name), "tier")
        elif name == "approval_max":
            # The tier has no row: its holders may not approve, and neither does this one.
            out[name] = ResolvedCap(name, None, "tier")
        else:
            out[name] = ResolvedCap(name, None, "missing")
    return out


# (lower, higher): the first may not sensibly be above the second.
_ORDER = (
    ("per_remedy_max", "per_case_max"),
    ("per_remedy_max", "daily_max"),
    ("per_case_max", "daily_max"),
    ("daily_max", "monthly_max"),
)


def cap_warnings(caps: Mapping[str, Any]) -> list[str]:
    """Plain sentences for caps that contradict each other (the lower one wins)."""
    warnings = []
    for low, high in _ORDER:
        low_value, high_value = caps.get(low), caps.get(high)
        if low_value is None or high_value is None or low_value <= high_value:
            continue
        warnings.append(
            f"The cap {CAP_WORDS[low]} ({money_display(low_value)}) is above the cap "
            f"{CAP_WORDS[high]} ({money_display(high_value)}): the lower one, "
            f"{money_display(high_value)}, is what applies."
        )
    return warnings
