"""Factories for the webhooks room (``discretion.webhooks``)."""

from __future__ import annotations

import secrets
import uuid

import factory

from discretion.models import WebhookDelivery, WebhookEndpoint, WebhookEvent


class WebhookEndpointFactory(factory.django.DjangoModelFactory[WebhookEndpoint]):
    """An enabled endpoint subscribed to every resolution event (URL not resolved)."""

    class Meta:
        model = WebhookEndpoint

    url = factory.Sequence(lambda n: f"https://hooks{n}.example.com/discretion")
    events = factory.LazyFunction(
        lambda: ["resolution.applied", "resolution.escalated", "resolution.rejected"]
    )
    secret = factory.LazyFunction(lambda: f"whsec_{secrets.token_hex(32)}")


class WebhookEventFactory(factory.django.DjangoModelFactory[WebhookEvent]):
    class Meta:
        model = WebhookEvent

    id = factory.LazyFunction(lambda: f"evt_{uuid.uuid4().hex}")
    type = "resolution.applied"
    data = factory.LazyFunction(lambda: {"id": 1, "amount": "10.00", "currency": "USD"})


class WebhookDeliveryFactory(factory.django.DjangoModelFactory[WebhookDelivery]):
    """A pending delivery, due now."""

    class Meta:
        model = WebhookDelivery

    endpoint = factory.SubFactory(WebhookEndpointFactory)
    event = factory.SubFactory(WebhookEventFactory)
