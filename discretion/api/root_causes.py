"""Root-cause codes over HTTP: the list (everyone), new codes (admins), and the tag on a
decided resolution (``POST /api/v1/resolutions/{id}/root-cause/ {root_cause}``)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import RootCause
from common.permissions import AdminWritesAllRead
from discretion.api.common import E400, E401, E403, E404, acting_user
from discretion.api.fields import StrictCharField
from discretion.problems.root_causes import (
    ROOT_CAUSE_NAME_MAX_LENGTH,
    resolution_root_cause_set,
    root_cause_create,
)
from discretion.problems.selectors import resolution_for_root_cause_get, root_cause_list


class RootCauseOutput(serializers.ModelSerializer):
    class Meta:
        model = RootCause
        fields = ["code", "name", "active"]


class RootCauseInput(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = StrictCharField(max_length=ROOT_CAUSE_NAME_MAX_LENGTH)
    active = serializers.BooleanField(required=False, default=True)


class RootCauseTagInput(serializers.Serializer):
    root_cause = serializers.SlugRelatedField(
        slug_field="code",
        queryset=root_cause_list(),
        allow_null=True,
        error_messages={
            "does_not_exist": "Unknown root cause '{value}'.",
            "invalid": "Give a root-cause code.",
        },
    )


class RootCauseTagOutput(serializers.Serializer):
    resolution = serializers.IntegerField(source="pk")
    root_cause = serializers.CharField(source="root_cause.code", allow_null=True, default=None)


class RootCauseListCreate(generics.ListAPIView):
    """The root-cause codes, by name (retired ones too, marked inactive)."""

    permission_classes = [IsAuthenticated, AdminWritesAllRead]
    serializer_class = RootCauseOutput

    def get_queryset(self):
        return root_cause_list()

    @extend_schema(responses={200: RootCauseOutput(many=True), 401: E401})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        description="Add a root-cause code (admins).",
        request=RootCauseInput,
        responses={201: RootCauseOutput, 400: E400, 401: E401, 403: E403},
    )
    def post(self, request):
        data = RootCauseInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        cause = root_cause_create(
            acting_user=acting_user(request),
            code=values["code"],
            name=values["name"],
            active=values["active"],
        )
        return Response(RootCauseOutput(cause).data, status=status.HTTP_201_CREATED)


class ResolutionRootCause(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        description="Tag a decided resolution with an active root-cause code (null clears it).",
        request=RootCauseTagInput,
        responses={200: RootCauseTagOutput, 400: E400, 401: E401, 404: E404},
    )
    def post(self, request, pk: int):
        resolution = resolution_for_root_cause_get(resolution_id=pk)
        data = RootCauseTagInput(data=request.data)
        data.is_valid(raise_exception=True)
        resolution = resolution_root_cause_set(
            acting_user=acting_user(request),
            resolution_id=resolution.pk,
            root_cause=data.validated_data["root_cause"],
        )
        return Response(RootCauseTagOutput(resolution).data)


urlpatterns = [
    path("root-causes/", RootCauseListCreate.as_view(), name="root-cause-list"),
    path(
        "resolutions/<int:pk>/root-cause/",
        ResolutionRootCause.as_view(),
        name="resolution-root-cause",
    ),
]
