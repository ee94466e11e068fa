"""Factories for the customer-message room (``discretion.messages``)."""

from __future__ import annotations

from email.utils import make_msgid

import factory

from discretion.models import CustomerMessage
from tests.factories.cases import CaseFactory
from tests.factories.discretion import UserFactory


class CustomerMessageFactory(factory.django.DjangoModelFactory[CustomerMessage]):
    """A draft to the case's customer (set ``status``/``queued_at`` for other states)."""

    class Meta:
        model = CustomerMessage

    case = factory.SubFactory(CaseFactory)
    author = factory.SubFactory(UserFactory, role="agent")
    to = factory.LazyAttribute(lambda m: m.case.customer.email)
    subject = factory.LazyAttribute(lambda m: f"About your case #{m.case.pk}: {m.case.subject}")
    body = factory.Faker("paragraph")
    message_id = factory.LazyFunction(lambda: make_msgid(domain="test.invalid"))
