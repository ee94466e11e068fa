"""On-call rotations and overrides over HTTP (CONTRACT.md, "The right person on call").

Thin views over ``discretion.rotations``: admins write, supervisors read, agents 403.
A rotation is ``{id, name, level, members: [user ids in turn order], turn_days,
handoff_time, time_zone, starts_on}``; an override ``{id, rotation, supervisor,
starts_at, ends_at}``. Choices the contract leaves to us: ``handoff_time`` reads and
writes ``HH:MM`` (seconds accepted), lists take ``?level=`` (rotations) and
``?rotation=`` / ``?current=1`` (overrides running or still to come).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from common.permissions import AdminWritesSupervisorReads
from common.query import query_id
from discretion.api.common import (
    E400,
    E401,
    E403,
    E404,
    StrictIntegerField,
    UserIdField,
    acting_user,
)
from discretion.api.fields import AwareDateTimeField, StrictCharField
from discretion.models import OnCallOverride, OnCallRotation, User
from discretion.rotations.models import NAME_MAX_LENGTH, TURN_DAYS_MAX
from discretion.rotations.selectors import (
    override_get,
    override_list,
    rotation_get,
    rotation_list,
    users_by_id,
)
from discretion.rotations.services import (
    oncall_override_create,
    oncall_override_delete,
    oncall_rotation_create,
    oncall_rotation_delete,
    oncall_rotation_update,
)

MEMBERS_MAX = 100


class RotationOutput(serializers.ModelSerializer):
    members = serializers.SerializerMethodField()
    handoff_time = serializers.TimeField(format="%H:%M")

    class Meta:
        model = OnCallRotation
        fields = [
            "id",
            "name",
            "level",
            "members",
            "turn_days",
            "handoff_time",
            "time_zone",
            "starts_on",
        ]

    def get_members(self, rotation: OnCallRotation) -> list[int]:
        # Prefetched in turn order by rotation_list().
        return [member.supervisor_id for member in rotation.members.all()]


class RotationInput(serializers.Serializer):
    name = StrictCharField(max_length=NAME_MAX_LENGTH)
    level = StrictIntegerField(min_value=1, max_value=100)
    members = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=2**31 - 1),
        allow_empty=False,
        max_length=MEMBERS_MAX,
    )
    turn_days = StrictIntegerField(min_value=1, max_value=TURN_DAYS_MAX)
    handoff_time = serializers.TimeField()
    time_zone = StrictCharField(max_length=64)
    starts_on = serializers.DateField()

    def validate_members(self, ids: list[int]) -> list[User]:
        """Users by id in the order given, in one query; unknown ids are named."""
        found = users_by_id(ids)
        unknown = [str(i) for i in ids if i not in found]
        if unknown:
            raise ValidationError(f"Unknown user id {', '.join(unknown)}.")
        return [found[i] for i in ids]


class OverrideOutput(serializers.ModelSerializer):
    class Meta:
        model = OnCallOverride
        fields = ["id", "rotation", "supervisor", "starts_at", "ends_at"]


class OverrideInput(serializers.Serializer):
    rotation = serializers.PrimaryKeyRelatedField(queryset=rotation_list())
    supervisor = UserIdField()
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["ends_at"] <= attrs["starts_at"]:
            raise ValidationError({"ends_at": ["An override must end after it starts."]})
        return attrs


class RotationListCreate(generics.ListAPIView):
    """Rotations by level and name."""

    permission_classes = [IsAuthenticated, AdminWritesSupervisorReads]
    serializer_class = RotationOutput

    def get_queryset(self):
        level = query_id(self.request.query_params, "level", message="Give a level number.")
        return rotation_list(level=level)

    @extend_schema(
        parameters=[OpenApiParameter("level", int)],
        responses={200: RotationOutput(many=True), 400: E400, 401: E401, 403: E403},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=RotationInput, responses={201: RotationOutput, 400: E400, 401: E401, 403: E403}
    )
    def post(self, request):
        data = RotationInput(data=request.data)
        data.is_valid(raise_exception=True)
        rotation = oncall_rotation_create(acting_user=acting_user(request), **data.validated_data)
        return Response(
            RotationOutput(rotation_get(rotation_id=rotation.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class RotationDetail(APIView):
    permission_classes = [IsAuthenticated, AdminWritesSupervisorReads]

    def _rotation(self, pk: int) -> OnCallRotation:
        try:
            return rotation_get(rotation_id=pk)
        except OnCallRotation.DoesNotExist:
            raise Http404("No on-call rotation matches the given query.") from None

    @extend_schema(responses={200: RotationOutput, 401: E401, 403: E403, 404: E404})
    def get(self, request, pk: int):
        return Response(RotationOutput(self._rotation(pk)).data)

    @extend_schema(
        request=RotationInput(partial=True),
        responses={200: RotationOutput, 400: E400, 401: E401, 403: E403, 404: E404},
    )
    def patch(self, request, pk: int):
        rotation = self._rotation(pk)
        data = RotationInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        oncall_rotation_update(
            acting_user=acting_user(request), rotation=rotation, changes=dict(data.validated_data)
        )
        return Response(RotationOutput(rotation_get(rotation_id=pk)).data)

    @extend_schema(responses={204: None, 401: E401, 403: E403, 404: E404})
    def delete(self, request, pk: int):
        oncall_rotation_delete(acting_user=acting_user(request), rotation=self._rotation(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class OverrideListCreate(generics.ListAPIView):
    """Overrides by start; ``?rotation=``, ``?current=1`` (not yet ended)."""

    permission_classes = [IsAuthenticated, AdminWritesSupervisorReads]
    serializer_class = OverrideOutput

    def get_queryset(self):
        params = self.request.query_params
        return override_list(
            rotation_id=query_id(params, "rotation", message="Give a rotation id."),
            ending_after=timezone.now() if params.get("current") in ("1", "true") else None,
        )

    @extend_schema(
        parameters=[OpenApiParameter("rotation", int), OpenApiParameter("current", bool)],
        responses={200: OverrideOutput(many=True), 400: E400, 401: E401, 403: E403},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=OverrideInput, responses={201: OverrideOutput, 400: E400, 401: E401, 403: E403}
    )
    def post(self, request):
        data = OverrideInput(data=request.data)
        data.is_valid(raise_exception=True)
        override = oncall_override_create(acting_user=acting_user(request), **data.validated_data)
        return Response(OverrideOutput(override).data, status=status.HTTP_201_CREATED)


class OverrideDetail(APIView):
    permission_classes = [IsAuthenticated, AdminWritesSupervisorReads]

    def _override(self, pk: int) -> OnCallOverride:
        try:
            return override_get(override_id=pk)
        except OnCallOverride.DoesNotExist:
            raise Http404("No on-call override matches the given query.") from None

    @extend_schema(responses={200: OverrideOutput, 401: E401, 403: E403, 404: E404})
    def get(self, request, pk: int):
        return Response(OverrideOutput(self._override(pk)).data)

    @extend_schema(responses={204: None, 401: E401, 403: E403, 404: E404})
    def delete(self, request, pk: int):
        oncall_override_delete(acting_user=acting_user(request), override=self._override(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("oncall-rotations/", RotationListCreate.as_view(), name="oncall-rotation-list"),
    path("oncall-rotations/<int:pk>/", RotationDetail.as_view(), name="oncall-rotation-detail"),
    path("oncall-overrides/", OverrideListCreate.as_view(), name="oncall-override-list"),
    path("oncall-overrides/<int:pk>/", OverrideDetail.as_view(), name="oncall-override-detail"),
]
