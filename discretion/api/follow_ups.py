"""Follow-ups over HTTP (docs/api.md, "Follow-ups"): thin views over
``discretion.followups``.

Supervisors and admins see and edit every follow-up; an agent those assigned to them,
created by them or on cases assigned to them (others are 404). ``assigned_to`` defaults
to the case's assignee, else the creator; an agent may assign only to themself or the
case's assignee (403). ``due_at`` needs an offset. Marking done twice is 409, and so is
editing a done one.
"""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.selectors import case_list
from common.query import id_parse, query_choice, query_id
from discretion.api.common import (
    E400,
    E401,
    E403,
    E404,
    E409,
    UserIdField,
    acting_user,
    reject_unchangeable,
)
from discretion.api.fields import AwareDateTimeField, StrictCharField
from discretion.followups.models import FOLLOW_UP_NOTE_MAX_LENGTH, FollowUp
from discretion.followups.selectors import FILTER_STATUSES, follow_up_get, follow_up_list
from discretion.followups.services import (
    EDITABLE,
    follow_up_create,
    follow_up_done,
    follow_up_update,
)


class DueAtField(AwareDateTimeField):
    """``due_at`` must carry its offset (``Z`` or ``±hh:mm``): a naive time is a 400, not
    a guess in the server's time zone."""

    def to_internal_value(self, value):
        aware = super().to_internal_value(value)  # refuses what is not a good time at all
        if parse_datetime(value.strip()).tzinfo is None:  # parsed fine just above
            raise serializers.ValidationError(NAIVE_MESSAGE)
        return aware


NAIVE_MESSAGE = "Give the time with its offset, e.g. 2030-01-31T09:00:00+01:00."


class FollowUpOutput(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "case",
            "due_at",
            "note",
            "assigned_to",
            "status",
            "done_at",
            "created_by",
            "created_at",
            "notified_at",
            "overdue",
        ]

    def get_overdue(self, follow_up: FollowUp) -> bool:
        now = self.context.get("now")
        return (
            follow_up.status == FollowUp.Status.OPEN and now is not None and follow_up.due_at < now
        )


class FollowUpInput(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(queryset=case_list())
    due_at = DueAtField()
    note = StrictCharField(required=False, allow_blank=True, max_length=FOLLOW_UP_NOTE_MAX_LENGTH)
    assigned_to = UserIdField(required=False, allow_null=True)


class FollowUpPatch(serializers.Serializer):
    due_at = DueAtField(required=False)
    note = StrictCharField(required=False, allow_blank=True, max_length=FOLLOW_UP_NOTE_MAX_LENGTH)
    assigned_to = UserIdField(required=False)


def _out(follow_up: FollowUp) -> dict:
    return FollowUpOutput(follow_up, context={"now": timezone.now()}).data


def _assigned_to(request) -> int | None:
    raw = request.query_params.get("assigned_to")
    if raw is None:
        return None
    if raw == "me":
        return acting_user(request).pk
    return id_parse(raw, name="assigned_to", message='Give "me" or a user id.')


def _status(request) -> str | None:
    return query_choice(
        request.query_params, "status", FILTER_STATUSES, message="Give open, done or overdue."
    )


class FollowUpListCreate(generics.ListAPIView):
    """Follow-ups you may see, soonest due first."""

    permission_classes = [IsAuthenticated]
    serializer_class = FollowUpOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator's request
            return follow_up_list(user=None)
        return follow_up_list(
            user=acting_user(self.request),
            status=_status(self.request),
            assigned_to_id=_assigned_to(self.request),
            case_id=query_id(self.request.query_params, "case", message="Give a case id."),
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(FILTER_STATUSES)),
            OpenApiParameter("assigned_to", OpenApiTypes.STR, description='"me" or a user id.'),
            OpenApiParameter("case", OpenApiTypes.INT),
        ],
        responses={200: FollowUpOutput(many=True), 400: E400, 401: E401},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        description="Schedule a follow-up on a case; `assigned_to` defaults to the case's "
        "assignee, else you. `due_at` needs its offset.",
        request=FollowUpInput,
        responses={201: FollowUpOutput, 400: E400, 401: E401, 403: E403},
    )
    def post(self, request):
        data = FollowUpInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        follow_up = follow_up_create(
            acting_user=acting_user(request),
            case=values["case"],
            due_at=values["due_at"],
            note=values.get("note", ""),
            assigned_to=values.get("assigned_to"),
        )
        return Response(_out(follow_up), status=status.HTTP_201_CREATED)


class FollowUpDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: FollowUpOutput, 401: E401, 404: E404})
    def get(self, request, pk: int):
        return Response(_out(follow_up_get(user=acting_user(request), follow_up_id=pk)))

    @extend_schema(
        request=FollowUpPatch,
        responses={200: FollowUpOutput, 400: E400, 401: E401, 403: E403, 404: E404, 409: E409},
    )
    def patch(self, request, pk: int):
        user = acting_user(request)
        follow_up = follow_up_get(user=user, follow_up_id=pk)
        reject_unchangeable(request.data, set(EDITABLE))
        data = FollowUpPatch(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        follow_up = follow_up_update(
            acting_user=user, follow_up=follow_up, changes=dict(data.validated_data)
        )
        return Response(_out(follow_up))


class FollowUpDone(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: FollowUpOutput, 401: E401, 404: E404, 409: E409})
    def post(self, request, pk: int):
        user = acting_user(request)
        follow_up = follow_up_get(user=user, follow_up_id=pk)
        return Response(_out(follow_up_done(acting_user=user, follow_up=follow_up)))


urlpatterns = [
    path("follow-ups/", FollowUpListCreate.as_view(), name="follow-up-list"),
    path("follow-ups/<int:pk>/", FollowUpDetail.as_view(), name="follow-up-detail"),
    path("follow-ups/<int:pk>/done/", FollowUpDone.as_view(), name="follow-up-done"),
]
