"""Rotation and override writes: atomic, keyword-only ``acting_user``, validated (members
and override supervisors must be active supervisors or admins; the time zone an IANA
name), each with its audit row in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db import transaction

from audit.models import ObjectType
from audit.services import audit_change, audit_record
from common.errors import Invalid
from common.roles import is_supervising
from discretion.models import User
from discretion.rotations.models import (
    NAME_MAX_LENGTH,
    TURN_DAYS_MAX,
    OnCallOverride,
    OnCallRotation,
    OnCallRotationMember,
)
from discretion.rotations.turns import time_zone_valid

# Turns are counted from starts_on: a date near year 1 or 9999 would take the turn maths
# past what a datetime holds.
STARTS_ON_RANGE = (date(2000, 1, 1), date(2199, 12, 31))
ROTATION_FIELDS = ("name", "level", "turn_days", "handoff_time", "time_zone", "starts_on")


def _rotation_snapshot(rotation: OnCallRotation, members: list[int]) -> dict[str, Any]:
    return {
        "name": rotation.name,
        "level": rotation.level,
        "members": members,
        "turn_days": rotation.turn_days,
        "handoff_time": rotation.handoff_time.isoformat(timespec="minutes"),
        "time_zone": rotation.time_zone,
        "starts_on": rotation.starts_on.isoformat(),
    }


def _member_ids(rotation: OnCallRotation) -> list[int]:
    return list(
        OnCallRotationMember.objects.filter(rotation=rotation)
        .order_by("position")
        .values_list("supervisor_id", flat=True)
    )


def _person_problem(user: User) -> str | None:
    if not is_supervising(user):
        return f"{user.username} is an agent: only supervisors and admins can be on call."
    if not user.is_active:
        return f"{user.username} is deactivated."
    return None


def _refuse(errors: dict[str, list[str]], code: str, what: str) -> None:
    if errors:
        raise Invalid(
            f"This {what} cannot be saved: " + " ".join(m for ms in errors.values() for m in ms),
            code=code,
            fields=errors,
        )


def _rotation_validate(rotation: OnCallRotation, members: list[User] | None) -> None:
    errors: dict[str, list[str]] = {}
    if not rotation.name.strip():
        errors["name"] = ["Give the rotation a name."]
    elif len(rotation.name) > NAME_MAX_LENGTH:
        errors["name"] = [f"At most {NAME_MAX_LENGTH} characters."]
    if rotation.level < 1:
        errors["level"] = ["Levels start at 1."]
    if not 1 <= rotation.turn_days <= TURN_DAYS_MAX:
        errors["turn_days"] = [f"A turn lasts 1 to {TURN_DAYS_MAX} days."]
    if not STARTS_ON_RANGE[0] <= rotation.starts_on <= STARTS_ON_RANGE[1]:
        errors["starts_on"] = [
            f"Give a date from {STARTS_ON_RANGE[0]:%Y} to {STARTS_ON_RANGE[1]:%Y}."
        ]
    if not time_zone_valid(rotation.time_zone):
        errors["time_zone"] = [
            f"“{rotation.time_zone}” is not an IANA time zone (e.g. Europe/Paris, UTC)."
        ]
    if members is not None:
        if not members:
            errors["members"] = ["Give at least one member."]
        problems = [p for p in (_person_problem(user) for user in members) if p]
        if problems:
            errors["members"] = problems
    _refuse(errors, "rotation_invalid", "rotation")


def _members_write(rotation: OnCallRotation, members: list[User]) -> None:
    OnCallRotationMember.objects.filter(rotation=rotation).delete()
    OnCallRotationMember.objects.bulk_create(
        OnCallRotationMember(rotation=rotation, supervisor=user, position=index)
        for index, user in enumerate(members)
    )


@transaction.atomic
def oncall_rotation_create(
    *,
    acting_user: User,
    name: str,
    level: int,
    members: list[User],
    turn_days: int,
    handoff_time: time,
    time_zone: str,
    starts_on: date,
) -> OnCallRotation:
    rotation = OnCallRotation(
        name=name,
        level=level,
        turn_days=turn_days,
        handoff_time=handoff_time,
        time_zone=time_zone,
        starts_on=starts_on,
    )
    _rotation_validate(rotation, members)
    rotation.save()
    _members_write(rotation, members)
    audit_record(
        actor=acting_user,
        action="oncall_rotation.create",
        object_type=ObjectType.ONCALL_ROTATION,
        object_id=rotation.pk,
        before=None,
        after=_rotation_snapshot(rotation, [user.pk for user in members]),
    )
    return rotation


@transaction.atomic
def oncall_rotation_update(
    *, acting_user: User, rotation: OnCallRotation, changes: dict[str, Any]
) -> OnCallRotation:
    """Change any of the fields; ``changes["members"]`` (users in turn order) replaces
    the turn order. The row is locked so two admins write coherent before/after pairs."""
    rotation = OnCallRotation.objects.select_for_update(no_key=True).get(pk=rotation.pk)
    before = _rotation_snapshot(rotation, _member_ids(rotation))
    for name in ROTATION_FIELDS:
        if name in changes:
            setattr(rotation, name, changes[name])
    members: list[User] | None = changes.get("members")
    _rotation_validate(rotation, members)
    rotation.save()
    if members is not None:
        _members_write(rotation, members)
    audit_change(
        actor=acting_user,
        action="oncall_rotation.update",
        object_type=ObjectType.ONCALL_ROTATION,
        object_id=rotation.pk,
        before=before,
        after=_rotation_snapshot(rotation, _member_ids(rotation)),
    )
    return rotation


@transaction.atomic
def oncall_rotation_delete(*, acting_user: User, rotation: OnCallRotation) -> None:
    """Deletes its members and overrides too."""
    before = _rotation_snapshot(rotation, _member_ids(rotation))
    rotation_id = rotation.pk
    rotation.delete()
    audit_record(
        actor=acting_user,
        action="oncall_rotation.delete",
        object_type=ObjectType.ONCALL_ROTATION,
        object_id=rotation_id,
        before=before,
        after=None,
    )


def _override_snapshot(override: OnCallOverride) -> dict[str, Any]:
    return {
        "rotation": override.rotation_id,
        "supervisor": override.supervisor_id,
        "starts_at": override.starts_at.isoformat(),
        "ends_at": override.ends_at.isoformat(),
    }


@transaction.atomic
def oncall_override_create(
    *,
    acting_user: User,
    rotation: OnCallRotation,
    supervisor: User,
    starts_at: datetime,
    ends_at: datetime,
) -> OnCallOverride:
    errors: dict[str, list[str]] = {}
    problem = _person_problem(supervisor)
    if problem:
        errors["supervisor"] = [problem]
    if ends_at <= starts_at:
        errors["ends_at"] = ["An override must end after it starts."]
    _refuse(errors, "override_invalid", "override")
    override = OnCallOverride.objects.create(
        rotation=rotation, supervisor=supervisor, starts_at=starts_at, ends_at=ends_at
    )
    audit_record(
        actor=acting_user,
        action="oncall_override.create",
        object_type=ObjectType.ONCALL_OVERRIDE,
        object_id=override.pk,
        before=None,
        after=_override_snapshot(override),
    )
    return override


@transaction.atomic
def oncall_override_delete(*, acting_user: User, override: OnCallOverride) -> None:
    before = _override_snapshot(override)
    override_id = override.pk
    override.delete()
    audit_record(
        actor=acting_user,
        action="oncall_override.delete",
        object_type=ObjectType.ONCALL_OVERRIDE,
        object_id=override_id,
        before=before,
        after=None,
    )
