"""Users over HTTP: ``agents/`` (users of every role) and ``me/`` (the caller, with
their live discretion meter).

Thin views: input serializers validate, ``discretion.trust.users`` writes (with its audit
event), output serializers shape the JSON of docs/api.md.

Choices the API contract leaves to us (docs/api.md lists them all):
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
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.validators import UniqueValidator
from rest_framework.views import APIView

from common.permissions import AdminWritesSupervisorReads
from discretion.api.common import (
    E400,
    E401,
    E403,
    E404,
    TierCodeField,
    acting_user,
    reject_unchangeable,
)
from discretion.models import (
    DISPLAY_NAME_MAX_LENGTH,
    TEAM_NAME_MAX_LENGTH,
    Role,
    Team,
    TrustTier,
    User,
)
from discretion.trust.selectors import me_discretion, user_get, user_list
from discretion.trust.users import team_get_or_create, user_create, user_update


class AgentOutput(serializers.ModelSerializer):
    team: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(
        slug_field="name", read_only=True, allow_null=True
    )
    tier: serializers.SlugRelatedField[TrustTier] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "email", "role", "team", "tier", "is_active"]


class AgentPatchInput(serializers.Serializer):
    display_name = serializers.CharField(
        max_length=DISPLAY_NAME_MAX_LENGTH, required=False, allow_blank=True
    )
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    team = serializers.CharField(
        max_length=TEAM_NAME_MAX_LENGTH, required=False, allow_null=True, allow_blank=True
    )
    tier = TierCodeField(required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)

    def validate_team(self, value):
        return value.strip() or None if value is not None else None


class AgentCreateInput(AgentPatchInput):
    username = serializers.CharField(
        max_length=150,
        validators=[
            UnicodeUsernameValidator(),
            UniqueValidator(user_list(), message="A user with that username already exists."),
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
        values["team"] = team_get_or_create(name=name) if name else None
    return values


class AgentListCreate(generics.ListAPIView):
    """Users of every role (agents, supervisors, admins). Admins create; supervisors read."""

    permission_classes = [IsAuthenticated, AdminWritesSupervisorReads]
    serializer_class = AgentOutput
    filterset_class = AgentFilter

    def get_queryset(self):
        return user_list()

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
        user = user_create(acting_user=acting_user(request), **_agent_values(data.validated_data))
        return Response(AgentOutput(user).data, status=status.HTTP_201_CREATED)


class AgentDetail(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated, AdminWritesSupervisorReads]
    serializer_class = AgentOutput

    def get_queryset(self):
        return user_list()

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
        user = user_update(
            acting_user=acting_user(request), user=user, changes=_agent_values(data.validated_data)
        )
        return Response(AgentOutput(user).data)


class DiscretionRow(serializers.Serializer):
    remedy_type = serializers.CharField()
    limit_source = serializers.ChoiceField(choices=["agent", "tier", "temporary"], allow_null=True)
    # When the temporary raise in force ends (null unless limit_source is "temporary").
    expires_at = serializers.DateTimeField(allow_null=True)
    per_remedy_max = serializers.CharField(allow_null=True)
    per_case_max = serializers.CharField(allow_null=True)
    daily_max = serializers.CharField(allow_null=True)
    monthly_max = serializers.CharField(allow_null=True)
    approval_max = serializers.CharField(allow_null=True)
    daily_used = serializers.CharField()
    daily_remaining = serializers.CharField(allow_null=True)
    monthly_used = serializers.CharField()
    monthly_remaining = serializers.CharField(allow_null=True)
    limit_note = serializers.CharField(
        allow_null=True,
        help_text="Why the limit is what it is, when an accepted limit proposal set it "
        "('Raised on 3 Dec from your record: 14 of 15 approved unchanged.'); else null.",
    )


class MeOutput(AgentOutput):
    discretion = DiscretionRow(many=True, read_only=True)

    class Meta(AgentOutput.Meta):
        fields = [*AgentOutput.Meta.fields, "discretion"]


class MeView(APIView):
    """The caller, with their effective limits and live budget figures per remedy type."""

    @extend_schema(responses={200: MeOutput, 401: E401})
    def get(self, request):
        user = user_get(user_id=acting_user(request).pk)
        body = AgentOutput(user).data
        body["discretion"] = me_discretion(user)
        return Response(body)


urlpatterns = [
    path("agents/", AgentListCreate.as_view(), name="agent-list"),
    path("agents/<int:pk>/", AgentDetail.as_view(), name="agent-detail"),
    path("me/", MeView.as_view(), name="me"),
]
