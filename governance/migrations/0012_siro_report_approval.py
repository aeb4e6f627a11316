# The SIRO's signed report. The model's mixin (AuditScoped: methods only, no fields) is left out of
# ``bases`` so this migration imports nothing from the application.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0011_search"),
    ]

    operations = [
        migrations.CreateModel(
            name="SiroReportApproval",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveSmallIntegerField(default=1)),
                ("narrative", models.TextField()),
                ("figures", models.JSONField(default=dict, help_text="The report's figures when it was signed.")),
                ("marking", models.CharField(max_length=60, verbose_name="protective marking")),
                ("signed_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("digest", models.CharField(max_length=64)),
                (
                    "round",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="report_approvals",
                        to="governance.assuranceround",
                    ),
                ),
                (
                    "signed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "ordering": ["round", "-version"],
                "constraints": [
                    models.UniqueConstraint(fields=("round", "version"), name="report_approval_version_unique"),
                    models.CheckConstraint(
                        condition=models.Q(("digest", ""), _negated=True), name="report_approval_has_digest"
                    ),
                ],
            },
        ),
    ]
