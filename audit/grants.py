"""What the app's database role may do: everything it needs, and on the audit trail only
INSERT and SELECT.

Two roles (README, "Database roles"): the **owner** (``MIGRATE_DATABASE_URL``) runs the
migrations and owns every table; the **app** role (``DATABASE_URL``), which the web server
and the workers connect as, is neither the owner nor a superuser. So it cannot TRUNCATE
the audit table, ALTER it (DISABLE TRIGGER), set ``session_replication_role`` (superuser
only), or UPDATE or DELETE its rows.

``app_role_grant`` runs after every ``manage.py migrate`` as the owner
(``audit/management/commands/migrate.py``), so tables created by any migration are
covered; ``ALTER DEFAULT PRIVILEGES`` also covers tables the owner creates by other means.
"""

from __future__ import annotations

from typing import Any

AUDIT_TABLE = "audit_auditevent"


def app_role_grant(connection: Any, role: str) -> None:
    """Grant ``role`` the app's privileges on the current schema's tables and sequences,
    audit rows INSERT and SELECT only. Run as the owner of the tables; idempotent."""
    qn = connection.ops.quote_name
    who = qn(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = qn(cursor.fetchone()[0])
        for statement in (
            f"GRANT USAGE ON SCHEMA {schema} TO {who}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {who}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {who}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {who}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT USAGE, SELECT ON SEQUENCES TO {who}",
            # The audit trail: append and read, nothing else.
            f"REVOKE ALL ON {qn(AUDIT_TABLE)} FROM {who}",
            f"GRANT SELECT, INSERT ON {qn(AUDIT_TABLE)} TO {who}",
        ):
            cursor.execute(statement)
