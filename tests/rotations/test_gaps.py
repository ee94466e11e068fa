"""Gaps (nobody on call at a level) from shifts, rotation turns and overrides, and
removing one occurrence of a shift (``oncall_shift_cut``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from audit.models import AuditEvent
from discretion.escalations.oncall import oncall_shift_cut
from discretion.models import OnCallShift
from discretion.rotations.gaps import Gap, oncall_gaps
from tests import factories
from tests.support.rotations import rotation_with

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 12, 7, tzinfo=UTC)


def at(hours):
    return MONDAY + timedelta(hours=hours)


def shift(user, start, end, level=1):
    return factories.OnCallShiftFactory(
        supervisor=user, level=level, starts_at=at(start), ends_at=at(end)
    )


def test_shifts_leave_gaps_between_them_and_an_empty_level_is_one_gap():
    pam = factories.UserFactory(role="supervisor")
    shift(pam, 0, 8)
    shift(pam, 6, 12)  # overlapping shifts merge
    shift(pam, 14, 24)
    assert oncall_gaps(levels=[1, 2], start=at(0), end=at(24)) == [
        Gap(level=1, starts_at=at(12), ends_at=at(14)),
        Gap(level=2, starts_at=at(0), ends_at=at(24)),
    ]


def test_a_deactivated_or_agent_on_a_shift_covers_nothing():
    gone = factories.UserFactory(role="supervisor", is_active=False)
    agent = factories.UserFactory(role="agent")
    shift(gone, 0, 12)
    shift(agent, 12, 24)
    assert oncall_gaps(levels=[1], start=at(0), end=at(24)) == [Gap(1, at(0), at(24))]


def test_a_rotation_covers_from_its_first_handoff_and_a_gone_members_turns_are_gaps():
    ann = factories.UserFactory(role="supervisor")
    bob = factories.UserFactory(role="supervisor", is_active=False)
    # Daily turns at 09:00 UTC from Monday: Ann, Bob (deactivated), Ann, Bob…
    rotation_with(ann, bob, turn_days=1, starts_on=date(2026, 12, 7), handoff_time=time(9))
    assert oncall_gaps(levels=[1], start=at(0), end=at(72)) == [
        Gap(1, at(0), at(9)),  # before the first hand-off
        Gap(1, at(33), at(57)),  # Bob's turn, Tuesday 09:00 to Wednesday 09:00
    ]


def test_an_override_fills_a_gone_members_turn_and_one_by_a_gone_person_leaves_a_gap():
    ann = factories.UserFactory(role="supervisor")
    bob = factories.UserFactory(role="supervisor", is_active=False)
    cover = factories.UserFactory(role="admin")
    rotation = rotation_with(
        ann, bob, turn_days=1, starts_on=date(2026, 12, 6), handoff_time=time(9)
    )
    factories.OnCallOverrideFactory(
        rotation=rotation, supervisor=cover, starts_at=at(9), ends_at=at(21)
    )
    # Ann's turn (Sunday 09:00 to Monday 09:00), then Bob's, covered 09:00 to 21:00.
    assert oncall_gaps(levels=[1], start=at(0), end=at(33)) == [Gap(1, at(21), at(33))]
    factories.OnCallOverrideFactory(
        rotation=rotation, supervisor=bob, starts_at=at(2), ends_at=at(4)
    )
    # Bob overriding Ann's turn takes it off her and covers nothing himself.
    assert oncall_gaps(levels=[1], start=at(0), end=at(33)) == [
        Gap(1, at(2), at(4)),
        Gap(1, at(21), at(33)),
    ]


def test_without_a_shift_shows_what_removing_it_would_leave():
    pam, sam = factories.UserFactory(role="supervisor"), factories.UserFactory(role="supervisor")
    long = shift(pam, 0, 72)
    shift(sam, 24, 36)
    assert oncall_gaps(levels=[1], start=at(24), end=at(48)) == []
    assert oncall_gaps(levels=[1], start=at(24), end=at(48), without_shift_id=long.pk) == [
        Gap(1, at(36), at(48))
    ]


def test_cutting_one_day_out_of_a_long_shift_splits_it_and_audits_each_change():
    admin = factories.UserFactory(role="admin")
    pam = factories.UserFactory(role="supervisor")
    long = shift(pam, 0, 72)
    left = oncall_shift_cut(acting_user=admin, shift=long, starts_at=at(24), ends_at=at(48))
    assert sorted((s.starts_at, s.ends_at) for s in left) == [(at(0), at(24)), (at(48), at(72))]
    assert OnCallShift.objects.count() == 2
    actions = AuditEvent.objects.filter(object_type="oncall_shift").values_list("action", flat=True)
    assert sorted(actions) == ["oncall_shift.create", "oncall_shift.update"]
    # The first day: the shift is shortened; then the last piece: deleted.
    first = OnCallShift.objects.get(starts_at=at(0))
    assert oncall_shift_cut(acting_user=admin, shift=first, starts_at=at(-5), ends_at=at(10))
    assert OnCallShift.objects.get(pk=first.pk).starts_at == at(10)
    assert oncall_shift_cut(acting_user=admin, shift=first, starts_at=at(0), ends_at=at(24)) == []
    assert not OnCallShift.objects.filter(pk=first.pk).exists()
