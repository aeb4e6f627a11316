# The live grants on a set of assets and their holders, read from one index (the record of processing).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0021_dpia_review"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="accessgrant",
            index=models.Index(fields=["asset", "state", "holder"], name="access_grant_asset_state"),
        ),
    ]
