"""Factories for the review and recognition rooms (``discretion.reviews``,
``discretion.recognition``)."""

from __future__ import annotations

from decimal import Decimal

import factory

from discretion.models import Recognition, Review, ReviewPolicy
from tests.factories.cases import ResolutionFactory


class ReviewPolicyFactory(factory.django.DjangoModelFactory[ReviewPolicy]):
    class Meta:
        model = ReviewPolicy
        django_get_or_create = ("pk",)

    pk = 1
    sample_percent = Decimal("5")
    always_above = None


class ReviewFactory(factory.django.DjangoModelFactory[Review]):
    """A pending review of an applied resolution."""

    class Meta:
        model = Review

    resolution = factory.SubFactory(
        ResolutionFactory, status="applied", counts_against_budget=True, requested_amount="40.00"
    )
    agent = factory.LazyAttribute(lambda r: r.resolution.agent)
    remedy_type = factory.LazyAttribute(lambda r: r.resolution.remedy_type)


class RecognitionFactory(factory.django.DjangoModelFactory[Recognition]):
    class Meta:
        model = Recognition

    agent = factory.SubFactory("tests.factories.discretion.UserFactory")
    from_user = factory.SubFactory("tests.factories.discretion.UserFactory")
    note = "Turned a furious customer into a fan."
