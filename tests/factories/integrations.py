"""Factories for the integrations room (``discretion.integrations``)."""

from __future__ import annotations

import factory

from discretion.integrations.models import KEY_PREFIX_LENGTH, IntegrationKey
from discretion.integrations.selectors import key_digest
from tests.factories.discretion import UserFactory


class IntegrationKeyFactory(factory.django.DjangoModelFactory[IntegrationKey]):
    """An active key. Its secret is ``key.secret`` (set on the instance, never stored):
    ``Authorization: Bearer {key.secret}``."""

    class Meta:
        model = IntegrationKey

    secret = factory.Sequence(lambda n: f"dsk_test-secret-{n:06d}-0123456789abcdefghijkl")
    name = factory.Sequence(lambda n: f"Help desk {n}")
    key_hash = factory.LazyAttribute(lambda k: key_digest(k.secret))
    prefix = factory.LazyAttribute(lambda k: k.secret[:KEY_PREFIX_LENGTH])
    created_by = factory.SubFactory(UserFactory, role="admin")

    @classmethod
    def _create(cls, model_class, *args, secret: str, **kwargs):
        key = super()._create(model_class, *args, **kwargs)
        key.secret = secret
        return key
