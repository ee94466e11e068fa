"""The policy-rule API: list/create, read/update/delete, versions, validate.

Thin views: input serializers check shapes, ``policies.services`` checks expressions and
writes (version row + audit event in one transaction), output serializers shape the
JSON of docs/api.md. A PATCH key that is not an editable field is a 400 naming it, so a
typo never silently does nothing. DELETE retires the rule (204, then 404 on
read); its versions stay readable at ``/policy-rules/{id}/versions/``, so decisions that
recorded (id, version) stay explainable.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import NotFound
from common.permissions import AdminWritesAllRead, IsAdminRole
from policies import selectors, services
from policies.context import CONTEXT_DESCRIPTIONS, CONTEXT_VARIABLES, ContextError, context_merge
from policies.expressions import MAX_EXPRESSION_LENGTH
from policies.models import RULE_NAME_MAX_LENGTH, Effect, PolicyRule, PolicyRuleVersion

DETAIL = inline_serializer(
    "PolicyDetail", fields={"detail": serializers.CharField(), "code": serializers.CharField()}
)
E400 = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Validation failed: `{field: [messages]}`; an expression error says where "
    "(line, column and a caret line).",
)
E401 = OpenApiResponse(DETAIL, description="No credentials (or bad ones).")
E403 = OpenApiResponse(DETAIL, description="Only admins may change policy rules.")
E403_VALIDATE = OpenApiResponse(DETAIL, description="Only admins may validate policy rules.")
E404 = OpenApiResponse(DETAIL, description="No such rule (or it was deleted).")

EXPRESSION_HELP = (
    "A boolean CEL expression over the decision context: "
    + ", ".join(f"`{name}` ({cel_type})" for name, cel_type in CONTEXT_VARIABLES.items())
    + ". Example: `amount > 300.0 && remedy == 'refund'`."
)


class PolicyRuleOutput(serializers.ModelSerializer):
    class Meta:
        model = PolicyRule
        fields = [
            "id",
            "name",
            "description",
            "expression",
            "effect",
            "message",
            "priority",
            "enabled",
            "version",
            "updated_at",
        ]


class PolicyRuleInput(serializers.Serializer):
    name = serializers.CharField(max_length=RULE_NAME_MAX_LENGTH)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    expression = serializers.CharField(
        max_length=MAX_EXPRESSION_LENGTH, trim_whitespace=False, help_text=EXPRESSION_HELP
    )
    effect = serializers.ChoiceField(choices=Effect.choices)
    message = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Shown to the agent when the rule matches; defaults to the rule's name.",
    )
    priority = serializers.IntegerField(
        required=False, default=100, min_value=-(2**31), max_value=2**31 - 1
    )
    enabled = serializers.BooleanField(required=False, default=True)


class PolicyRulePatchInput(PolicyRuleInput):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.default = serializers.empty


def _reject_unchangeable(data: Any) -> None:
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object."]})
    bad = sorted(set(data) - set(services.EDITABLE_FIELDS))
    if bad:
        raise serializers.ValidationError(
            {name: ["This field cannot be changed here."] for name in bad}
        )


class PolicyRuleListApi(generics.GenericAPIView):
    """Policy rules in evaluation order (priority, then id). Everyone reads; admins write."""

    permission_classes = [AdminWritesAllRead]
    serializer_class = PolicyRuleOutput

    def get_queryset(self):
        return selectors.policy_rule_list()

    @extend_schema(
        operation_id="policy_rules_list",
        parameters=[
            OpenApiParameter("enabled", OpenApiTypes.BOOL, description="Only enabled/disabled.")
        ],
        responses={200: PolicyRuleOutput(many=True), 401: E401},
    )
    def get(self, request):
        enabled_param = request.query_params.get("enabled")
        enabled = None
        if enabled_param is not None:
            lowered = enabled_param.lower()
            if lowered not in ("true", "false", "1", "0"):
                raise serializers.ValidationError({"enabled": ["Use true or false."]})
            enabled = lowered in ("true", "1")
        rules = selectors.policy_rule_list(enabled=enabled)
        page = self.paginate_queryset(rules)
        return self.get_paginated_response(PolicyRuleOutput(page, many=True).data)

    @extend_schema(
        operation_id="policy_rules_create",
        request=PolicyRuleInput,
        responses={201: PolicyRuleOutput, 400: E400, 401: E401, 403: E403},
    )
    def post(self, request):
        serializer = PolicyRuleInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = services.policy_rule_create(acting_user=request.user, **serializer.validated_data)
        return Response(PolicyRuleOutput(rule).data, status=status.HTTP_201_CREATED)


class PolicyRuleDetailApi(APIView):
    """One policy rule. PATCH bumps its version; DELETE retires it (its versions stay)."""

    permission_classes = [AdminWritesAllRead]

    @extend_schema(
        operation_id="policy_rules_retrieve",
        responses={200: PolicyRuleOutput, 401: E401, 404: E404},
    )
    def get(self, request, rule_id: int):
        return Response(PolicyRuleOutput(selectors.policy_rule_get(rule_id=rule_id)).data)

    @extend_schema(
        operation_id="policy_rules_partial_update",
        request=PolicyRulePatchInput,
        responses={200: PolicyRuleOutput, 400: E400, 401: E401, 403: E403, 404: E404},
    )
    def patch(self, request, rule_id: int):
        selectors.policy_rule_get(rule_id=rule_id)
        _reject_unchangeable(request.data)
        serializer = PolicyRulePatchInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        rule = services.policy_rule_update(
            acting_user=request.user, rule_id=rule_id, **serializer.validated_data
        )
        return Response(PolicyRuleOutput(rule).data)

    @extend_schema(
        operation_id="policy_rules_destroy",
        responses={204: None, 401: E401, 403: E403, 404: E404},
    )
    def delete(self, request, rule_id: int):
        services.policy_rule_delete(acting_user=request.user, rule_id=rule_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PolicyRuleVersionOutput(serializers.ModelSerializer):
    created_by: serializers.PrimaryKeyRelatedField[AbstractBaseUser] = (
        serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    )

    class Meta:
        model = PolicyRuleVersion
        fields = [
            "version",
            "name",
            "description",
            "expression",
            "effect",
            "message",
            "priority",
            "enabled",
            "created_at",
            "created_by",
        ]


class PolicyRuleVersionListApi(generics.GenericAPIView):
    """Every version of a rule, oldest first: what a past decision evaluated."""

    permission_classes = [AdminWritesAllRead]
    serializer_class = PolicyRuleVersionOutput

    def get_queryset(self):
        # The schema generator calls this without a rule id.
        return selectors.policy_rule_version_list(rule_id=self.kwargs.get("rule_id", 0))

    @extend_schema(
        operation_id="policy_rules_versions_list",
        responses={200: PolicyRuleVersionOutput(many=True), 401: E401, 404: E404},
    )
    def get(self, request, rule_id: int):
        if not selectors.policy_rule_exists(rule_id=rule_id):
            raise NotFound("No such policy rule.")
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(PolicyRuleVersionOutput(page, many=True).data)


class ValidateInput(serializers.Serializer):
    expression = serializers.CharField(
        max_length=MAX_EXPRESSION_LENGTH, trim_whitespace=False, help_text=EXPRESSION_HELP
    )
    # DRF's metaclass moves declared fields out of the class (into _declared_fields), so
    # this does not shadow Serializer.context; the stubs see a class attribute.
    context = serializers.JSONField(  # type: ignore[assignment]
        required=False,
        allow_null=True,
        help_text="Values for some or all variables, nested like the context: "
        '`{"amount": 250, "customer": {"remedies_30d_count": 5}}`. The rest take empty '
        'defaults (0, 0.0, "").',
    )

    def validate_context(self, value):
        try:
            return context_merge(value)
        except ContextError as exc:
            raise serializers.ValidationError(str(exc)) from exc


ValidateOutput = inline_serializer(
    "PolicyRuleValidation",
    fields={
        "valid": serializers.BooleanField(),
        "error": serializers.CharField(allow_null=True),
        "result": serializers.BooleanField(allow_null=True),
        "variables": serializers.ListField(child=serializers.CharField()),
    },
)


class PolicyRuleValidateApi(APIView):
    """Check a draft expression as saving would, and evaluate it on a sample context.

    Saves nothing. `valid` is false when saving would be refused (`error` says where);
    `result` is the expression's value on the given context. If a valid expression fails
    on this particular context, `valid` stays true, `result` is null and `error` explains
    (at decision time such a failure sends the request for approval). Admins only: an
    expression over the cost limit is refused without being evaluated.
    """

    permission_classes = [IsAdminRole]

    @extend_schema(
        operation_id="policy_rules_validate",
        request=ValidateInput,
        responses={200: ValidateOutput, 400: E400, 401: E401, 403: E403_VALIDATE},
    )
    def post(self, request):
        serializer = ValidateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        validation = selectors.expression_validation_get(
            acting_user=request.user,
            expression=serializer.validated_data["expression"],
            context=serializer.validated_data.get("context") or None,
        )
        return Response(
            {
                "valid": validation.valid,
                "error": validation.error,
                "result": validation.result,
                "variables": list(validation.variables),
            }
        )


ContextVariableOutput = inline_serializer(
    "PolicyContextVariable",
    fields={
        "name": serializers.CharField(),
        "type": serializers.CharField(),
        "description": serializers.CharField(),
    },
    many=True,
)


class PolicyContextApi(APIView):
    """The variables a rule may read, with their CEL types (for the rule editor)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="policy_rules_context", responses={200: ContextVariableOutput, 401: E401}
    )
    def get(self, request):
        return Response(
            [
                {"name": name, "type": cel_type, "description": CONTEXT_DESCRIPTIONS[name]}
                for name, cel_type in CONTEXT_VARIABLES.items()
            ]
        )
