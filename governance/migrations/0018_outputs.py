# Safe outputs: researchers, their outputs, versions and decisions. The models' mixin (AuditScoped:
# methods only, no fields) is left out of ``bases`` so this migration imports nothing from the application.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

# A checker's decision on an output is evidence: on PostgreSQL the audit guard (0002) refuses
# any change to it or its deletion, as for the contracts' status histories.
GUARD_SQL = """
CREATE TRIGGER governance_outputdecision_guard BEFORE UPDATE OR DELETE ON governance_outputdecision
  FOR EACH ROW EXECUTE FUNCTION governance_audit_guard();
"""
UNDO_SQL = "DROP TRIGGER IF EXISTS governance_outputdecision_guard ON governance_outputdecision;"


def _execute(schema_editor, sql):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)


def install(apps, schema_editor):
    _execute(schema_editor, GUARD_SQL)


def remove(apps, schema_editor):
    _execute(schema_editor, UNDO_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0017_scim"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="is_external",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="A contractor's researcher, who sees only their contract's outputs and data-handling terms.",
                verbose_name="outside the department",
            ),
        ),
        migrations.CreateModel(
            name="OutputSubmission",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("table", "Table"), ("model", "Model results")], max_length=10)),
                ("title", models.CharField(max_length=200)),
                ("description", models.TextField(verbose_name="what it shows")),
                ("publication", models.CharField(max_length=300, verbose_name="where it will be published")),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("submitted", "Waiting for checking"),
                            ("changes_requested", "Changes requested"),
                            ("resubmitted", "Resubmitted, waiting for checking"),
                            ("cleared", "Cleared"),
                            ("refused", "Refused"),
                            ("destroyed", "Destroyed"),
                        ],
                        default="submitted",
                        max_length=20,
                    ),
                ),
                ("submitted_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("destroyed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "contract",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="outputs",
                        to="governance.researchcontract",
                    ),
                ),
                (
                    "submitted_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "output",
                "ordering": ["-submitted_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="OutputVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveIntegerField()),
                ("file", models.FileField(blank=True, max_length=200, upload_to="")),
                ("original_name", models.CharField(max_length=200)),
                ("content_type", models.CharField(max_length=120)),
                ("size", models.PositiveIntegerField()),
                ("sha256", models.CharField(max_length=64, verbose_name="SHA-256 digest")),
                ("parsed", models.JSONField(default=dict)),
                ("findings", models.JSONField(default=list)),
                (
                    "residual_df",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="residual degrees of freedom"),
                ),
                (
                    "observations",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="number of observations"),
                ),
                ("uploaded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "submission",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="versions",
                        to="governance.outputsubmission",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "output version",
                "ordering": ["submission", "-number"],
            },
        ),
        migrations.CreateModel(
            name="OutputDecision",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("cleared", "Cleared"),
                            ("changes_requested", "Changes requested"),
                            ("refused", "Refused"),
                        ],
                        max_length=20,
                    ),
                ),
                ("reason", models.TextField()),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "submission",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="decisions",
                        to="governance.outputsubmission",
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="decisions",
                        to="governance.outputversion",
                    ),
                ),
            ],
            options={
                "verbose_name": "output decision",
                "ordering": ["-at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="Researcher",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("invited_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("ended_at", models.DateTimeField(blank=True, null=True)),
                ("ended_reason", models.CharField(blank=True, max_length=300, verbose_name="why the account ended")),
                (
                    "contract",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="researchers",
                        to="governance.researchcontract",
                    ),
                ),
                (
                    "invited_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="researcher",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["contract", "user__last_name", "user__first_name", "pk"],
            },
        ),
        migrations.AddIndex(
            model_name="outputsubmission",
            index=models.Index(fields=["state", "submitted_at"], name="output_state_submitted"),
        ),
        migrations.AddConstraint(
            model_name="outputsubmission",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("state__in", ("submitted", "changes_requested", "resubmitted", "cleared", "refused", "destroyed"))
                ),
                name="output_state_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="outputversion",
            constraint=models.UniqueConstraint(fields=("submission", "number"), name="output_version_number_unique"),
        ),
        migrations.AddConstraint(
            model_name="outputversion",
            constraint=models.CheckConstraint(
                condition=models.Q(("sha256__regex", "^[0-9a-f]{64}$")), name="output_version_sha256"
            ),
        ),
        migrations.AddConstraint(
            model_name="outputdecision",
            constraint=models.CheckConstraint(
                condition=models.Q(("reason", ""), _negated=True), name="output_decision_has_reason"
            ),
        ),
        migrations.RunPython(install, remove),
    ]
