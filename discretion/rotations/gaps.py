"""Gaps: the times in a period when a level has nobody on call (no running shift of an
active supervisor or admin, no rotation turn held by one, overrides applied).

Read in four queries whatever the period: the shifts, the rotations with their members,
the overrides, and which of the people named may be on call (active, supervising).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from common.roles import supervising_q
from discretion.models import OnCallShift, User
from discretion.rotations.models import OnCallOverride
from discretion.rotations.selectors import rotation_plans
from discretion.rotations.turns import member_at, turns_between

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Gap:
    level: int
    starts_at: datetime
    ends_at: datetime


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _minus(interval: Interval, holes: Iterable[Interval]) -> list[Interval]:
    """``interval`` with every hole cut out."""
    pieces = [interval]
    for lo, hi in holes:
        next_pieces = []
        for start, end in pieces:
            if hi <= start or lo >= end:
                next_pieces.append((start, end))
                continue
            if lo > start:
                next_pieces.append((start, lo))
            if hi < end:
                next_pieces.append((hi, end))
        pieces = next_pieces
    return pieces


def oncall_gaps(
    *,
    levels: Iterable[int],
    start: datetime,
    end: datetime,
    without_shift_id: int | None = None,
) -> list[Gap]:
    """Every stretch of [start, end) when a level of ``levels`` has nobody on call, by
    level then time. ``without_shift_id``: as if that shift were not there (what removing
    it would leave)."""
    wanted = sorted(set(levels))
    shifts = OnCallShift.objects.filter(
        level__in=wanted, starts_at__lt=end, ends_at__gt=start
    ).values_list("id", "level", "supervisor_id", "starts_at", "ends_at")
    shifts_rows = [row for row in shifts if row[0] != without_shift_id]
    plans = rotation_plans(levels=wanted)
    overrides = (
        list(
            OnCallOverride.objects.filter(
                rotation_id__in=[p.id for p in plans], starts_at__lt=end, ends_at__gt=start
            ).values_list("rotation_id", "supervisor_id", "starts_at", "ends_at")
        )
        if plans
        else []
    )
    named = {row[2] for row in shifts_rows} | {o[1] for o in overrides}
    named |= {user_id for plan in plans for user_id in plan.members}
    able = (
        set(
            User.objects.filter(supervising_q(), pk__in=named, is_active=True).values_list(
                "pk", flat=True
            )
        )
        if named
        else set()
    )

    covered: dict[int, list[Interval]] = {level: [] for level in wanted}
    for _, level, user_id, starts_at, ends_at in shifts_rows:
        if user_id in able:
            covered[level].append((max(starts_at, start), min(ends_at, end)))
    for plan in plans:
        mine = [(s, e) for rotation_id, _, s, e in overrides if rotation_id == plan.id]
        covered[plan.level].extend(
            (max(s, start), min(e, end))
            for rotation_id, user_id, s, e in overrides
            if rotation_id == plan.id and user_id in able
        )
        for turn in turns_between(plan.schedule, start, end):
            if member_at(plan.members, turn.index) not in able:
                continue
            window = (max(turn.starts_at, start), min(turn.ends_at, end))
            covered[plan.level].extend(_minus(window, mine))

    gaps = []
    for level in wanted:
        cursor = start
        for lo, hi in _merge(covered[level]):
            if lo > cursor:
                gaps.append(Gap(level=level, starts_at=cursor, ends_at=lo))
            cursor = max(cursor, hi)
        if cursor < end:
            gaps.append(Gap(level=level, starts_at=cursor, ends_at=end))
    return gaps
