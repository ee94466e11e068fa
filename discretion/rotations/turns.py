"""Rotation turn maths, pure Python (no Django): which turn is running at a moment, and
the turns that overlap a period.

Turn *k* begins at ``handoff_time`` on ``starts_on + k * turn_days`` days, read on the
wall clock of ``time_zone`` (IANA), and ends where turn *k + 1* begins; member
``k mod len(members)`` holds it. So a hand-off at 09:00 in Europe/Paris stays at 09:00
local across a DST change (that turn is an hour shorter or longer in UTC). A hand-off
time that does not exist on a spring-forward day is read as ``zoneinfo`` does (fold=0:
with the offset before the change, i.e. an hour later on the new clock).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zone_valid(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this machine knows ("Europe/Paris", "UTC")."""
    return isinstance(name, str) and name in _zone_names()


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def turn_caches_reset() -> None:
    """Forget the zone names and zones read so far (tests; the tz database is fixed
    for a process's life otherwise)."""
    _zone_names.cache_clear()
    zone.cache_clear()


@dataclass(frozen=True)
class Schedule:
    """What the turn maths needs of a rotation."""

    starts_on: date
    handoff_time: time
    time_zone: str
    turn_days: int


def turn_start(schedule: Schedule, k: int) -> datetime:
    """When turn ``k`` (0, 1, 2…) begins, in UTC."""
    day = schedule.starts_on + timedelta(days=k * schedule.turn_days)
    local = datetime.combine(day, schedule.handoff_time, tzinfo=zone(schedule.time_zone))
    return local.astimezone(UTC)


def turn_at(schedule: Schedule, at: datetime) -> int | None:
    """The turn running at ``at`` (an aware datetime), or None before the first one."""
    local = at.astimezone(zone(schedule.time_zone))
    days = (local.date() - schedule.starts_on).days
    k = days // schedule.turn_days
    # The wall-clock estimate may be one off around a hand-off in a DST fold: settle it
    # against the exact turn boundaries.
    while turn_start(schedule, k + 1) <= at:
        k += 1
    while k >= 0 and turn_start(schedule, k) > at:
        k -= 1
    return k if k >= 0 else None


@dataclass(frozen=True)
class Turn:
    index: int
    starts_at: datetime
    ends_at: datetime


def turns_between(schedule: Schedule, start: datetime, end: datetime) -> Iterator[Turn]:
    """Every turn overlapping [start, end), in order, with its full bounds."""
    k = turn_at(schedule, start)
    if k is None:
        k = 0
    while True:
        begins = turn_start(schedule, k)
        if begins >= end:
            return
        ends = turn_start(schedule, k + 1)
        if ends > start:
            yield Turn(index=k, starts_at=begins, ends_at=ends)
        k += 1


def member_at(members: tuple[int, ...], k: int | None) -> int | None:
    """Who holds turn ``k`` (None before the first turn or with no members)."""
    if k is None or not members:
        return None
    return members[k % len(members)]
