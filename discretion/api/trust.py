"""Trust tiers, trust limits and remedy types over HTTP.

Thin views: input serializers validate, ``discretion.trust.services`` writes (each change
with its audit event), output serializers shape the JSON of docs/api.md. A choice the
API contract leaves to us (docs/api.md): a PATCH key that is not an editable field is a
400 naming it ("This field cannot be changed here."), so a typo never silently does
nothing.
"""

from __future__ import annotations

import django_filters
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from cases.models import RemedyType
from cases.selectors import remedy_type_list
from common.permissions import AdminWritesAllRead, AdminWritesSupervisorReads
from common.query import IdFilter
from discretion.api.common import (
    E400,
    E401,
    E403,
    E404,
    RemedyCodeField,
    TierCodeField,
    UserIdField,
    acting_user,
    reject_unchangeable,
)
from discretion.api.fields import MoneyField
from discretion.models import (
    TIER_CODE_MAX_LENGTH,
    TIER_NAME_MAX_LENGTH,
    TrustLimit,
    TrustTier,
    User,
)
from discretion.trust.selectors import trust_limit_list, trust_tier_list
from discretion.trust.services import (
    LIMIT_FIELDS,
    trust_limit_create,
    trust_limit_delete,
    trust_limit_update,
    trust_tier_create,
    trust_tier_update,
)


class TrustTierOutput(serializers.ModelSerializer):
    class Meta:
        model = TrustTier
        fields = ["code", "name", "description", "rank"]


class TrustTierPatchInput(serializers.Serializer):
    name = serializers.CharField(max_length=TIER_NAME_MAX_LENGTH, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    rank = serializers.IntegerField(required=False, min_value=0, max_value=32767)
    reason = serializers.CharField(required=False, allow_blank=True, write_only=True)


class TrustTierCreateInput(TrustTierPatchInput):
    code = serializers.SlugField(max_length=TIER_CODE_MAX_LENGTH)
    name = serializers.CharField(max_length=TIER_NAME_MAX_LENGTH)


class TrustTierListCreate(generics.ListAPIView):
    permission_classes = [IsAuthenticated, AdminWritesAllRead]
    serializer_class = TrustTierOutput

    def get_queryset(self):
        return trust_tier_list()

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
        tier = trust_tier_create(acting_user=acting_user(request), **data.validated_data)
        return Response(TrustTierOutput(tier).data, status=status.HTTP_201_CREATED)


class TrustTierDetail(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated, AdminWritesAllRead]
    serializer_class = TrustTierOutput
    lookup_field = "code"

    def get_queryset(self):
        return trust_tier_list()

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
        tier = trust_tier_update(
            acting_user=acting_user(request), tier=tier, changes=changes, reason=reason
        )
        return Response(TrustTierOutput(tier).data)


class TrustLimitOutput(serializers.ModelSerializer):
    tier: serializers.SlugRelatedField[TrustTier] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    agent: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    remedy_type: serializers.SlugRelatedField[RemedyType] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    per_remedy_max = MoneyField(read_only=True)
    per_case_max = MoneyField(read_only=True, allow_null=True)
    daily_max = MoneyField(read_only=True, allow_null=True)
    monthly_max = MoneyField(read_only=True, allow_null=True)
    approval_max = MoneyField(read_only=True, allow_null=True)

    class Meta:
        model = TrustLimit
        fields = ["id", *LIMIT_FIELDS]


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
    agent = IdFilter(field_name="agent_id")
    remedy_type = django_filters.CharFilter(field_name="remedy_type__code")

    class Meta:
        model = TrustLimit
        fields = ["tier", "agent", "remedy_type"]


class TrustLimitListCreate(generics.ListAPIView):
    permission_classes = [IsAuthenticated, AdminWritesSupervisorReads]
    serializer_class = TrustLimitOutput
    filterset_class = TrustLimitFilter

    def get_queryset(self):
        return trust_limit_list()

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
        limit = trust_limit_create(acting_user=acting_user(request), reason=reason, **values)
        return Response(TrustLimitOutput(limit).data, status=status.HTTP_201_CREATED)


class TrustLimitDetail(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated, AdminWritesSupervisorReads]
    serializer_class = TrustLimitOutput

    def get_queryset(self):
        return trust_limit_list()

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
        limit = trust_limit_update(
            acting_user=acting_user(request), trust_limit=limit, changes=changes, reason=reason
        )
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
        trust_limit_delete(acting_user=acting_user(request), trust_limit=limit, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RemedyTypeOutput(serializers.ModelSerializer):
    class Meta:
        model = RemedyType
        fields = ["code", "name", "monetary", "enabled"]


class RemedyTypeList(generics.ListAPIView):
    serializer_class = RemedyTypeOutput
    filterset_fields = ["enabled", "monetary"]

    def get_queryset(self):
        return remedy_type_list()

    @extend_schema(responses={200: RemedyTypeOutput(many=True), 401: E401})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


urlpatterns = [
    path("trust-tiers/", TrustTierListCreate.as_view(), name="trust-tier-list"),
    path("trust-tiers/<slug:code>/", TrustTierDetail.as_view(), name="trust-tier-detail"),
    path("trust-limits/", TrustLimitListCreate.as_view(), name="trust-limit-list"),
    path("trust-limits/<int:pk>/", TrustLimitDetail.as_view(), name="trust-limit-detail"),
    path("remedy-types/", RemedyTypeList.as_view(), name="remedy-type-list"),
]
