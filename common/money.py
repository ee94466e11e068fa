"""Money: ``Decimal`` with two places, in the deployment's single currency.

The one place that formats an amount. The API, the HTML screens, notifications and the
audit trail all write amounts through ``money()`` so "25.00" reads the same everywhere;
the back office's tables and charts show them through ``money_display()`` ("$1,250.00").
"""

from __future__ import annotations

from decimal import Decimal
from typing import overload

from django.conf import settings

# Every money column: up to 999,999,999,999.99 (DISCRETION_MAX_AMOUNT is far below).
MONEY_MAX_DIGITS = 14
MONEY_PLACES = 2

ZERO = Decimal("0.00")
TWO_PLACES = Decimal("0.01")

# What an agent reads when an amount is refused, the same in the API (``MoneyField``) and
# on the HTML forms. ``max_value`` is filled in with the deployment's maximum.
AMOUNT_MESSAGES = {
    "min_value": "Amounts cannot be negative.",
    "max_value": "Amounts cannot be above {max_value} (DISCRETION_MAX_AMOUNT).",
    "max_decimal_places": 'Use at most 2 decimal places (e.g. "25.00").',
    "invalid": 'A valid amount is a decimal string, e.g. "25.00".',
}

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


@overload
def money(value: Decimal) -> str: ...
@overload
def money(value: None) -> None: ...
@overload
def money(value: Decimal | None) -> str | None: ...
def money(value: Decimal | None) -> str | None:
    """Format an amount the way the API does ("25.00"); None stays None."""
    if value is None:
        return None
    return str(Decimal(value).quantize(TWO_PLACES))


def currency() -> str:
    """The deployment's currency code (``DISCRETION_CURRENCY``)."""
    return str(settings.DISCRETION_CURRENCY)


def money_display(value: Decimal | str | int) -> str:
    """An amount for people: ``$1,250.00``, or ``CHF 1,250.00`` without a known symbol.

    Raises ``decimal.InvalidOperation`` for something that is not a number.
    """
    amount = Decimal(str(value)).quantize(TWO_PLACES)
    code = currency()
    symbol = _SYMBOLS.get(code)
    text = f"{amount:,.2f}"
    return f"{symbol}{text}" if symbol else f"{code} {text}"
