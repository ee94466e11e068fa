"""Template filters of the screens: money (through ``common.money``), durations, percentages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from common.money import money, money_display
from discretion.dashboard.selectors import CHECK_LABELS

register = template.Library()


@register.filter
def cash(value) -> str:
    """``Decimal("25")`` → ``$25.00`` (or ``CHF 25.00``); None → ``no cap``."""
    if value is None or value == "":
        return "no cap"
    try:
        return money_display(value)
    except (InvalidOperation, ValueError):
        return str(value)


@register.filter
def plain_amount(value) -> str:
    """``Decimal`` → ``25.00`` (as the API writes amounts) for text and form fields; None →
    empty. Also registered as ``money``."""
    if value is None:
        return ""
    return money(Decimal(str(value))) or ""


register.filter("money", plain_amount)


@register.filter
def span(seconds) -> str:
    """Seconds → ``4m 12s`` / ``2h 5m`` / ``3d 4h`` (absolute value)."""
    if seconds is None:
        return "—"
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


@register.filter
def pct(value) -> str:
    """0.734 → ``73%``; None → ``—``."""
    if value is None:
        return "—"
    return f"{round(float(value) * 100)}%"


@register.filter
def pct1(value) -> str:
    """0.0043 → ``0.4%`` (one decimal, for small shares); None → ``—``."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.1f}%"


OUTCOME_LABELS = {"apply": "Applied", "escalate": "Escalated", "reject": "Rejected"}


@register.filter
def outcome_label(code: str) -> str:
    """A decision outcome in the past tense, as it happened: ``apply`` → ``Applied``."""
    return OUTCOME_LABELS.get(code, str(code).replace("_", " ").capitalize())


# The engine's summary starts with the outcome in the present tense ("Applies now: …"),
# written for the preview; after the fact the headline says what happened, so the card
# keeps only the why.
_OUTCOME_PREFIXES = ("Applies now: ", "Goes to a supervisor: ", "Not allowed: ")


@register.filter
def decision_why(summary: str) -> str:
    """``Applies now: refund of 25.00 USD is within…`` → ``Refund of 25.00 USD is within…``."""
    text = str(summary or "")
    for prefix in _OUTCOME_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            return text[:1].upper() + text[1:]
    return text


@register.filter
def check_label(name: str) -> str:
    return CHECK_LABELS.get(name, str(name).replace("_", " "))


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def plain_amount_or_raw(value) -> str:
    """A Decimal (initial data) as ``25.00``; what the user typed (a string) unchanged."""
    if isinstance(value, Decimal):
        return plain_amount(value)
    return "" if value is None else str(value)
