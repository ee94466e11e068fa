"""Escalations over HTTP: list, read, approve, deny.

Thin views: input serializers validate, ``discretion.escalations.services`` decides,
output serializers shape the JSON of docs/api.md.

Choices the API contract leaves to us (docs/api.md lists them all):
- ``assigned_to``, ``decided_by``, ``resolution`` and the history's ``actor`` /
  ``assigned_to`` are ids; ``*_name`` fields and ``resolution_detail`` are extras.
- Agents may list and read the escalations of their OWN requests (to follow them);
  supervisors and admins see every escalation. Another agent's escalation is a 404.
- Approve and deny are refused to agents (403) before anything else is looked at.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
)
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import NotFound
from common.permissions import (
    IsSupervisorOrAdmin,
)
from common.query import id_parse
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
from discretion.api.fields import MoneyField, currency, money
from discretion.api.idempotency import idempotent_response
from discretion.escalations.rules import NOTE_MAX_LENGTH
from discretion.escalations.selectors import escalation_get, escalation_list
from discretion.escalations.services import escalation_decide
from discretion.models import Escalation


class HistoryOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    event = serializers.CharField()
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    level = serializers.IntegerField(allow_null=True)
    assigned_to = serializers.IntegerField(source="assigned_to_id", allow_null=True)
    note = serializers.CharField()


class EscalationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    resolution = serializers.IntegerField(source="resolution_id")
    status = serializers.CharField()
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
    routed_at = serializers.DateTimeField(allow_null=True)
    policy_levels = serializers.JSONField()
    resolution_detail = serializers.SerializerMethodField()
    history = HistoryOutput(many=True, source="history.all")

    def get_assigned_to_name(self, escalation: Escalation) -> str | None:
        return _name(escalation.assigned_to)

    def get_decided_by_name(self, escalation: Escalation) -> str | None:
        return _name(escalation.decided_by)

    def get_resolution_detail(self, escalation: Escalation) -> dict[str, Any]:
        resolution = escalation.resolution
        return {
            "id": resolution.pk,
            "case": resolution.case_id,
            "case_subject": resolution.case.subject,
            "agent": resolution.agent_id,
            "agent_name": _name(resolution.agent),
            "remedy_type": resolution.remedy_type.code,
            "requested_amount": money(resolution.requested_amount),
            "amount": money(resolution.amount),
            "currency": currency(),
            "reason": resolution.reason,
            "customer_message": resolution.customer_message,
            "status": resolution.status,
            "decision_summary": (resolution.decision or {}).get("summary", ""),
        }


STATUSES = [choice for choice, _ in Escalation.Status.choices]


class EscalationList(generics.ListAPIView):
    """Supervisors and admins: every escalation. Agents: those of their own requests."""

    permission_classes = [IsAuthenticated]
    serializer_class = EscalationOutput
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        status_ = params.get("status") or None
        if status_ is not None and status_ not in STATUSES:
            raise ValidationError({"status": [f"One of: {', '.join(STATUSES)}."]})
        assigned_to = None
        raw = params.get("assigned_to")
        if raw:
            if raw == "me":
                assigned_to = self.request.user.pk
            else:
                assigned_to = id_parse(raw, name="assigned_to", message='"me" or a user id.')
        return escalation_list(user=self.request.user, status=status_, assigned_to=assigned_to)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=STATUSES),
            OpenApiParameter("assigned_to", OpenApiTypes.STR, description='"me" or a user id'),
        ],
        responses={200: EscalationOutput(many=True), 400: E400, 401: E401},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class EscalationDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: EscalationOutput, 401: E401, 404: E404})
    def get(self, request, pk: int):
        escalation = escalation_get(user=acting_user(request), escalation_id=pk)
        if escalation is None:
            raise NotFound("No such escalation.")
        return Response(EscalationOutput(escalation).data)


class ApproveInput(serializers.Serializer):
    amount = MoneyField(required=False, allow_null=True)
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH, default=""
    )


class DenyInput(serializers.Serializer):
    note = serializers.CharField(allow_blank=False, max_length=NOTE_MAX_LENGTH)


class _Decide(APIView):
    permission_classes = [IsAuthenticated, IsSupervisorOrAdmin]
    approve = True
    input_class: type[serializers.Serializer] = ApproveInput

    def post(self, request, pk: int):
        def handler() -> Response:
            data = self.input_class(data=request.data)
            data.is_valid(raise_exception=True)
            user = acting_user(request)
            escalation_decide(
                acting_user=user,
                escalation_id=pk,
                approve=self.approve,
                amount=data.validated_data.get("amount"),
                note=data.validated_data.get("note", "").strip(),
            )
            escalation = escalation_get(user=user, escalation_id=pk)
            return Response(EscalationOutput(escalation).data)

        return idempotent_response(
            request, f"escalation-{'approve' if self.approve else 'deny'}-{pk}", handler
        )


DECIDE_RESPONSES = {
    200: EscalationOutput,
    400: E400,
    401: E401,
    403: E403,
    404: E404,
    409: E409,
    422: E422,
}


class EscalationApprove(_Decide):
    """Approve (optionally lowering the amount). The resolution is applied."""

    approve = True
    input_class = ApproveInput

    @extend_schema(
        request=ApproveInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses=DECIDE_RESPONSES,
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


class EscalationDeny(_Decide):
    """Deny with a note (required). The resolution becomes denied."""

    approve = False
    input_class = DenyInput

    @extend_schema(
        request=DenyInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses=DECIDE_RESPONSES,
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


urlpatterns = [
    path("escalations/", EscalationList.as_view(), name="escalation-list"),
    path("escalations/<int:pk>/", EscalationDetail.as_view(), name="escalation-detail"),
    path("escalations/<int:pk>/approve/", EscalationApprove.as_view(), name="escalation-approve"),
    path("escalations/<int:pk>/deny/", EscalationDeny.as_view(), name="escalation-deny"),
]
