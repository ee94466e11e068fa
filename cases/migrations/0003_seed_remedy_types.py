from django.db import migrations

REMEDY_TYPES = [
    ("refund", "Refund", True),
    ("store_credit", "Store credit", True),
    ("replacement", "Replacement", True),
    ("goodwill_gesture", "Goodwill gesture", True),
    ("fee_waiver", "Fee waiver", True),
    ("expedited_shipping", "Expedited shipping", True),
    ("apology", "Apology", False),
]


def seed(apps, schema_editor):
    RemedyType = apps.get_model("cases", "RemedyType")
    for order, (code, name, monetary) in enumerate(REMEDY_TYPES):
        RemedyType.objects.get_or_create(
            code=code, defaults={"name": name, "monetary": monetary, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
