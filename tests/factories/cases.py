"""Factories for ``cases``: remedy types, customers, cases, their timeline, resolutions."""

from __future__ import annotations

from decimal import Decimal

import factory

from cases.models import Case, CaseEvent, Customer, RemedyType, Resolution


def remedy(code: str) -> RemedyType:
    """One of the seven seeded remedy types (migration ``cases.0003``)."""
    return RemedyType.objects.get(code=code)


class RemedyTypeFactory(factory.django.DjangoModelFactory[RemedyType]):
    """A remedy type beyond the seeded seven (look those up with ``remedy(code)``)."""

    class Meta:
        model = RemedyType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"remedy_{n}")
    name = factory.LazyAttribute(lambda r: r.code.replace("_", " ").capitalize())
    monetary = True
    enabled = True
    sort_order = 100


class CustomerFactory(factory.django.DjangoModelFactory[Customer]):
    class Meta:
        model = Customer

    external_id = factory.Sequence(lambda n: f"CUST-{n:05d}")
    name = factory.Faker("name")
    email = factory.Faker("email")


class CaseFactory(factory.django.DjangoModelFactory[Case]):
    class Meta:
        model = Case

    subject = factory.Faker("sentence", nb_words=5)
    description = factory.Faker("paragraph")
    category = "complaint"
    customer = factory.SubFactory(CustomerFactory)


class CaseEventFactory(factory.django.DjangoModelFactory[CaseEvent]):
    """One line of a case's timeline (the services write them with ``case_event_add``)."""

    class Meta:
        model = CaseEvent

    case = factory.SubFactory(CaseFactory)
    kind = "note"
    summary = factory.Faker("sentence")


class ResolutionFactory(factory.django.DjangoModelFactory[Resolution]):
    """A resolution record as the decision service writes it (default: pending approval)."""

    class Meta:
        model = Resolution

    case = factory.SubFactory(CaseFactory)
    agent = factory.SubFactory("tests.factories.discretion.UserFactory")
    remedy_type = factory.LazyFunction(lambda: remedy("refund"))
    requested_amount = Decimal("150.00")
    amount = factory.LazyAttribute(lambda r: r.requested_amount)
    reason = "Parcel arrived three weeks late."
    status = "pending_approval"
    # The contract's decision object, without checks or rules (the services record those).
    decision = factory.LazyAttribute(
        lambda r: {
            "outcome": "escalate" if r.status == "pending_approval" else "apply",
            "summary": "Recorded by a test factory.",
            "checks": [],
            "rules": [],
        }
    )
