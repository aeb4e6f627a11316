from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0012_siro_report_approval"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["cid", "id"], name="audit_event_entries"),
        ),
    ]
