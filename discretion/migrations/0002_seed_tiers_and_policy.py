from django.db import migrations

TIERS = [
    (
        "new",
        "New",
        "First months on the job: small remedies on their own, the rest with a supervisor.",
        1,
    ),
    ("standard", "Standard", "A track record: most everyday remedies without asking.", 2),
    ("senior", "Senior", "Trusted with the larger, rarer remedies.", 3),
]


def seed(apps, schema_editor):
    TrustTier = apps.get_model("discretion", "TrustTier")
    EscalationPolicy = apps.get_model("discretion", "EscalationPolicy")
    for code, name, description, rank in TIERS:
        TrustTier.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "rank": rank}
        )
    EscalationPolicy.objects.get_or_create(
        pk=1,
        defaults={
            "levels": [
                {"level": 1, "timeout_seconds": 900},
                {"level": 2, "timeout_seconds": 900},
            ]
        },
    )


class Migration(migrations.Migration):
    dependencies = [("discretion", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
