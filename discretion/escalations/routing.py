"""Moving pending escalations without a person: route to whoever is on call, move up a
level when one times out, mark overdue past the last level, and hand a stranded one to
the first person who comes on call.

``_plan`` works out the next move from the row as read; ``_apply`` writes it only if
nobody moved or decided the escalation since, so the routing task and the sweeper may
run any number of times, in any number of processes. Lock order and the version-guarded
UPDATE: docs/concurrency.md. The planning itself is ``discretion.escalations.plan``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction
from django.db.models import Field, Model, Q, QuerySet
from django.utils import timezone

from cases.models import Case, RemedyType, Resolution
from cases.services import case_event_add
from common.db import Batch, insert, relate, select_one
from common.times import local_time_phrase
from discretion.escalations.plan import Approval, Move, _admins, move_plan
from discretion.escalations.services import logger
from discretion.escalations.wording import _label, _remedy_phrase
from discretion.models import Escalation, EscalationEvent, User
from discretion.notifications.services import notification_create
from discretion.rotations.selectors import oncall_anyone_maybe


def _plan(escalation: Escalation, *, now: datetime) -> Move | None:
    """The next transition of a pending escalation at ``now``, or None if none is due."""
    resolution = escalation.resolution
    return move_plan(
        escalation,
        requester_id=resolution.agent_id,
        now=now,
        approval=Approval(remedy_type_id=resolution.remedy_type_id, amount=resolution.amount),
    )


def _apply(escalation: Escalation, move: Move, *, now: datetime) -> bool:
    """Write ``move`` if nobody moved or decided the escalation since it was read."""
    # The one guard against double moves: a conditional UPDATE on version and status.
    if not _move_write(escalation, move.changes):
        return False
    new_version = escalation.version + 1
    for name, value in move.changes.items():
        setattr(escalation, name, value)
    escalation.version = new_version

    resolution = escalation.resolution
    case = resolution.case
    what = _remedy_phrase(resolution)
    # A sweep reads the clock once, before its query: an escalation created since then
    # must not get a move stamped before its own "created" entry.
    start = max(now, escalation.created_at + timedelta(microseconds=1))
    # The history and the timeline are written and never read back here: one round trip.
    writes = Batch()
    for offset, (event, level, assignee, note) in enumerate(move.entries):
        at = start + timedelta(microseconds=offset)  # keep the history's order stable
        insert(
            EscalationEvent(
                escalation=escalation,
                at=at,
                event=event,
                actor=None,
                level=level,
                assigned_to=assignee,
                note=note,
            ),
            batch=writes,
        )
        if event in ("assigned", "escalated"):
            who = f"{_label(assignee)} (on call, level {level})"
            summary = (
                f"Escalation #{escalation.pk} assigned to {who}."
                if event == "assigned"
                else f"{note} Escalation #{escalation.pk} moved to {who}."
            )
        elif event == "skipped_no_oncall":
            summary = f"Escalation #{escalation.pk}: nobody on call at level {level}, moved on."
        else:
            summary = (
                f"Escalation #{escalation.pk} is overdue: no one decided it by the last level; "
                "admins were notified."
            )
        case_event_add(
            case=case,
            kind=f"escalation_{event}",
            actor=None,
            summary=summary,
            data={
                "escalation": escalation.pk,
                "level": level,
                "assigned_to": assignee.pk if assignee else None,
            },
            batch=writes,
        )
    writes.run()

    link = f"/escalations/{escalation.pk}/"
    if move.assignee is not None:
        due = escalation.due_at
        notification_create(
            recipient=move.assignee,
            kind="escalation_assigned",
            title=f"Approval needed: {what} on case #{case.pk}",
            body=(
                f"{_label(resolution.agent)} asks for a {what} on case #{case.pk} "
                f"({case.subject}). Their reason: “{resolution.reason}”\n"
                f"You are on call at level {escalation.level}: please decide "
                + (f"by {local_time_phrase(due)}" if due else "soon")
                + ", or it moves to the next level."
            ),
            link=link,
            escalation=escalation,
            dedupe_key=f"esc{escalation.pk}:v{new_version}:assigned",
        )
    if move.overdue:
        for admin in _admins():
            notification_create(
                recipient=admin,
                kind="escalation_overdue",
                title=f"Overdue: {what} on case #{case.pk} is waiting for a decision",
                body=(
                    f"Escalation #{escalation.pk} ({_label(resolution.agent)}'s {what}) went "
                    "past the last level of the escalation policy without a decision."
                ),
                link=link,
                escalation=escalation,
                dedupe_key=f"esc{escalation.pk}:overdue",
            )
    return True


def _move_write(escalation: Escalation, changes: dict[str, Any]) -> bool:
    """``UPDATE … SET version = version + 1, <changes> WHERE id, version and status are
    as read``, in plain SQL (the ORM's update() cost more than the statement); True if
    it hit the row."""
    meta = Escalation._meta
    connection = connections[DEFAULT_DB_ALIAS]
    qn = connection.ops.quote_name
    sets, params = [], {}
    for name, value in changes.items():
        field = meta.get_field(name)
        assert isinstance(field, Field)
        if isinstance(value, Model):
            value = value.pk
        sets.append(f"{qn(field.column)} = %({field.attname})s")
        params[field.attname] = field.get_db_prep_save(value, connection)
    params.update(
        id=escalation.pk, version=escalation.version, pending=Escalation.Status.PENDING.value
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(meta.db_table)} SET version = version + 1, {', '.join(sets)} "
            "WHERE id = %(id)s AND version = %(version)s AND status = %(pending)s",
            params,
        )
        return cursor.rowcount == 1


def _load_for_move(queryset: QuerySet[Escalation]) -> QuerySet[Escalation]:
    return queryset.select_related(
        "resolution__case", "resolution__agent", "resolution__remedy_type", "assigned_to"
    )


_PENDING_FOR_MOVE_SQL = (
    f"SELECT {{columns}} FROM {Escalation._meta.db_table} e "
    f"JOIN {Resolution._meta.db_table} r ON r.id = e.resolution_id "
    f"JOIN {Case._meta.db_table} c ON c.id = r.case_id "
    f"JOIN {User._meta.db_table} a ON a.id = r.agent_id "
    f"JOIN {RemedyType._meta.db_table} rt ON rt.id = r.remedy_type_id "
    f"LEFT JOIN {User._meta.db_table} s ON s.id = e.assigned_to_id "
    "WHERE e.id = %(escalation_id)s AND e.status = %(pending)s"
)


_PENDING_FOR_MOVE_PARTS = (
    (Escalation, "e"),
    (Resolution, "r"),
    (Case, "c"),
    (User, "a"),
    (RemedyType, "rt"),
    (User, "s"),
)


def _pending_for_move(escalation_id: int) -> Escalation | None:
    """A pending escalation as ``_load_for_move`` loads it, in one plain statement (every
    routing runs it; the ORM's four-way select_related cost more than the query)."""
    loaded = select_one(
        _PENDING_FOR_MOVE_SQL,
        {"escalation_id": escalation_id, "pending": Escalation.Status.PENDING.value},
        _PENDING_FOR_MOVE_PARTS,
    )
    if loaded is None:
        return None
    escalation, resolution, case, agent, remedy_type, assignee = loaded
    # Inner joins: only the assignee may be missing.
    assert isinstance(escalation, Escalation) and isinstance(resolution, Resolution)
    relate(resolution, "case", case)
    relate(resolution, "agent", agent)
    relate(resolution, "remedy_type", remedy_type)
    relate(escalation, "resolution", resolution)
    relate(escalation, "assigned_to", assignee)
    return escalation


def escalation_route(*, escalation_id: int, now: datetime | None = None) -> bool:
    """Route an unrouted escalation, or move a past-due one. Idempotent; True if moved.

    Safe to call any number of times, from any number of processes (docs/concurrency.md).
    """
    with transaction.atomic():
        escalation = _pending_for_move(escalation_id)
        if escalation is None:
            return False
        now = now or timezone.now()
        move = _plan(escalation, now=now)
        if move is None:
            return False
        return _apply(escalation, move, now=now)


def escalation_sweep(*, now: datetime | None = None, limit: int = 200) -> int:
    """Move every pending escalation that is unrouted or past due. Returns how many moved.

    The batch is locked FOR UPDATE SKIP LOCKED so two sweepers split the work instead of
    queueing on each other; the conditional UPDATE in ``_apply`` still guards each move.
    """
    now = now or timezone.now()
    moved = 0
    with transaction.atomic():
        due = Q(routed_at__isnull=True) | Q(due_at__lte=now, overdue=False)
        if oncall_anyone_maybe(at=now):
            # Stranded (overdue, nobody was ever on call): someone may be on call now.
            due |= Q(overdue=True, assigned_to__isnull=True)
        ids = list(
            Escalation.objects.select_for_update(skip_locked=True, no_key=True)
            .filter(due, status=Escalation.Status.PENDING)
            .order_by("id")
            .values_list("id", flat=True)[:limit]
        )
        if not ids:
            return 0
        for escalation in _load_for_move(Escalation.objects.filter(pk__in=ids)).order_by("id"):
            try:
                with transaction.atomic():  # a savepoint: one bad row does not stop the rest
                    move = _plan(escalation, now=now)
                    if move is not None and _apply(escalation, move, now=now):
                        moved += 1
            except OperationalError:
                raise  # the database is in trouble: let the task retry
            except Exception:
                logger.exception("sweep could not move escalation %s", escalation.pk)
    return moved
