"""POST /api/v1/trust-limits/what-if/: what a limit change would have done (supervisors,
admins). Replays history (``discretion.whatif.replay``); saves nothing."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from common.permissions import IsSupervisorOrAdmin
from discretion.api.common import E400, E401, E403, RemedyCodeField, TierCodeField, UserIdField
from discretion.api.fields import MoneyField
from discretion.whatif.replay import MAX_CHANGED, WINDOW_CAPS, what_if_run


class WhatIfInput(serializers.Serializer):
    remedy_type = RemedyCodeField()
    tier = TierCodeField(required=False, allow_null=True, help_text="A tier code, or give agent.")
    agent = UserIdField(required=False, allow_null=True, help_text="A user id, or give tier.")
    per_remedy_max = MoneyField()
    per_case_max = MoneyField(
        required=False, allow_null=True, help_text="Omitted: as recorded; null: no cap."
    )
    daily_max = MoneyField(
        required=False, allow_null=True, help_text="Omitted: as recorded; null: no cap."
    )
    monthly_max = MoneyField(
        required=False, allow_null=True, help_text="Omitted: as recorded; null: no cap."
    )
    days = serializers.IntegerField(required=False, default=30, min_value=1, max_value=365)

    def validate(self, attrs):
        if (attrs.get("tier") is None) == (attrs.get("agent") is None):
            message = "Give exactly one of tier and agent."
            raise serializers.ValidationError({"tier": [message], "agent": [message]})
        return attrs


WhatIfChange = inline_serializer(
    "WhatIfChange",
    fields={
        "resolution": serializers.IntegerField(),
        "case": serializers.IntegerField(),
        "agent": serializers.IntegerField(),
        "amount": serializers.CharField(),
        "created_at": serializers.DateTimeField(),
        "was": serializers.CharField(help_text="apply, escalate or reject, as decided then"),
        "would_be": serializers.CharField(help_text="apply, escalate or reject, replayed"),
        "summary": serializers.CharField(),
    },
)

WhatIfOutput = inline_serializer(
    "WhatIfReport",
    fields={
        "days": serializers.IntegerField(),
        "since": serializers.DateTimeField(),
        "until": serializers.DateTimeField(),
        "currency": serializers.CharField(),
        "remedy_type": serializers.CharField(),
        "tier": serializers.CharField(allow_null=True),
        "agent": serializers.IntegerField(allow_null=True),
        "agents": serializers.IntegerField(help_text="Agents whose requests were replayed."),
        "excluded_agents": serializers.IntegerField(
            help_text="The tier's agents left out: their own row governs them, not the tier's."
        ),
        "requests": serializers.IntegerField(help_text="Requests replayed."),
        "would_apply": serializers.IntegerField(),
        "would_escalate": serializers.IntegerField(),
        "would_reject": serializers.IntegerField(),
        "applied_now": serializers.IntegerField(help_text="As decided at the time."),
        "escalated_now": serializers.IntegerField(),
        "rejected_now": serializers.IntegerField(),
        "spend_change": serializers.CharField(
            help_text="Change in what agents applied on their own authority, e.g. "
            '"340.00" or "-12.00".'
        ),
        "skipped": serializers.IntegerField(help_text="Requests without recorded checks."),
        "changed_total": serializers.IntegerField(help_text="Every request whose outcome changes."),
        "changed_limit": serializers.IntegerField(
            help_text=f"`changed` lists at most {MAX_CHANGED}."
        ),
        "changed": serializers.ListField(child=WhatIfChange),
    },
)


class TrustLimitWhatIfApi(APIView):
    """Replay the resolutions of that tier's agents (or that agent) of that remedy type
    from the last `days` days (default 30, 1 to 365) through the decision engine under the
    given limit, every other input as recorded (docs/api.md, "What-if"). Saves nothing.

    For a tier, agents with their own row for the remedy type are left out (counted in
    `excluded_agents`): the tier's row does not govern them.
    """

    permission_classes = [IsAuthenticated, IsSupervisorOrAdmin]

    @extend_schema(
        operation_id="trust_limits_what_if",
        request=WhatIfInput,
        responses={200: WhatIfOutput, 400: E400, 401: E401, 403: E403},
    )
    def post(self, request):
        data = WhatIfInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        report = what_if_run(
            remedy_type=values["remedy_type"],
            tier=values.get("tier"),
            agent=values.get("agent"),
            per_remedy_max=values["per_remedy_max"],
            caps={name: values[name] for name in WINDOW_CAPS if name in values},
            days=values["days"],
        )
        return Response(report)


urlpatterns = [
    path("trust-limits/what-if/", TrustLimitWhatIfApi.as_view(), name="trust-limit-what-if"),
]
