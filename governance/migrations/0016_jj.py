# What secondary suppression minimises for one output table, when disclosure control chooses it.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0015_privacy_records"),
    ]

    operations = [
        migrations.AddField(
            model_name="outputtable",
            name="secondary_cost",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "As the rules in force say"),
                    ("value", "The total value hidden"),
                    ("cells", "The number of cells hidden"),
                    ("weight", "The total weight hidden (the table's cost column; 1 where empty)"),
                ],
                default="",
                max_length=10,
                verbose_name="secondary suppression minimises",
            ),
        ),
    ]
