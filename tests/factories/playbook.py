"""Factories for the playbook and follow-up rooms (``discretion.playbook``,
``discretion.followups``)."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from discretion.models import FollowUp, MessagingSettings
from tests.factories.cases import CaseFactory
from tests.factories.discretion import UserFactory


class MessagingSettingsFactory(factory.django.DjangoModelFactory[MessagingSettings]):
    class Meta:
        model = MessagingSettings
        django_get_or_create = ("pk",)

    pk = 1
    brand_promise = "We stand behind what we sell: if it isn't right, we make it right."


class FollowUpFactory(factory.django.DjangoModelFactory[FollowUp]):
    """An open follow-up due tomorrow, assigned to its creator."""

    class Meta:
        model = FollowUp

    case = factory.SubFactory(CaseFactory)
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    note = "Check the replacement arrived"
    created_by = factory.SubFactory(UserFactory)
    assigned_to = factory.SelfAttribute("created_by")
