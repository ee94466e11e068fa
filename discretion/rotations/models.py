"""On-call rotations and their overrides (CONTRACT.md, "The right person on call").

A rotation hands one level's on-call duty round its members in order: member *k* (by
``position``) holds the *k*-th turn of ``turn_days`` days, each turn beginning at
``handoff_time`` in ``time_zone`` (wall-clock, so a turn across a DST change is an hour
shorter or longer), counted from ``starts_on``, round and round. An override puts
someone else on the rotation's turn for the time it gives. The turn maths is pure
(``discretion.rotations.turns``).
"""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

NAME_MAX_LENGTH = 100
TURN_DAYS_MAX = 365


class OnCallRotation(models.Model):
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    level = models.PositiveSmallIntegerField(default=1)
    turn_days = models.PositiveSmallIntegerField(default=7)
    handoff_time = models.TimeField(default=time(9, 0))
    time_zone = models.CharField(max_length=64, default="UTC")
    starts_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["level", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1), name="rotation_level_positive"),
            models.CheckConstraint(
                condition=Q(turn_days__gte=1, turn_days__lte=TURN_DAYS_MAX),
                name="rotation_turn_days_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (level {self.level}, {self.turn_days}-day turns)"


class OnCallRotationMember(models.Model):
    """One place in a rotation's turn order (``position`` 0, 1, 2…)."""

    rotation = models.ForeignKey(OnCallRotation, on_delete=models.CASCADE, related_name="members")
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rotation_places"
    )
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["rotation_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["rotation", "position"], name="rotation_member_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rotation_id}#{self.position}: {self.supervisor_id}"


class OnCallOverride(models.Model):
    """``supervisor`` takes the rotation's turn from ``starts_at`` to ``ends_at`` (a
    vacation, a swap); the member whose turn it is is off call for that time."""

    rotation = models.ForeignKey(OnCallRotation, on_delete=models.CASCADE, related_name="overrides")
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oncall_overrides"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="oncall_override_window_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="oncall_override_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supervisor_id} on rotation {self.rotation_id} at {self.starts_at:%Y-%m-%d}"
