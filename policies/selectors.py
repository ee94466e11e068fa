"""Reads of policy rules."""

from __future__ import annotations

from django.db.models import QuerySet

from common.errors import NotFound
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


def policy_rule_version_list(*, rule_id: int) -> QuerySet[PolicyRuleVersion]:
    """Every version of a rule, deleted or not (past decisions refer to them)."""
    return (
        PolicyRuleVersion.objects.filter(rule_id=rule_id)
        .select_related("created_by")
        .order_by("version")
    )


def policy_rule_version_get(*, rule_id: int, version: int) -> PolicyRuleVersion:
    return PolicyRuleVersion.objects.get(rule_id=rule_id, version=version)
