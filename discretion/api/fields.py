"""Serializer fields shared by every API module."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from rest_framework import serializers

from common.money import AMOUNT_MESSAGES, TWO_PLACES, currency, money

__all__ = ["MoneyField", "currency", "money"]


class MoneyField(serializers.DecimalField):
    """A money amount: a decimal string with exactly two places, 0 ≤ x ≤ DISCRETION_MAX_AMOUNT.

    More than two decimals, negatives, NaN/Infinity, non-numbers and amounts above the
    maximum are 400s naming the field. Output is always a string with two places.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0.00"))
        kwargs.setdefault("max_value", Decimal(settings.DISCRETION_MAX_AMOUNT))
        kwargs.setdefault("coerce_to_string", True)
        # Passed in, not patched afterwards: DRF builds its validators from these messages
        # inside __init__.
        kwargs["error_messages"] = {**AMOUNT_MESSAGES, **kwargs.get("error_messages", {})}
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        value = super().to_internal_value(data)
        return value.quantize(TWO_PLACES)
