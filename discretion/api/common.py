"""Pieces every API module shares, so each resource names and documents them the same
way (docs/api.md): the error responses for the schema (``E400``, ``E401``…), the
``Idempotency-Key`` header parameter, the person shape, fields that take a tier, remedy
type or user by code or id, the signed-in user of a request (``acting_user``), and the
helpers that turn a service's refusal into a 400 and reject PATCH keys that cannot change.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request

from cases.selectors import remedy_type_list
from common.errors import Forbidden
from discretion.models import User
from discretion.trust.selectors import trust_tier_list, user_list

DETAIL = inline_serializer(
    "EscalationDetailMessage",
    fields={"detail": serializers.CharField(), "code": serializers.CharField()},
)


E400 = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Validation failed: each offending field named as a key (`{field: "
    "[messages]}`, and under `fields`), with `detail`, `code` and `request_id`.",
)


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


def acting_user(request: Request) -> User:
    """The signed-in user of a request to a view behind ``IsAuthenticated`` (or a role
    permission); anyone else (never the case there) is refused."""
    user = request.user
    if not isinstance(user, User):
        raise Forbidden("Sign in first.")
    return user


def _name(user: User | None) -> str | None:
    if user is None:
        return None
    return user.display_name or user.username


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
