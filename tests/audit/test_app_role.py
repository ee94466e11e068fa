"""The audit trail holds against the app's own database role (audit/grants.py).

As the app role (not the tables' owner, not a superuser), every way to rewrite history
is refused by PostgreSQL itself, while the app's normal work, audit rows included, goes
on. Transactional: the app role connects on its own and sees only committed rows.
"""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal as D

import psycopg2
import pytest
from django.db import connection
from psycopg2 import errors
from rest_framework.test import APIClient

from audit.models import AuditEvent
from audit.selectors import audit_chain_check
from cases.models import Resolution
from tests import factories
from tests.support.app_role import app_role_connect, as_app_role
from tests.support.auth import api_token
from tests.support.paths import ROOT

pytestmark = pytest.mark.django_db(transaction=True)


ATTACKS = {
    "truncate": ["TRUNCATE audit_auditevent"],
    "truncate cascade": ["TRUNCATE audit_auditevent CASCADE"],
    "disable trigger, then update": [
        "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update",
        "UPDATE audit_auditevent SET reason = 'nothing happened'",
    ],
    "disable all triggers": ["ALTER TABLE audit_auditevent DISABLE TRIGGER ALL"],
    "drop the trigger": ["DROP TRIGGER audit_event_no_update ON audit_auditevent"],
    "replica role, then delete": [
        "SET session_replication_role = replica",
        "DELETE FROM audit_auditevent",
    ],
    "update": ["UPDATE audit_auditevent SET reason = 'nothing happened'"],
    "delete": ["DELETE FROM audit_auditevent"],
    "replace the hash function": [
        "CREATE OR REPLACE FUNCTION audit_event_hash(prev text, e audit_auditevent) "
        "RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$"
    ],
    "drop the table": ["DROP TABLE audit_auditevent CASCADE"],
}


@pytest.fixture
def trail(app_role):
    return [factories.AuditEventFactory(), factories.AuditEventFactory(reason="kept")]


@pytest.mark.parametrize("statements", ATTACKS.values(), ids=list(ATTACKS))
def test_every_attack_is_refused(trail, statements):
    before = list(AuditEvent.objects.order_by("id").values())
    conn = app_role_connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            assert cursor.fetchone()[0] is False
            # The first statement of every attack is refused: no privilege.
            with pytest.raises(errors.InsufficientPrivilege):
                for statement in statements:
                    cursor.execute(statement)
            # Each later step is refused on its own too.
            for statement in statements[1:]:
                with pytest.raises(errors.InsufficientPrivilege):
                    cursor.execute(statement)
    finally:
        conn.close()
    assert list(AuditEvent.objects.order_by("id").values()) == before
    assert audit_chain_check() == (2, None)


def test_the_app_role_reads_and_appends_audit_rows(trail):
    conn = app_role_connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM audit_auditevent")
            assert cursor.fetchone()[0] == 2
            # Even a chosen hash is replaced by the chained one.
            cursor.execute(
                "INSERT INTO audit_auditevent (at, action, object_type, object_id, reason, hash)"
                " VALUES (now(), 'probe', 'user', '1', '', %s) RETURNING id, hash",
                ["0" * 64],
            )
            row_id, stored = cursor.fetchone()
    finally:
        conn.close()
    assert stored != "0" * 64 and len(stored) == 64
    assert AuditEvent.objects.get(pk=row_id).hash == stored
    assert audit_chain_check() == (3, None)


def test_the_app_role_cannot_become_the_owner_or_make_roles(app_role):
    conn = app_role_connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles"
                " WHERE rolname = current_user"
            )
            assert cursor.fetchone() == (False, False, False, False)
            cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_auditevent'")
            assert cursor.fetchone()[0] != app_role
            with pytest.raises(psycopg2.Error):
                cursor.execute("ALTER TABLE audit_auditevent OWNER TO CURRENT_USER")
    finally:
        conn.close()


def test_a_resolution_request_through_the_api_as_the_app_role(app_role):
    agent = factories.UserFactory(role="agent", tier=factories.tier("standard"))
    factories.TrustLimitFactory(
        tier=agent.tier,
        per_remedy_max=D("100.00"),
        per_case_max=D("150.00"),
        daily_max=D("200.00"),
        monthly_max=D("1000.00"),
    )
    case = factories.CaseFactory()
    token = api_token(agent)
    with as_app_role():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        url = f"/api/v1/cases/{case.pk}/resolutions/"
        body = {"remedy_type": "refund", "reason": "Late parcel"}
        applied = client.post(url, body | {"amount": "25.00"}, format="json")
        escalated = client.post(url, body | {"amount": "120.00"}, format="json")
        assert applied.status_code == 201, applied.json()
        assert escalated.status_code == 201, escalated.json()
        assert applied.json()["status"] == "applied"
        assert escalated.json()["status"] == "pending_approval"
        assert audit_chain_check() == (2, None)
    assert Resolution.objects.filter(case=case).count() == 2
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "resolution.apply",
        "resolution.escalate",
    ]


def _privileges(role: str) -> dict[str, bool]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p, has_table_privilege(%s, 'audit_auditevent', p)"
            " FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p",
            [role],
        )
        return dict(cursor.fetchall())


def test_migrate_as_the_owner_grants_the_app_role(app_role):
    # Drift: the app role was given UPDATE on the audit trail and lost its other rights.
    with connection.cursor() as cursor:
        cursor.execute(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{app_role}"')
        cursor.execute(f'GRANT UPDATE, TRUNCATE ON audit_auditevent TO "{app_role}"')
    settings = connection.settings_dict
    host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or 5432
    base = f"{host}:{port}/{settings['NAME']}"
    owner = settings["USER"]
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=os.environ
        | {
            "DATABASE_URL": f"postgres://{app_role}{password}@{base}",
            "MIGRATE_DATABASE_URL": f"postgres://{owner}{password}@{base}",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"Granted {app_role} (DATABASE_URL)" in result.stdout
    assert _privileges(app_role) == {
        "SELECT": True,
        "INSERT": True,
        "UPDATE": False,
        "DELETE": False,
        "TRUNCATE": False,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege(%s, 'cases_case', 'UPDATE'),"
            " has_table_privilege(%s, 'cases_case', 'TRUNCATE')",
            [app_role, app_role],
        )
        assert cursor.fetchone() == (True, False)


def test_migrate_refuses_an_owner_url_for_another_database(app_role):
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=os.environ | {"MIGRATE_DATABASE_URL": "postgres://x@127.0.0.1:5432/elsewhere"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "MIGRATE_DATABASE_URL names another database" in result.stderr
