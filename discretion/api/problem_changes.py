"""Changes proposed from a problem, over HTTP (the problem page's forms, as JSON).

``GET/POST /api/v1/problems/{id}/proposals/`` (all read; supervisors and admins propose)
``{kind: rule|limit, ...}``: a rule is ``{name, expression, effect, message?, enabled?}``
and is backtested over 30 days; a limit is ``{tier, remedy_type, per_remedy_max}`` and
gets the what-if. ``POST /api/v1/problem-proposals/{id}/accept/`` and ``…/decline/``
``{note?}`` (admins) decide it; deciding a decided one is 409.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from common.permissions import IsAdminRole
from common.roles import is_supervising
from discretion.api.common import E400, E401, E403, E404, E409, RemedyCodeField, TierCodeField
from discretion.api.common import acting_user as user_of
from discretion.api.fields import MoneyField, StrictCharField
from discretion.problems.changes import (
    change_proposal_accept,
    change_proposal_decline,
    limit_change_propose,
    rule_change_propose,
)
from discretion.problems.models import ChangeProposal
from discretion.problems.selectors import change_proposal_get, problem_get, problem_proposal_list
from policies.models import Effect


class SupervisorsPropose(BasePermission):
    message = "Only supervisors and admins may propose a change."

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or is_supervising(request.user)


class ChangeProposalOutput(serializers.ModelSerializer):
    class Meta:
        model = ChangeProposal
        fields = [
            "id",
            "problem",
            "kind",
            "change",
            "result",
            "note",
            "status",
            "created_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class ChangeProposalInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ChangeProposal.Kind.choices)
    note = StrictCharField(required=False, allow_blank=True, max_length=2000)
    # kind rule
    name = StrictCharField(required=False, max_length=200)
    expression = StrictCharField(required=False, max_length=2000)
    effect = serializers.ChoiceField(choices=Effect.choices, required=False)
    message = StrictCharField(required=False, allow_blank=True, max_length=500)
    enabled = serializers.BooleanField(required=False, default=False)
    # kind limit
    tier = TierCodeField(required=False)
    remedy_type = RemedyCodeField(required=False)
    per_remedy_max = MoneyField(required=False)

    NEEDS = {
        "rule": ("name", "expression", "effect"),
        "limit": ("tier", "remedy_type", "per_remedy_max"),
    }

    def validate(self, attrs):
        missing = [name for name in self.NEEDS[attrs["kind"]] if name not in attrs]
        if missing:
            raise serializers.ValidationError(
                {name: [f"Required for a {attrs['kind']} proposal."] for name in missing}
            )
        return attrs


class DecisionInput(serializers.Serializer):
    note = StrictCharField(required=False, allow_blank=True, max_length=2000)


class ProblemProposals(generics.ListAPIView):
    """The changes proposed from a problem, newest first."""

    permission_classes = [IsAuthenticated, SupervisorsPropose]
    serializer_class = ChangeProposalOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator's request
            return problem_proposal_list(problem_id=0)  # no problem has id 0
        return problem_proposal_list(problem_id=problem_get(problem_id=self.kwargs["pk"]).pk)

    @extend_schema(responses={200: ChangeProposalOutput(many=True), 401: E401, 404: E404})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ChangeProposalInput,
        responses={201: ChangeProposalOutput, 400: E400, 401: E401, 403: E403, 404: E404},
    )
    def post(self, request, pk: int):
        problem = problem_get(problem_id=pk)
        data = ChangeProposalInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = user_of(request)
        if values["kind"] == ChangeProposal.Kind.RULE:
            proposal = rule_change_propose(
                acting_user=user,
                problem=problem,
                name=values["name"],
                expression=values["expression"],
                effect=values["effect"],
                message=values.get("message", ""),
                enabled=values["enabled"],
                note=values.get("note", ""),
            )
        else:
            proposal = limit_change_propose(
                acting_user=user,
                problem=problem,
                tier=values["tier"],
                remedy_type=values["remedy_type"],
                per_remedy_max=values["per_remedy_max"],
                note=values.get("note", ""),
            )
        return Response(ChangeProposalOutput(proposal).data, status=status.HTTP_201_CREATED)


class ProposalDecide(APIView):
    permission_classes = [IsAuthenticated, IsAdminRole]
    decision = "accept"

    @extend_schema(
        request=DecisionInput,
        responses={
            200: ChangeProposalOutput,
            400: E400,
            401: E401,
            403: E403,
            404: E404,
            409: E409,
        },
    )
    def post(self, request, pk: int):
        proposal = change_proposal_get(proposal_id=pk)
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        decide = change_proposal_accept if self.decision == "accept" else change_proposal_decline
        decided = decide(
            acting_user=user_of(request),
            proposal_id=proposal.pk,
            note=data.validated_data.get("note", ""),
        )
        return Response(ChangeProposalOutput(decided).data)


urlpatterns = [
    path("problems/<int:pk>/proposals/", ProblemProposals.as_view(), name="problem-proposals"),
    path(
        "problem-proposals/<int:pk>/accept/",
        ProposalDecide.as_view(decision="accept"),
        name="problem-proposal-accept",
    ),
    path(
        "problem-proposals/<int:pk>/decline/",
        ProposalDecide.as_view(decision="decline"),
        name="problem-proposal-decline",
    ),
]
