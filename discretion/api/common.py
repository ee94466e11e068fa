"""The on-call supervisor queue: escalations, on-call shifts, who is on call, the
escalation policy, and in-app notifications.

Thin views: input serializers validate, ``discretion.escalations.services`` / ``.oncall`` /
``.notifications`` services write, output serializers shape the contract's JSON.

Choices documented here (the contract leaves them to us):
- ``assigned_to``, ``decided_by``, ``resolution`` and the history's ``actor`` /
  ``assigned_to`` are ids; ``*_name`` fields and ``resolution_detail`` are extras.
- Agents may list and read the escalations of their OWN requests (to follow them);
  supervisors and admins see every escalation. Another agent's escalation is a 404.
- ``GET /api/v1/oncall/`` lists every level of the current policy (empty ones too) with
  ``supervisors`` as ``{id, username, display_name}``; ``?at=<ISO time>`` asks about
  another moment.
- Approve and deny are refused to agents (403) before anything else is looked at.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    inline_serializer,
)
from rest_framework import serializers

from cases.selectors import remedy_type_list
from discretion.models import User
from discretion.trust.selectors import trust_tier_list, user_list

DETAIL = inline_serializer("EscalationDetailMessage", fields={"detail": serializers.CharField()})


E400 = OpenApiResponse(OpenApiTypes.OBJECT, description="Validation failed: `{field: [messages]}`.")


E401 = OpenApiResponse(DETAIL, description="No credentials (or bad ones).")


E403 = OpenApiResponse(
    DETAIL, description="Your role or limits do not allow this; `detail` says why."
)


E404 = OpenApiResponse(DETAIL, description="No such object (or not yours to see).")


E409 = OpenApiResponse(
    DETAIL, description="Already decided, or the same Idempotency-Key is in flight."
)


E422 = OpenApiResponse(DETAIL, description="Idempotency-Key reused with a different body.")


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Repeat-safe retries: the same key and body return the first response again.",
)


class StrictIntegerField(serializers.IntegerField):
    """An integer that refuses booleans, floats with a fraction and numeric strings."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class PersonOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()


def _name(user: User | None) -> str | None:
    if user is None:
        return None
    return user.display_name or user.username


def raise_service_error(exc: DjangoValidationError) -> None:
    """Turn a service's refusal (a Django ValidationError) into a DRF 400 naming fields."""
    if hasattr(exc, "error_dict"):
        raise serializers.ValidationError(exc.message_dict) from exc
    raise serializers.ValidationError({"non_field_errors": exc.messages}) from exc


def reject_unchangeable(data: Any, allowed: set[str]) -> None:
    """400 naming every key of a PATCH body that cannot be changed."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object."]})
    bad = sorted(set(data) - allowed)
    if bad:
        raise serializers.ValidationError(
            {name: ["This field cannot be changed here."] for name in bad}
        )


class TierCodeField(serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": "Unknown trust tier '{value}'.",
        "invalid": "Give a trust tier code.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", trust_tier_list())
        super().__init__(slug_field="code", **kwargs)


class RemedyCodeField(serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": "Unknown remedy type '{value}'.",
        "invalid": "Give a remedy type code.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", remedy_type_list())
        super().__init__(slug_field="code", **kwargs)


class UserIdField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {"does_not_exist": "Unknown user id {pk_value}."}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", user_list())
        super().__init__(**kwargs)
