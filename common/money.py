"""Money: ``Decimal`` with two places, in the deployment's single currency.

The one place that formats an amount. The API, the HTML screens, notifications and the
audit trail all write amounts through ``money()`` so "25.00" reads the same everywhere.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

ZERO = Decimal("0.00")
TWO_PLACES = Decimal("0.01")


def money(value: Decimal | None) -> str | None:
    """Format an amount the way the API does ("25.00"); None stays None."""
    if value is None:
        return None
    return str(Decimal(value).quantize(TWO_PLACES))


def currency() -> str:
    """The deployment's currency code (``DISCRETION_CURRENCY``)."""
    return str(settings.DISCRETION_CURRENCY)
