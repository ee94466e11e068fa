"""Review sampling over HTTP: the review policy, the reviews queue, a verdict.

Choices the contract leaves to us (docs/api.md, "Verify after, not before"):
- ``sample_percent`` is a JSON number (a numeric string is read too), 0 to 100 with at
  most two decimals; ``always_above`` a money string or null (above zero when set).
- ``resolution``, ``agent`` and ``reviewer`` are ids; ``reason``, ``remedy_type``,
  ``amount``, ``currency``, ``case`` and the ``*_name`` fields are extras.
- Reviews are listed newest first; ``status=done`` lists the most recently done first.
- The complete answer is the review as it now reads (200).
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
from common.permissions import AdminWritesSupervisorReads, IsSupervisorOrAdmin
from common.query import id_parse
from discretion.api.common import E400, E401, E403, E404, E409, _name, acting_user
from discretion.api.fields import MoneyField, currency, money
from discretion.models import Review, ReviewPolicy
from discretion.reviews.models import REVIEW_NOTE_MAX_LENGTH
from discretion.reviews.selectors import review_get, review_list, review_policy_current
from discretion.reviews.services import VERDICTS, review_complete, review_policy_update

STATUSES = [choice for choice, _ in Review.Status.choices]


class ReviewPolicyBody(serializers.Serializer):
    sample_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, coerce_to_string=False
    )
    always_above = MoneyField(required=False, allow_null=True, default=None)


class ReviewPolicyOutput(ReviewPolicyBody):
    updated_at = serializers.DateTimeField(allow_null=True)


def _policy_body(policy: ReviewPolicy) -> dict:
    return ReviewPolicyOutput(
        {
            "sample_percent": policy.sample_percent,
            "always_above": policy.always_above,
            "updated_at": policy.updated_at,
        }
    ).data


class ReviewPolicyView(APIView):
    """How much of the autonomous spend is reviewed after the fact. Admins write,
    supervisors read, agents 403. Every change is audited (``review_policy``)."""

    permission_classes = [IsAuthenticated, AdminWritesSupervisorReads]

    @extend_schema(responses={200: ReviewPolicyOutput, 401: E401, 403: E403})
    def get(self, request):
        return Response(_policy_body(review_policy_current()))

    @extend_schema(
        request=ReviewPolicyBody,
        responses={200: ReviewPolicyOutput, 400: E400, 401: E401, 403: E403},
    )
    def put(self, request):
        data = ReviewPolicyBody(data=request.data)
        data.is_valid(raise_exception=True)
        policy = review_policy_update(
            acting_user=acting_user(request),
            sample_percent=data.validated_data["sample_percent"],
            always_above=data.validated_data.get("always_above"),
        )
        return Response(_policy_body(policy))


class ReviewOutput(serializers.Serializer):
    id = serializers.IntegerField()
    resolution = serializers.IntegerField(source="resolution_id")
    agent = serializers.IntegerField(source="agent_id")
    agent_name = serializers.SerializerMethodField()
    status = serializers.CharField()
    verdict = serializers.CharField()
    note = serializers.CharField()
    reviewer = serializers.IntegerField(source="reviewer_id", allow_null=True)
    reviewer_name = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    done_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField()
    case = serializers.IntegerField(source="resolution.case_id")
    remedy_type = serializers.CharField(source="resolution.remedy_type.code")
    amount = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()

    def get_agent_name(self, review: Review) -> str | None:
        return _name(review.agent)

    def get_reviewer_name(self, review: Review) -> str | None:
        return _name(review.reviewer)

    def get_amount(self, review: Review) -> str:
        return money(review.resolution.amount)

    def get_currency(self, review: Review) -> str:
        return currency()


class ReviewList(generics.ListAPIView):
    """Supervisors and admins: the sampled resolutions, pending or done, with notes."""

    permission_classes = [IsAuthenticated, IsSupervisorOrAdmin]
    serializer_class = ReviewOutput
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        status_ = params.get("status") or None
        if status_ is not None and status_ not in STATUSES:
            raise ValidationError({"status": [f"One of: {', '.join(STATUSES)}."]})
        raw = params.get("agent")
        agent = id_parse(raw, name="agent", message="A user id.") if raw else None
        return review_list(status=status_, agent_id=agent)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=STATUSES),
            OpenApiParameter("agent", OpenApiTypes.INT, description="the agent's user id"),
        ],
        responses={200: ReviewOutput(many=True), 400: E400, 401: E401, 403: E403},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CompleteInput(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=VERDICTS)
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=REVIEW_NOTE_MAX_LENGTH, default=""
    )


class ReviewComplete(APIView):
    """Give the verdict. ``note`` is required for ``coach`` and ``policy_gap`` (400 naming
    it); one's own resolution is 403; a done review is 409 (of two at once, one wins).
    ``above_and_beyond`` also records a recognition from the reviewer. Money already
    granted never changes."""

    permission_classes = [IsAuthenticated, IsSupervisorOrAdmin]

    @extend_schema(
        request=CompleteInput,
        responses={200: ReviewOutput, 400: E400, 401: E401, 403: E403, 404: E404, 409: E409},
    )
    def post(self, request, pk: int):
        data = CompleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        review_complete(
            acting_user=acting_user(request),
            review_id=pk,
            verdict=data.validated_data["verdict"],
            note=data.validated_data.get("note", ""),
        )
        review = review_get(review_id=pk)
        if review is None:
            raise NotFound("No such review.")
        return Response(ReviewOutput(review).data)


urlpatterns = [
    path("review-policy/", ReviewPolicyView.as_view(), name="review-policy"),
    path("reviews/", ReviewList.as_view(), name="review-list"),
    path("reviews/<int:pk>/complete/", ReviewComplete.as_view(), name="review-complete"),
]
