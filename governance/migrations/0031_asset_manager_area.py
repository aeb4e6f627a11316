"""An index of each asset's IAM and business area.

The SIRO's report counts each round's returns in every business area where their IAM manages an
asset. The distinct (IAM, area) pairs of the 5,000 assets are now read from this index alone (an
index-only scan, in IAM order to meet the returns), where PostgreSQL read the whole table.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0030_reports"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="informationasset",
            index=models.Index(fields=["manager", "business_area"], name="asset_manager_area"),
        ),
    ]
