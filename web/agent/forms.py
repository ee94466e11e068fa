"""The resolve panel's form: the same rules and messages as the API's input.

Each rule lives once, in the layer that owns it: amounts in ``common.money`` (column size,
maximum, messages), the remedy type and the amount rule in ``discretion.decisions.rules``.
The API's serializers call the same functions, so a request refused on the case page is
refused by the API with the same words.
"""

from __future__ import annotations

from typing import Any

from django import forms

from cases.models import RemedyType
from common.errors import Invalid
from discretion.decisions.rules import (
    CUSTOMER_MESSAGE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    resolution_amount,
    resolution_remedy_type,
)
from web.common import MoneyFormField


class AmountField(MoneyFormField):
    """An amount exactly as the API takes it (``common.money.money_parse``), with the
    API's words (``AMOUNT_MESSAGES``)."""


class ResolveForm(forms.Form):
    """Submit: remedy type, amount, reason (required), customer message."""

    remedy_type = forms.CharField(required=False)
    amount = AmountField(required=False)
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        error_messages={
            "required": "Write the reason: what went wrong, for the record.",
            "max_length": f"Keep the reason under {REASON_MAX_LENGTH:,} characters.",
        },
    )
    customer_message = forms.CharField(
        max_length=CUSTOMER_MESSAGE_MAX_LENGTH,
        required=False,
        error_messages={
            "max_length": f"Keep the message under {CUSTOMER_MESSAGE_MAX_LENGTH:,} characters."
        },
    )

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
