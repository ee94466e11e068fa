"""The resolve panel's form: the same rules and messages as the API's input.

Each rule lives once, in the layer that owns it: amounts in ``common.money`` (column size,
maximum, messages), the remedy type and the amount rule in ``discretion.decisions.rules``.
The API's serializers call the same functions, so a request refused on the case page is
refused by the API with the same words.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings

from cases.models import RemedyType
from common.errors import Invalid
from common.money import AMOUNT_MESSAGES, MONEY_MAX_DIGITS, MONEY_PLACES, TWO_PLACES, ZERO
from discretion.decisions.rules import (
    CUSTOMER_MESSAGE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    resolution_amount,
    resolution_remedy_type,
)


class AmountField(forms.DecimalField):
    """An amount as the API takes it: 0 ≤ x ≤ DISCRETION_MAX_AMOUNT, two places at most."""

    def __init__(self, **kwargs: Any) -> None:
        maximum = Decimal(settings.DISCRETION_MAX_AMOUNT)
        super().__init__(
            max_digits=MONEY_MAX_DIGITS,
            decimal_places=MONEY_PLACES,
            min_value=ZERO,
            max_value=maximum,
            error_messages={
                "invalid": AMOUNT_MESSAGES["invalid"],
                "max_decimal_places": AMOUNT_MESSAGES["max_decimal_places"],
                "min_value": AMOUNT_MESSAGES["min_value"],
                "max_value": AMOUNT_MESSAGES["max_value"].format(max_value=maximum),
            },
            **kwargs,
        )

    def clean(self, value: Any) -> Decimal | None:
        amount = super().clean(value)
        return None if amount is None else Decimal(amount).quantize(TWO_PLACES)


class ResolveForm(forms.Form):
    """Submit: remedy type, amount, reason (required), customer message."""

    remedy_type = forms.CharField(required=False)
    amount = AmountField(required=False)
    reason = forms.CharField(max_length=REASON_MAX_LENGTH)
    customer_message = forms.CharField(max_length=CUSTOMER_MESSAGE_MAX_LENGTH, required=False)

    def clean_remedy_type(self) -> RemedyType:
        try:
            return resolution_remedy_type(self.cleaned_data.get("remedy_type"))
        except Invalid as refusal:
            raise forms.ValidationError(refusal.fields["remedy_type"]) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        remedy = cleaned.get("remedy_type")
        if isinstance(remedy, RemedyType) and "amount" not in self.errors:
            try:
                cleaned["amount"] = resolution_amount(
                    remedy_type=remedy, amount=cleaned.get("amount")
                )
            except Invalid as refusal:
                for field, messages in refusal.fields.items():
                    self.add_error(field, messages)
        return cleaned

    def errors_by_field(self) -> dict[str, str]:
        """One line per field, for the panel's list of what to fix."""
        return {
            field: " ".join(str(message) for message in messages)
            for field, messages in self.errors.items()
        }


class PreviewForm(ResolveForm):
    """The live preview can run before the reason is typed."""

    reason = forms.CharField(max_length=REASON_MAX_LENGTH, required=False)
