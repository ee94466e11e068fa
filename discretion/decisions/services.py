"""The one write path of the discretion decision.

``resolution_request`` loads the inputs, locks, calls the pure engine, and writes the
resolution, the budget movement, the escalation (when escalated), the review draw (when
applied), the timeline event and the audit event in ONE transaction;
``resolution_preview`` runs the same inputs through the engine and writes nothing. Lock
order and on-commit rules: docs/concurrency.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.models import ObjectType
from audit.services import audit_record
from cases.models import Case, RemedyType, Resolution
from cases.services import case_event_add
from common.db import Batch, insert
from common.errors import Conflict, NotFound
from common.money import ZERO
from discretion import engine
from discretion.decisions.body import resolution_body
from discretion.decisions.inputs import decision_inputs_gather
from discretion.decisions.record import decision_record
from discretion.decisions.repeats import repeat_record
from discretion.engine.incidents import applied_under_incident, decide_with_incident
from discretion.engine.split import rest_decision
from discretion.escalations.services import escalation_open
from discretion.incidents.services import incident_spend
from discretion.messages.services import resolution_message_add
from discretion.models import User
from discretion.reviews.services import review_sample
from discretion.trust.budgets import budget_spend
from discretion.trust.locks import budget_windows_lock, case_lock
from discretion.webhooks.payloads import RESOLUTION_EVENT
from discretion.webhooks.services import webhook_event_add


def resolution_request(
    *,
    case_id: int,
    acting_user: User,
    remedy_type: RemedyType,
    amount: Decimal,
    reason: str,
    customer_message: str = "",
    split_of: Resolution | None = None,
) -> Resolution:
    """Decide and record a request. Raises NotFound (no such case) and Conflict
    ``case_closed`` (resolutions cannot be requested on a closed case).

    ``split_of``: the part of the same request just applied in this transaction
    (``discretion.decisions.split``); this request is its rest, and escalates.

    Locks (in this order, docs/concurrency.md): the case row, then the user's day and
    month budget windows for the remedy type, then (a case in an incident) the incident
    row. Under an incident's schedule the amount counts against the incident's budget
    instead of the windows (discretion.engine.incidents).
    """
    now = timezone.now()
    with transaction.atomic():
        # Case lock: serializes requests and approvals on one case, so the per-case
        # total read below cannot change before this transaction commits.
        case = case_lock(case_id)
        if case.status == Case.Status.CLOSED:
            raise Conflict(
                f"Case #{case.pk} is closed: reopen it to add a remedy.", code="case_closed"
            )
        day = timezone.localdate(now)
        windows = budget_windows_lock(user=acting_user, remedy_type=remedy_type, day=day)
        inputs = decision_inputs_gather(
            case=case,
            user=acting_user,
            remedy_type=remedy_type,
            amount=amount,
            now=now,
            windows=windows,
            repeat_exclude_id=split_of.pk if split_of is not None else None,
        )
        decision = decide_with_incident(
            remedy_name=remedy_type.name,
            amount=amount,
            limits=inputs.limit,
            usage=inputs.usage,
            rule_hits=inputs.rule_hits,
            currency=settings.DISCRETION_CURRENCY,
            monetary=remedy_type.monetary,
            incident=inputs.incident,
        )
        if split_of is not None:
            decision = rest_decision(
                decision,
                applied=split_of.amount,
                remedy_name=remedy_type.name,
                currency=settings.DISCRETION_CURRENCY,
            )
        status = {
            "apply": Resolution.Status.APPLIED,
            "escalate": Resolution.Status.PENDING_APPROVAL,
            "reject": Resolution.Status.REJECTED,
        }[decision.outcome]
        applied = status == Resolution.Status.APPLIED
        under_incident = applied_under_incident(decision)
        resolution = insert(
            Resolution(
                case=case,
                agent=acting_user,
                remedy_type=remedy_type,
                requested_amount=amount,
                amount=amount,
                reason=reason,
                customer_message=customer_message,
                status=status,
                counts_against_budget=applied and not under_incident,
                decision={
                    **decision_record(decision, inputs),
                    "repeat_of": repeat_record(inputs.repeat),
                    **({"split_of": split_of.pk} if split_of is not None else {}),
                },
                created_at=now,
                applied_at=now if applied else None,
                budget_day=day if applied else None,
            )
        )
        # From here, writes nobody reads back: one round trip (common.db.Batch). The budget
        # UPDATE goes last, so its row count (both windows, or BudgetExceeded) is checked.
        writes = Batch()
        escalation = None
        if status == Resolution.Status.PENDING_APPROVAL:
            # Cached on the instance, so callers show it without a query.
            resolution.escalation = escalation = escalation_open(
                resolution=resolution, acting_user=acting_user, batch=writes
            )
        if customer_message:
            # Its outbox row joins the batch; no message, no statement (docs/concurrency.md).
            resolution_message_add(
                resolution=resolution, case=case, acting_user=acting_user, batch=writes
            )
        case_event_add(
            case=case,
            kind=f"resolution_{decision.outcome}",
            actor=acting_user,
            summary=decision.summary,
            data={
                "resolution": resolution.pk,
                "remedy_type": remedy_type.code,
                "amount": str(amount),
            },
            batch=writes,
        )
        audit_record(
            actor=acting_user,
            action=f"resolution.{decision.outcome}",
            object_type=ObjectType.RESOLUTION,
            object_id=resolution.pk,
            before=None,
            after={
                "case": case.pk,
                "remedy_type": remedy_type.code,
                "amount": str(amount),
                "status": status,
                "summary": decision.summary,
            },
            batch=writes,
        )
        # The review draw (verify after, not before): an INSERT … SELECT that reads the
        # review policy itself, so it costs no round trip of its own.
        review_sample(resolution=resolution, monetary=remedy_type.monetary, batch=writes)
        # The webhook event: an INSERT … SELECT over the subscribed endpoints, in the same
        # batch (nothing is written, and no round trip added, when nobody subscribes).
        webhook_event_add(
            type=RESOLUTION_EVENT[status],
            data=resolution_body(resolution, escalation=escalation),
            batch=writes,
        )
        if applied and amount > ZERO and under_incident:
            assert inputs.incident is not None
            writes.add(*_case_total_add_sql(case_id=case.pk, amount=amount))
            # Last in the batch: its row count (1, or IncidentBudgetExceeded) is checked.
            incident_spend(incident_id=inputs.incident.id, amount=amount, now=now, batch=writes)
        elif applied and amount > ZERO:
            assert inputs.limit is not None  # only a limit lets an amount above zero apply
            writes.add(*_case_total_add_sql(case_id=case.pk, amount=amount))
            budget_spend(
                windows=windows,
                amount=amount,
                daily_max=inputs.limit.daily_max,
                monthly_max=inputs.limit.monthly_max,
                batch=writes,
            )
        writes.run()
    return resolution


def resolution_preview(
    *, case_id: int, acting_user: User, remedy_type: RemedyType, amount: Decimal
) -> engine.Decision:
    """The decision the same request would get now. Reads only; locks and writes nothing.
    Raises NotFound (no such case)."""
    now = timezone.now()
    case = Case.objects.select_related("customer").filter(pk=case_id).first()
    if case is None:
        raise NotFound(f"No case #{case_id}.")
    inputs = decision_inputs_gather(
        case=case, user=acting_user, remedy_type=remedy_type, amount=amount, now=now
    )
    return decide_with_incident(
        remedy_name=remedy_type.name,
        amount=amount,
        limits=inputs.limit,
        usage=inputs.usage,
        rule_hits=inputs.rule_hits,
        currency=settings.DISCRETION_CURRENCY,
        monetary=remedy_type.monetary,
        incident=inputs.incident,
    )


def _case_total_add_sql(*, case_id: int, amount: Decimal) -> tuple[str, dict[str, Any]]:
    # Plain SQL: every applied decision runs it, in the decision's batch.
    return (
        f"UPDATE {Case._meta.db_table} "
        "SET remedies_total = remedies_total + %(amount)s WHERE id = %(case_id)s",
        {"amount": amount, "case_id": case_id},
    )
