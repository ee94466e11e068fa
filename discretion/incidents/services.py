"""Writes of incidents: declare, edit, link cases (by hand, in bulk, or by the matcher as
a case is created), end (now, or by itself at ``ends_at``), and spend the budget.

``incident_declare`` and ``incident_end`` are the single entry points of an incident's
start and end (what ``incident.started`` / ``incident.ended`` events hang on). Every
write locks the incident row first, then the cases (a conditional UPDATE of their
``active_incident_id``), and writes its audit event in the same transaction. The budget
moves only in the decision's batch (``incident_spend``), by a conditional UPDATE whose row
count is checked, with a CheckConstraint behind it (docs/concurrency.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.models import ObjectType
from audit.services import audit_record
from cases.models import Case, RemedyType
from common.db import Batch
from common.errors import Conflict, Forbidden, Invalid, NotFound
from common.money import ZERO, money
from common.roles import is_supervising
from discretion.incidents.body import incident_body
from discretion.incidents.matcher import matcher_check
from discretion.incidents.models import (
    EXPLANATION_MAX_LENGTH,
    MATCHER_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Incident,
    IncidentRemedy,
)
from discretion.incidents.selectors import incident_due_ids, incident_get
from discretion.models import User
from discretion.webhooks.services import webhook_event_add
from policies.expressions import ExpressionError

EDITABLE = ("title", "customer_explanation", "ends_at", "budget", "remedies", "matcher", "status")
# What may still change once an incident has ended: its words, not its money or reach.
EDITABLE_ENDED = ("title", "customer_explanation")
MAX_BULK_LINK = 500
Schedule = Sequence[tuple[RemedyType, Decimal]]


class IncidentBudgetExceeded(Exception):
    """The conditional UPDATE found no room in the incident's budget (the decision read
    it under the incident's row lock, so this means a bug, and the transaction rolls back)."""


def _snapshot(incident: Incident, schedule: Schedule | None = None) -> dict[str, Any]:
    rows = (
        schedule
        if schedule is not None
        else [(r.remedy_type, r.per_remedy_max) for r in incident.remedies.all()]
    )
    return {
        "title": incident.title,
        "status": incident.status,
        "customer_explanation": incident.customer_explanation,
        "starts_at": incident.starts_at.isoformat(),
        "ends_at": incident.ends_at.isoformat(),
        "budget": money(incident.budget),
        "spent": money(incident.spent),
        "matcher": incident.matcher,
        "remedies": [{"remedy_type": t.code, "per_remedy_max": money(m)} for t, m in rows],
    }


def require_supervising(user: User) -> None:
    if not is_supervising(user):
        raise Forbidden(
            "Only supervisors and admins declare, change or end incidents.", code="role_required"
        )


def invalid(field: str, message: str, code: str) -> Invalid:
    return Invalid(message, code=code, fields={field: [message]})


def _check_text(*, title: str | None = None, explanation: str | None = None) -> None:
    if title is not None:
        if not title.strip():
            raise invalid("title", "Give the incident a title.", "title_blank")
        if len(title) > TITLE_MAX_LENGTH:
            raise invalid(
                "title", f"Keep the title under {TITLE_MAX_LENGTH} characters.", "too_long"
            )
    if explanation is not None and len(explanation) > EXPLANATION_MAX_LENGTH:
        message = f"Keep what we tell customers under {EXPLANATION_MAX_LENGTH} characters."
        raise invalid("customer_explanation", message, "too_long")


def _check_schedule(schedule: Schedule) -> None:
    seen: set[int] = set()
    for remedy_type, per_remedy_max in schedule:
        if not remedy_type.monetary or not remedy_type.enabled:
            message = f"{remedy_type.name} is not an enabled money remedy: it has no amount to cap."
            raise invalid("remedies", message, "remedy_not_monetary")
        if remedy_type.pk in seen:
            raise invalid(
                "remedies", f"{remedy_type.name} is in the schedule twice.", "remedy_twice"
            )
        seen.add(remedy_type.pk)
        if per_remedy_max <= ZERO:
            message = "Each remedy in the schedule needs a cap above 0.00."
            raise invalid("remedies", message, "amount_zero")


def _check_matcher(matcher: str) -> str:
    matcher = matcher.strip()
    if not matcher:
        return ""
    if len(matcher) > MATCHER_MAX_LENGTH:
        message = f"Keep the matcher under {MATCHER_MAX_LENGTH} characters."
        raise invalid("matcher", message, "too_long")
    try:
        matcher_check(matcher)
    except ExpressionError as error:
        raise invalid("matcher", error.message, "matcher_invalid") from None
    return matcher


def _schedule_write(incident: Incident, schedule: Schedule) -> None:
    IncidentRemedy.objects.filter(incident=incident).delete()
    IncidentRemedy.objects.bulk_create(
        [
            IncidentRemedy(incident=incident, remedy_type=remedy_type, per_remedy_max=cap)
            for remedy_type, cap in schedule
        ]
    )


@transaction.atomic
def incident_declare(
    *,
    acting_user: User,
    title: str,
    ends_at: datetime,
    budget: Decimal,
    customer_explanation: str = "",
    remedies: Schedule = (),
    matcher: str = "",
    starts_at: datetime | None = None,
) -> Incident:
    """Declare an incident (supervisors and admins). Raises Forbidden and Invalid naming
    the field (``ends_at`` not after now and ``starts_at``, ``budget`` not above 0.00, a
    schedule of a non-money remedy, a ``matcher`` that does not compile: with its line
    and column)."""
    require_supervising(acting_user)
    now = timezone.now()
    starts_at = starts_at or now
    _check_text(title=title, explanation=customer_explanation)
    if ends_at <= max(now, starts_at):
        raise invalid(
            "ends_at", "The end must be in the future (and after the start).", "ends_at_past"
        )
    if budget <= ZERO:
        raise invalid("budget", "The budget must be above 0.00.", "amount_zero")
    _check_schedule(remedies)
    incident = Incident.objects.create(
        title=title.strip(),
        customer_explanation=customer_explanation.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        budget=budget,
        matcher=_check_matcher(matcher),
        created_by=acting_user,
        created_at=now,
    )
    _schedule_write(incident, remedies)
    _event(incident, "incident.started")
    audit_record(
        actor=acting_user,
        action="incident.declare",
        object_type=ObjectType.INCIDENT,
        object_id=incident.pk,
        before=None,
        after=_snapshot(incident, remedies),
    )
    return incident


def _event(incident: Incident, type: str) -> None:
    """The webhook event of a start or an end, in this transaction (two reads: the
    schedule and the count of linked cases; an incident starts and ends once)."""
    fresh = incident_get(incident_id=incident.pk)
    cases_count = getattr(fresh, "cases_count", 0)  # annotated by incident_get
    webhook_event_add(type=type, data=incident_body(fresh, cases_count=cases_count))


def lock(incident_id: int) -> Incident:
    # Row lock: links, edits, ends and the decision's budget reads take turns on it.
    incident = Incident.objects.select_for_update(no_key=True).filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(f"No incident #{incident_id}.")
    return incident


@transaction.atomic
def incident_update(*, acting_user: User, incident_id: int, changes: dict[str, Any]) -> Incident:
    """Change an incident (PATCH). ``status: ended`` ends it (as ``incident_end``); an
    ended incident cannot be re-activated (409) and only its title and explanation
    still change; ``budget`` cannot go below what was spent (400)."""
    require_supervising(acting_user)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise Invalid(
            "These fields cannot be changed.",
            code="not_editable",
            fields={name: ["This field cannot be changed."] for name in unknown},
        )
    now = timezone.now()
    if changes.get("status") == Incident.Status.ENDED:
        _cases_release(incident_id)  # before the incident's lock (see _cases_release)
    incident = lock(incident_id)
    before = _snapshot(incident)
    # Ended, or past its end before the sweeper flipped it: over either way.
    ended = incident.status == Incident.Status.ENDED or incident.ends_at <= now
    if ended:
        if changes.get("status") == Incident.Status.ACTIVE:
            raise Conflict(
                f"Incident #{incident.pk} has ended; an ended incident cannot be re-activated. "
                "Declare a new one.",
                code="incident_ended",
            )
        blocked = sorted(set(changes) - set(EDITABLE_ENDED) - {"status"})
        if blocked:
            raise Conflict(
                f"Incident #{incident.pk} has ended: only its title and what we tell "
                f"customers can still change, not {', '.join(blocked)}.",
                code="incident_ended",
            )
    _check_text(title=changes.get("title"), explanation=changes.get("customer_explanation"))
    if "title" in changes:
        incident.title = changes["title"].strip()
    if "customer_explanation" in changes:
        incident.customer_explanation = changes["customer_explanation"].strip()
    if "ends_at" in changes:
        if changes["ends_at"] <= max(now, incident.starts_at):
            message = "The end must be in the future: to end it now, use End now."
            raise invalid("ends_at", message, "ends_at_past")
        incident.ends_at = changes["ends_at"]
    if "budget" in changes:
        if changes["budget"] < incident.spent:
            message = f"{money(incident.spent)} is already spent: the budget cannot go below that."
            raise invalid("budget", message, "budget_below_spent")
        if changes["budget"] <= ZERO:
            raise invalid("budget", "The budget must be above 0.00.", "amount_zero")
        incident.budget = changes["budget"]
    if "matcher" in changes:
        incident.matcher = _check_matcher(changes["matcher"])
    if "remedies" in changes:
        _check_schedule(changes["remedies"])
        _schedule_write(incident, changes["remedies"])
    incident.save()
    after = _snapshot(incident)
    if after != before:
        audit_record(
            actor=acting_user,
            action="incident.update",
            object_type=ObjectType.INCIDENT,
            object_id=incident.pk,
            before=before,
            after=after,
        )
    if changes.get("status") == Incident.Status.ENDED and incident.status != incident.Status.ENDED:
        # The one way an incident ends (what its "ended" event hangs on).
        return incident_end(acting_user=acting_user, incident_id=incident.pk, now=now)
    return incident


def _cases_release(incident_id: int) -> None:
    """Free the incident's cases for another incident (the link rows stay: its history).

    Runs BEFORE the incident's row lock is taken: the decision locks a case, then its
    incident, so whoever ends an incident takes its cases first too (the one lock order,
    docs/concurrency.md); a case linked in between keeps a pointer to an ended incident,
    which counts as none."""
    Case.objects.filter(active_incident_id=incident_id).update(active_incident_id=None)


def _end(*, incident: Incident, acting_user: User | None, now: datetime) -> Incident:
    before = _snapshot(incident)
    incident.status = Incident.Status.ENDED
    incident.ended_at = now
    incident.ended_by = acting_user
    if incident.starts_at < now < incident.ends_at:
        incident.ends_at = now  # ended early: its window says so
    incident.save(update_fields=["status", "ended_at", "ended_by", "ends_at"])
    _event(incident, "incident.ended")
    audit_record(
        actor=acting_user,
        action="incident.end",
        object_type=ObjectType.INCIDENT,
        object_id=incident.pk,
        before=before,
        after=_snapshot(incident),
        reason="" if acting_user else "its end time passed",
    )
    return incident


@transaction.atomic
def incident_end(
    *, acting_user: User | None, incident_id: int, now: datetime | None = None
) -> Incident:
    """End an incident now (``acting_user``: a supervisor or admin) or, with no user, by
    itself at ``ends_at`` (the sweeper). Ending an ended one is 409 ``incident_ended``."""
    if acting_user is not None:
        require_supervising(acting_user)
    now = now or timezone.now()
    _cases_release(incident_id)
    incident = lock(incident_id)
    if incident.status == Incident.Status.ENDED:
        raise Conflict(f"Incident #{incident.pk} has already ended.", code="incident_ended")
    if acting_user is None and incident.ends_at > now:
        raise Conflict(f"Incident #{incident.pk} has not reached its end.", code="not_due")
    return _end(incident=incident, acting_user=acting_user, now=now)


def incidents_end_due(*, now: datetime | None = None) -> int:
    """The beat task's work: end every active incident past ``ends_at``. Returns how many."""
    now = now or timezone.now()
    ended = 0
    for incident_id in incident_due_ids(now=now):
        try:
            incident_end(acting_user=None, incident_id=incident_id, now=now)
        except Conflict:
            continue  # another sweeper or a supervisor ended it first
        ended += 1
    return ended


_SPEND_SQL = (
    f"UPDATE {Incident._meta.db_table} SET spent = spent + %(amount)s "
    "WHERE id = %(incident_id)s AND status = 'active' AND ends_at > %(now)s "
    "AND spent + %(amount)s <= budget"
)


def incident_spend(*, incident_id: int, amount: Decimal, now: datetime, batch: Batch) -> None:
    """Add ``amount`` to the incident's ``spent``, only while it is active and within its
    budget: the batch's last statement, its row count checked (IncidentBudgetExceeded).
    The caller holds the incident's row lock and has decided."""
    # Plain SQL: it joins the decision's batch (one round trip for all its writes).
    batch.add(
        _SPEND_SQL,
        {"incident_id": incident_id, "amount": amount, "now": now},
        rows=1,
        error=IncidentBudgetExceeded(f"incident #{incident_id} has no room for {amount}"),
    )
