"""Temporary raises over HTTP (CONTRACT.md, "Asking for more"): ask, list, read, approve,
deny.

Thin views: input serializers validate the shapes, ``discretion.raises.services``
decides the rules, output serializers shape the JSON of docs/api.md.

Choices the contract leaves to us (docs/api.md, "Limit requests"):
- ``status`` in the output is the status now: a pending or approved request past
  ``expires_at`` reads ``expired`` (and ``?status=`` filters the same way) before the
  sweeper flips the stored row.
- An uncapped dimension (a null cap in the base limit) cannot be raised: 400 naming it.
  With no limit at all for the remedy type, there is nothing to raise: 400 on
  ``remedy_type``.
- Agents may read their own requests; another agent's is a 404.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import NotFound
from common.permissions import IsSupervisorOrAdmin
from discretion.api.common import (
    E400,
    E401,
    E403,
    E404,
    E409,
    E422,
    IDEMPOTENCY_HEADER,
    _name,
    acting_user,
)
from discretion.api.fields import AwareDateTimeField, MoneyField, currency
from discretion.api.idempotency import idempotent_response
from discretion.api.resolutions import RemedyCodeField
from discretion.models import LimitRequest
from discretion.raises.models import NOTE_MAX_LENGTH, REASON_MAX_LENGTH
from discretion.raises.selectors import STATUSES, limit_request_get, limit_request_list
from discretion.raises.services import limit_request_create, limit_request_decide


class LimitRequestInput(serializers.Serializer):
    remedy_type = RemedyCodeField()
    per_remedy_max = MoneyField(required=False, allow_null=True)
    daily_max = MoneyField(required=False, allow_null=True)
    monthly_max = MoneyField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)
    expires_at = AwareDateTimeField()


class LimitRequestOutput(serializers.Serializer):
    id = serializers.IntegerField()
    requester = serializers.IntegerField(source="requester_id")
    requester_name = serializers.SerializerMethodField()
    remedy_type = serializers.CharField(source="remedy_type.code")
    per_remedy_max = MoneyField(allow_null=True)
    daily_max = MoneyField(allow_null=True)
    monthly_max = MoneyField(allow_null=True)
    was_per_remedy_max = MoneyField(allow_null=True)
    was_daily_max = MoneyField(allow_null=True)
    was_monthly_max = MoneyField(allow_null=True)
    currency = serializers.SerializerMethodField()
    reason = serializers.CharField()
    expires_at = serializers.DateTimeField()
    status = serializers.SerializerMethodField()
    level = serializers.IntegerField()
    assigned_to = serializers.IntegerField(source="assigned_to_id", allow_null=True)
    assigned_to_name = serializers.SerializerMethodField()
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    decided_by = serializers.IntegerField(source="decided_by_id", allow_null=True)
    decided_by_name = serializers.SerializerMethodField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_requester_name(self, request: LimitRequest) -> str | None:
        return _name(request.requester)

    def get_assigned_to_name(self, request: LimitRequest) -> str | None:
        return _name(request.assigned_to)

    def get_decided_by_name(self, request: LimitRequest) -> str | None:
        return _name(request.decided_by)

    def get_currency(self, request: LimitRequest) -> str:
        return currency()

    @extend_schema_field(serializers.ChoiceField(choices=STATUSES))
    def get_status(self, request: LimitRequest) -> str:
        return request.status_now()


class LimitRequestList(generics.ListAPIView):
    """Supervisors and admins: every request. Agents: their own."""

    permission_classes = [IsAuthenticated]
    serializer_class = LimitRequestOutput
    filter_backends: list = []

    def get_queryset(self):
        status_ = self.request.query_params.get("status") or None
        if status_ is not None and status_ not in STATUSES:
            raise ValidationError({"status": [f"One of: {', '.join(STATUSES)}."]})
        return limit_request_list(user=self.request.user, status=status_)

    @extend_schema(
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=STATUSES)],
        responses={200: LimitRequestOutput(many=True), 400: E400, 401: E401},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=LimitRequestInput,
        responses={201: LimitRequestOutput, 400: E400, 401: E401},
        description="Ask for a temporary raise of one's own limit for a monetary remedy type "
        "until `expires_at` (in the future, within 30 days). At least one cap; each above "
        "the current effective cap of its dimension. Audited (`limit_request.create`); "
        "routed to the on-call supervisor like an escalation.",
    )
    def post(self, request, *args, **kwargs):
        data = LimitRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        created = limit_request_create(
            acting_user=acting_user(request),
            remedy_type=values["remedy_type"],
            per_remedy_max=values.get("per_remedy_max"),
            daily_max=values.get("daily_max"),
            monthly_max=values.get("monthly_max"),
            reason=values["reason"],
            expires_at=values["expires_at"],
        )
        found = limit_request_get(user=acting_user(request), limit_request_id=created.pk)
        return Response(LimitRequestOutput(found).data, status=201)


class LimitRequestDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: LimitRequestOutput, 401: E401, 404: E404})
    def get(self, request, pk: int):
        found = limit_request_get(user=acting_user(request), limit_request_id=pk)
        if found is None:
            raise NotFound("No such limit request.")
        return Response(LimitRequestOutput(found).data)


class LimitRequestApproveInput(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH, default=""
    )


class LimitRequestDenyInput(serializers.Serializer):
    note = serializers.CharField(allow_blank=False, max_length=NOTE_MAX_LENGTH)


class _Decide(APIView):
    permission_classes = [IsAuthenticated, IsSupervisorOrAdmin]
    approve = True
    input_class: type[serializers.Serializer] = LimitRequestApproveInput

    def post(self, request, pk: int):
        def handler() -> Response:
            data = self.input_class(data=request.data)
            data.is_valid(raise_exception=True)
            user = acting_user(request)
            limit_request_decide(
                acting_user=user,
                limit_request_id=pk,
                approve=self.approve,
                note=data.validated_data.get("note", ""),
            )
            return Response(
                LimitRequestOutput(limit_request_get(user=user, limit_request_id=pk)).data
            )

        verb = "approve" if self.approve else "deny"
        return idempotent_response(request, f"limit-request-{verb}-{pk}", handler)


DECIDE_RESPONSES = {
    200: LimitRequestOutput,
    400: E400,
    401: E401,
    403: E403,
    404: E404,
    409: E409,
    422: E422,
}


class LimitRequestApprove(_Decide):
    """Approve: the raised caps are the requester's effective limit at once, until
    ``expires_at``. Not the requester (403); decided or expired: 409."""

    approve = True
    input_class = LimitRequestApproveInput

    @extend_schema(
        request=LimitRequestApproveInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses=DECIDE_RESPONSES,
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


class LimitRequestDeny(_Decide):
    """Deny with a note (required)."""

    approve = False
    input_class = LimitRequestDenyInput

    @extend_schema(
        request=LimitRequestDenyInput, parameters=[IDEMPOTENCY_HEADER], responses=DECIDE_RESPONSES
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


urlpatterns = [
    path("limit-requests/", LimitRequestList.as_view(), name="limit-request-list"),
    path("limit-requests/<int:pk>/", LimitRequestDetail.as_view(), name="limit-request-detail"),
    path(
        "limit-requests/<int:pk>/approve/",
        LimitRequestApprove.as_view(),
        name="limit-request-approve",
    ),
    path("limit-requests/<int:pk>/deny/", LimitRequestDeny.as_view(), name="limit-request-deny"),
]
