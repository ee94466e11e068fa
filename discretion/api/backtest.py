"""POST /api/v1/policy-rules/backtest/: replay recent history with a draft rule (admins).

Mounted before ``policies.api_urls`` so ``backtest/`` never reaches ``{id}/``.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from common.permissions import IsAdminRole
from discretion.decisions.backtest import backtest_run, rule_draft_build
from policies.expressions import MAX_EXPRESSION_LENGTH
from policies.models import RULE_NAME_MAX_LENGTH, Effect

DETAIL = inline_serializer(
    "BacktestDetail", fields={"detail": serializers.CharField(), "code": serializers.CharField()}
)


class BacktestInput(serializers.Serializer):
    rule_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="Backtest an edit of this rule: the fields given replace its current ones.",
    )
    expression = serializers.CharField(
        required=False, max_length=MAX_EXPRESSION_LENGTH, trim_whitespace=False
    )
    effect = serializers.ChoiceField(choices=Effect.choices, required=False)
    name = serializers.CharField(required=False, max_length=RULE_NAME_MAX_LENGTH)
    message = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.IntegerField(required=False, min_value=-(2**31), max_value=2**31 - 1)
    enabled = serializers.BooleanField(
        required=False, help_text="An edit with enabled=false backtests switching it off."
    )
    days = serializers.IntegerField(required=False, default=30, min_value=1, max_value=365)

    def validate(self, attrs):
        if attrs.get("rule_id") is None:
            missing = {
                field: ["Required for a draft rule (or give rule_id to backtest an edit)."]
                for field in ("expression", "effect")
                if field not in attrs
            }
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


_COUNTS = inline_serializer(
    "BacktestOutcomeCounts",
    fields={k: serializers.IntegerField() for k in ("apply", "escalate", "reject")},
)
BacktestOutput = inline_serializer(
    "BacktestReport",
    fields={
        "days": serializers.IntegerField(),
        "since": serializers.DateTimeField(),
        "until": serializers.DateTimeField(),
        "currency": serializers.CharField(),
        "draft": serializers.DictField(),
        "replayed": serializers.IntegerField(help_text="Resolutions re-decided."),
        "skipped": serializers.IntegerField(help_text="Resolutions without recorded inputs."),
        "incomplete_context": serializers.IntegerField(
            help_text="Replays where a variable the draft reads was not recorded (empty default)."
        ),
        "draft_matched": serializers.IntegerField(),
        "draft_errors": serializers.IntegerField(),
        "changed": serializers.IntegerField(help_text="Outcomes the draft would change."),
        "amount_changed": serializers.CharField(),
        "changes": serializers.ListField(
            child=inline_serializer(
                "BacktestChange",
                fields={
                    "from": serializers.CharField(),
                    "to": serializers.CharField(),
                    "count": serializers.IntegerField(),
                    "amount": serializers.CharField(),
                },
            )
        ),
        "outcomes_before": _COUNTS,
        "outcomes_after": _COUNTS,
        "recorded_differs_from_baseline": serializers.IntegerField(
            help_text="Replays whose baseline differs from the outcome recorded at the time "
            "(the other rules changed since)."
        ),
        "agents": serializers.ListField(
            child=inline_serializer(
                "BacktestAgent",
                fields={
                    "id": serializers.IntegerField(),
                    "name": serializers.CharField(),
                    "count": serializers.IntegerField(),
                    "amount": serializers.CharField(),
                },
            )
        ),
        "examples": serializers.ListField(
            child=inline_serializer(
                "BacktestExample",
                fields={
                    "resolution": serializers.IntegerField(),
                    "case": serializers.IntegerField(),
                    "agent": serializers.IntegerField(),
                    "amount": serializers.CharField(),
                    "remedy_type": serializers.CharField(),
                    "before": serializers.CharField(),
                    "after": serializers.CharField(),
                    "summary": serializers.CharField(),
                },
            )
        ),
        "elapsed_ms": serializers.FloatField(),
    },
)


class PolicyRuleBacktestApi(APIView):
    """Replay the resolutions of the last `days` days (default 30) with and without a draft
    rule, or with an edit of an existing rule, and report what would change.

    Both sides use today's enabled rules and each resolution's recorded limit checks and
    context, so the difference is the draft's alone. Saves nothing.
    """

    permission_classes = [IsAdminRole]

    @extend_schema(
        operation_id="policy_rules_backtest",
        request=BacktestInput,
        responses={
            200: BacktestOutput,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="`{field: [messages]}`"),
            401: OpenApiResponse(DETAIL, description="No credentials."),
            403: OpenApiResponse(DETAIL, description="Only admins may backtest rules."),
        },
    )
    def post(self, request):
        serializer = BacktestInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        days = data.pop("days")
        draft = rule_draft_build(**data)
        return Response(backtest_run(draft=draft, days=days))


urlpatterns = [
    path(
        "policy-rules/backtest/",
        PolicyRuleBacktestApi.as_view(),
        name="policy-rule-backtest",
    ),
]
