"""Serializer fields shared by every API module."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.errors import Invalid
from common.money import AMOUNT_MESSAGES, ZERO, currency, money, money_maximum, money_parse
from common.query import DATETIME_MESSAGE, datetime_parse

__all__ = ["MONEY_PATTERN", "MoneyField", "currency", "money"]

# The shape ``common.money.money_parse`` takes, for the schema.
MONEY_PATTERN = r"^[0-9]+(\.[0-9]{1,2})?$"


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": MONEY_PATTERN, "example": "25.00"}
)
class MoneyField(serializers.DecimalField):
    """A money amount: a decimal string, 0 ≤ x ≤ DISCRETION_MAX_AMOUNT, strictly as
    ``common.money.money_parse`` reads it (ASCII digits, at most two places, no sign,
    exponent or spaces). A JSON number is a 400 too: amounts travel as strings. Output is
    always a string with two places.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", ZERO)
        kwargs.setdefault("max_value", money_maximum())
        kwargs.setdefault("coerce_to_string", True)
        kwargs["error_messages"] = {**AMOUNT_MESSAGES, **kwargs.get("error_messages", {})}
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        try:
            return money_parse(data)
        except Invalid as refusal:
            raise serializers.ValidationError(refusal.message, code=refusal.code) from None


class AwareDateTimeField(serializers.DateTimeField):
    """A date and time in a request body, read as the query parameters are
    (``common.query``): ISO 8601, an offset within ±18:00, stored in UTC."""

    def to_internal_value(self, value: Any) -> dt.datetime:
        parsed = datetime_parse(value) if isinstance(value, str) else None
        if parsed is None:
            raise serializers.ValidationError(DATETIME_MESSAGE)
        return parsed


class StrictCharField(serializers.CharField):
    """Text that must be a JSON string: a number, a list or an object is a 400 (DRF's
    CharField would turn ``12`` into ``"12"``)."""

    default_error_messages = {"not_string": "Give a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_string")
        return super().to_internal_value(data)
