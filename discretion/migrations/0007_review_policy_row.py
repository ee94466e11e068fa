"""The review policy's one row (pk=1, the contract's defaults: 5 % and none always), so
the decision's draw, which reads it inside its INSERT … SELECT, always finds it."""

from decimal import Decimal

from django.db import migrations


def seed(apps, schema_editor):
    ReviewPolicy = apps.get_model("discretion", "ReviewPolicy")
    ReviewPolicy.objects.get_or_create(
        pk=1, defaults={"sample_percent": Decimal("5"), "always_above": None}
    )


class Migration(migrations.Migration):
    dependencies = [("discretion", "0006_raises")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
