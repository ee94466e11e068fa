"""Every model of our apps has a factory (tests/factories/), and every factory makes a
valid row."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import DatabaseError, transaction
from django.utils import timezone
from factory.django import DjangoModelFactory

from audit.models import AuditEvent
from tests import factories

OUR_APPS = ("audit", "cases", "policies", "discretion")


def _all_factories() -> list[type[DjangoModelFactory]]:
    found = []
    for info in pkgutil.iter_modules(factories.__path__):
        module = importlib.import_module(f"{factories.__name__}.{info.name}")
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, DjangoModelFactory)
            and value.__module__ == module.__name__
        ]
    return sorted(found, key=lambda factory_class: factory_class.__name__)


FACTORIES = _all_factories()


def test_every_model_of_our_apps_has_a_factory():
    models = {
        model
        for label in OUR_APPS
        for model in apps.get_app_config(label).get_models()
        if not model._meta.proxy
    }
    covered = {factory_class._meta.model for factory_class in FACTORIES}
    missing = sorted(model._meta.label for model in models - covered)
    assert not missing, f"add a factory to tests/factories/<app>.py for {missing}"


def test_every_factory_is_exported_by_the_package():
    unexported = [f.__name__ for f in FACTORIES if getattr(factories, f.__name__, None) is not f]
    assert not unexported, f"re-export from tests/factories/__init__.py: {unexported}"


@pytest.mark.django_db
@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda f: f.__name__)
def test_every_factory_makes_a_valid_row(factory_class):
    made = factory_class()
    model = factory_class._meta.model
    assert type(made) is model and model.objects.filter(pk=made.pk).exists()
    made.full_clean()


@pytest.mark.django_db
def test_audit_events_are_only_ever_inserted_even_back_dated():
    """The triggers refuse UPDATE and DELETE: the factory inserts once, even with ``at=``."""
    earlier = timezone.now() - timedelta(days=40)
    event = factories.AuditEventFactory(at=earlier)
    now = factories.AuditEventFactory()
    assert AuditEvent.objects.get(pk=event.pk).at == earlier
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [now.pk, event.pk]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
