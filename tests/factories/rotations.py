"""Factories for the on-call rotations room (``discretion.rotations``)."""

from __future__ import annotations

from datetime import date, time, timedelta

import factory
from django.utils import timezone

from discretion.models import OnCallOverride, OnCallRotation, OnCallRotationMember
from tests.factories.discretion import UserFactory


class OnCallRotationFactory(factory.django.DjangoModelFactory[OnCallRotation]):
    """A level-1 weekly rotation handing off at 09:00 UTC, started a week ago, with no
    members (add them with ``OnCallRotationMemberFactory`` or ``rotation_with`` in
    tests/support/rotations.py)."""

    class Meta:
        model = OnCallRotation

    name = factory.Sequence(lambda n: f"Rotation {n}")
    level = 1
    turn_days = 7
    handoff_time = time(9, 0)
    time_zone = "UTC"
    starts_on = factory.LazyFunction(lambda: date.today() - timedelta(days=7))


class OnCallRotationMemberFactory(factory.django.DjangoModelFactory[OnCallRotationMember]):
    class Meta:
        model = OnCallRotationMember

    rotation = factory.SubFactory(OnCallRotationFactory)
    supervisor = factory.SubFactory(UserFactory, role="supervisor")
    position = factory.Sequence(lambda n: n)


class OnCallOverrideFactory(factory.django.DjangoModelFactory[OnCallOverride]):
    """A new supervisor takes the rotation's turn from an hour ago to an hour from now."""

    class Meta:
        model = OnCallOverride

    rotation = factory.SubFactory(OnCallRotationFactory)
    supervisor = factory.SubFactory(UserFactory, role="supervisor")
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1))
