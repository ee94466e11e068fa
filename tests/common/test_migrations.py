"""Migrations are complete and seed what docs/api.md ("Bootstrap") says they seed."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from cases.models import RemedyType
from discretion.models import EscalationPolicy, TrustLimit, TrustTier
from tests import factories

pytestmark = pytest.mark.django_db


def test_no_model_change_is_missing_its_migration():
    out = StringIO()
    # Exits non-zero (SystemExit) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    assert "No changes detected" in out.getvalue()


def test_migrations_seed_the_seven_remedy_types():
    seeded = {r.code: r.monetary for r in RemedyType.objects.all()}
    assert seeded == {
        "refund": True,
        "store_credit": True,
        "replacement": True,
        "goodwill_gesture": True,
        "fee_waiver": True,
        "expedited_shipping": True,
        "apology": False,
    }
    assert all(r.enabled for r in RemedyType.objects.all())


def test_migrations_seed_the_three_tiers_without_limits():
    assert list(TrustTier.objects.order_by("rank").values_list("code", flat=True)) == [
        "new",
        "standard",
        "senior",
    ]
    assert not TrustLimit.objects.exists()


def test_migrations_seed_the_default_escalation_policy():
    assert EscalationPolicy.objects.get(pk=1).levels == [
        {"level": 1, "timeout_seconds": 900},
        {"level": 2, "timeout_seconds": 900},
    ]


def test_audit_events_are_append_only_in_the_database():
    event = factories.AuditEventFactory(action="probe", object_type="user", object_id="1")
    for statement in ("UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement + " WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.action == "probe"
