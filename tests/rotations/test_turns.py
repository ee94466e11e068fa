"""The rotation turn maths (pure, no database): turn k from starts_on at the hand-off
time on the rotation's own clock, round and round, across DST changes."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest

from discretion.rotations.turns import (
    Schedule,
    member_at,
    time_zone_valid,
    turn_at,
    turn_start,
    turns_between,
)

WEEKLY_UTC = Schedule(
    starts_on=date(2026, 1, 5), handoff_time=time(9, 0), time_zone="UTC", turn_days=7
)
# Europe/Paris: CET (+01:00) until 2026-03-29 02:00, CEST (+02:00) until 2026-10-25 03:00.
DAILY_PARIS = Schedule(
    starts_on=date(2026, 3, 27), handoff_time=time(9, 0), time_zone="Europe/Paris", turn_days=1
)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "turn"),
    [
        (utc(2026, 1, 5, 8, 59), None),  # before the first hand-off
        (utc(2026, 1, 5, 9, 0), 0),  # the hand-off itself starts the turn
        (utc(2026, 1, 12, 8, 59, 59), 0),  # a second before the next one
        (utc(2026, 1, 12, 9, 0), 1),
        (utc(2026, 1, 26, 12, 0), 3),
        (utc(2025, 12, 1), None),
    ],
)
def test_weekly_turns_start_at_the_handoff(at, turn):
    assert turn_at(WEEKLY_UTC, at) == turn


def test_members_take_turns_round_and_round():
    members = (11, 22, 33)
    assert [member_at(members, k) for k in range(7)] == [11, 22, 33, 11, 22, 33, 11]
    assert member_at(members, None) is None
    assert member_at((), 4) is None


def test_the_handoff_stays_at_nine_local_across_spring_forward():
    # 09:00 in Paris is 08:00 UTC before 29 March and 07:00 UTC after it.
    assert turn_start(DAILY_PARIS, 0) == utc(2026, 3, 27, 8, 0)
    assert turn_start(DAILY_PARIS, 2) == utc(2026, 3, 29, 7, 0)
    assert turn_at(DAILY_PARIS, utc(2026, 3, 29, 6, 59)) == 1
    assert turn_at(DAILY_PARIS, utc(2026, 3, 29, 7, 0)) == 2
    turns = list(turns_between(DAILY_PARIS, utc(2026, 3, 28, 12), utc(2026, 3, 30, 12)))
    assert [t.index for t in turns] == [1, 2, 3]
    # The turn across the change is an hour short: 23 hours.
    assert turns[0].ends_at - turns[0].starts_at == timedelta(hours=23)
    assert turns[1].ends_at - turns[1].starts_at == timedelta(hours=24)


def test_the_handoff_stays_at_nine_local_across_fall_back():
    schedule = Schedule(
        starts_on=date(2026, 10, 24),
        handoff_time=time(9, 0),
        time_zone="Europe/Paris",
        turn_days=1,
    )
    turns = list(turns_between(schedule, utc(2026, 10, 24, 7), utc(2026, 10, 26, 7)))
    # 09:00 CEST is 07:00 UTC; after 25 October 03:00 (CET) 09:00 is 08:00 UTC.
    assert [t.starts_at for t in turns] == [utc(2026, 10, 24, 7, 0), utc(2026, 10, 25, 8, 0)]
    assert turns[0].ends_at - turns[0].starts_at == timedelta(hours=25)


def test_a_handoff_in_the_autumn_fold_is_read_once():
    # 02:30 happens twice in Paris on 25 October 2026; the first (CEST) one is the hand-off.
    schedule = Schedule(
        starts_on=date(2026, 10, 20),
        handoff_time=time(2, 30),
        time_zone="Europe/Paris",
        turn_days=5,
    )
    assert turn_start(schedule, 1) == utc(2026, 10, 25, 0, 30)
    assert turn_at(schedule, utc(2026, 10, 25, 0, 29)) == 0
    assert turn_at(schedule, utc(2026, 10, 25, 1, 15)) == 1  # 02:15 CET, after the hand-off


def test_a_new_york_rotation_seen_from_utc():
    schedule = Schedule(
        starts_on=date(2026, 3, 1),
        handoff_time=time(17, 0),
        time_zone="America/New_York",
        turn_days=7,
    )
    # 17:00 EST is 22:00 UTC; after 8 March (EDT) 17:00 is 21:00 UTC.
    assert turn_start(schedule, 0) == utc(2026, 3, 1, 22, 0)
    assert turn_start(schedule, 1) == utc(2026, 3, 8, 21, 0)
    assert turn_at(schedule, utc(2026, 3, 8, 21, 30)) == 1
    assert turn_at(schedule, utc(2026, 3, 8, 20, 59)) == 0


def test_turns_between_covers_the_period_without_holes():
    start, end = utc(2026, 1, 1), utc(2026, 3, 1)
    turns = list(turns_between(WEEKLY_UTC, start, end))
    assert turns[0].index == 0 and turns[0].starts_at == utc(2026, 1, 5, 9)
    assert all(a.ends_at == b.starts_at for a, b in itertools.pairwise(turns))
    assert turns[-1].starts_at < end <= turns[-1].ends_at


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("Europe/Paris", True),
        ("UTC", True),
        ("America/Argentina/Buenos_Aires", True),
        ("Mars/Olympus", False),
        ("../etc/passwd", False),
        ("", False),
        ("+02:00", False),
    ],
)
def test_time_zones_are_iana_names(name, valid):
    assert time_zone_valid(name) is valid
