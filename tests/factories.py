"""factory_boy factories for every app (no fixture JSON)."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from cases.models import Case, Customer, RemedyType, Resolution
from discretion.models import Team, TrustLimit, TrustTier


def tier(code: str) -> TrustTier:
    return TrustTier.objects.get(code=code)


def remedy(code: str) -> RemedyType:
    return RemedyType.objects.get(code=code)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
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


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    external_id = factory.Sequence(lambda n: f"CUST-{n:05d}")
    name = factory.Faker("name")
    email = factory.Faker("email")


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    subject = factory.Faker("sentence", nb_words=5)
    description = factory.Faker("paragraph")
    category = "complaint"
    customer = factory.SubFactory(CustomerFactory)


class TrustLimitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrustLimit

    remedy_type = factory.LazyFunction(lambda: remedy("refund"))
    per_remedy_max = Decimal("100.00")
    per_case_max = None
    daily_max = None
    monthly_max = None
    approval_max = None


class ResolutionFactory(factory.django.DjangoModelFactory):
    """A resolution record as the decision service writes it (default: pending approval)."""

    class Meta:
        model = Resolution

    case = factory.SubFactory(CaseFactory)
    agent = factory.SubFactory(UserFactory)
    remedy_type = factory.LazyFunction(lambda: remedy("refund"))
    requested_amount = Decimal("150.00")
    amount = factory.LazyAttribute(lambda r: r.requested_amount)
    reason = "Parcel arrived three weeks late."
    status = "pending_approval"
