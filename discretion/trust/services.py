"""Write services for users, teams, trust tiers and trust limits.

Every public function here is one atomic action with a keyword-only ``acting_user`` and
writes its audit event (with before/after) in the same transaction as the change, so a
rolled-back change never leaves an audit row behind and a committed one always has one.
The API, the Django admin and management commands all go through these functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from audit.models import ObjectType
from audit.services import audit_change, audit_record
from cases.models import RemedyType
from common.errors import Invalid
from common.money import money
from discretion.models import TrustLimit, TrustTier, User

TIER_EDITABLE_FIELDS = ("name", "description", "rank")


LIMIT_FIELDS = (
    "tier",
    "agent",
    "remedy_type",
    "per_remedy_max",
    "per_case_max",
    "daily_max",
    "monthly_max",
    "approval_max",
)


LIMIT_MONEY_FIELDS = ("per_remedy_max", "per_case_max", "daily_max", "monthly_max", "approval_max")


def trust_tier_snapshot(tier: TrustTier) -> dict[str, Any]:
    return {
        "code": tier.code,
        "name": tier.name,
        "description": tier.description,
        "rank": tier.rank,
    }


def trust_limit_snapshot(limit: TrustLimit) -> dict[str, Any]:
    snapshot: dict[str, Any] = {
        "id": limit.pk,
        "tier": limit.tier.code if limit.tier else None,
        "agent": limit.agent_id,
        "remedy_type": limit.remedy_type.code,
    }
    for name in LIMIT_MONEY_FIELDS:
        snapshot[name] = money(getattr(limit, name))
    return snapshot


@transaction.atomic
def trust_tier_create(
    *,
    acting_user: User | None,
    code: str,
    name: str,
    description: str = "",
    rank: int = 0,
    reason: str = "",
) -> TrustTier:
    if TrustTier.objects.filter(code=code).exists():
        raise _duplicate_tier(code)
    try:
        with transaction.atomic():
            tier = TrustTier.objects.create(
                code=code, name=name, description=description, rank=rank
            )
    except IntegrityError as exc:  # a concurrent create of the same code
        raise _duplicate_tier(code) from exc
    audit_record(
        actor=acting_user,
        action="trust_tier_create",
        object_type=ObjectType.TRUST_TIER,
        object_id=tier.code,
        before=None,
        after=trust_tier_snapshot(tier),
        reason=reason,
    )
    return tier


def _duplicate_tier(code: str) -> Invalid:
    message = f"A trust tier with code '{code}' already exists."
    return Invalid(message, code="duplicate_tier", fields={"code": [message]})


@transaction.atomic
def trust_tier_update(
    *, acting_user: User | None, tier: TrustTier, changes: Mapping[str, Any], reason: str = ""
) -> TrustTier:
    unknown = set(changes) - set(TIER_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"trust_tier_update cannot change {sorted(unknown)}")
    tier = TrustTier.objects.select_for_update(no_key=True).get(pk=tier.pk)
    before = trust_tier_snapshot(tier)
    for name, value in changes.items():
        setattr(tier, name, value)
    tier.save()
    after = trust_tier_snapshot(tier)
    audit_change(
        actor=acting_user,
        action="trust_tier_update",
        object_type=ObjectType.TRUST_TIER,
        object_id=tier.code,
        before=before,
        after=after,
        reason=reason,
    )
    return tier


def _check_limit(limit: TrustLimit) -> None:
    """The checks the database also holds, done first so the message is a clear one."""
    if (limit.tier_id is None) == (limit.agent_id is None):
        message = "Set exactly one of tier and agent: a limit is for a tier or for one agent."
        raise Invalid(message, code="limit_invalid", fields={"non_field_errors": [message]})
    duplicates = TrustLimit.objects.filter(remedy_type_id=limit.remedy_type_id).exclude(pk=limit.pk)
    if limit.tier_id is not None:
        if duplicates.filter(tier_id=limit.tier_id).exists():
            raise _duplicate(limit)
    elif duplicates.filter(agent_id=limit.agent_id).exists():
        raise _duplicate(limit)


def _duplicate(limit: TrustLimit) -> Invalid:
    scope = f"tier '{limit.tier.code}'" if limit.tier else f"agent {limit.agent_id}"
    remedy = RemedyType.objects.get(pk=limit.remedy_type_id).code
    message = (
        f"There is already a limit for {scope} and remedy type '{remedy}'; change that one instead."
    )
    return Invalid(message, code="duplicate_limit", fields={"non_field_errors": [message]})


def _save_limit(limit: TrustLimit) -> None:
    # The unique constraints are the real guard (two admins creating the same limit at
    # once both pass _check_limit); a savepoint turns the loser's IntegrityError into a 400.
    try:
        with transaction.atomic():
            limit.save()
    except IntegrityError as exc:
        message = "This limit conflicts with another one (same scope and remedy type)."
        raise Invalid(
            message, code="duplicate_limit", fields={"non_field_errors": [message]}
        ) from exc


@transaction.atomic
def trust_limit_create(
    *,
    acting_user: User | None,
    remedy_type: RemedyType,
    per_remedy_max: Decimal,
    tier: TrustTier | None = None,
    agent: User | None = None,
    per_case_max: Decimal | None = None,
    daily_max: Decimal | None = None,
    monthly_max: Decimal | None = None,
    approval_max: Decimal | None = None,
    reason: str = "",
) -> TrustLimit:
    limit = TrustLimit(
        tier=tier,
        agent=agent,
        remedy_type=remedy_type,
        per_remedy_max=per_remedy_max,
        per_case_max=per_case_max,
        daily_max=daily_max,
        monthly_max=monthly_max,
        approval_max=approval_max,
    )
    _check_limit(limit)
    _save_limit(limit)
    audit_record(
        actor=acting_user,
        action="trust_limit_create",
        object_type=ObjectType.TRUST_LIMIT,
        object_id=limit.pk,
        before=None,
        after=trust_limit_snapshot(limit),
        reason=reason,
    )
    return limit


@transaction.atomic
def trust_limit_update(
    *,
    acting_user: User | None,
    trust_limit: TrustLimit,
    changes: Mapping[str, Any],
    reason: str = "",
) -> TrustLimit:
    """Change a limit. Budgets already spent stay spent; the new caps apply from now on."""
    unknown = set(changes) - set(LIMIT_FIELDS)
    if unknown:
        raise TypeError(f"trust_limit_update cannot change {sorted(unknown)}")
    limit = (
        TrustLimit.objects.select_for_update(of=("self",), no_key=True)
        .select_related("tier", "remedy_type")
        .get(pk=trust_limit.pk)
    )
    before = trust_limit_snapshot(limit)
    for name, value in changes.items():
        setattr(limit, name, value)
    _check_limit(limit)
    _save_limit(limit)
    after = trust_limit_snapshot(limit)
    audit_change(
        actor=acting_user,
        action="trust_limit_update",
        object_type=ObjectType.TRUST_LIMIT,
        object_id=limit.pk,
        before=before,
        after=after,
        reason=reason,
    )
    return limit


@transaction.atomic
def trust_limit_delete(
    *, acting_user: User | None, trust_limit: TrustLimit, reason: str = ""
) -> None:
    limit = (
        TrustLimit.objects.select_for_update(of=("self",), no_key=True)
        .select_related("tier", "remedy_type")
        .get(pk=trust_limit.pk)
    )
    before = trust_limit_snapshot(limit)
    limit_id = limit.pk
    limit.delete()
    audit_record(
        actor=acting_user,
        action="trust_limit_delete",
        object_type=ObjectType.TRUST_LIMIT,
        object_id=limit_id,
        before=before,
        after=None,
        reason=reason,
    )
