"""Escalations: open (called by the decision), route, move up, approve, deny.

Concurrency rules (read before changing anything here):

- The escalation row is the durable record. ``escalation_open`` writes it in the
  decision's transaction and enqueues routing on commit; the periodic sweeper
  (``escalation_sweep``) routes any escalation whose message never reached a worker and
  moves every one that is past due. Due times live in the database, never in countdowns.
- Every automatic move (route, timeout, overdue) is ONE conditional
  ``UPDATE … WHERE id = %s AND version = %s AND status = 'pending'``; the history entry,
  timeline event and notifications are written only when that UPDATE hit a row, in the
  same transaction. So a duplicate task, two sweepers, or a sweep racing a decision can
  never move an escalation twice or notify twice (the notification's unique
  ``dedupe_key`` is a second backstop).
- A decision locks the escalation row FOR UPDATE, then the case row, then the
  resolution (lock order escalation → case → resolution everywhere), and bumps
  ``version``, so a concurrent automatic move fails its conditional UPDATE.
- SQLite has no FOR UPDATE; its writers are serialized by BEGIN IMMEDIATE (settings).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import OperationalError, transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from audit.models import ObjectType
from audit.services import audit_record
from cases.models import Case, RemedyType, Resolution
from cases.services import case_event_add
from config.sql import Batch, insert, relate, select_one

from .api.fields import money
from .models import Escalation, EscalationEvent, EscalationPolicy, OnCallShift, Role, User
from .notifications import notification_create
from .oncall import escalation_policy_get, oncall_supervisors_at

logger = logging.getLogger(__name__)


class EscalationError(Exception):
    """A decision refused; the API turns it into ``status_code`` with a ``detail``."""

    status_code = 400

    def __init__(self, detail: str, *, fields: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.fields = fields


class EscalationForbidden(EscalationError):
    status_code = 403


class EscalationConflict(EscalationError):
    status_code = 409


class EscalationInvalid(EscalationError):
    status_code = 400


# --- helpers --------------------------------------------------------------------------


def _label(user: User | None) -> str:
    if user is None:
        return "nobody"
    return user.display_name or user.get_full_name() or user.username


def _remedy_phrase(resolution: Resolution, amount: Decimal | None = None) -> str:
    remedy = resolution.remedy_type
    if not remedy.monetary:
        return remedy.name.lower()
    value = resolution.amount if amount is None else amount
    return f"{remedy.name.lower()} of {money(value)}"


def _levels_of(escalation: Escalation) -> dict[int, int]:
    levels = escalation.policy_levels or EscalationPolicy.DEFAULT_LEVELS
    return {int(entry["level"]): int(entry["timeout_seconds"]) for entry in levels}


def _admins() -> list[User]:
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(role=Role.ADMIN) | Q(is_superuser=True))
        .order_by("id")
    )


# --- open -----------------------------------------------------------------------------


def escalation_open(
    *, resolution: Resolution, acting_user, batch: Batch | None = None
) -> Escalation:
    """Create the escalation of a pending resolution. Call inside the decision's transaction.

    With ``batch``, its history entry and timeline event join the caller's batch.

    The row is the durable record: routing happens on a worker after commit, and the
    sweeper routes any escalation whose message never reached one. Never fails the
    request because the broker is down.
    """
    levels = escalation_policy_get().levels
    escalation = insert(Escalation(resolution=resolution, level=1, policy_levels=levels))
    event = EscalationEvent(escalation=escalation, event="created", actor=acting_user, level=1)
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
    try:
        from .tasks import route_escalation

        route_escalation.delay(escalation_id)
    except Exception:
        logger.warning(
            "could not enqueue routing of escalation %s; the sweeper will", escalation_id
        )


# --- automatic moves ------------------------------------------------------------------


@dataclass
class _Move:
    """What one automatic transition writes, computed before the conditional UPDATE."""

    changes: dict[str, Any]
    entries: list[tuple[str, int, User | None, str]] = field(default_factory=list)
    assignee: User | None = None
    overdue: bool = False


def _plan(escalation: Escalation, *, now: datetime) -> _Move | None:
    """The next transition of a pending escalation at ``now``, or None if none is due."""
    levels = _levels_of(escalation)
    last = max(levels)
    requester_id = escalation.resolution.agent_id
    if escalation.routed_at is not None and escalation.overdue:
        return _plan_stranded(escalation, levels=levels, requester_id=requester_id, now=now)
    if escalation.routed_at is None:
        first, kind = max(1, min(escalation.level, last)), "assigned"
    elif escalation.due_at is None or escalation.due_at > now:
        return None
    else:
        first, kind = escalation.level + 1, "escalated"

    entries: list[tuple[str, int, User | None, str]] = []
    for level in range(first, last + 1):
        chosen = _first_on_call(level=level, requester_id=requester_id, now=now)
        if chosen is not None:
            timeout = levels[level]
            note = (
                f"Level {escalation.level} timed out after {levels.get(escalation.level)} s."
                if kind == "escalated"
                else ""
            )
            entries.append((kind, level, chosen, note))
            return _Move(
                changes={
                    "level": level,
                    "assigned_to": chosen,
                    "due_at": now + timedelta(seconds=timeout),
                    "routed_at": escalation.routed_at or now,
                    "overdue": False,
                },
                entries=entries,
                assignee=chosen,
            )
        entries.append(("skipped_no_oncall", level, None, f"Nobody on call at level {level}."))

    # Past the last level: it stays where it is (or at the last level if it was never
    # assigned), marked overdue; every admin is told.
    stays_at = escalation.level if escalation.routed_at else last
    entries.append(
        (
            "overdue",
            stays_at,
            escalation.assigned_to,
            "Past the last level of the escalation policy.",
        )
    )
    return _Move(
        changes={
            "level": stays_at,
            "routed_at": escalation.routed_at or now,
            "overdue": True,
        },
        entries=entries,
        overdue=True,
    )


def _plan_stranded(
    escalation: Escalation, *, levels: dict[int, int], requester_id: int, now: datetime
) -> _Move | None:
    """An overdue escalation that nobody was ever assigned (nobody was on call at any
    level) goes to the first person on call now, from level 1 up; else it stays put.

    An overdue escalation that has an assignee stays with them: they were asked and the
    admins were told. Nothing is written while nobody is on call, so the sweeper can ask
    again every round without filling the history.
    """
    if escalation.assigned_to_id is not None:
        return None
    for level in sorted(levels):
        person = _first_on_call(level=level, requester_id=requester_id, now=now)
        if person is not None:
            note = "Nobody was on call when it went overdue; someone is now."
            return _Move(
                changes={
                    "level": level,
                    "assigned_to": person,
                    "due_at": now + timedelta(seconds=levels[level]),
                    "overdue": False,
                },
                entries=[("assigned", level, person, note)],
                assignee=person,
            )
    return None


def _first_on_call(*, level: int, requester_id: int, now: datetime) -> User | None:
    """The least-loaded person on call at ``level``; four-eyes: never the requester."""
    return next(
        (p for p in oncall_supervisors_at(level=level, at=now) if p.pk != requester_id), None
    )


def _apply(escalation: Escalation, move: _Move, *, now: datetime) -> bool:
    """Write ``move`` if nobody moved or decided the escalation since it was read."""
    # The one guard against double moves: a conditional UPDATE on version and status.
    hit = Escalation.objects.filter(
        pk=escalation.pk, version=escalation.version, status=Escalation.Status.PENDING
    ).update(version=F("version") + 1, **move.changes)
    if not hit:
        return False
    new_version = escalation.version + 1
    for name, value in move.changes.items():
        setattr(escalation, name, value)
    escalation.version = new_version

    resolution = escalation.resolution
    case = resolution.case
    what = _remedy_phrase(resolution)
    for offset, (event, level, assignee, note) in enumerate(move.entries):
        at = now + timedelta(microseconds=offset)  # keep the history's order stable
        insert(
            EscalationEvent(
                escalation=escalation,
                at=at,
                event=event,
                actor=None,
                level=level,
                assigned_to=assignee,
                note=note,
            )
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
        )

    link = f"/escalations/{escalation.pk}/"
    if move.assignee is not None:
        due = escalation.due_at
        notification_create(
            recipient=move.assignee,
            kind="escalation_assigned",
            title=f"Approval needed: {what} on case #{case.pk}",
            body=(
                f"{_label(resolution.agent)} asks for a {what} on case #{case.pk} "
                f"({case.subject}). Reason: {resolution.reason}\n"
                f"You are on call at level {escalation.level}; please decide by "
                f"{due.isoformat() if due else 'soon'}."
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
    "WHERE e.id = %s AND e.status = %s"
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
        [escalation_id, Escalation.Status.PENDING.value],
        _PENDING_FOR_MOVE_PARTS,
    )
    if loaded is None:
        return None
    escalation, resolution, case, agent, remedy_type, assignee = loaded
    relate(resolution, "case", case)
    relate(resolution, "agent", agent)
    relate(resolution, "remedy_type", remedy_type)
    relate(escalation, "resolution", resolution)
    relate(escalation, "assigned_to", assignee)
    return escalation


def escalation_route(*, escalation_id: int, now: datetime | None = None) -> bool:
    """Route an unrouted escalation, or move a past-due one. Idempotent; True if moved.

    Safe to call any number of times, from any number of processes (see module doc).
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
        if OnCallShift.objects.filter(starts_at__lte=now, ends_at__gt=now).exists():
            # Stranded (overdue, nobody was ever on call): someone may be on call now.
            due |= Q(overdue=True, assigned_to__isnull=True)
        ids = list(
            Escalation.objects.select_for_update(skip_locked=True)
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


# --- decisions ------------------------------------------------------------------------


def _decider_role_check(*, acting_user: User, resolution: Resolution) -> None:
    role = "admin" if acting_user.is_superuser else acting_user.role
    if role not in (Role.SUPERVISOR, Role.ADMIN):
        raise EscalationForbidden("Only supervisors and admins may decide escalations.")
    if resolution.agent_id == acting_user.pk:
        raise EscalationForbidden(
            "Four-eyes rule: you made this request, so you cannot decide it yourself; "
            "another supervisor or admin must."
        )


def _decider_limit_check(*, acting_user: User, resolution: Resolution, amount: Decimal) -> None:
    from .selectors import effective_limit_get

    remedy = resolution.remedy_type
    limit = effective_limit_get(user=acting_user, remedy_type=remedy)
    if limit is None or limit.approval_max is None:
        raise EscalationForbidden(
            f"Your trust limits give you no approval_max for {remedy.code}, so you may not "
            "decide this escalation."
        )
    if amount > limit.approval_max:
        raise EscalationForbidden(
            f"{money(amount)} is above your approval_max for {remedy.code} "
            f"({money(limit.approval_max)}), so you may not decide this escalation."
        )


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
    used everywhere). Raises EscalationForbidden (403), EscalationConflict (409) or
    EscalationInvalid (400) and writes nothing then.
    """
    escalation = Escalation.objects.select_for_update(of=("self",)).filter(pk=escalation_id).first()
    if escalation is None:
        raise Escalation.DoesNotExist
    # Lock order: escalation, then case, then resolution.
    resolution_row = Resolution.objects.only("case_id").get(pk=escalation.resolution_id)
    case = Case.objects.select_for_update().get(pk=resolution_row.case_id)
    resolution = (
        Resolution.objects.select_for_update(of=("self",))
        .select_related("remedy_type", "agent")
        .get(pk=escalation.resolution_id)
    )
    # Who may decide at all (403), then whether it is still open (409), then the amount
    # (400), then whether the decider's own approval_max covers it (403).
    _decider_role_check(acting_user=acting_user, resolution=resolution)
    if escalation.status != Escalation.Status.PENDING:
        decided_by = User.objects.filter(pk=escalation.decided_by_id).first()
        raise EscalationConflict(
            f"This escalation was already {escalation.status} by {_label(decided_by)}"
            f"{' at ' + escalation.decided_at.isoformat() if escalation.decided_at else ''}."
        )
    requested = resolution.amount
    if approve and amount is not None and amount > requested:
        raise EscalationInvalid(
            "The amount may lower the remedy, not raise it.",
            fields={"amount": [f"May lower the remedy, not raise it: at most {money(requested)}."]},
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
        summary += f" (lowered from {money(resolution.requested_amount)})"
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
            f"{' (lowered from ' + money(resolution.requested_amount) + ')' if lowered else ''}."
            f"{' Note: ' + note if note else ''}"
        ),
        link=f"/cases/{case.pk}/",
        escalation=escalation,
        dedupe_key=f"esc{escalation.pk}:decided",
    )
    return escalation


# --- selectors ------------------------------------------------------------------------


def escalation_list(
    *, user: User, status: str | None = None, assigned_to: int | None = None
) -> QuerySet[Escalation]:
    """Supervisors and admins see every escalation; agents only those of their requests.

    Two queries for any page size: the escalations with their joins, and their history.
    """
    qs = Escalation.objects.select_related(
        "resolution__remedy_type",
        "resolution__agent",
        "resolution__case",
        "assigned_to",
        "decided_by",
    ).prefetch_related(Prefetch("history", queryset=EscalationEvent.objects.order_by("at", "id")))
    role = "admin" if user.is_superuser else user.role
    if role not in (Role.SUPERVISOR, Role.ADMIN):
        qs = qs.filter(resolution__agent=user)
    if status:
        qs = qs.filter(status=status)
    if assigned_to is not None:
        qs = qs.filter(assigned_to_id=assigned_to)
    return qs.order_by("-created_at", "-id")


def escalation_get(*, user: User, escalation_id: int) -> Escalation | None:
    return escalation_list(user=user).filter(pk=escalation_id).first()
