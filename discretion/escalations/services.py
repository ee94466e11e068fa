"""Escalation writes: open one (inside the decision's transaction) and decide one
(approve, possibly lowering the amount, or deny), so that exactly one decision ever wins.

Opening writes the durable row and enqueues routing on commit; deciding locks, checks
who may decide (``rules``) and writes the resolution's outcome with its history, timeline
and audit rows. Lock order, conditional updates and on-commit rules: docs/concurrency.md.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.models import ObjectType
from audit.services import audit_record
from cases.models import Case, Resolution
from cases.services import case_event_add
from common.db import Batch, insert
from common.errors import Conflict, Invalid, NotFound
from common.money import money, money_display
from common.tasks import task_send
from common.times import local_time_phrase
from discretion.escalations.oncall import escalation_policy_get
from discretion.escalations.rules import _decider_limit_check, _decider_role_check
from discretion.escalations.wording import _label, _remedy_phrase
from discretion.messages.services import resolution_message_decided
from discretion.models import Escalation, EscalationEvent, User
from discretion.notifications.services import notification_create
from discretion.webhooks.payloads import escalation_data
from discretion.webhooks.services import webhook_event_add

logger = logging.getLogger(__name__)


def escalation_open(
    *, resolution: Resolution, acting_user, batch: Batch | None = None
) -> Escalation:
    """Create the escalation of a pending resolution. Call inside the decision's transaction.

    With ``batch``, its history entry and timeline event join the caller's batch.

    The row is the durable record: routing happens on a worker after commit, and the
    sweeper routes any escalation whose message never reached one. Never fails the
    request because the broker is down.
    """
    policy = escalation_policy_get()
    escalation = insert(
        Escalation(
            resolution=resolution,
            level=1,
            policy_levels=policy.levels,
            policy_repeat_times=policy.repeat_times,
        )
    )
    # The history's first entry bears the escalation's own time, so a move stamped by a
    # sweep that read the clock before this commit still sorts after it (routing.py).
    event = EscalationEvent(
        escalation=escalation,
        at=escalation.created_at,
        event="created",
        actor=acting_user,
        level=1,
    )
    insert(event, batch=batch)
    case_event_add(
        case=resolution.case,
        kind="escalation_created",
        actor=acting_user,
        summary=(
            f"{_label(acting_user)}'s {_remedy_phrase(resolution)} needs a supervisor's "
            f"approval; escalation #{escalation.pk} opened."
        ),
        data={"escalation": escalation.pk, "resolution": resolution.pk},
        batch=batch,
    )
    transaction.on_commit(lambda: _enqueue_route(escalation.pk))
    return escalation


def _enqueue_route(escalation_id: int) -> None:
    # The broker may be down: the request has committed and must not fail now. The
    # sweeper finds unrouted escalations and routes them once the broker is back.
    task_send("discretion.route_escalation", escalation_id)


def _snapshot(escalation: Escalation) -> dict[str, Any]:
    return {
        "status": escalation.status,
        "level": escalation.level,
        "assigned_to": escalation.assigned_to_id,
        "decided_by": escalation.decided_by_id,
        "decision_note": escalation.decision_note,
        "overdue": escalation.overdue,
    }


def _resolution_snapshot(resolution: Resolution) -> dict[str, Any]:
    return {
        "status": resolution.status,
        "amount": money(resolution.amount),
        "requested_amount": money(resolution.requested_amount),
        "applied_at": resolution.applied_at.isoformat() if resolution.applied_at else None,
    }


@transaction.atomic
def escalation_decide(
    *,
    acting_user: User,
    escalation_id: int,
    approve: bool,
    amount: Decimal | None = None,
    note: str = "",
) -> Escalation:
    """Approve (optionally lowering the amount) or deny. Exactly one decision ever wins.

    Locks the escalation FOR UPDATE, then the case, then the resolution (the lock order
    used everywhere). Raises NotFound, Forbidden (``supervisor_only``, ``four_eyes``,
    ``no_approval_max``, ``approval_max``), Conflict (``already_decided``) or Invalid
    (``amount_raised``), and writes nothing then.
    """
    escalation = (
        Escalation.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk=escalation_id)
        .first()
    )
    if escalation is None:
        raise NotFound("No such escalation.")
    # Lock order: escalation, then case, then resolution.
    resolution_row = Resolution.objects.only("case_id").get(pk=escalation.resolution_id)
    case = Case.objects.select_for_update(no_key=True).get(pk=resolution_row.case_id)
    resolution = (
        Resolution.objects.select_for_update(of=("self",), no_key=True)
        .select_related("remedy_type", "agent")
        .get(pk=escalation.resolution_id)
    )
    # Who may decide at all (403), then whether it is still open (409), then the amount
    # (400), then whether the decider's own approval_max covers it (403).
    _decider_role_check(acting_user=acting_user, resolution=resolution)
    if escalation.status != Escalation.Status.PENDING:
        decided_by = escalation.decided_by
        when = f" on {local_time_phrase(escalation.decided_at)}" if escalation.decided_at else ""
        raise Conflict(
            f"This escalation was already {escalation.status} by {_label(decided_by)}{when}.",
            code="already_decided",
        )
    requested = resolution.amount
    if approve and amount is not None and amount > requested:
        raise Invalid(
            "The amount may lower the remedy, not raise it.",
            code="amount_raised",
            fields={
                "amount": [
                    f"May lower the remedy, not raise it: at most {money_display(requested)}."
                ]
            },
        )
    granted = amount if (approve and amount is not None) else requested
    _decider_limit_check(acting_user=acting_user, resolution=resolution, amount=granted)

    now = timezone.now()
    before, resolution_before = _snapshot(escalation), _resolution_snapshot(resolution)
    status = Escalation.Status.APPROVED if approve else Escalation.Status.DENIED
    Escalation.objects.filter(pk=escalation.pk).update(
        status=status,
        decided_by=acting_user,
        decided_at=now,
        decision_note=note,
        version=F("version") + 1,
    )
    if approve:
        Resolution.objects.filter(pk=resolution.pk).update(
            status=Resolution.Status.APPLIED, amount=granted, applied_at=now
        )
        # Granted on the approver's authority: the case total moves, the requester's
        # budgets do not (counts_against_budget stays False).
        Case.objects.filter(pk=case.pk).update(remedies_total=F("remedies_total") + granted)
    else:
        Resolution.objects.filter(pk=resolution.pk).update(status=Resolution.Status.DENIED)
    escalation.refresh_from_db()
    resolution.refresh_from_db()

    verb = "approved" if approve else "denied"
    lowered = approve and granted != resolution.requested_amount
    what = _remedy_phrase(resolution)
    EscalationEvent.objects.create(
        escalation=escalation,
        at=now,
        event=verb,
        actor=acting_user,
        level=escalation.level,
        assigned_to=escalation.assigned_to,
        note=note,
    )
    summary = f"{_label(acting_user)} {verb} {_label(resolution.agent)}'s {what}"
    if lowered:
        summary += f" (lowered from {money_display(resolution.requested_amount)})"
    summary += f"{': ' + note if note else ''}."
    case_event_add(
        case=case,
        kind=f"escalation_{verb}",
        actor=acting_user,
        summary=summary,
        data={
            "escalation": escalation.pk,
            "resolution": resolution.pk,
            "amount": money(resolution.amount),
            "note": note,
        },
    )
    # The customer message follows the decision: queued when approved as asked, else a
    # draft for the agent again. Its row lock comes after the resolution's, before audit.
    resolution_message_decided(resolution=resolution, case=case, approved=approve)
    # In this transaction: a decision that rolls back sends no event.
    webhook_event_add(
        type="escalation.decided", data=escalation_data(escalation, resolution=resolution)
    )
    audit_record(
        actor=acting_user,
        action=f"escalation.{'approve' if approve else 'deny'}",
        object_type=ObjectType.ESCALATION,
        object_id=escalation.pk,
        before=before,
        after=_snapshot(escalation),
        reason=note,
    )
    audit_record(
        actor=acting_user,
        action=f"resolution.{'approve' if approve else 'deny'}",
        object_type=ObjectType.RESOLUTION,
        object_id=resolution.pk,
        before=resolution_before,
        after=_resolution_snapshot(resolution),
        reason=note,
    )
    notification_create(
        recipient=resolution.agent,
        kind=f"escalation_{verb}",
        title=f"Your {what} on case #{case.pk} was {verb}",
        body=(
            f"{_label(acting_user)} {verb} your request"
            f"{_lowered_from(resolution) if lowered else ''}."
            f"{' Note: ' + note if note else ''}"
        ),
        link=f"/cases/{case.pk}/",
        escalation=escalation,
        dedupe_key=f"esc{escalation.pk}:decided",
    )
    return escalation


def _lowered_from(resolution: Resolution) -> str:
    return f" (lowered from {money_display(resolution.requested_amount)})"
