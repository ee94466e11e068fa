"""The app's database role in the tests (README, "Database roles").

The test database is created, and migrated, by pytest-django as ``DATABASE_URL``'s role
(the owner here). ``app_role_ready()`` creates a login role that is neither the owner nor
a superuser (idempotently: role names are cluster-wide, so it is named after the test
database's name) and grants it exactly what ``manage.py migrate`` grants the app role
in production (``audit.grants.app_role_grant``). ``app_role_connect()`` opens a plain
psycopg2 connection as that role; ``as_app_role()`` makes Django's own connection log
in as it, so services, selectors and the API run as production runs them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import dj_database_url
import psycopg2
from django.db import IntegrityError, ProgrammingError, connection

from audit.grants import app_role_grant


def app_role_name() -> str:
    # The configured (not the test_…) database name: ``discretion`` → discretion_test_app.
    configured = dj_database_url.config().get("NAME") or "discretion"
    return f"{configured}_test_app"[:63]


def app_role_ready() -> str:
    """Create the app role if it is missing and grant it on the test database."""
    role = app_role_name()
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            # Two suites starting at once on one server may both try: the loser's
            # duplicate is harmless.
            with contextlib.suppress(IntegrityError, ProgrammingError):
                cursor.execute(f"CREATE ROLE {qn(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        # Where the server asks for passwords, the app role logs in with the owner's.
        password = connection.settings_dict.get("PASSWORD")
        if password:
            cursor.execute(f"ALTER ROLE {qn(role)} PASSWORD %s", [password])
    app_role_grant(connection, role)
    return role


def app_role_connect(**options: Any) -> Any:
    """A new psycopg2 connection to the test database as the app role (autocommit)."""
    settings = connection.settings_dict
    conn = psycopg2.connect(
        dbname=settings["NAME"],
        user=app_role_name(),
        password=settings.get("PASSWORD") or None,
        host=settings.get("HOST") or "127.0.0.1",
        port=settings.get("PORT") or 5432,
        connect_timeout=5,
        **options,
    )
    conn.autocommit = True
    return conn


@contextlib.contextmanager
def as_app_role() -> Iterator[str]:
    """Django's default connection logs in as the app role inside the block (for
    transactional tests: the connection is closed on the way in and out)."""
    role = app_role_name()
    saved = connection.settings_dict["USER"]
    connection.close()
    connection.settings_dict["USER"] = role
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == role
        yield role
    finally:
        connection.close()
        connection.settings_dict["USER"] = saved
