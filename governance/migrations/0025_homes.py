"""The active grants that need clearance for personal data, by holder.

The home page's exceptions count the grants held without current training among these only (with
``access_grant_state_end`` for those past their end date), where the count read every active grant
(half the SIRO's home page at 100,000 grants); the grants list's "held without current training"
uses it too.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0024_search"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="accessgrant",
            index=models.Index(
                condition=models.Q(("needs_clearance", True), ("state", "active")),
                fields=["holder"],
                name="access_grant_needs_clearance",
            ),
        ),
    ]
