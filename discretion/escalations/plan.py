"""Planning the next automatic move of a pending routable row (an escalation, or a
temporary limit request, ``discretion.raises``): whom to route it to, when to move it up
a level, pass a level over, start the chain again or mark it overdue. Pure planning on
the row as read plus who is on call (``discretion.rotations.selectors.oncall_people``);
``routing`` writes the move with its version-guarded conditional UPDATE.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from common.money import money_display
from common.roles import admin_q
from discretion.escalations.wording import _label
from discretion.models import EscalationPolicy, User
from discretion.rotations.selectors import oncall_people


class Routable(Protocol):
    """What planning a move reads: the routing fields an escalation has, which a temporary
    limit request (``discretion.raises``) has too, so both are routed by one plan."""

    policy_levels: Any
    policy_repeat_times: int
    round: int
    level: int
    routed_at: datetime | None
    due_at: datetime | None
    overdue: bool
    assigned_to_id: int | None

    @property
    def assigned_to(self) -> User | None: ...


def _levels_of(escalation: Routable) -> dict[int, int]:
    levels = escalation.policy_levels or EscalationPolicy.DEFAULT_LEVELS
    return {int(entry["level"]): int(entry["timeout_seconds"]) for entry in levels}


def _admins() -> list[User]:
    return list(User.objects.filter(is_active=True).filter(admin_q()).order_by("id"))


@dataclass
class Move:
    """What one automatic transition writes, computed before the conditional UPDATE."""

    changes: dict[str, Any]
    entries: list[tuple[str, int, User | None, str]] = field(default_factory=list)
    assignee: User | None = None
    overdue: bool = False


@dataclass(frozen=True)
class Approval:
    """What the person routed to must be able to approve: their own approval_max for
    ``remedy_type_id`` covers ``amount`` (CONTRACT.md, "The right person on call")."""

    remedy_type_id: int
    amount: Decimal


def move_plan(
    escalation: Routable, *, requester_id: int, now: datetime, approval: Approval | None = None
) -> Move | None:
    """The next transition of a pending routable row at ``now`` (None if none is due):
    route it, move it up a level past ``due_at``, mark it overdue past the last level, or
    hand a stranded one to whoever is on call now. Never to ``requester_id``; with
    ``approval``, only to someone who may approve it: a level where nobody on call may is
    passed over at once, as if nobody were on call there. Past the last level, while the
    row's ``round`` is below ``policy_repeat_times``, the chain starts again from level 1.

    Reads who is on call at every level it may try in one go (``oncall_people``: at
    most three queries, whatever the number of levels).
    """
    levels = _levels_of(escalation)
    last = max(levels)
    if escalation.routed_at is not None and escalation.overdue:
        return _plan_stranded(
            escalation, levels=levels, requester_id=requester_id, now=now, approval=approval
        )
    if escalation.routed_at is None:
        first, kind = max(1, min(escalation.level, last)), "assigned"
    elif escalation.due_at is None or escalation.due_at > now:
        return None
    else:
        first, kind = escalation.level + 1, "escalated"

    # The levels to try in order: those above this one, then, when the policy repeats
    # the chain and rounds are left, every level again from 1 (one more round).
    order = [(level, False) for level in range(first, last + 1)]
    if kind == "escalated" and escalation.round < escalation.policy_repeat_times:
        order += [(level, True) for level in sorted(levels)]
    candidates = _candidates(sorted(levels), requester_id, now, approval)
    entries: list[tuple[str, int, User | None, str]] = []
    for level, again in order:
        chosen, passed_over = candidates.get(level, (None, []))
        if chosen is not None:
            timeout = levels[level]
            note = (
                f"Level {escalation.level} timed out after {levels.get(escalation.level)} s."
                if kind == "escalated"
                else ""
            )
            rounds = escalation.round + 1 if again else escalation.round
            if again:
                note += (
                    f" Past the last level: round {rounds + 1} of "
                    f"{escalation.policy_repeat_times + 1}, from level 1 again."
                )
            entries.append((kind, level, chosen, note))
            return Move(
                changes={
                    "level": level,
                    "assigned_to": chosen,
                    "due_at": now + timedelta(seconds=timeout),
                    "routed_at": escalation.routed_at or now,
                    "overdue": False,
                    "round": rounds,
                },
                entries=entries,
                assignee=chosen,
            )
        entries.append(("skipped_no_oncall", level, None, _skip_note(level, passed_over, approval)))

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
    return Move(
        changes={
            "level": stays_at,
            "routed_at": escalation.routed_at or now,
            "overdue": True,
        },
        entries=entries,
        overdue=True,
    )


def _skip_note(level: int, passed_over: list[User], approval: Approval | None) -> str:
    if not passed_over or approval is None:
        return f"Nobody on call at level {level}."
    names = ", ".join(_label(user) for user in passed_over)
    return (
        f"Nobody on call at level {level} may approve {money_display(approval.amount)} "
        f"(their approval limit is lower: {names}); moved on at once."
    )


def _candidates(
    levels: range | list[int], requester_id: int, now: datetime, approval: Approval | None
) -> dict[int, tuple[User | None, list[User]]]:
    """Per level: the least-loaded person on call who may approve (four-eyes: never the
    requester), and those on call there who may not."""
    people = oncall_people(
        levels=levels,
        at=now,
        remedy_type_id=approval.remedy_type_id if approval else None,
        amount=approval.amount if approval else None,
    )
    out: dict[int, tuple[User | None, list[User]]] = {}
    for level, here in people.items():
        others = [p for p in here if p.user.pk != requester_id]
        chosen = next((p.user for p in others if p.may_approve), None)
        out[level] = (chosen, [p.user for p in others if not p.may_approve])
    return out


def _plan_stranded(
    escalation: Routable,
    *,
    levels: dict[int, int],
    requester_id: int,
    now: datetime,
    approval: Approval | None,
) -> Move | None:
    """An overdue escalation that nobody was ever assigned (nobody was on call at any
    level) goes to the first person on call now who may approve it, from level 1 up;
    else it stays put.

    An overdue escalation that has an assignee stays with them: they were asked and the
    admins were told. Nothing is written while nobody is on call, so the sweeper can ask
    again every round without filling the history.
    """
    if escalation.assigned_to_id is not None:
        return None
    candidates = _candidates(sorted(levels), requester_id, now, approval)
    for level in sorted(levels):
        person = candidates.get(level, (None, []))[0]
        if person is not None:
            note = "Nobody was on call when it went overdue; someone is now."
            return Move(
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
