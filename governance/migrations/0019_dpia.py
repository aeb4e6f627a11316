# DPIAs and their risks. The audit mixin (AuditScoped) has no fields, so it is left out of ``bases``
# and this migration imports nothing from the application (``scripts/check-migrations``).

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0018_outputs"),
    ]

    operations = [
        migrations.CreateModel(
            name="DPIA",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=250)),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("screening", "Screening"),
                            ("needed", "DPIA needed"),
                            ("in_assessment", "In assessment"),
                            ("awaiting_advice", "Awaiting the DPO's advice"),
                            ("awaiting_sign_off", "Awaiting sign-off"),
                            ("signed", "Signed"),
                            ("not_needed", "Not needed"),
                        ],
                        default="screening",
                        max_length=20,
                    ),
                ),
                ("special_category", models.BooleanField(default=False, verbose_name="special category data")),
                (
                    "identifiable_at_scale",
                    models.BooleanField(default=False, verbose_name="identifiable data at scale"),
                ),
                ("criteria", models.JSONField(blank=True, default=list, verbose_name="likely high-risk criteria met")),
                (
                    "screening_outcome",
                    models.CharField(
                        blank=True,
                        choices=[("needed", "A DPIA is needed"), ("not_needed", "A DPIA is not needed")],
                        max_length=20,
                    ),
                ),
                ("screening_reasons", models.TextField(blank=True)),
                ("screened_at", models.DateTimeField(blank=True, null=True)),
                ("description", models.TextField(blank=True, verbose_name="description of the processing")),
                ("necessity", models.TextField(blank=True, verbose_name="necessity and proportionality")),
                (
                    "residual_risk",
                    models.CharField(
                        blank=True,
                        choices=[("low", "Low"), ("medium", "Medium"), ("high", "High")],
                        max_length=10,
                        verbose_name="overall residual risk",
                    ),
                ),
                ("dpo_advice", models.TextField(blank=True, verbose_name="the DPO's advice")),
                ("dpo_advice_at", models.DateTimeField(blank=True, null=True)),
                (
                    "advice_followed",
                    models.BooleanField(blank=True, null=True, verbose_name="the DPO's advice was followed"),
                ),
                (
                    "advice_not_followed_reasons",
                    models.TextField(blank=True, verbose_name="why the advice was not followed"),
                ),
                ("iam_signed_at", models.DateTimeField(blank=True, null=True)),
                ("deputy_signed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "consultation_started_on",
                    models.DateField(blank=True, null=True, verbose_name="consultation started"),
                ),
                ("consultation_due_on", models.DateField(blank=True, null=True, verbose_name="ICO response due")),
                ("consultation_extended", models.BooleanField(default=False, verbose_name="the ICO extended its time")),
                (
                    "consultation_response_on",
                    models.DateField(blank=True, null=True, verbose_name="ICO response received"),
                ),
                (
                    "consultation_outcome",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("proceed", "The ICO raised no objection"),
                            ("conditions", "The ICO advised further measures"),
                            ("do_not_proceed", "The ICO advised not to go ahead"),
                        ],
                        max_length=20,
                        verbose_name="the ICO's response",
                    ),
                ),
                ("review_date", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "access_request",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="dpias",
                        to="governance.accessrequest",
                    ),
                ),
                (
                    "author",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="authored_dpias",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "business_area",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="dpias", to="governance.businessarea"
                    ),
                ),
                (
                    "contract",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="dpias",
                        to="governance.researchcontract",
                    ),
                ),
                (
                    "deputy_signed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "dpo_advice_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "iam",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="iam_dpias",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="IAM or owner",
                    ),
                ),
                (
                    "iam_signed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "processing_activity",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="dpias",
                        to="governance.processingactivity",
                    ),
                ),
                (
                    "screened_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "sharing_agreement",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="dpias",
                        to="governance.sharingagreement",
                    ),
                ),
            ],
            options={
                "verbose_name": "DPIA",
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="DPIARisk",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("description", models.TextField(verbose_name="the risk to people")),
                (
                    "likelihood",
                    models.CharField(
                        choices=[("remote", "Remote"), ("possible", "Possible"), ("probable", "Probable")],
                        max_length=10,
                    ),
                ),
                (
                    "severity",
                    models.CharField(
                        choices=[("minimal", "Minimal"), ("significant", "Significant"), ("severe", "Severe")],
                        max_length=12,
                    ),
                ),
                ("measures", models.TextField(verbose_name="measures to reduce or remove it")),
                (
                    "residual_risk",
                    models.CharField(choices=[("low", "Low"), ("medium", "Medium"), ("high", "High")], max_length=10),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "dpia",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="risks", to="governance.dpia"
                    ),
                ),
            ],
            options={
                "verbose_name": "DPIA risk",
                "ordering": ["dpia", "pk"],
            },
        ),
        migrations.AddIndex(
            model_name="dpia",
            index=models.Index(fields=["state", "review_date"], name="dpia_state_review"),
        ),
        migrations.AddConstraint(
            model_name="dpia",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("access_request__isnull", True),
                        ("contract__isnull", True),
                        ("processing_activity__isnull", False),
                        ("sharing_agreement__isnull", True),
                    ),
                    models.Q(
                        ("access_request__isnull", False),
                        ("contract__isnull", True),
                        ("processing_activity__isnull", True),
                        ("sharing_agreement__isnull", True),
                    ),
                    models.Q(
                        ("access_request__isnull", True),
                        ("contract__isnull", False),
                        ("processing_activity__isnull", True),
                        ("sharing_agreement__isnull", True),
                    ),
                    models.Q(
                        ("access_request__isnull", True),
                        ("contract__isnull", True),
                        ("processing_activity__isnull", True),
                        ("sharing_agreement__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="dpia_has_exactly_one_subject",
            ),
        ),
        migrations.AddConstraint(
            model_name="dpia",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("iam_signed_by__isnull", True),
                    ("deputy_signed_by__isnull", True),
                    models.Q(("iam_signed_by", models.F("deputy_signed_by")), _negated=True),
                    _connector="OR",
                ),
                name="dpia_signed_by_two_people",
            ),
        ),
        migrations.AddConstraint(
            model_name="dpia",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("state", "signed"), _negated=True),
                    models.Q(("deputy_signed_by__isnull", False), ("iam_signed_by__isnull", False)),
                    _connector="OR",
                ),
                name="dpia_signed_has_both_sign_offs",
            ),
        ),
    ]
