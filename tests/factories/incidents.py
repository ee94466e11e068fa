"""Factories for the incidents room (``discretion.incidents``)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from discretion.models import Incident, IncidentCase, IncidentRemedy
from tests.factories.cases import CaseFactory, remedy
from tests.factories.discretion import UserFactory


class IncidentFactory(factory.django.DjangoModelFactory[Incident]):
    """An active incident for a day with a budget of 5,000.00 and no schedule (add
    ``IncidentRemedyFactory(incident=…)`` rows). Link cases with ``IncidentCaseFactory``,
    which also sets the case's ``active_incident_id``."""

    class Meta:
        model = Incident

    title = factory.Sequence(lambda n: f"Outage {n}")
    customer_explanation = "Our payment service was down for three hours."
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=5))
    ends_at = factory.LazyAttribute(lambda i: i.starts_at + timedelta(days=1))
    budget = Decimal("5000.00")
    created_by = factory.SubFactory(UserFactory, role="supervisor")


class IncidentRemedyFactory(factory.django.DjangoModelFactory[IncidentRemedy]):
    class Meta:
        model = IncidentRemedy

    incident = factory.SubFactory(IncidentFactory)
    remedy_type = factory.LazyFunction(lambda: remedy("refund"))
    per_remedy_max = Decimal("60.00")


class IncidentCaseFactory(factory.django.DjangoModelFactory[IncidentCase]):
    class Meta:
        model = IncidentCase
        skip_postgeneration_save = True

    incident = factory.SubFactory(IncidentFactory)
    case = factory.SubFactory(CaseFactory)

    @factory.post_generation
    def active(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            type(obj.case).objects.filter(pk=obj.case_id).update(active_incident_id=obj.incident_id)
            obj.case.active_incident_id = obj.incident_id
