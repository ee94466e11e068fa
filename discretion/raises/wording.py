"""How a temporary raise is named in notifications, the queue and the agent's pages:
"refund limit 100.00 → 200.00 until Fri 4 Dec, 17:00". One phrasing everywhere."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from common.money import money_display
from discretion.models import LimitRequest

DIMENSION_LABELS = {
    "per_remedy_max": "limit",
    "daily_max": "daily cap",
    "monthly_max": "monthly cap",
}


def until_phrase(at: datetime) -> str:
    """ "Fri 4 Dec, 17:00" in the deployment's time zone."""
    local = timezone.localtime(at)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def _change(was: Decimal | None, to: Decimal) -> str:
    if was is None:
        return f"to {money_display(to)}"
    return f"{money_display(was)} → {money_display(to)}"


def raise_phrase(request: LimitRequest) -> str:
    """ "refund limit $100.00 → $200.00, daily cap $400.00 → $600.00"."""
    remedy = request.remedy_type.name.lower()
    parts = []
    for field, label in DIMENSION_LABELS.items():
        cap = getattr(request, field)
        if cap is not None:
            parts.append(f"{label} {_change(getattr(request, f'was_{field}'), cap)}")
    return f"{remedy} " + ", ".join(parts)
