from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_seed_remedy_types"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="resolution",
            index=models.Index(
                fields=["agent", "created_at"],
                include=(
                    "id",
                    "remedy_type",
                    "status",
                    "counts_against_budget",
                    "amount",
                    "requested_amount",
                ),
                name="resolution_agent_created_idx",
            ),
        ),
    ]
