"""Limit proposals over HTTP: the list (supervisors, admins), accept and reject (admins).

Thin: ``discretion.proposals.selectors`` reads, ``discretion.proposals.services`` decides
(with its audit events; accepting writes the limit through the trust services).
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import NotFound
from common.permissions import IsAdminRole, IsSupervisorOrAdmin
from common.query import query_id
from discretion.api.common import E400, E401, E403, E404, E409, PersonOutput, acting_user
from discretion.api.fields import MoneyField
from discretion.models import LimitProposal
from discretion.proposals.models import DECISION_NOTE_MAX_LENGTH
from discretion.proposals.selectors import limit_proposal_get, limit_proposal_list
from discretion.proposals.services import limit_proposal_accept, limit_proposal_reject

STATUSES = [choice for choice, _ in LimitProposal.Status.choices]
MAX_ID = 2**63 - 1


class LimitProposalOutput(serializers.Serializer):
    id = serializers.IntegerField()
    agent = serializers.IntegerField(source="agent_id")
    agent_detail = PersonOutput(source="agent")
    remedy_type = serializers.CharField(source="remedy_type.code")
    field = serializers.CharField()
    current = MoneyField()
    proposed = MoneyField()
    evidence = serializers.JSONField(
        help_text="{escalations_decided, approved_unchanged, approved_lowered, denied, "
        "coach_reviews, max_approved, p90_approved, days}"
    )
    what_if = serializers.JSONField(
        help_text="The what-if report (POST /api/v1/trust-limits/what-if/) of the proposed "
        "value for the agent over the 30 days before the proposal."
    )
    status = serializers.ChoiceField(choices=STATUSES)
    created_at = serializers.DateTimeField()
    decided_by = serializers.IntegerField(source="decided_by_id", allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()


class LimitProposalList(generics.ListAPIView):
    """Newest first; `?status=open|accepted|rejected`, `?agent=<user id>`."""

    permission_classes = [IsAuthenticated, IsSupervisorOrAdmin]
    serializer_class = LimitProposalOutput
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        status_ = params.get("status") or None
        if status_ is not None and status_ not in STATUSES:
            raise ValidationError({"status": [f"One of: {', '.join(STATUSES)}."]})
        agent_id = query_id(params, "agent", message="Give a user id.")
        return limit_proposal_list(status=status_, agent_id=agent_id)

    @extend_schema(
        operation_id="limit_proposals_list",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=STATUSES),
            OpenApiParameter("agent", OpenApiTypes.INT, description="A user id"),
        ],
        responses={200: LimitProposalOutput(many=True), 400: E400, 401: E401, 403: E403},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AcceptInput(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=DECISION_NOTE_MAX_LENGTH, default=""
    )


class RejectInput(serializers.Serializer):
    note = serializers.CharField(allow_blank=False, max_length=DECISION_NOTE_MAX_LENGTH)


DECIDE_RESPONSES = {
    200: LimitProposalOutput,
    400: E400,
    401: E401,
    403: E403,
    404: E404,
    409: E409,
}


def _proposal_id(pk: int) -> int:
    if pk > MAX_ID:
        raise NotFound("No such limit proposal.")
    return pk


class LimitProposalAccept(APIView):
    """Admins: set the agent's own per-remedy limit to the proposed value (their row is
    created from the effective one, other caps copied, if they follow their tier), audited
    like any limit change. 409 if already decided, or if the limit is no longer below the
    proposed value."""

    permission_classes = [IsAuthenticated, IsAdminRole]

    @extend_schema(
        operation_id="limit_proposals_accept", request=AcceptInput, responses=DECIDE_RESPONSES
    )
    def post(self, request, pk: int):
        data = AcceptInput(data=request.data)
        data.is_valid(raise_exception=True)
        proposal_id = _proposal_id(pk)
        limit_proposal_accept(
            acting_user=acting_user(request),
            proposal_id=proposal_id,
            note=data.validated_data["note"].strip(),
        )
        return Response(LimitProposalOutput(limit_proposal_get(proposal_id=proposal_id)).data)


class LimitProposalReject(APIView):
    """Admins: close the proposal with a note (required); no limit changes. 409 if decided."""

    permission_classes = [IsAuthenticated, IsAdminRole]

    @extend_schema(
        operation_id="limit_proposals_reject", request=RejectInput, responses=DECIDE_RESPONSES
    )
    def post(self, request, pk: int):
        data = RejectInput(data=request.data)
        data.is_valid(raise_exception=True)
        proposal_id = _proposal_id(pk)
        limit_proposal_reject(
            acting_user=acting_user(request),
            proposal_id=proposal_id,
            note=data.validated_data["note"],
        )
        return Response(LimitProposalOutput(limit_proposal_get(proposal_id=proposal_id)).data)


urlpatterns = [
    path("limit-proposals/", LimitProposalList.as_view(), name="limit-proposal-list"),
    path(
        "limit-proposals/<int:pk>/accept/",
        LimitProposalAccept.as_view(),
        name="limit-proposal-accept",
    ),
    path(
        "limit-proposals/<int:pk>/reject/",
        LimitProposalReject.as_view(),
        name="limit-proposal-reject",
    ),
]
