"""Factories for ``audit``.

Audit events are append-only: a database trigger refuses UPDATE and DELETE (migration
``audit.0003``), so the factory only ever INSERTs, through ``audit_record`` like the app
(and never saves twice).
"""

from __future__ import annotations

import factory

from audit.models import AuditEvent, ObjectType
from audit.services import audit_record
from common.db import insert


class AuditEventFactory(factory.django.DjangoModelFactory[AuditEvent]):
    """An admin's trust-limit edit. ``at=`` back-dates it: ``audit_record`` always stamps
    now, so that one goes in with the same plain INSERT ``audit_record`` uses."""

    class Meta:
        model = AuditEvent
        skip_postgeneration_save = True

    actor = factory.SubFactory("tests.factories.discretion.UserFactory", role="admin")
    action = "trust_limit_update"
    object_type = ObjectType.TRUST_LIMIT
    object_id = factory.Sequence(str)
    before = factory.LazyFunction(lambda: {"per_remedy_max": "100.00"})
    after = factory.LazyFunction(lambda: {"per_remedy_max": "150.00"})
    reason = ""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        at = kwargs.pop("at", None)
        if at is None:
            return audit_record(**kwargs)
        return insert(model_class(at=at, **kwargs))
