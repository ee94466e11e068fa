"""Money: ``Decimal`` with two places, in the deployment's single currency.

The one place that formats an amount. The API, the HTML screens, notifications and the
audit trail all write amounts through ``money()`` so "25.00" reads the same everywhere;
the back office's tables and charts show them through ``money_display()`` ("$1,250.00").
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import overload

from django.conf import settings

from common.errors import Invalid

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
    "not_string": 'An amount must be a string, e.g. "25.00", not a JSON number.',
    "zero": 'A money remedy needs an amount above 0.00 (use "apology" for no money).',
}

# What ``money_parse`` takes: ASCII digits, then at most two decimals ("25", "25.5",
# "25.50"). No sign, exponent, spaces, underscores, thousands separators or other digits.
_AMOUNT = re.compile(r"[0-9]+(?:\.([0-9]+))?", re.ASCII)
_NEGATIVE = re.compile(r"-[0-9]+(?:\.[0-9]+)?", re.ASCII)

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


def money_maximum() -> Decimal:
    """The largest amount any request or cap may carry (``DISCRETION_MAX_AMOUNT``)."""
    return Decimal(settings.DISCRETION_MAX_AMOUNT)


def money_parse(text: object) -> Decimal:
    """An amount as a client typed or sent it, strictly: a decimal string of ASCII digits
    with at most two places, 0 ≤ x ≤ ``DISCRETION_MAX_AMOUNT``; two places out.

    The one parser of money input: the API's ``MoneyField`` and every HTML money field
    call it, so both refuse the same strings with the same words (``AMOUNT_MESSAGES``).
    Raises ``Invalid`` (no field named: the caller knows which field it parses).
    """
    if not isinstance(text, str):
        raise Invalid(AMOUNT_MESSAGES["not_string"], code="amount_not_string")
    match = _AMOUNT.fullmatch(text)
    if match is None:
        if _NEGATIVE.fullmatch(text):
            raise Invalid(AMOUNT_MESSAGES["min_value"], code="amount_negative")
        raise Invalid(AMOUNT_MESSAGES["invalid"], code="amount_invalid")
    places = match.group(1)
    if places is not None and len(places) > MONEY_PLACES:
        raise Invalid(AMOUNT_MESSAGES["max_decimal_places"], code="amount_places")
    maximum = money_maximum()
    value = Decimal(text)
    if value > maximum:
        message = AMOUNT_MESSAGES["max_value"].format(max_value=money(maximum))
        raise Invalid(message, code="amount_too_large")
    return value.quantize(TWO_PLACES)


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
