"""Writes of follow-ups: create, edit, mark done, and the due reminder.

Who may write: anyone who may see the follow-up (``selectors``); an agent may assign a
follow-up only to themself or to the case's assignee, supervisors and admins to anyone
active. The due reminder is sent once: a conditional UPDATE claims ``notified_at`` and
the notification (dedupe key ``follow_up:<id>:due``) is written in the same transaction,
so a second sweeper, a duplicate task or a retry finds nothing to claim.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from cases.models import Case
from common.errors import Conflict, Forbidden, Invalid
from common.roles import is_supervising
from common.times import local_time_phrase
from discretion.followups.models import FOLLOW_UP_NOTE_MAX_LENGTH, FollowUp
from discretion.followups.selectors import follow_up_due_ids
from discretion.models import User
from discretion.notifications.services import notification_create

EDITABLE = ("due_at", "note", "assigned_to")


def _check_assignee(*, acting_user: User, case: Case, assignee: User) -> None:
    if not assignee.is_active:
        message = f"{assignee.username} is deactivated."
        raise Invalid(message, code="assignee_inactive", fields={"assigned_to": [message]})
    if is_supervising(acting_user) or assignee.pk in (acting_user.pk, case.assignee_id):
        return
    raise Forbidden(
        "Agents may assign a follow-up to themselves or to the case's assignee only.",
        code="follow_up_assignee",
    )


def _check_fields(*, due_at: datetime, note: str) -> None:
    if timezone.is_naive(due_at):
        message = "Give a time with its offset."
        raise Invalid(message, code="due_at_naive", fields={"due_at": [message]})
    if len(note) > FOLLOW_UP_NOTE_MAX_LENGTH:
        message = f"Keep the note under {FOLLOW_UP_NOTE_MAX_LENGTH} characters."
        raise Invalid(message, code="note_too_long", fields={"note": [message]})


@transaction.atomic
def follow_up_create(
    *,
    acting_user: User,
    case: Case,
    due_at: datetime,
    note: str = "",
    assigned_to: User | None = None,
) -> FollowUp:
    """A follow-up on ``case``; ``assigned_to`` defaults to the case's assignee, else the
    creator."""
    _check_fields(due_at=due_at, note=note)
    assignee = assigned_to or case.assignee or acting_user
    _check_assignee(acting_user=acting_user, case=case, assignee=assignee)
    return FollowUp.objects.create(
        case=case,
        due_at=due_at,
        note=note.strip(),
        assigned_to=assignee,
        created_by=acting_user,
    )


@transaction.atomic
def follow_up_update(
    *, acting_user: User, follow_up: FollowUp, changes: dict[str, Any]
) -> FollowUp:
    """Change due time, note or assignee of an open follow-up (a done one is 409).

    Moving ``due_at`` does not re-send a reminder already sent: each follow-up's
    assignee is notified once.
    """
    # Locked for the edit, so a concurrent "done" cannot slip between check and save.
    locked = (
        FollowUp.objects.select_for_update(no_key=True).select_related("case").get(pk=follow_up.pk)
    )
    if locked.status == FollowUp.Status.DONE:
        raise Conflict("This follow-up is done; it cannot be changed.", code="follow_up_done")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise Invalid(
            "These fields cannot be changed here.",
            code="not_editable",
            fields={name: ["This field cannot be changed here."] for name in sorted(unknown)},
        )
    due_at = changes.get("due_at", locked.due_at)
    note = changes.get("note", locked.note)
    _check_fields(due_at=due_at, note=note)
    if "assigned_to" in changes and changes["assigned_to"].pk != locked.assigned_to_id:
        _check_assignee(acting_user=acting_user, case=locked.case, assignee=changes["assigned_to"])
        locked.assigned_to = changes["assigned_to"]
    locked.due_at = due_at
    locked.note = note.strip()
    locked.save(update_fields=["due_at", "note", "assigned_to"])
    return locked


@transaction.atomic
def follow_up_done(*, acting_user: User, follow_up: FollowUp) -> FollowUp:
    """Mark it done (a conditional UPDATE: of two concurrent calls one wins, the other
    and any later one get 409)."""
    now = timezone.now()
    claimed = FollowUp.objects.filter(pk=follow_up.pk, status=FollowUp.Status.OPEN).update(
        status=FollowUp.Status.DONE, done_at=now, done_by=acting_user
    )
    if not claimed:
        raise Conflict("This follow-up is already done.", code="already_done")
    follow_up.refresh_from_db()
    return follow_up


def follow_up_notify(*, follow_up_id: int, now: datetime | None = None) -> bool:
    """Notify the assignee that the follow-up is due, once. True if this call did it."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = FollowUp.objects.filter(
            pk=follow_up_id,
            status=FollowUp.Status.OPEN,
            notified_at__isnull=True,
            due_at__lte=now,
        ).update(notified_at=now)
        if not claimed:
            return False
        follow_up = FollowUp.objects.select_related("case__customer", "assigned_to").get(
            pk=follow_up_id
        )
        case = follow_up.case
        notification_create(
            recipient=follow_up.assigned_to,
            kind="follow_up_due",
            title=f"Follow-up due: case #{case.pk} {case.subject}"[:200],
            body=(
                f"You planned to get back to {case.customer.name} by "
                f"{local_time_phrase(follow_up.due_at)}."
                + (f" Your note: “{follow_up.note}”" if follow_up.note else "")
            ),
            link=f"/cases/{case.pk}/",
            dedupe_key=f"follow_up:{follow_up.pk}:due",
        )
    return True


def follow_up_notify_due(*, now: datetime | None = None) -> int:
    """The beat task's work: notify every follow-up that fell due. Returns how many."""
    now = now or timezone.now()
    return sum(follow_up_notify(follow_up_id=pk, now=now) for pk in follow_up_due_ids(now=now))
