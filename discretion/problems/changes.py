"""Changes proposed from a problem: a policy rule, or a new per-remedy limit for a tier.

Proposing runs the same replay an admin would run by hand (the rule form's backtest,
``discretion.decisions.backtest``; the limit matrix's what-if, ``discretion.whatif``)
and keeps its report with the proposal. Accepting writes through the owning service
(``policies.services.policy_rule_create``, ``discretion.trust.services``), which
validates and audits the change itself; the proposal's row lock makes accepting once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.models import ObjectType
from audit.services import audit_record
from cases.models import RemedyType
from common.errors import Conflict, Forbidden, Invalid, NotFound
from common.money import money
from common.roles import is_admin, is_supervising
from discretion.decisions.backtest import backtest_run, rule_draft_build
from discretion.models import TrustTier, User
from discretion.problems.models import ChangeProposal, Problem
from discretion.trust.selectors import tier_limit_get
from discretion.trust.services import trust_limit_create, trust_limit_update
from discretion.whatif.replay import what_if_run
from policies.models import Effect
from policies.services import policy_rule_create

REPLAY_DAYS = 30


def _require(user: User, *, admin: bool) -> None:
    if admin and not is_admin(user):
        raise Forbidden("Only admins may accept or decline a proposed change.", code="admins_only")
    if not admin and not is_supervising(user):
        raise Forbidden(
            "Only supervisors and admins may propose a change.", code="supervisors_only"
        )


def _open(
    *, acting_user: User, problem: Problem, kind: str, change: dict, result: dict, note: str
) -> ChangeProposal:
    proposal = ChangeProposal.objects.create(
        problem=problem,
        kind=kind,
        change=change,
        result=result,
        note=note.strip(),
        created_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action="problem_change_propose",
        object_type=ObjectType.PROBLEM,
        object_id=problem.pk,
        after={"proposal": proposal.pk, "kind": kind, "change": change},
    )
    return proposal


@transaction.atomic
def rule_change_propose(
    *,
    acting_user: User,
    problem: Problem,
    name: str,
    expression: str,
    effect: str,
    message: str = "",
    enabled: bool = False,
    note: str = "",
) -> ChangeProposal:
    """Propose a policy rule, with its backtest over the last 30 days. Raises Invalid
    naming ``expression`` (or ``effect``, ``name``) for a rule saving would refuse."""
    _require(acting_user, admin=False)
    if effect not in Effect.values:
        message_ = "Give deny or require_approval."
        raise Invalid(message_, code="effect_invalid", fields={"effect": [message_]})
    if not name.strip():
        message_ = "Name the rule."
        raise Invalid(message_, code="name_required", fields={"name": [message_]})
    draft = rule_draft_build(
        expression=expression, effect=effect, name=name.strip(), message=message, enabled=True
    )
    report = backtest_run(draft=draft, days=REPLAY_DAYS)
    change = {
        "name": draft.name,
        "expression": draft.expression,
        "effect": draft.effect,
        "message": draft.message,
        "enabled": enabled,
    }
    return _open(
        acting_user=acting_user,
        problem=problem,
        kind=ChangeProposal.Kind.RULE,
        change=change,
        result=report,
        note=note,
    )


@transaction.atomic
def limit_change_propose(
    *,
    acting_user: User,
    problem: Problem,
    tier: TrustTier,
    remedy_type: RemedyType,
    per_remedy_max: Decimal,
    note: str = "",
) -> ChangeProposal:
    """Propose a tier's new per-remedy limit, with the what-if over the last 30 days."""
    _require(acting_user, admin=False)
    report = what_if_run(
        remedy_type=remedy_type, tier=tier, per_remedy_max=per_remedy_max, days=REPLAY_DAYS
    )
    current = tier_limit_get(tier=tier, remedy_type=remedy_type)
    change = {
        "tier": tier.code,
        "remedy_type": remedy_type.code,
        "per_remedy_max": money(per_remedy_max),
        "current": money(current.per_remedy_max) if current is not None else None,
    }
    return _open(
        acting_user=acting_user,
        problem=problem,
        kind=ChangeProposal.Kind.LIMIT,
        change=change,
        result=report,
        note=note,
    )


def _lock_open(proposal_id: int) -> ChangeProposal:
    # One decision per proposal: a second decider waits on the lock, then sees it decided.
    proposal = ChangeProposal.objects.select_for_update(no_key=True).filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound(f"There is no proposal {proposal_id}.")
    if proposal.status != ChangeProposal.Status.OPEN:
        raise Conflict(f"This proposal was already {proposal.status}.", code="already_decided")
    return proposal


def _decide(proposal: ChangeProposal, *, acting_user: User, status: str, note: str) -> None:
    proposal.status = status
    proposal.decided_by = acting_user
    proposal.decided_at = timezone.now()
    proposal.decision_note = note.strip()
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=acting_user,
        action=f"problem_change_{status}",
        object_type=ObjectType.PROBLEM,
        object_id=proposal.problem_id,
        before={"proposal": proposal.pk, "status": ChangeProposal.Status.OPEN},
        after={"proposal": proposal.pk, "status": status, "change": proposal.change},
        reason=note,
    )


def _apply(proposal: ChangeProposal, *, acting_user: User, reason: str) -> Any:
    change = proposal.change
    if proposal.kind == ChangeProposal.Kind.RULE:
        return policy_rule_create(
            acting_user=acting_user,
            name=change["name"],
            expression=change["expression"],
            effect=change["effect"],
            message=change.get("message", ""),
            description=f"Proposed from problem #{proposal.problem_id}.",
            enabled=bool(change.get("enabled")),
        )
    tier = TrustTier.objects.get(code=change["tier"])
    remedy = RemedyType.objects.get(code=change["remedy_type"])
    cap = Decimal(change["per_remedy_max"])
    limit = tier_limit_get(tier=tier, remedy_type=remedy)
    if limit is not None:
        return trust_limit_update(
            acting_user=acting_user,
            trust_limit=limit,
            changes={"per_remedy_max": cap},
            reason=reason,
        )
    return trust_limit_create(
        acting_user=acting_user, tier=tier, remedy_type=remedy, per_remedy_max=cap, reason=reason
    )


@transaction.atomic
def change_proposal_accept(
    *, acting_user: User, proposal_id: int, note: str = ""
) -> ChangeProposal:
    """Make the proposed change (admins) and mark the proposal accepted, in one
    transaction. Raises Forbidden, NotFound, Conflict ``already_decided``."""
    _require(acting_user, admin=True)
    proposal = _lock_open(proposal_id)
    reason = f"Proposed from problem #{proposal.problem_id}" + (f": {note}" if note else "")
    _apply(proposal, acting_user=acting_user, reason=reason)
    _decide(proposal, acting_user=acting_user, status=ChangeProposal.Status.ACCEPTED, note=note)
    return proposal


@transaction.atomic
def change_proposal_decline(
    *, acting_user: User, proposal_id: int, note: str = ""
) -> ChangeProposal:
    """Close the proposal without changing anything (admins)."""
    _require(acting_user, admin=True)
    proposal = _lock_open(proposal_id)
    _decide(proposal, acting_user=acting_user, status=ChangeProposal.Status.DECLINED, note=note)
    return proposal
