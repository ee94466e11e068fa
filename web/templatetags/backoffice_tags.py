"""Template filters of the back office: money, durations, percentages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.conf import settings

from discretion.dashboard.selectors import CHECK_LABELS

register = template.Library()

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


@register.filter
def cash(value) -> str:
    """``Decimal("25")`` → ``$25.00`` (or ``CHF 25.00``); None → ``no cap``."""
    if value is None or value == "":
        return "no cap"
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(value)
    code = settings.DISCRETION_CURRENCY
    symbol = _SYMBOLS.get(code)
    text = f"{amount:,.2f}"
    return f"{symbol}{text}" if symbol else f"{code} {text}"


@register.filter
def plain_amount(value) -> str:
    """``Decimal`` → ``25.00`` for form fields; None → empty."""
    if value is None:
        return ""
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


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
