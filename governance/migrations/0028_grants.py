"""An index of an IAM's assets by name.

The access review lists an IAM's due grants by asset name, then holder: PostgreSQL joined and
sorted every one of the 2,076 reviews of the benchmark IAM to show 500. Reading the IAM's assets
in name order from this index, it sorts each asset's grants in turn (incrementally) and stops
once the page is full: 520 rows read for the first page.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0027_iamhome"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="informationasset",
            index=models.Index(fields=["manager", "name"], name="asset_manager_name"),
        ),
    ]
