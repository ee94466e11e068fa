"""On-call shifts, who is on call now, and the escalation policy over HTTP.

Thin views over ``discretion.escalations.oncall``, which validates, writes and audits.
A choice the API contract leaves to us (docs/api.md): ``GET /api/v1/oncall/`` lists
every level of the current policy (empty ones too) with ``supervisors`` as ``{id,
username, display_name}``; ``?at=<ISO time>`` asks about another moment.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.http import Http404
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import Invalid
from common.money import money_parse
from common.permissions import (
    AdminWritesAllRead,
    AdminWritesSupervisorReads,
    IsSupervisorOrAdmin,
)
from common.query import query_datetime, query_id
from discretion.api.common import (
    E400,
    E401,
    E403,
    E404,
    PersonOutput,
    StrictIntegerField,
    _name,
    acting_user,
)
from discretion.api.fields import AwareDateTimeField
from discretion.escalations.oncall import (
    REPEAT_TIMES_MAX,
    escalation_policy_get,
    escalation_policy_update,
    oncall_gaps_coming,
    oncall_now,
    oncall_shift_create,
    oncall_shift_delete,
    oncall_shift_get,
    oncall_shift_list,
    oncall_shift_update,
)
from discretion.models import EscalationPolicy, OnCallShift
from discretion.trust.selectors import remedy_type_by_code, user_list

GAPS_DAYS_MAX = 31


class ShiftOutput(serializers.ModelSerializer):
    supervisor_name = serializers.SerializerMethodField()

    class Meta:
        model = OnCallShift
        fields = ["id", "supervisor", "level", "starts_at", "ends_at", "supervisor_name"]

    def get_supervisor_name(self, shift: OnCallShift) -> str | None:
        return _name(shift.supervisor)


class ShiftInput(serializers.Serializer):
    supervisor = serializers.PrimaryKeyRelatedField(queryset=user_list())
    level = StrictIntegerField(min_value=1, max_value=100)
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()

    def validate(self, attrs):
        starts = attrs.get("starts_at", getattr(self.instance, "starts_at", None))
        ends = attrs.get("ends_at", getattr(self.instance, "ends_at", None))
        if starts and ends and ends <= starts:
            raise ValidationError({"ends_at": ["A shift must end after it starts."]})
        return attrs


class ShiftListCreate(generics.ListAPIView):
    """On-call shifts: admins write, supervisors read, agents 403."""

    permission_classes = [IsAuthenticated, AdminWritesSupervisorReads]
    serializer_class = ShiftOutput

    def get_queryset(self):
        params = self.request.query_params
        return oncall_shift_list(
            supervisor_id=query_id(params, "supervisor", message="Give a user id."),
            level=query_id(params, "level", message="Give a level number."),
            at=timezone.now() if params.get("current") in ("1", "true") else None,
        )

    @extend_schema(responses={200: ShiftOutput(many=True), 401: E401, 403: E403})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ShiftInput,
        responses={201: ShiftOutput, 400: E400, 401: E401, 403: E403},
    )
    def post(self, request):
        data = ShiftInput(data=request.data)
        data.is_valid(raise_exception=True)
        shift = oncall_shift_create(acting_user=acting_user(request), **data.validated_data)
        return Response(ShiftOutput(shift).data, status=status.HTTP_201_CREATED)


class ShiftDetail(APIView):
    permission_classes = [IsAuthenticated, AdminWritesSupervisorReads]

    def _shift(self, pk: int) -> OnCallShift:
        try:
            return oncall_shift_get(shift_id=pk)
        except OnCallShift.DoesNotExist:
            raise Http404("No OnCallShift matches the given query.") from None

    @extend_schema(responses={200: ShiftOutput, 401: E401, 403: E403, 404: E404})
    def get(self, request, pk: int):
        return Response(ShiftOutput(self._shift(pk)).data)

    @extend_schema(
        request=ShiftInput(partial=True),
        responses={200: ShiftOutput, 400: E400, 401: E401, 403: E403, 404: E404},
    )
    def patch(self, request, pk: int):
        shift = self._shift(pk)
        data = ShiftInput(instance=shift, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        shift = oncall_shift_update(
            acting_user=acting_user(request), shift=shift, changes=dict(data.validated_data)
        )
        return Response(ShiftOutput(shift).data)

    @extend_schema(responses={204: None, 401: E401, 403: E403, 404: E404})
    def delete(self, request, pk: int):
        oncall_shift_delete(acting_user=acting_user(request), shift=self._shift(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class OnCallLevelOutput(serializers.Serializer):
    level = serializers.IntegerField()
    supervisors = PersonOutput(many=True)


class OnCallOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    levels = OnCallLevelOutput(many=True)


class OnCallNow(APIView):
    """Who is on call now (or ``?at=``), per level. Every signed-in user may read it.

    ``?remedy_type=<code>&amount=<money>``: only those who could decide such a request
    (their own approval_max for it covers the amount); ``remedy_type`` alone: those with
    any approval_max for it.
    """

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("at", OpenApiTypes.DATETIME, description="Default: now."),
            OpenApiParameter("remedy_type", str, description="A remedy type code."),
            OpenApiParameter("amount", str, description="Needs remedy_type, e.g. 3000.00."),
        ],
        responses={200: OnCallOutput, 400: E400, 401: E401},
    )
    def get(self, request):
        params = request.query_params
        at = query_datetime(params, "at")
        remedy_type_id, amount = _approval_query(params)
        found = oncall_now(at=at, remedy_type_id=remedy_type_id, amount=amount)
        return Response(OnCallOutput(found).data)


def _approval_query(params) -> tuple[int | None, Decimal | None]:
    code, raw_amount = params.get("remedy_type"), params.get("amount")
    if code is None:
        if raw_amount is not None:
            raise ValidationError({"remedy_type": ["Give a remedy type with the amount."]})
        return None, None
    remedy = remedy_type_by_code(code)
    if remedy is None:
        raise ValidationError({"remedy_type": [f"Unknown remedy type '{code[:50]}'."]})
    if raw_amount is None:
        return remedy.pk, None
    try:
        return remedy.pk, money_parse(raw_amount)
    except Invalid as refusal:
        raise ValidationError({"amount": [refusal.message]}) from None


class GapOutput(serializers.Serializer):
    level = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class GapsOutput(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    results = GapOutput(many=True)


class OnCallGaps(APIView):
    """When a level of the escalation policy has nobody on call in the coming ``days``
    (1 to 31, default 7), by level then time; all of them in one page."""

    permission_classes = [IsAuthenticated, IsSupervisorOrAdmin]

    @extend_schema(
        parameters=[OpenApiParameter("days", int, description="1 to 31; default 7.")],
        responses={200: GapsOutput, 400: E400, 401: E401, 403: E403},
    )
    def get(self, request):
        raw = request.query_params.get("days", "7")
        days = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else 0
        if not 1 <= days <= GAPS_DAYS_MAX:
            raise ValidationError(
                {"days": [f"Give a whole number of days from 1 to {GAPS_DAYS_MAX}."]}
            )
        start = timezone.now()
        end = start + timedelta(days=days)
        gaps = oncall_gaps_coming(start=start, end=end)
        body = {
            "count": len(gaps),
            "next": None,
            "previous": None,
            "starts_at": start,
            "ends_at": end,
            "results": gaps,
        }
        return Response(GapsOutput(body).data)


class PolicyLevel(serializers.Serializer):
    level = StrictIntegerField(min_value=1, max_value=100)
    timeout_seconds = StrictIntegerField(min_value=1, max_value=7 * 24 * 3600)


class PolicyBody(serializers.Serializer):
    levels = PolicyLevel(many=True, allow_empty=False)
    # How many more rounds of the chain from level 1 before overdue (default 0); a PUT
    # without it keeps the current value.
    repeat_times = StrictIntegerField(min_value=0, max_value=REPEAT_TIMES_MAX, required=False)


class EscalationPolicyView(APIView):
    """The levels of the on-call chain; open escalations keep the levels they began with."""

    permission_classes = [IsAuthenticated, AdminWritesAllRead]

    @extend_schema(responses={200: PolicyBody, 401: E401})
    def get(self, request):
        return Response(_policy_body(escalation_policy_get()))

    @extend_schema(request=PolicyBody, responses={200: PolicyBody, 400: E400, 401: E401, 403: E403})
    def put(self, request):
        data = PolicyBody(data=request.data)
        data.is_valid(raise_exception=True)
        policy = escalation_policy_update(
            acting_user=acting_user(request),
            levels=[dict(level) for level in data.validated_data["levels"]],
            repeat_times=data.validated_data.get("repeat_times"),
        )
        return Response(_policy_body(policy))


def _policy_body(policy: EscalationPolicy) -> dict[str, Any]:
    return {
        "levels": policy.levels,
        "repeat_times": policy.repeat_times,
        "updated_at": policy.updated_at,
    }


urlpatterns = [
    path("oncall-shifts/", ShiftListCreate.as_view(), name="oncall-shift-list"),
    path("oncall-shifts/<int:pk>/", ShiftDetail.as_view(), name="oncall-shift-detail"),
    path("oncall/", OnCallNow.as_view(), name="oncall-now"),
    path("oncall/gaps/", OnCallGaps.as_view(), name="oncall-gaps"),
    path("escalation-policy/", EscalationPolicyView.as_view(), name="escalation-policy"),
]
