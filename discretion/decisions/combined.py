"""Requests that do two things in one action, through the one write path
(``services.resolution_request``), each in ONE transaction:

- ``resolution_request_split``: "apply what I may now, escalate the rest": the part
  every check allows applies at once, the rest escalates, with one sentence saying so
  ("Applied $25.00 now (your limit per remedy); $35.00 went to Pam Beesly for
  approval.").
- ``resolution_request_close``: "Resolve & close": the request, and the case closed when
  it applied (when it escalates the case stays open: the agent waits for the decision).

Locks: the same order as every request (the case row, then the requester's budget
windows; docs/concurrency.md), taken once here and again, re-entrantly, by each part.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.models import ObjectType
from audit.services import audit_record
from cases.models import Case, RemedyType, Resolution
from cases.services import case_event_add, case_update
from common.errors import Conflict
from common.money import money, money_display
from discretion import engine
from discretion.decisions.inputs import decision_inputs_gather
from discretion.decisions.services import resolution_request
from discretion.engine.split import HEADROOM_REASONS, split_offer
from discretion.escalations.selectors import oncall_supervisor_get
from discretion.models import User
from discretion.trust.locks import budget_windows_lock, case_lock


@dataclass(frozen=True)
class Split:
    applied: Resolution
    escalated: Resolution
    summary: str


def _amount(value: Decimal) -> str:
    """``$1,250.00``: as the engine's sentences and the screens write amounts."""
    return money_display(value)


def _closed(case: Case) -> Conflict:
    return Conflict(f"Case #{case.pk} is closed: reopen it to add a remedy.", code="case_closed")


def resolution_request_split(
    *,
    case_id: int,
    acting_user: User,
    remedy_type: RemedyType,
    amount: Decimal,
    reason: str,
    customer_message: str = "",
) -> Split:
    """Apply the headroom (the smallest of what is left per remedy, on the case, today
    and this month) and escalate the rest, as two resolutions in one transaction.

    Raises NotFound, Conflict ``case_closed`` and Conflict ``split_not_possible`` (the
    request applies whole, a policy rule matched, or nothing is left to apply now).
    The customer message goes with the escalated rest: held until it is decided.
    """
    now = timezone.now()
    with transaction.atomic():
        case = case_lock(case_id)
        if case.status == Case.Status.CLOSED:
            raise _closed(case)
        windows = budget_windows_lock(
            user=acting_user, remedy_type=remedy_type, day=timezone.localdate(now)
        )
        inputs = decision_inputs_gather(
            case=case,
            user=acting_user,
            remedy_type=remedy_type,
            amount=amount,
            now=now,
            windows=windows,
        )
        whole = engine.decide(
            remedy_name=remedy_type.name,
            amount=amount,
            limits=inputs.limit,
            usage=inputs.usage,
            rule_hits=inputs.rule_hits,
            currency=settings.DISCRETION_CURRENCY,
            monetary=remedy_type.monetary,
        )
        room = split_offer(whole, amount=amount, monetary=remedy_type.monetary)
        if room is None:
            raise Conflict(
                "Nothing to split: "
                + (
                    "it applies whole."
                    if whole.outcome == "apply"
                    else "a policy rule matched, or nothing is left to apply now."
                ),
                code="split_not_possible",
            )
        applied = resolution_request(
            case_id=case.pk,
            acting_user=acting_user,
            remedy_type=remedy_type,
            amount=room.amount,
            reason=reason,
        )
        if applied.status != Resolution.Status.APPLIED:
            # A rule that matches the smaller amount only: nothing is granted.
            raise Conflict(
                f"Nothing to split: {applied.decision.get('summary', '')}",
                code="split_not_possible",
            )
        rest = resolution_request(
            case_id=case.pk,
            acting_user=acting_user,
            remedy_type=remedy_type,
            amount=amount - room.amount,
            reason=reason,
            customer_message=customer_message,
            split_of=applied,
        )
        # Named as routing picks: someone on call who may approve the rest, never the agent.
        oncall = oncall_supervisor_get(
            remedy_type_id=remedy_type.pk, amount=rest.amount, requester_id=acting_user.pk
        )
        summary = (
            f"Applied {_amount(applied.amount)} now ({HEADROOM_REASONS[room.binding]}); "
            f"{_amount(rest.amount)} went to "
            f"{oncall.label if oncall else 'the admins (nobody on call may approve it)'} "
            "for approval."
        )
        case_event_add(
            case=case,
            kind="resolution_split",
            actor=acting_user,
            summary=summary,
            data={"applied": applied.pk, "escalated": rest.pk, "amount": money(amount)},
        )
        audit_record(
            actor=acting_user,
            action="resolution.split",
            object_type=ObjectType.RESOLUTION,
            object_id=rest.pk,
            before=None,
            after={
                "case": case.pk,
                "applied": applied.pk,
                "escalated": rest.pk,
                "amount": money(amount),
                "summary": summary,
            },
        )
    return Split(applied=applied, escalated=rest, summary=summary)


def resolution_request_close(
    *,
    case_id: int,
    acting_user: User,
    remedy_type: RemedyType,
    amount: Decimal,
    reason: str,
    customer_message: str = "",
) -> tuple[Resolution, bool]:
    """The request, then the case closed when it applied: (resolution, closed?)."""
    with transaction.atomic():
        resolution = resolution_request(
            case_id=case_id,
            acting_user=acting_user,
            remedy_type=remedy_type,
            amount=amount,
            reason=reason,
            customer_message=customer_message,
        )
        closed = resolution.status == Resolution.Status.APPLIED
        if closed:
            case_update(acting_user=acting_user, case=resolution.case, status=Case.Status.CLOSED)
    return resolution, closed
