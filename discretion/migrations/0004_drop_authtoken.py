"""API tokens moved from ``rest_framework.authtoken`` (plaintext keys, one per user, never
expiring) to django-rest-knox (digests, one per login, expiring): the old app is no
longer installed, so its table and migration records go. Its tokens stop working; users
log in again for a knox token."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("discretion", "0003_escalation_queue_index")]

    operations = [
        migrations.RunSQL(
            [
                "DROP TABLE IF EXISTS authtoken_token",
                "DELETE FROM django_migrations WHERE app = 'authtoken'",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
