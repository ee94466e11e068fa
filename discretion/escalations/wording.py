"""How escalation history, timeline events and notifications name people and remedies
("Nina's refund of 25.00"): one phrasing shared by opening, routing and deciding, so
every message about one escalation reads the same.
"""

from __future__ import annotations

from decimal import Decimal

from cases.models import Resolution
from common.money import money_display
from discretion.models import User


def _label(user: User | None) -> str:
    if user is None:
        return "nobody"
    return user.display_name or user.get_full_name() or user.username


def _remedy_phrase(resolution: Resolution, amount: Decimal | None = None) -> str:
    remedy = resolution.remedy_type
    if not remedy.monetary:
        return remedy.name.lower()
    value = resolution.amount if amount is None else amount
    return f"{remedy.name.lower()} of {money_display(value)}"
