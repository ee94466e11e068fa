"""Reads of rotations and overrides, and who is on call at a moment: the union of the
level's shifts and its rotations' current members, overrides applied.

The routing path runs ``oncall_people`` on every routing and every move up a level, so
it costs at most three statements whatever the number of levels, rotations or people:
the rotations' members, the overrides running now (only if there is a rotation), and one
plain statement for the people with their load and whether they may approve.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from common.db import loader
from discretion.models import Escalation, OnCallShift, Role, TrustLimit, User
from discretion.rotations.models import OnCallOverride, OnCallRotation, OnCallRotationMember
from discretion.rotations.turns import Schedule, member_at, turn_at, turns_between


def rotation_list(*, level: int | None = None) -> QuerySet[OnCallRotation]:
    """Rotations by level and name, members in turn order (two queries)."""
    qs = OnCallRotation.objects.prefetch_related(
        Prefetch(
            "members",
            queryset=OnCallRotationMember.objects.select_related("supervisor").order_by("position"),
        )
    ).order_by("level", "name", "id")
    if level is not None:
        qs = qs.filter(level=level)
    return qs


def rotation_get(*, rotation_id: int) -> OnCallRotation:
    """Raises OnCallRotation.DoesNotExist."""
    return rotation_list().get(pk=rotation_id)


def users_by_id(ids: Iterable[int]) -> dict[int, User]:
    """Users by id (one query), for a list of ids given in a request."""
    return {user.pk: user for user in User.objects.filter(pk__in=list(ids))}


def override_list(
    *,
    rotation_id: int | None = None,
    overlapping: tuple[datetime, datetime] | None = None,
    ending_after: datetime | None = None,
) -> QuerySet[OnCallOverride]:
    """Overrides by start, with the rotation and the supervisor joined (one query)."""
    qs = OnCallOverride.objects.select_related("rotation", "supervisor").order_by("starts_at", "id")
    if rotation_id is not None:
        qs = qs.filter(rotation_id=rotation_id)
    if overlapping is not None:
        start, end = overlapping
        qs = qs.filter(starts_at__lt=end, ends_at__gt=start)
    if ending_after is not None:
        qs = qs.filter(ends_at__gt=ending_after)
    return qs


def override_get(*, override_id: int) -> OnCallOverride:
    """Raises OnCallOverride.DoesNotExist."""
    return override_list().get(pk=override_id)


@dataclass(frozen=True)
class RotationPlan:
    """A rotation as the turn maths reads it: members' user ids in turn order."""

    id: int
    name: str
    level: int
    schedule: Schedule
    members: tuple[int, ...]


# Every rotation's members in turn order, with what the turn maths reads of the rotation.
_PLANS_SQL = (
    "SELECT r.id, r.name, r.level, r.starts_on, r.handoff_time, r.time_zone, r.turn_days,"
    f" m.supervisor_id FROM {OnCallRotationMember._meta.db_table} m"
    f" JOIN {OnCallRotation._meta.db_table} r ON r.id = m.rotation_id"
    " {where} ORDER BY m.rotation_id, m.position"
)


def rotation_plans(*, levels: Iterable[int] | None = None) -> list[RotationPlan]:
    """Every rotation (of ``levels``) with its members, in one plain statement (every
    routing runs it); a rotation with no members is left out: it puts nobody on call."""
    params: dict[str, Any] = {}
    where = ""
    if levels is not None:
        where, params["levels"] = "WHERE r.level = ANY(%(levels)s)", list(levels)
    with connection.cursor() as cursor:
        cursor.execute(_PLANS_SQL.format(where=where), params)
        rows = cursor.fetchall()
    plans: dict[int, tuple[tuple[Any, ...], list[int]]] = {}
    for *rotation, supervisor_id in rows:
        plans.setdefault(rotation[0], (tuple(rotation), []))[1].append(supervisor_id)
    return [
        RotationPlan(
            id=rotation_id,
            name=name,
            level=level,
            schedule=Schedule(
                starts_on=starts_on,
                handoff_time=handoff_time,
                time_zone=time_zone,
                turn_days=turn_days,
            ),
            members=tuple(members),
        )
        for (rotation_id, name, level, starts_on, handoff_time, time_zone, turn_days), members in (
            plans.values()
        )
    ]


def rotation_holders_at(
    plans: list[RotationPlan], overrides: Iterable[OnCallOverride], at: datetime
) -> list[tuple[int, int]]:
    """(level, user id) of whoever holds each rotation's turn at ``at``: the override's
    supervisors while an override runs, else the member whose turn it is."""
    running: dict[int, list[int]] = {}
    for override in overrides:
        if override.starts_at <= at < override.ends_at:
            running.setdefault(override.rotation_id, []).append(override.supervisor_id)
    holders: list[tuple[int, int]] = []
    for plan in plans:
        if plan.id in running:
            holders.extend((plan.level, user_id) for user_id in running[plan.id])
            continue
        user_id = member_at(plan.members, turn_at(plan.schedule, at))
        if user_id is not None:
            holders.append((plan.level, user_id))
    return holders


@dataclass(frozen=True)
class OnCallPerson:
    user: User
    level: int
    # Whether their own approval_max for the remedy type asked about covers the amount
    # (True when no remedy type was asked about).
    may_approve: bool


# Who is on call at a level: its shifts running at ``at`` and the rotation holders the
# caller worked out (two arrays), active supervisors and admins only; least loaded first
# (pending escalations assigned to them), a tie to the lowest id, so routing is
# deterministic. ``may`` is their effective approval_max (their own row for the remedy
# type, else their tier's, as discretion.trust.effective reads it) against the amount.
_ONCALL_SQL = (
    "SELECT {columns}, oc.level, {may} AS may FROM ("
    f"  SELECT s.supervisor_id AS user_id, s.level FROM {OnCallShift._meta.db_table} s"
    "   WHERE s.starts_at <= %(at)s AND s.ends_at > %(at)s AND s.level = ANY(%(levels)s)"
    "  UNION"
    "  SELECT h.user_id, h.level FROM unnest(%(holder_users)s::int[], %(holder_levels)s::int[])"
    "   AS h(user_id, level) WHERE h.level = ANY(%(levels)s)"
    f") oc JOIN {User._meta.db_table} u ON u.id = oc.user_id "
    "WHERE u.is_active AND (u.role IN (%(supervisor)s, %(admin)s) OR u.is_superuser) "
    "ORDER BY oc.level,"
    f" (SELECT COUNT(*) FROM {Escalation._meta.db_table} e"
    "  WHERE e.assigned_to_id = u.id AND e.status = %(pending)s), u.id"
)
_MAY_SQL = (
    f"COALESCE((SELECT l.approval_max FROM {TrustLimit._meta.db_table} l"
    " WHERE l.remedy_type_id = %(remedy_type_id)s"
    " AND (l.agent_id = u.id OR l.tier_id = u.tier_id)"
    " ORDER BY l.agent_id IS NULL LIMIT 1) >= %(amount)s, FALSE)"
)


def oncall_people(
    *,
    levels: Iterable[int],
    at: datetime | None = None,
    remedy_type_id: int | None = None,
    amount: Decimal | None = None,
) -> dict[int, list[OnCallPerson]]:
    """Who is on call at each of ``levels`` at ``at`` (default now), least loaded first.

    With ``remedy_type_id``, each says whether their approval_max for it covers
    ``amount`` (default 0.00: any approval_max at all). Levels with nobody are absent.
    At most three queries.
    """
    at = at or timezone.now()
    wanted = sorted(set(levels))
    if not wanted:
        return {}
    plans = rotation_plans(levels=wanted)
    overrides: list[OnCallOverride] = []
    if plans:
        overrides = list(
            OnCallOverride.objects.filter(
                rotation_id__in=[p.id for p in plans], starts_at__lte=at, ends_at__gt=at
            )
        )
    holders = rotation_holders_at(plans, overrides, at)
    rows = loader(User, "u")
    may = "TRUE" if remedy_type_id is None else _MAY_SQL
    params: dict[str, Any] = {
        "at": at,
        "levels": wanted,
        "holder_users": [user_id for _, user_id in holders],
        "holder_levels": [level for level, _ in holders],
        "supervisor": Role.SUPERVISOR.value,
        "admin": Role.ADMIN.value,
        "pending": Escalation.Status.PENDING.value,
        "remedy_type_id": remedy_type_id,
        "amount": amount if amount is not None else Decimal("0.00"),
    }
    with connection.cursor() as cursor:
        cursor.execute(_ONCALL_SQL.format(columns=rows.columns, may=may), params)
        found = cursor.fetchall()
    out: dict[int, list[OnCallPerson]] = {}
    for row in found:
        user = rows.load(row)
        assert isinstance(user, User)
        level, may_approve = row[rows.width], row[rows.width + 1]
        out.setdefault(level, []).append(
            OnCallPerson(user=user, level=level, may_approve=bool(may_approve))
        )
    return out


def oncall_anyone_maybe(*, at: datetime | None = None) -> bool:
    """Whether anyone might be on call at ``at``: a shift runs or a rotation has members
    (one or two queries). The sweepers ask it before retrying escalations nobody was ever given."""
    at = at or timezone.now()
    shifts = OnCallShift.objects.filter(starts_at__lte=at, ends_at__gt=at)
    return shifts.exists() or OnCallRotationMember.objects.exists()


@dataclass(frozen=True)
class RotationBlock:
    """Who holds a rotation's turn for a stretch of time (an override splits a turn)."""

    rotation_id: int
    rotation_name: str
    level: int
    supervisor: User
    starts_at: datetime
    ends_at: datetime
    override_id: int | None


def rotation_blocks(*, start: datetime, end: datetime) -> list[RotationBlock]:
    """Every rotation's turns overlapping [start, end), overrides cut in, clipped to the
    period, by start (three queries: rotations, overrides, people)."""
    plans = rotation_plans()
    if not plans:
        return []
    overrides = list(
        OnCallOverride.objects.filter(
            rotation_id__in=[p.id for p in plans], starts_at__lt=end, ends_at__gt=start
        )
    )
    raw: list[tuple[RotationPlan, int, datetime, datetime, int | None]] = []
    for plan in plans:
        mine = [o for o in overrides if o.rotation_id == plan.id]
        for o in mine:
            raw.append((plan, o.supervisor_id, max(o.starts_at, start), min(o.ends_at, end), o.pk))
        for turn in turns_between(plan.schedule, start, end):
            holder = member_at(plan.members, turn.index)
            if holder is None:
                continue
            pieces = [(max(turn.starts_at, start), min(turn.ends_at, end))]
            for o in mine:
                pieces = [
                    part
                    for lo, hi in pieces
                    for part in ((lo, min(hi, o.starts_at)), (max(lo, o.ends_at), hi))
                    if part[1] > part[0]
                ]
            raw.extend((plan, holder, lo, hi, None) for lo, hi in pieces)
    people = {user.pk: user for user in User.objects.filter(pk__in={r[1] for r in raw})}
    blocks = [
        RotationBlock(
            rotation_id=plan.id,
            rotation_name=plan.name,
            level=plan.level,
            supervisor=people[user_id],
            starts_at=lo,
            ends_at=hi,
            override_id=override_id,
        )
        for plan, user_id, lo, hi, override_id in raw
        if user_id in people
    ]
    return sorted(blocks, key=lambda b: (b.starts_at, b.level, b.rotation_id))
