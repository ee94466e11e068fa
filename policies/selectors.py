"""Reads of policy rules, and the check of a draft expression (saves nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cel
from django.db.models import QuerySet

from common.errors import Forbidden, NotFound
from common.roles import is_admin
from policies.context import empty_context
from policies.expressions import (
    MAX_EXPRESSION_LENGTH,
    ExpressionError,
    cel_type_name,
    check_expression,
    run,
)
from policies.models import PolicyRule, PolicyRuleVersion


def policy_rule_list(*, enabled: bool | None = None) -> QuerySet[PolicyRule]:
    """Live (not deleted) rules in evaluation order: priority, then id."""
    rules = PolicyRule.objects.filter(deleted_at__isnull=True).order_by("priority", "id")
    if enabled is not None:
        rules = rules.filter(enabled=enabled)
    return rules


def policy_rule_get(*, rule_id: int) -> PolicyRule:
    """A live rule; raises NotFound for unknown or deleted ones."""
    rule = PolicyRule.objects.filter(pk=rule_id, deleted_at__isnull=True).first()
    if rule is None:
        raise NotFound("No such policy rule.")
    return rule


def policy_rule_exists(*, rule_id: int) -> bool:
    """Whether the rule was ever created, deleted or not (its versions stay readable)."""
    return PolicyRule.objects.filter(pk=rule_id).exists()


def policy_rule_version_list(*, rule_id: int) -> QuerySet[PolicyRuleVersion]:
    """Every version of a rule, deleted or not (past decisions refer to them)."""
    return (
        PolicyRuleVersion.objects.filter(rule_id=rule_id)
        .select_related("created_by")
        .order_by("version")
    )


def policy_rule_version_get(*, rule_id: int, version: int) -> PolicyRuleVersion:
    return PolicyRuleVersion.objects.get(rule_id=rule_id, version=version)


@dataclass(frozen=True)
class ExpressionValidation:
    """What saving would say of a draft expression, and its value on one context.

    ``valid`` is False when saving would refuse it (``error`` says why, ``line`` and
    ``column`` where when known). A valid expression that fails on this particular
    context stays valid, with ``result`` None and ``error`` explaining.
    """

    valid: bool
    error: str | None = None
    line: int | None = None
    column: int | None = None
    result: bool | None = None
    variables: tuple[str, ...] = ()


def expression_validation_get(
    *, acting_user: Any, expression: str, context: dict[str, Any] | None = None
) -> ExpressionValidation:
    """Check ``expression`` as saving would, then evaluate it on ``context``.

    ``context`` is a full decision context (``policies.context.context_merge``); None
    means the empty one. The rule editor's live check and the API's validate endpoint
    both ask here. Only admins may: checking compiles and runs CEL on the caller's
    input (bounded, see ``policies.cost``), and only admins write rules. Raises
    Forbidden ``admin_only`` for anyone else.
    """
    if not is_admin(acting_user):
        raise Forbidden("Only admins may validate policy rules.", code="admin_only")
    if len(expression) > MAX_EXPRESSION_LENGTH:
        return ExpressionValidation(
            valid=False,
            error=f"The expression is longer than {MAX_EXPRESSION_LENGTH} characters.",
        )
    try:
        compiled = check_expression(expression)
    except ExpressionError as exc:
        return ExpressionValidation(
            valid=False, error=exc.message, line=exc.line, column=exc.column
        )
    variables = tuple(sorted(compiled.variables))
    values = empty_context() if context is None else context
    try:
        value = run(compiled.program, cel.Context(variables=values))
    except Exception as exc:  # any CEL failure on this context is reported, not raised
        return ExpressionValidation(
            valid=True,
            error=f"On this context the rule fails to evaluate: {exc}",
            variables=variables,
        )
    if not isinstance(value, bool):
        return ExpressionValidation(
            valid=False,
            error=f"The expression is not boolean: it gives a {cel_type_name(value)} "
            "on this context.",
            variables=variables,
        )
    return ExpressionValidation(valid=True, result=value, variables=variables)
