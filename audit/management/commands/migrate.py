"""``manage.py migrate`` as the tables' owner, then the app role's grants.

With ``MIGRATE_DATABASE_URL`` set (the owner role, README "Database roles"), the command
connects as that role instead of ``DATABASE_URL``'s (the app role, which may not change
the schema), runs Django's ``migrate`` unchanged, and then grants the app role its
privileges (``audit.grants.app_role_grant``: the audit table INSERT and SELECT only).
Without it, this is Django's ``migrate`` as it is (one role: the tests, old setups).

It overrides Django's command because ``audit`` is an installed app listed before none
that defines ``migrate`` (an app's command wins over ``django.core``'s).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from audit.grants import app_role_grant

OWNER_KEYS = ("NAME", "USER", "PASSWORD", "HOST", "PORT")


class Command(DjangoMigrate):
    help = DjangoMigrate.help + " As MIGRATE_DATABASE_URL's role when it is set."

    def handle(self, *args: Any, **options: Any) -> None:
        owner = getattr(settings, "MIGRATE_DATABASE", None)
        if not owner:
            super().handle(*args, **options)
            return
        connection = connections[options["database"]]
        app_role = connection.settings_dict["USER"]
        if owner.get("NAME") != connection.settings_dict["NAME"]:
            raise CommandError(
                "MIGRATE_DATABASE_URL names another database than DATABASE_URL "
                f"({owner.get('NAME')!r}, not {connection.settings_dict['NAME']!r})."
            )
        saved = {key: connection.settings_dict.get(key) for key in OWNER_KEYS}
        connection.close()
        connection.settings_dict.update({key: owner.get(key) for key in OWNER_KEYS})
        try:
            super().handle(*args, **options)
            if app_role and app_role != owner.get("USER"):
                with connection.cursor() as cursor:
                    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [app_role])
                    found = cursor.fetchone()
                if found is None:
                    raise CommandError(f"The app role {app_role!r} (DATABASE_URL) does not exist.")
                app_role_grant(connection, app_role)
                if options["verbosity"] >= 1:
                    self.stdout.write(
                        f"Granted {app_role} (DATABASE_URL) the app's privileges; "
                        "audit rows: INSERT and SELECT only."
                    )
                if found[0]:
                    self.stderr.write(
                        f"WARNING: the app role {app_role!r} is a superuser: the audit "
                        "trail's grants do not bind it."
                    )
        finally:
            connection.close()
            connection.settings_dict.update(saved)
