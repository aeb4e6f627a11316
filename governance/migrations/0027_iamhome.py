"""A holder's last access to one asset as an index: person, asset, newest first.

"Your grants" and the access review read, for every grant on an IAM's assets, the holder's
newest access event on the grant's asset. Without it PostgreSQL intersected the holder's
events with every event on the asset (about 500 on a busy asset) for each grant: 75 ms to
count an IAM's 2,000 grants filtered by last access; with it, one index entry per grant (8 ms).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0026_incident"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="accessevent",
            index=models.Index(
                fields=["user", "content_type", "object_pk", "-at", "-id"], name="access_event_user_object_at"
            ),
        ),
    ]
