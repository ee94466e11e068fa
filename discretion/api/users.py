"""Users and trust: token auth, agents, trust tiers, trust limits, remedy types, /me/.

Thin views: input serializers validate, ``discretion.trust`` services write (each with its
audit event), output serializers shape the contract's JSON.

Choices documented here (the contract leaves them to us):
- PATCH bodies may only carry the fields that can change; any other key is a 400 naming
  it ("This field cannot be changed here."), so a typo never silently does nothing.
- Demoting a superuser's role is a 400: superusers are admins (DB constraint
  ``user_superuser_is_admin``); drop superuser status in the Django admin first.
- The last active admin cannot be demoted or deactivated (400).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.validators import UniqueValidator
from rest_framework.views import APIView

from cases.models import RemedyType
from discretion import trust
from discretion.api.fields import MoneyField
from discretion.api.permissions import AdminWritesAllRead, AdminWritesSupervisorReads
from discretion.models import Role, TrustLimit, TrustTier, User

# --- shared bits -----------------------------------------------------------------------

DETAIL = inline_serializer("Detail", fields={"detail": serializers.CharField()})
E400 = OpenApiResponse(OpenApiTypes.OBJECT, description="Validation failed: `{field: [messages]}`.")
E401 = OpenApiResponse(DETAIL, description="No credentials (or bad ones).")
E403 = OpenApiResponse(DETAIL, description="Your role may not do this; `detail` says why.")
E404 = OpenApiResponse(DETAIL, description="No such object.")


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
        kwargs.setdefault("queryset", TrustTier.objects.all())
        super().__init__(slug_field="code", **kwargs)


class RemedyCodeField(serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": "Unknown remedy type '{value}'.",
        "invalid": "Give a remedy type code.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", RemedyType.objects.all())
        super().__init__(slug_field="code", **kwargs)


class UserIdField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {"does_not_exist": "Unknown user id {pk_value}."}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", User.objects.all())
        super().__init__(**kwargs)


# --- auth ------------------------------------------------------------------------------


class TokenView(APIView):
    """Exchange a username and password for an API token."""

    authentication_classes: list = []  # a stale token header must not turn this into a 401
    permission_classes: list = []

    @extend_schema(
        operation_id="auth_token_create",
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer("TokenOut", fields={"token": serializers.CharField()}),
            400: E400,
        },
        auth=[],
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})


# --- agents ----------------------------------------------------------------------------


class AgentOutput(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    tier = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "email", "role", "team", "tier", "is_active"]


class AgentPatchInput(serializers.Serializer):
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    team = serializers.CharField(max_length=100, required=False, allow_null=True, allow_blank=True)
    tier = TierCodeField(required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)

    def validate_team(self, value):
        return value.strip() or None if value is not None else None


class AgentCreateInput(AgentPatchInput):
    username = serializers.CharField(
        max_length=150,
        validators=[
            UnicodeUsernameValidator(),
            UniqueValidator(
                User.objects.all(), message="A user with that username already exists."
            ),
        ],
    )
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )

    def validate(self, attrs):
        try:
            validate_password(attrs["password"], User(username=attrs["username"]))
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": exc.messages}) from exc
        return attrs


class AgentFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    tier = django_filters.CharFilter(field_name="tier__code")
    team = django_filters.CharFilter(field_name="team__name")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = User
        fields = ["role", "tier", "team", "is_active"]


def _agent_values(data: dict[str, Any]) -> dict[str, Any]:
    values = dict(data)
    if "team" in values:
        name = values["team"]
        values["team"] = trust.team_get_or_create(name=name) if name else None
    return values


class AgentListCreate(generics.ListAPIView):
    """Users of every role (agents, supervisors, admins). Admins create; supervisors read."""

    permission_classes = [IsAuthenticated, AdminWritesSupervisorReads]
    serializer_class = AgentOutput
    filterset_class = AgentFilter
    queryset = User.objects.select_related("team", "tier").order_by("username")

    @extend_schema(responses={200: AgentOutput(many=True), 400: E400, 401: E401, 403: E403})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=AgentCreateInput,
        responses={201: AgentOutput, 400: E400, 401: E401, 403: E403},
    )
    def post(self, request):
        data = AgentCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = trust.user_create(acting_user=request.user, **_agent_values(data.validated_data))
        except DjangoValidationError as exc:
            raise_service_error(exc)
        return Response(AgentOutput(user).data, status=status.HTTP_201_CREATED)


class AgentDetail(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated, AdminWritesSupervisorReads]
    serializer_class = AgentOutput
    queryset = User.objects.select_related("team", "tier")

    @extend_schema(responses={200: AgentOutput, 401: E401, 403: E403, 404: E404})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=AgentPatchInput,
        responses={200: AgentOutput, 400: E400, 401: E401, 403: E403, 404: E404},
        description="Change a user's profile, role, team, tier or active flag. Changes of role, "
        "team, tier and is_active write an audit event (object_type `user`). Superusers "
        "cannot lose the admin role here, and the last active admin stays one.",
    )
    def patch(self, request, *args, **kwargs):
        user = self.get_object()
        reject_unchangeable(request.data, set(AgentPatchInput().fields))
        data = AgentPatchInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        try:
            user = trust.user_update(
                acting_user=request.user, user=user, changes=_agent_values(data.validated_data)
            )
        except DjangoValidationError as exc:
            raise_service_error(exc)
        return Response(AgentOutput(user).data)


# --- /me/ ------------------------------------------------------------------------------


class DiscretionRow(serializers.Serializer):
    remedy_type = serializers.CharField()
    per_remedy_max = serializers.CharField(allow_null=True)
    per_case_max = serializers.CharField(allow_null=True)
    daily_max = serializers.CharField(allow_null=True)
    monthly_max = serializers.CharField(allow_null=True)
    approval_max = serializers.CharField(allow_null=True)
    daily_used = serializers.CharField()
    daily_remaining = serializers.CharField(allow_null=True)
    monthly_used = serializers.CharField()
    monthly_remaining = serializers.CharField(allow_null=True)


class MeOutput(AgentOutput):
    discretion = DiscretionRow(many=True, read_only=True)

    class Meta(AgentOutput.Meta):
        fields = [*AgentOutput.Meta.fields, "discretion"]


class MeView(APIView):
    """The caller, with their effective limits and live budget figures per remedy type."""

    @extend_schema(responses={200: MeOutput, 401: E401})
    def get(self, request):
        from discretion.selectors import me_discretion  # the lead's selector (budget readers)

        user = User.objects.select_related("team", "tier").get(pk=request.user.pk)
        body = AgentOutput(user).data
        body["discretion"] = me_discretion(user)
        return Response(body)


# --- trust tiers -----------------------------------------------------------------------


class TrustTierOutput(serializers.ModelSerializer):
    class Meta:
        model = TrustTier
        fields = ["code", "name", "description", "rank"]


class TrustTierPatchInput(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    rank = serializers.IntegerField(required=False, min_value=0, max_value=32767)
    reason = serializers.CharField(required=False, allow_blank=True, write_only=True)


class TrustTierCreateInput(TrustTierPatchInput):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=80)


class TrustTierListCreate(generics.ListAPIView):
    permission_classes = [IsAuthenticated, AdminWritesAllRead]
    serializer_class = TrustTierOutput
    queryset = TrustTier.objects.order_by("rank", "code")

    @extend_schema(responses={200: TrustTierOutput(many=True), 401: E401})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=TrustTierCreateInput,
        responses={201: TrustTierOutput, 400: E400, 401: E401, 403: E403},
    )
    def post(self, request):
        data = TrustTierCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            tier = trust.trust_tier_create(acting_user=request.user, **data.validated_data)
        except DjangoValidationError as exc:
            raise_service_error(exc)
        return Response(TrustTierOutput(tier).data, status=status.HTTP_201_CREATED)


class TrustTierDetail(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated, AdminWritesAllRead]
    serializer_class = TrustTierOutput
    queryset = TrustTier.objects.all()
    lookup_field = "code"

    @extend_schema(responses={200: TrustTierOutput, 401: E401, 404: E404})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=TrustTierPatchInput,
        responses={200: TrustTierOutput, 400: E400, 401: E401, 403: E403, 404: E404},
        description="Rename or re-describe a tier (the code is its identity and cannot change).",
    )
    def patch(self, request, *args, **kwargs):
        tier = self.get_object()
        body = request.data
        if isinstance(body, dict) and body.get("code") == tier.code:
            body = {k: v for k, v in body.items() if k != "code"}  # unchanged code is harmless
        reject_unchangeable(body, set(TrustTierPatchInput().fields))
        data = TrustTierPatchInput(data=body, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        reason = changes.pop("reason", "")
        tier = trust.trust_tier_update(
            acting_user=request.user, tier=tier, changes=changes, reason=reason
        )
        return Response(TrustTierOutput(tier).data)


# --- trust limits ----------------------------------------------------------------------


class TrustLimitOutput(serializers.ModelSerializer):
    tier = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    agent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    remedy_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    per_remedy_max = MoneyField(read_only=True)
    per_case_max = MoneyField(read_only=True, allow_null=True)
    daily_max = MoneyField(read_only=True, allow_null=True)
    monthly_max = MoneyField(read_only=True, allow_null=True)
    approval_max = MoneyField(read_only=True, allow_null=True)

    class Meta:
        model = TrustLimit
        fields = ["id", *trust.LIMIT_FIELDS]


class TrustLimitPatchInput(serializers.Serializer):
    tier = TierCodeField(required=False, allow_null=True)
    agent = UserIdField(required=False, allow_null=True)
    remedy_type = RemedyCodeField(required=False)
    per_remedy_max = MoneyField(required=False)
    per_case_max = MoneyField(required=False, allow_null=True)
    daily_max = MoneyField(required=False, allow_null=True)
    monthly_max = MoneyField(required=False, allow_null=True)
    approval_max = MoneyField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, write_only=True)


class TrustLimitCreateInput(TrustLimitPatchInput):
    remedy_type = RemedyCodeField()
    per_remedy_max = MoneyField()

    def validate(self, attrs):
        if (attrs.get("tier") is None) == (attrs.get("agent") is None):
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        "Set exactly one of tier and agent: a limit is for a tier or for one agent."
                    ]
                }
            )
        return attrs


class TrustLimitFilter(django_filters.FilterSet):
    tier = django_filters.CharFilter(field_name="tier__code")
    agent = django_filters.NumberFilter(field_name="agent_id")
    remedy_type = django_filters.CharFilter(field_name="remedy_type__code")

    class Meta:
        model = TrustLimit
        fields = ["tier", "agent", "remedy_type"]


LIMITS = TrustLimit.objects.select_related("tier", "remedy_type").order_by("id")


class TrustLimitListCreate(generics.ListAPIView):
    permission_classes = [IsAuthenticated, AdminWritesSupervisorReads]
    serializer_class = TrustLimitOutput
    filterset_class = TrustLimitFilter
    queryset = LIMITS

    @extend_schema(responses={200: TrustLimitOutput(many=True), 400: E400, 401: E401, 403: E403})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=TrustLimitCreateInput,
        responses={201: TrustLimitOutput, 400: E400, 401: E401, 403: E403},
        description="Exactly one of `tier` and `agent`; one limit per (scope, remedy type). "
        "Writes an audit event (object_type `trust_limit`) with the optional `reason`.",
    )
    def post(self, request):
        data = TrustLimitCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        reason = values.pop("reason", "")
        try:
            limit = trust.trust_limit_create(acting_user=request.user, reason=reason, **values)
        except DjangoValidationError as exc:
            raise_service_error(exc)
        return Response(TrustLimitOutput(limit).data, status=status.HTTP_201_CREATED)


class TrustLimitDetail(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated, AdminWritesSupervisorReads]
    serializer_class = TrustLimitOutput
    queryset = LIMITS

    @extend_schema(responses={200: TrustLimitOutput, 401: E401, 403: E403, 404: E404})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=TrustLimitPatchInput,
        responses={200: TrustLimitOutput, 400: E400, 401: E401, 403: E403, 404: E404},
        description="New caps apply from now on; what was already spent stays spent.",
    )
    def patch(self, request, *args, **kwargs):
        limit = self.get_object()
        reject_unchangeable(request.data, set(TrustLimitPatchInput().fields) | {"id"})
        body = {k: v for k, v in request.data.items() if k != "id"}
        data = TrustLimitPatchInput(data=body, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        reason = changes.pop("reason", "")
        try:
            limit = trust.trust_limit_update(
                acting_user=request.user, trust_limit=limit, changes=changes, reason=reason
            )
        except DjangoValidationError as exc:
            raise_service_error(exc)
        return Response(TrustLimitOutput(limit).data)

    @extend_schema(
        request=None,
        responses={204: None, 401: E401, 403: E403, 404: E404},
        description="Remove a limit (a `reason` may be given as a query parameter or in a "
        "JSON body; it is kept in the audit event).",
    )
    def delete(self, request, *args, **kwargs):
        limit = self.get_object()
        reason = request.query_params.get("reason", "")
        if not reason and isinstance(request.data, dict):
            reason = str(request.data.get("reason", "") or "")
        trust.trust_limit_delete(acting_user=request.user, trust_limit=limit, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- remedy types ----------------------------------------------------------------------


class RemedyTypeOutput(serializers.ModelSerializer):
    class Meta:
        model = RemedyType
        fields = ["code", "name", "monetary", "enabled"]


class RemedyTypeList(generics.ListAPIView):
    serializer_class = RemedyTypeOutput
    queryset = RemedyType.objects.order_by("sort_order", "code")
    filterset_fields = ["enabled", "monetary"]

    @extend_schema(responses={200: RemedyTypeOutput(many=True), 401: E401})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("agents/", AgentListCreate.as_view(), name="agent-list"),
    path("agents/<int:pk>/", AgentDetail.as_view(), name="agent-detail"),
    path("me/", MeView.as_view(), name="me"),
    path("trust-tiers/", TrustTierListCreate.as_view(), name="trust-tier-list"),
    path("trust-tiers/<slug:code>/", TrustTierDetail.as_view(), name="trust-tier-detail"),
    path("trust-limits/", TrustLimitListCreate.as_view(), name="trust-limit-list"),
    path("trust-limits/<int:pk>/", TrustLimitDetail.as_view(), name="trust-limit-detail"),
    path("remedy-types/", RemedyTypeList.as_view(), name="remedy-type-list"),
]
