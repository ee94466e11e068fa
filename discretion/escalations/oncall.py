"""On-call shifts and the escalation policy: who answers, and how long each level waits.

Services write (atomic, keyword-only ``acting_user``, audit row in the same transaction);
the selectors below are what routing and the API read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from audit.models import ObjectType
from audit.services import audit_change, audit_record
from common.db import select
from common.errors import Invalid
from common.roles import is_supervising
from discretion.models import EscalationPolicy, OnCallShift, User
from discretion.rotations.gaps import Gap, oncall_gaps
from discretion.rotations.selectors import oncall_people

SHIFT_FIELDS = ("supervisor", "level", "starts_at", "ends_at")


# --- on-call shifts -------------------------------------------------------------------


def _shift_snapshot(shift: OnCallShift) -> dict[str, Any]:
    return {
        "supervisor": shift.supervisor_id,
        "level": shift.level,
        "starts_at": shift.starts_at.isoformat() if shift.starts_at else None,
        "ends_at": shift.ends_at.isoformat() if shift.ends_at else None,
    }


def _shift_validate(shift: OnCallShift) -> None:
    errors: dict[str, list[str]] = {}
    supervisor = shift.supervisor
    if not is_supervising(supervisor):
        errors["supervisor"] = [
            f"{supervisor.username} is an agent: only supervisors and admins can be on call."
        ]
    elif not supervisor.is_active:
        errors["supervisor"] = [f"{supervisor.username} is deactivated."]
    if shift.level < 1:
        errors["level"] = ["Levels start at 1."]
    if shift.ends_at <= shift.starts_at:
        errors["ends_at"] = ["A shift must end after it starts."]
    if errors:
        raise Invalid(
            "This shift cannot be saved: " + " ".join(m for ms in errors.values() for m in ms),
            code="shift_invalid",
            fields=errors,
        )


@transaction.atomic
def oncall_shift_create(
    *, acting_user: User, supervisor: User, level: int, starts_at: datetime, ends_at: datetime
) -> OnCallShift:
    shift = OnCallShift(supervisor=supervisor, level=level, starts_at=starts_at, ends_at=ends_at)
    _shift_validate(shift)
    shift.save()
    audit_record(
        actor=acting_user,
        action="oncall_shift.create",
        object_type=ObjectType.ONCALL_SHIFT,
        object_id=shift.pk,
        before=None,
        after=_shift_snapshot(shift),
    )
    return shift


@transaction.atomic
def oncall_shift_update(
    *, acting_user: User, shift: OnCallShift, changes: dict[str, Any]
) -> OnCallShift:
    # Lock so two admins editing the same shift write two coherent before/after pairs.
    shift = (
        OnCallShift.objects.select_for_update(no_key=True)
        .select_related("supervisor")
        .get(pk=shift.pk)
    )
    before = _shift_snapshot(shift)
    for field in SHIFT_FIELDS:
        if field in changes:
            setattr(shift, field, changes[field])
    _shift_validate(shift)
    shift.save()
    after = _shift_snapshot(shift)
    audit_change(
        actor=acting_user,
        action="oncall_shift.update",
        object_type=ObjectType.ONCALL_SHIFT,
        object_id=shift.pk,
        before=before,
        after=after,
    )
    return shift


@transaction.atomic
def oncall_shift_delete(*, acting_user: User, shift: OnCallShift) -> None:
    before = _shift_snapshot(shift)
    shift_id = shift.pk
    shift.delete()
    audit_record(
        actor=acting_user,
        action="oncall_shift.delete",
        object_type=ObjectType.ONCALL_SHIFT,
        object_id=shift_id,
        before=before,
        after=None,
    )


def oncall_shift_list(
    *,
    supervisor_id: int | None = None,
    level: int | None = None,
    at: datetime | None = None,
    overlapping: tuple[datetime, datetime] | None = None,
) -> QuerySet[OnCallShift]:
    """Shifts by start, with the supervisor joined (one query).

    ``at``: the shifts running at that moment. ``overlapping=(start, end)``: those that
    overlap the period (a week of the admin's calendar).
    """
    qs = OnCallShift.objects.select_related("supervisor").order_by("starts_at", "level", "id")
    if supervisor_id is not None:
        qs = qs.filter(supervisor_id=supervisor_id)
    if level is not None:
        qs = qs.filter(level=level)
    if at is not None:
        qs = qs.filter(starts_at__lte=at, ends_at__gt=at)
    if overlapping is not None:
        start, end = overlapping
        qs = qs.filter(starts_at__lt=end, ends_at__gt=start)
    return qs


def oncall_shift_get(*, shift_id: int) -> OnCallShift:
    """Raises OnCallShift.DoesNotExist."""
    return oncall_shift_list().get(pk=shift_id)


def oncall_supervisors_at(*, level: int, at: datetime | None = None) -> list[User]:
    """Active supervisors/admins on call at ``level`` at ``at`` (shifts and rotations,
    overrides applied), least loaded first; a tie goes to the lowest id."""
    return [person.user for person in oncall_people(levels=[level], at=at).get(level, [])]


def oncall_now(
    *,
    at: datetime | None = None,
    remedy_type_id: int | None = None,
    amount: Decimal | None = None,
) -> dict[str, Any]:
    """Who is on call at every level of the current policy (and any level with a shift).

    With ``remedy_type_id`` (and ``amount``), only those whose own approval_max for it
    covers the amount: those who could decide it.
    """
    at = at or timezone.now()
    policy_levels = [int(entry["level"]) for entry in escalation_policy_get().levels]
    shift_levels = OnCallShift.objects.filter(starts_at__lte=at, ends_at__gt=at).values_list(
        "level", flat=True
    )
    levels = sorted(set(policy_levels) | set(shift_levels))
    found = oncall_people(levels=levels, at=at, remedy_type_id=remedy_type_id, amount=amount)
    return {
        "at": at,
        "levels": [
            {
                "level": level,
                "supervisors": sorted(
                    (p.user for p in found.get(level, []) if p.may_approve),
                    key=lambda user: user.pk,
                ),
            }
            for level in levels
        ],
    }


def oncall_gaps_coming(
    *, start: datetime, end: datetime, without_shift_id: int | None = None
) -> list[Gap]:
    """The gaps of every level of the current policy in [start, end) (five queries)."""
    levels = [int(entry["level"]) for entry in escalation_policy_get().levels]
    return oncall_gaps(levels=levels, start=start, end=end, without_shift_id=without_shift_id)


@transaction.atomic
def oncall_shift_cut(
    *, acting_user: User, shift: OnCallShift, starts_at: datetime, ends_at: datetime
) -> list[OnCallShift]:
    """Take [starts_at, ends_at) out of ``shift`` (one occurrence of it, e.g. one day of a
    long shift): the shift is deleted, shortened, or split in two. Returns what is left.

    Each change is its own audit row (update, create for the second half of a split,
    delete), so the trail says exactly which hours were removed.
    """
    shift = (
        OnCallShift.objects.select_for_update(no_key=True)
        .select_related("supervisor")
        .get(pk=shift.pk)
    )
    lo, hi = max(starts_at, shift.starts_at), min(ends_at, shift.ends_at)
    if hi <= lo:
        raise Invalid(
            "That time is not part of this shift.",
            code="shift_cut_outside",
            fields={"starts_at": ["That time is not part of this shift."]},
        )
    before_part = (shift.starts_at, lo) if lo > shift.starts_at else None
    after_part = (hi, shift.ends_at) if hi < shift.ends_at else None
    if before_part is None and after_part is None:
        oncall_shift_delete(acting_user=acting_user, shift=shift)
        return []
    first = before_part or after_part
    assert first is not None
    left = [
        oncall_shift_update(
            acting_user=acting_user,
            shift=shift,
            changes={"starts_at": first[0], "ends_at": first[1]},
        )
    ]
    if before_part is not None and after_part is not None:
        left.append(
            oncall_shift_create(
                acting_user=acting_user,
                supervisor=shift.supervisor,
                level=shift.level,
                starts_at=after_part[0],
                ends_at=after_part[1],
            )
        )
    return left


# --- escalation policy ----------------------------------------------------------------


_POLICY_SQL = f"SELECT {{columns}} FROM {EscalationPolicy._meta.db_table} p WHERE p.id = 1"


def escalation_policy_get() -> EscalationPolicy:
    """The one policy row (pk=1); recreated with the default levels if it went missing."""
    # Plain SQL first (common.db): every escalation reads it.
    found = select(EscalationPolicy, "p", _POLICY_SQL)
    if found:
        policy = found[0]
    else:
        policy, _ = EscalationPolicy.objects.get_or_create(
            pk=1, defaults={"levels": EscalationPolicy.DEFAULT_LEVELS}
        )
    if not policy.levels:
        policy.levels = list(EscalationPolicy.DEFAULT_LEVELS)
    return policy


def _levels_invalid(message: str) -> Invalid:
    return Invalid(message, code="policy_levels_invalid", fields={"levels": [message]})


def policy_levels_validate(levels: Iterable[Any]) -> list[dict[str, int]]:
    """Levels numbered 1..n in order, each with a whole number of seconds ≥ 1. Raises
    Invalid ``policy_levels_invalid`` naming ``levels``."""
    if not isinstance(levels, list | tuple) or not levels:
        raise _levels_invalid("Give at least one level.")
    clean: list[dict[str, int]] = []
    for index, entry in enumerate(levels, start=1):
        if not isinstance(entry, dict):
            raise _levels_invalid(f"Level {index}: expected {{level, timeout_seconds}}.")
        level, timeout = entry.get("level"), entry.get("timeout_seconds")
        if isinstance(level, bool) or not isinstance(level, int) or level != index:
            raise _levels_invalid(
                f"Levels must be numbered 1, 2, 3… in order; entry {index} is {level!r}."
            )
        if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
            raise _levels_invalid(f"Level {index}: timeout_seconds must be a whole number ≥ 1.")
        if timeout > 7 * 24 * 3600:
            raise _levels_invalid(f"Level {index}: timeout_seconds is at most a week.")
        clean.append({"level": level, "timeout_seconds": timeout})
    return clean


REPEAT_TIMES_MAX = 10


@transaction.atomic
def escalation_policy_update(
    *, acting_user: User, levels: list[Any], repeat_times: int | None = None
) -> EscalationPolicy:
    """Replace the levels (and ``repeat_times``, when given: how many more rounds of the
    chain from level 1 before overdue). Escalations already open keep what they were
    created with."""
    clean = policy_levels_validate(levels)
    if repeat_times is not None and (
        isinstance(repeat_times, bool)
        or not isinstance(repeat_times, int)
        or not 0 <= repeat_times <= REPEAT_TIMES_MAX
    ):
        message = f"Repeat the chain 0 to {REPEAT_TIMES_MAX} times."
        raise Invalid(message, code="policy_repeat_invalid", fields={"repeat_times": [message]})
    escalation_policy_get()
    policy = EscalationPolicy.objects.select_for_update(no_key=True).get(pk=1)
    before = {"levels": policy.levels, "repeat_times": policy.repeat_times}
    policy.levels = clean
    if repeat_times is not None:
        policy.repeat_times = repeat_times
    policy.save()
    audit_record(
        actor=acting_user,
        action="escalation_policy.update",
        object_type=ObjectType.ESCALATION_POLICY,
        object_id=policy.pk,
        before=before,
        after={"levels": clean, "repeat_times": policy.repeat_times},
    )
    return policy
