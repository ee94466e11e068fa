"""Factories for ``discretion``: users, teams, tiers, limits, budgets, escalations, on-call,
notifications, idempotency keys."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from discretion.models import (
    BudgetWindow,
    Escalation,
    EscalationEvent,
    EscalationPolicy,
    IdempotencyKey,
    Notification,
    OnCallShift,
    Team,
    TrustLimit,
    TrustTier,
    User,
)
from tests.factories.cases import ResolutionFactory, remedy


def tier(code: str) -> TrustTier:
    """One of the seeded tiers (migration ``discretion.0002``): new, standard, senior."""
    return TrustTier.objects.get(code=code)


def _default_levels() -> list[dict[str, int]]:
    return [dict(level) for level in EscalationPolicy.DEFAULT_LEVELS]


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class TrustTierFactory(factory.django.DjangoModelFactory[TrustTier]):
    """A tier beyond the seeded three (look those up with ``tier(code)``)."""

    class Meta:
        model = TrustTier
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"tier-{n}")
    name = factory.LazyAttribute(lambda t: t.code.replace("-", " ").capitalize())
    rank = 50


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = "agent"
    password = factory.PostGenerationMethodCall("set_password", "pass-12345")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TrustLimitFactory(factory.django.DjangoModelFactory[TrustLimit]):
    """A refund cap of 100.00. Its scope is ``agent=`` when given, else ``tier=`` (default:
    the seeded "standard" tier): the database wants exactly one of them."""

    class Meta:
        model = TrustLimit

    agent = None
    tier = factory.Maybe(
        "agent", yes_declaration=None, no_declaration=factory.LazyFunction(lambda: tier("standard"))
    )
    remedy_type = factory.LazyFunction(lambda: remedy("refund"))
    per_remedy_max = Decimal("100.00")
    per_case_max = None
    daily_max = None
    monthly_max = None
    approval_max = None


class BudgetWindowFactory(factory.django.DjangoModelFactory[BudgetWindow]):
    """Today's refund budget of a user, nothing spent yet.

    The app moves ``used`` only under a row lock (``discretion.trust.budgets``); a factory
    row is for reads and for the database's own checks.
    """

    class Meta:
        model = BudgetWindow

    user = factory.SubFactory(UserFactory)
    remedy_type = factory.LazyFunction(lambda: remedy("refund"))
    period = BudgetWindow.Period.DAY
    starts_on = factory.LazyFunction(timezone.localdate)
    used = Decimal("0.00")
    cap = None


class EscalationPolicyFactory(factory.django.DjangoModelFactory[EscalationPolicy]):
    """The one escalation policy row (pk=1, seeded): the factory sets its levels in place."""

    class Meta:
        model = EscalationPolicy

    id = 1
    levels = factory.LazyFunction(lambda: _default_levels())

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        pk = kwargs.pop("id")
        policy, _ = model_class.objects.update_or_create(pk=pk, defaults=kwargs)
        return policy


class OnCallShiftFactory(factory.django.DjangoModelFactory[OnCallShift]):
    """A level-1 shift of a new supervisor, from ``hours`` ago until ``hours`` from now."""

    class Meta:
        model = OnCallShift

    class Params:
        hours = 1
        now = factory.LazyFunction(timezone.now)

    supervisor = factory.SubFactory(UserFactory, role="supervisor")
    level = 1
    starts_at = factory.LazyAttribute(lambda s: s.now - timedelta(hours=s.hours))
    ends_at = factory.LazyAttribute(lambda s: s.now + timedelta(hours=s.hours))


class EscalationFactory(factory.django.DjangoModelFactory[Escalation]):
    """A pending, unrouted escalation row as ``escalation_open`` inserts it, but without
    its history, its case timeline event or the routing task: for reads. For the real
    thing use ``tests.support.escalations.open_escalation``."""

    class Meta:
        model = Escalation

    resolution = factory.SubFactory(ResolutionFactory)
    level = 1
    policy_levels = factory.LazyFunction(lambda: _default_levels())


class EscalationEventFactory(factory.django.DjangoModelFactory[EscalationEvent]):
    class Meta:
        model = EscalationEvent

    escalation = factory.SubFactory(EscalationFactory)
    event = "created"
    level = factory.LazyAttribute(lambda e: e.escalation.level)


class NotificationFactory(factory.django.DjangoModelFactory[Notification]):
    """An unread in-app notification; ``dedupe_key`` is unique per recipient."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "note"
    title = factory.Sequence(lambda n: f"Note {n}")
    link = ""
    dedupe_key = factory.Sequence(lambda n: f"note-{n}")


class IdempotencyKeyFactory(factory.django.DjangoModelFactory[IdempotencyKey]):
    """A client's ``Idempotency-Key``, still in flight (no response stored yet)."""

    class Meta:
        model = IdempotencyKey

    user = factory.SubFactory(UserFactory)
    key = factory.Sequence(lambda n: f"key-{n}")
    fingerprint = factory.Sequence(lambda n: f"{n:064x}")
