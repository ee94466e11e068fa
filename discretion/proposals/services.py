"""Open, accept and reject limit proposals.

A proposal never changes money already granted, and never lowers a limit: accepting one
writes the agent's own per-remedy cap through ``discretion.trust.services`` (the same
audited service as a manual edit), so what was spent stays spent and the new cap applies
from then on. Deciding locks the proposal row first (``SELECT … FOR UPDATE``), so of two
concurrent accepts exactly one wins and the other sees it decided (409).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from cases.models import RemedyType
from common.errors import Conflict, Invalid, NotFound
from common.money import ZERO, money, money_display
from discretion.models import LimitProposal, TrustLimit, User
from discretion.proposals.rules import proposed_limit
from discretion.proposals.selectors import agents_by_id, proposal_evidence_list
from discretion.trust.selectors import effective_limit_get
from discretion.trust.services import trust_limit_create, trust_limit_update
from discretion.whatif.replay import what_if_run

logger = logging.getLogger(__name__)

AUDIT_OBJECT_TYPE = "limit_proposal"
WHAT_IF_DAYS = 30


def limit_proposal_snapshot(proposal: LimitProposal) -> dict:
    return {
        "id": proposal.pk,
        "agent": proposal.agent_id,
        "remedy_type": proposal.remedy_type_id,
        "field": proposal.field,
        "current": money(proposal.current),
        "proposed": money(proposal.proposed),
        "status": proposal.status,
        "decision_note": proposal.decision_note,
    }


def limit_proposals_open(*, now: datetime | None = None) -> list[LimitProposal]:
    """Open a proposal for every (agent, monetary remedy type) whose record earns one
    (``discretion.proposals.rules``) and that has no open proposal yet. Returns the new ones.

    Idempotent: a pair with an open proposal is skipped, and the partial unique constraint
    turns a concurrent run's duplicate into a skip too. Each proposal commits on its own.
    """
    now = now or timezone.now()
    evidence = {key: ev for key, ev in proposal_evidence_list(now=now).items() if ev.earns_raise()}
    if not evidence:
        return []
    already = set(
        LimitProposal.objects.filter(status=LimitProposal.Status.OPEN).values_list(
            "agent_id", "remedy_type_id"
        )
    )
    agents = agents_by_id(agent_id for agent_id, _ in evidence)
    remedies = RemedyType.objects.in_bulk([remedy_id for _, remedy_id in evidence])
    opened = []
    for (agent_id, remedy_id), ev in sorted(evidence.items()):
        agent = agents.get(agent_id)
        if (agent_id, remedy_id) in already or agent is None or not agent.is_active:
            continue
        assert ev.p90_approved is not None  # earns_raise needs approved-unchanged ones
        remedy = remedies[remedy_id]
        base = _permanent_limit(agent, remedy)
        current = base.per_remedy_max if base is not None else ZERO
        proposed = proposed_limit(current=current, p90=ev.p90_approved)
        report = what_if_run(
            remedy_type=remedy, agent=agent, per_remedy_max=proposed, days=WHAT_IF_DAYS, now=now
        )
        try:
            with transaction.atomic():
                proposal = LimitProposal.objects.create(
                    agent=agent,
                    remedy_type=remedy,
                    field=LimitProposal.Field.PER_REMEDY_MAX,
                    current=current,
                    proposed=proposed,
                    evidence=ev.as_json(),
                    what_if=report,
                    created_at=now,
                )
                audit_record(
                    actor=None,
                    action="limit_proposal_open",
                    object_type=AUDIT_OBJECT_TYPE,
                    object_id=proposal.pk,
                    after=limit_proposal_snapshot(proposal),
                )
        except IntegrityError:  # a concurrent run opened it first
            logger.info("limit proposal for %s/%s already open", agent_id, remedy_id)
            continue
        opened.append(proposal)
    return opened


MAX_ID = 2**63 - 1


def _lock_open(proposal_id: int) -> LimitProposal:
    if not 0 < proposal_id <= MAX_ID:  # an id no row can have (and PostgreSQL's bigint)
        raise NotFound("No such limit proposal.", code="not_found")
    # The row lock makes deciding one at a time: a second decider waits, then sees it decided.
    proposal = (
        LimitProposal.objects.select_for_update(of=("self",), no_key=True)
        .select_related("agent", "remedy_type")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise NotFound("No such limit proposal.", code="not_found")
    if proposal.status != LimitProposal.Status.OPEN:
        raise Conflict(f"This proposal was already {proposal.status}.", code="already_decided")
    return proposal


def _decide(
    proposal: LimitProposal, *, acting_user: User, status: str, note: str, action: str
) -> LimitProposal:
    before = limit_proposal_snapshot(proposal)
    proposal.status = status
    proposal.decided_by = acting_user
    proposal.decided_at = timezone.now()
    proposal.decision_note = note
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=acting_user,
        action=action,
        object_type=AUDIT_OBJECT_TYPE,
        object_id=proposal.pk,
        before=before,
        after=limit_proposal_snapshot(proposal),
        reason=note,
    )
    return proposal


@transaction.atomic
def limit_proposal_accept(*, acting_user: User, proposal_id: int, note: str = "") -> LimitProposal:
    """Set the agent's own per-remedy cap to the proposed value (creating their row from
    the effective one, the other caps copied, when they follow their tier) and mark the
    proposal accepted, with both audit events, in one transaction.

    Raises NotFound; Conflict ``already_decided``, or ``limit_changed`` when the limit was
    raised since so that the proposal would no longer raise it.
    """
    proposal = _lock_open(proposal_id)
    agent, remedy = proposal.agent, proposal.remedy_type
    limit = _permanent_limit(agent, remedy)
    current = limit.per_remedy_max if limit is not None else ZERO
    if proposal.proposed <= current:
        raise Conflict(
            f"The limit is {money_display(current)} now, not below the proposed "
            f"{money_display(proposal.proposed)}: accepting would not raise it. "
            "Reject this proposal.",
            code="limit_changed",
        )
    reason = f"Limit proposal #{proposal.pk} accepted" + (f": {note}" if note else "")
    if limit is not None and limit.agent_id == agent.pk:
        trust_limit_update(
            acting_user=acting_user,
            trust_limit=limit,
            changes={"per_remedy_max": proposal.proposed},
            reason=reason,
        )
    else:
        trust_limit_create(
            acting_user=acting_user,
            agent=agent,
            remedy_type=remedy,
            per_remedy_max=proposal.proposed,
            **_other_caps(limit),
            reason=reason,
        )
    return _decide(
        proposal,
        acting_user=acting_user,
        status=LimitProposal.Status.ACCEPTED,
        note=note,
        action="limit_proposal_accept",
    )


def _permanent_limit(agent: User, remedy: RemedyType) -> TrustLimit | None:
    """The agent's own or tier row for the remedy type: a temporary raise in force is not
    the limit a proposal raises (it lapses by itself)."""
    effective = effective_limit_get(user=agent, remedy_type=remedy)
    return effective.base if effective is not None else None


def _other_caps(limit: TrustLimit | None) -> dict:
    names = ("per_case_max", "daily_max", "monthly_max", "approval_max")
    return {name: getattr(limit, name) if limit is not None else None for name in names}


@transaction.atomic
def limit_proposal_reject(*, acting_user: User, proposal_id: int, note: str) -> LimitProposal:
    """Close the proposal without changing any limit. ``note`` is required (why not)."""
    note = (note or "").strip()
    if not note:
        message = "Say why you reject it: the note is kept with the proposal and in the audit log."
        raise Invalid(message, code="note_required", fields={"note": [message]})
    proposal = _lock_open(proposal_id)
    return _decide(
        proposal,
        acting_user=acting_user,
        status=LimitProposal.Status.REJECTED,
        note=note,
        action="limit_proposal_reject",
    )
