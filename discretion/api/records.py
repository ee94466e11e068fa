"""An agent's track record over HTTP: ``GET /api/v1/agents/{id}/record/?days=90``.

The agent themself, supervisors and admins; any other agent 403 (``record_private``),
an unknown id 404, ``days`` outside 1-365 a 400 naming ``days``. The counts are
``discretion.records.selectors.agent_record_get``'s (its docstring defines each one).
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from common.money import currency, money
from discretion.api.common import E400, E401, E403, E404, acting_user
from discretion.api.fields import AwareDateTimeField, MoneyField
from discretion.records.selectors import (
    DEFAULT_DAYS,
    MAX_DAYS,
    AgentRecord,
    agent_record_get,
    record_days_parse,
    record_subject_get,
)


class RemedyRecordOutput(serializers.Serializer):
    remedy_type = serializers.CharField(help_text="The remedy type's code.")
    requests = serializers.IntegerField(help_text="Requests the agent made in the window.")
    applied = serializers.IntegerField(
        help_text="Applied on the agent's own authority (counted against their budgets)."
    )
    escalated = serializers.IntegerField(help_text="Requests that went to a supervisor.")
    approved_unchanged = serializers.IntegerField(
        help_text="Escalated, then approved at the requested amount."
    )
    approved_lowered = serializers.IntegerField(
        help_text="Escalated, then approved at a lower amount."
    )
    denied = serializers.IntegerField(help_text="Escalated, then denied.")
    rejected = serializers.IntegerField(help_text="Rejected by a policy rule.")
    reviewed = serializers.IntegerField(help_text="Done reviews of these requests.")
    review_good = serializers.IntegerField(help_text="Verdict good_call or above_and_beyond.")
    review_coach = serializers.IntegerField(help_text="Verdict coach.")
    applied_total = MoneyField(
        read_only=True, help_text="The amount applied on the agent's own authority."
    )


class AgentRecordOutput(serializers.Serializer):
    agent = serializers.IntegerField(help_text="The agent's user id.")
    days = serializers.IntegerField()
    since = AwareDateTimeField(
        read_only=True,
        help_text="Start of the window: midnight (TIME_ZONE) of the first of the `days` "
        "calendar days, today included.",
    )
    currency = serializers.CharField()
    remedies = RemedyRecordOutput(many=True)
    recognitions = serializers.IntegerField(help_text="Recognitions received in the window.")


def record_payload(record: AgentRecord) -> dict[str, Any]:
    return {
        "agent": record.agent.pk,
        "days": record.days,
        "since": record.window.since,
        "currency": currency(),
        "remedies": [
            {
                "remedy_type": row.remedy_type,
                "requests": row.requests,
                "applied": row.applied,
                "escalated": row.escalated,
                "approved_unchanged": row.approved_unchanged,
                "approved_lowered": row.approved_lowered,
                "denied": row.denied,
                "rejected": row.rejected,
                "reviewed": row.reviewed,
                "review_good": row.review_good,
                "review_coach": row.review_coach,
                "applied_total": money(row.applied_total),
            }
            for row in record.remedies
        ],
        "recognitions": record.recognitions,
    }


class AgentRecordView(APIView):
    """The agent's own requests in the last ``days`` days, per remedy type."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "days",
                OpenApiTypes.INT,
                description=f"The window in calendar days, today included: 1 to {MAX_DAYS} "
                f"(default {DEFAULT_DAYS}).",
            )
        ],
        responses={200: AgentRecordOutput, 400: E400, 401: E401, 403: E403, 404: E404},
        description="An agent's track record: requests, what was applied on their own "
        "authority, escalations and how they were decided, rejections, review verdicts "
        "and recognitions, over their own requests created in the window. One row per "
        "enabled remedy type they asked for in the window (none for the others). The agent "
        "themself, supervisors and admins; another agent gets 403.",
    )
    def get(self, request, pk: int):
        viewer = acting_user(request)
        agent = record_subject_get(viewer=viewer, agent_id=pk)
        days = record_days_parse(request.query_params.get("days"))
        record = agent_record_get(agent=agent, days=days)
        return Response(AgentRecordOutput(record_payload(record)).data)


urlpatterns = [path("agents/<int:pk>/record/", AgentRecordView.as_view(), name="agent-record")]
