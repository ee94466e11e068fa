"""Write services for customers, cases and the case timeline.

Each public function is atomic and keyword-only; the timeline event of a change is
written in the same transaction as the change.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from cases.models import CASE_TICKET_UNIQUE, Case, CaseEvent, Customer, ticket_key
from common.db import Batch, insert
from common.errors import Invalid
from common.hooks import case_created

User = get_user_model()


def _actor_label(user: Any) -> str:
    if user is None:
        return "the system"
    return getattr(user, "label", None) or str(user)


def case_event_add(
    *,
    case: Case,
    kind: str,
    actor: Any | None,
    summary: str,
    data: dict[str, Any] | None = None,
    batch: Batch | None = None,
) -> CaseEvent:
    """Append one line to a case's timeline. Call inside the transaction of what it records.

    With ``batch``, the INSERT joins it (and the returned event has no pk).
    """
    event = CaseEvent(
        case=case,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        summary=summary,
        data=data or {},
    )
    # Plain SQL: every decision and escalation move writes one or more of these.
    return insert(event, batch=batch)


def customer_get_or_create(*, external_id: str, name: str = "", email: str = "") -> Customer:
    """The customer with this external id, created if new.

    An existing customer is used as it is: a case form must not silently rename a
    customer that other cases point at. Concurrent creates of the same id both succeed
    (the loser of the unique constraint reads the winner's row). Raises Invalid
    ``customer_name_required`` (naming ``customer``) for a new one without a name.
    """
    customer = Customer.objects.filter(external_id=external_id).first()
    if customer is not None:
        return customer
    if not name:
        message = f"Customer '{external_id}' is new: give their name."
        raise Invalid(message, code="customer_name_required", fields={"customer": [message]})
    try:
        with transaction.atomic():
            return Customer.objects.create(external_id=external_id, name=name, email=email)
    except IntegrityError:
        return Customer.objects.get(external_id=external_id)


@transaction.atomic
def case_create(
    *,
    acting_user: Any,
    subject: str,
    category: str,
    customer: dict[str, str],
    description: str = "",
    external_ref: str = "",
    assignee: Any | None = None,
    source: str = "",
    opened_by: str = "",
) -> Case:
    """Open a case. ``opened_by`` names who opened it on the timeline when that is not
    ``acting_user`` (a help desk through intake, which has no user)."""
    record = customer_get_or_create(
        external_id=customer["external_id"],
        name=customer.get("name", ""),
        email=customer.get("email", ""),
    )
    case = Case.objects.create(
        subject=subject,
        description=description,
        category=category,
        customer=record,
        assignee=assignee,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
        external_ref=external_ref,
        source=source,
    )
    data = {"category": category, "customer": record.external_id}
    if source:
        data.update(source=source, external_ref=external_ref)
    case_event_add(
        case=case,
        kind="created",
        actor=acting_user,
        summary=f"{opened_by or _actor_label(acting_user)} opened the case ({category}).",
        data=data,
    )
    if assignee is not None:
        case_event_add(
            case=case,
            kind="assigned",
            actor=acting_user,
            summary=f"Assigned to {_actor_label(assignee)}.",
            data={"from": None, "to": assignee.pk},
        )
    # E.g. an active incident's matcher links it (common.hooks: cases knows no incident).
    case_created(case=case, customer_external_id=record.external_id)
    return case


@transaction.atomic
def case_update(
    *,
    acting_user: Any,
    case: Case,
    status: str | None = None,
    assignee: Any | None = None,
    unassign: bool = False,
) -> Case:
    """Change a case's status and/or assignee, with a timeline event per change.

    ``assignee=None`` leaves the assignee alone; ``unassign=True`` clears it. The case
    row is locked so the "from" of each event is the value actually replaced.
    """
    # Row lock: resolutions move remedies_total under the same lock.
    case = (
        Case.objects.select_for_update(of=("self",), no_key=True)
        .select_related("customer")
        .get(pk=case.pk)
    )
    fields: list[str] = []
    if status is not None and status != case.status:
        previous = case.status
        case.status = status
        fields.append("status")
        case_event_add(
            case=case,
            kind="status_changed",
            actor=acting_user,
            summary=f"{_actor_label(acting_user)} changed the status from {previous} to {status}.",
            data={"from": previous, "to": status},
        )
    new_assignee_id = (
        None if unassign else (assignee.pk if assignee is not None else case.assignee_id)
    )
    if new_assignee_id != case.assignee_id:
        previous_id = case.assignee_id
        case.assignee = None if unassign else assignee
        fields.append("assignee")
        if case.assignee is None:
            summary = f"{_actor_label(acting_user)} unassigned the case."
        else:
            summary = (
                f"{_actor_label(acting_user)} assigned the case to {_actor_label(case.assignee)}."
            )
        case_event_add(
            case=case,
            kind="assigned",
            actor=acting_user,
            summary=summary,
            data={"from": previous_id, "to": new_assignee_id},
        )
    if fields:
        case.save(update_fields=[*fields, "updated_at"])
    return case


# --- intake: the case of a help-desk ticket ------------------------------------------------


def _ticket_case_locked(*, source: str, external_ref: str) -> Case | None:
    # Row lock: two updates of one ticket apply one after the other, each event's "from"
    # the value it replaced (and a resolution's remedies_total move waits its turn).
    return (
        Case.objects.select_for_update(of=("self",), no_key=True)
        .select_related("customer")
        .filter(source=source, external_ref=external_ref)
        .exclude(source="")
        .first()
    )


def _is_ticket_conflict(exc: IntegrityError) -> bool:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == CASE_TICKET_UNIQUE


@transaction.atomic
def case_intake(
    *,
    source: str,
    external_ref: str,
    subject: str,
    category: str,
    customer: dict[str, str],
    description: str = "",
    assignee: Any | None = None,
    acting_user: Any | None = None,
    opened_by: str = "",
    update: bool = True,
) -> tuple[Case, bool]:
    """The case of help-desk ticket (``source``, ``external_ref``): created if new (with
    ``assignee``), else (with ``update``) its subject, description and category updated.
    Returns ``(case, created)``.

    Idempotent under concurrency: the database's unique constraint on the ticket decides.
    The INSERT runs in a savepoint; the loser of a race (its INSERT waited for the
    winner's commit, then hit the constraint) rolls back to it, locks the winner's row and
    updates that instead, so the same request sent twice at once makes one case.
    """
    source, external_ref = ticket_key(source, external_ref)
    if not source or not external_ref:
        message = "A ticket needs its source and external_ref."
        raise Invalid(message, code="ticket_ref_required", fields={"external_ref": [message]})
    case = _ticket_case_locked(source=source, external_ref=external_ref)
    if case is None:
        try:
            with transaction.atomic():  # the savepoint the loser of a race rolls back to
                created = case_create(
                    acting_user=acting_user,
                    subject=subject,
                    category=category,
                    customer=customer,
                    description=description,
                    external_ref=external_ref,
                    assignee=assignee,
                    source=source,
                    opened_by=opened_by,
                )
            return created, True
        except IntegrityError as exc:
            if not _is_ticket_conflict(exc):
                raise
            case = _ticket_case_locked(source=source, external_ref=external_ref)
            if case is None:  # the winner's row is committed: it cannot be gone
                raise
    if not update:
        return case, False
    _ticket_case_update(
        case=case,
        values={"subject": subject, "description": description, "category": category},
        acting_user=acting_user,
        updated_by=opened_by,
    )
    return case, False


def _ticket_case_update(
    *, case: Case, values: dict[str, str], acting_user: Any | None, updated_by: str
) -> None:
    """Apply the ticket's new subject/description/category to its (locked) case, with one
    timeline event naming what changed; nothing changed, nothing written."""
    changed = {
        name: {"from": getattr(case, name), "to": value}
        for name, value in values.items()
        if getattr(case, name) != value
    }
    if not changed:
        return
    for name in changed:
        setattr(case, name, values[name])
    case.save(update_fields=[*changed, "updated_at"])
    who = updated_by or _actor_label(acting_user)
    names = list(changed)
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    case_event_add(
        case=case,
        kind="ticket_updated",
        actor=acting_user,
        summary=f"{who} updated the {listed} from the ticket.",
        data={"source": case.source, "external_ref": case.external_ref, "changed": changed},
    )
