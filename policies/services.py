"""Every write to policy rules: create, update, delete. Each is atomic, bumps the rule's
version, stores an immutable PolicyRuleVersion and writes its audit event in the same
transaction. Expressions are checked here (not only in the API), so nothing can store a
rule that does not parse, reads an unknown variable or is not boolean.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from common.errors import Invalid, NotFound
from policies.expressions import ExpressionError, check_expression
from policies.models import Effect, PolicyRule, PolicyRuleVersion

EDITABLE_FIELDS = ("name", "description", "expression", "effect", "message", "priority", "enabled")


def policy_rule_snapshot(rule: PolicyRule) -> dict[str, Any]:
    """The rule as the audit trail and the API show it."""
    return {
        "id": rule.pk,
        "name": rule.name,
        "description": rule.description,
        "expression": rule.expression,
        "effect": rule.effect,
        "message": rule.message,
        "priority": rule.priority,
        "enabled": rule.enabled,
        "version": rule.version,
        "deleted": rule.deleted_at is not None,
    }


def _validate(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if "expression" in values:
        try:
            check_expression(values["expression"])
        except ExpressionError as exc:
            errors["expression"] = [exc.message]
    if "effect" in values and values["effect"] not in Effect.values:
        errors["effect"] = [f"Must be one of: {', '.join(Effect.values)}."]
    if "name" in values and not str(values["name"]).strip():
        errors["name"] = ["A rule needs a name."]
    if errors:
        raise Invalid(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()),
            code="rule_invalid",
            fields=errors,
        )


def _live_rule_lock(rule_id: int) -> PolicyRule:
    # Row lock: two concurrent edits make two versions, not one lost update.
    live = PolicyRule.objects.select_for_update(no_key=True).filter(
        pk=rule_id, deleted_at__isnull=True
    )
    rule = live.first()
    if rule is None:
        raise NotFound("No such policy rule.")
    return rule


def _record_version(*, rule: PolicyRule, acting_user: Any) -> None:
    PolicyRuleVersion.objects.create(
        rule=rule,
        version=rule.version,
        name=rule.name,
        description=rule.description,
        expression=rule.expression,
        effect=rule.effect,
        message=rule.message,
        priority=rule.priority,
        enabled=rule.enabled,
        created_at=rule.updated_at,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )


@transaction.atomic
def policy_rule_create(
    *,
    acting_user: Any,
    name: str,
    expression: str,
    effect: str,
    message: str = "",
    description: str = "",
    priority: int = 100,
    enabled: bool = True,
) -> PolicyRule:
    """Create a rule at version 1. An empty message defaults to the rule's name. Raises
    Invalid ``rule_invalid`` naming the refused fields."""
    _validate({"name": name, "expression": expression, "effect": effect})
    now = timezone.now()
    rule = PolicyRule.objects.create(
        name=name.strip(),
        description=description,
        expression=expression,
        effect=effect,
        message=message.strip() or name.strip(),
        priority=priority,
        enabled=enabled,
        version=1,
        created_at=now,
        updated_at=now,
    )
    _record_version(rule=rule, acting_user=acting_user)
    audit_record(
        actor=acting_user,
        action="policy_rule.create",
        object_type="policy_rule",
        object_id=rule.pk,
        before=None,
        after=policy_rule_snapshot(rule),
    )
    return rule


@transaction.atomic
def policy_rule_update(*, acting_user: Any, rule_id: int, **changes: Any) -> PolicyRule:
    """Change some fields of a live rule. A real change bumps the version (one new
    PolicyRuleVersion, one audit event); a change to nothing is a no-op.

    Locks the rule row so two concurrent edits make two versions, not one lost update.
    Raises NotFound for an unknown or deleted rule, Invalid ``rule_invalid`` naming the
    refused fields.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"policy_rule_update() got unknown fields: {sorted(unknown)}")
    rule = _live_rule_lock(rule_id)
    if "message" in changes and not str(changes["message"]).strip():
        changes["message"] = changes.get("name") or rule.name
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
    changed = {k: v for k, v in changes.items() if getattr(rule, k) != v}
    if not changed:
        return rule
    _validate(changed)
    before = policy_rule_snapshot(rule)
    for field, value in changed.items():
        setattr(rule, field, value)
    rule.version += 1
    rule.updated_at = timezone.now()
    rule.save(update_fields=[*changed, "version", "updated_at"])
    _record_version(rule=rule, acting_user=acting_user)
    audit_record(
        actor=acting_user,
        action="policy_rule.update",
        object_type="policy_rule",
        object_id=rule.pk,
        before=before,
        after=policy_rule_snapshot(rule),
    )
    return rule


@transaction.atomic
def policy_rule_delete(*, acting_user: Any, rule_id: int) -> PolicyRule:
    """Retire a rule. The row stays (disabled, marked deleted, one more version) because
    past decisions record (rule id, version) and must remain explainable; the API no
    longer shows it and no decision evaluates it. Raises NotFound for an unknown or
    deleted rule.
    """
    rule = _live_rule_lock(rule_id)
    before = policy_rule_snapshot(rule)
    now = timezone.now()
    rule.enabled = False
    rule.deleted_at = now
    rule.version += 1
    rule.updated_at = now
    rule.save(update_fields=["enabled", "deleted_at", "version", "updated_at"])
    _record_version(rule=rule, acting_user=acting_user)
    audit_record(
        actor=acting_user,
        action="policy_rule.delete",
        object_type="policy_rule",
        object_id=rule.pk,
        before=before,
        after=policy_rule_snapshot(rule),
    )
    return rule
