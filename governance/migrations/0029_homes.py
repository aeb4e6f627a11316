"""An index of the undecided access reviews by grant, holding their campaign.

An IAM's home counts the open reviews of the grants on their assets. Without it PostgreSQL read
every undecided review (some 67,000 at the default scale) and hashed them against the IAM's
2,076 grants (28 ms); with it, one index entry per grant, read from the index alone (2.4 ms, the
IAM's own assets now named by their ids rather than found by joining every asset).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0028_grants"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="accessreview",
            index=models.Index(
                condition=models.Q(("decision", "")),
                fields=["grant"],
                include=("campaign", "id"),
                name="access_review_undecided_grant",
            ),
        ),
    ]
