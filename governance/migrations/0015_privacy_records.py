# The record of processing activities, data-sharing agreements and the Data Protection Officer's
# office. The models' mixin (AuditScoped: methods only, no fields) is left out of the migration state.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0014_incident_reporting_for_everyone"),
    ]

    operations = [
        migrations.AlterField(
            model_name="officeholder",
            name="office",
            field=models.CharField(
                choices=[
                    ("siro", "Senior Information Risk Owner (SIRO)"),
                    ("chief_statistician", "Chief Statistician"),
                    ("cdo", "Chief Data Officer"),
                    ("cdio", "Chief Digital and Information Officer"),
                    ("siro_alternate", "SIRO's named alternate"),
                    ("dpo", "Data Protection Officer"),
                ],
                max_length=30,
                unique=True,
            ),
        ),
        migrations.CreateModel(
            name="ProcessingActivity",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200)),
                ("purposes", models.TextField(help_text="Why the personal data is processed.")),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("controller", "Controller"),
                            ("joint_controller", "Joint controller"),
                            ("processor", "Processor for another controller"),
                        ],
                        default="controller",
                        max_length=20,
                        verbose_name="the department's role",
                    ),
                ),
                (
                    "controller_name",
                    models.CharField(
                        blank=True,
                        help_text="Only when the department is a processor (Article 30(2)).",
                        max_length=200,
                        verbose_name="controller the department processes for",
                    ),
                ),
                (
                    "lawful_basis",
                    models.CharField(
                        choices=[
                            ("consent", "Consent (6(1)(a))"),
                            ("contract", "Contract (6(1)(b))"),
                            ("legal_obligation", "Legal obligation (6(1)(c))"),
                            ("vital_interests", "Vital interests (6(1)(d))"),
                            ("public_task", "Public task (6(1)(e))"),
                            ("legitimate_interests", "Legitimate interests (6(1)(f))"),
                        ],
                        max_length=30,
                        verbose_name="lawful basis (UK GDPR Article 6)",
                    ),
                ),
                (
                    "special_category_condition",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("explicit_consent", "Explicit consent (9(2)(a))"),
                            ("employment_social_security", "Employment, social security and protection (9(2)(b))"),
                            ("vital_interests", "Vital interests (9(2)(c))"),
                            ("not_for_profit", "Not-for-profit bodies (9(2)(d))"),
                            ("made_public", "Made public by the data subject (9(2)(e))"),
                            ("legal_claims", "Legal claims or judicial acts (9(2)(f))"),
                            ("substantial_public_interest", "Substantial public interest (9(2)(g))"),
                            ("health_social_care", "Health or social care (9(2)(h))"),
                            ("public_health", "Public health (9(2)(i))"),
                            ("research", "Archiving, research and statistics (9(2)(j))"),
                        ],
                        max_length=40,
                        verbose_name="special category condition (UK GDPR Article 9)",
                    ),
                ),
                (
                    "schedule_1_condition",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("employment", "Employment, social security and social protection (Sch. 1 para 1)"),
                            ("health_social_care", "Health or social care purposes (Sch. 1 para 2)"),
                            ("public_health", "Public health (Sch. 1 para 3)"),
                            ("research", "Research, statistics and archiving (Sch. 1 para 4)"),
                            ("statutory_government", "Statutory and government purposes (Sch. 1 para 6)"),
                            ("equality", "Equality of opportunity or treatment (Sch. 1 para 8)"),
                            ("preventing_crime", "Preventing or detecting unlawful acts (Sch. 1 para 10)"),
                            ("safeguarding", "Safeguarding of children and individuals at risk (Sch. 1 para 18)"),
                        ],
                        max_length=30,
                        verbose_name="Data Protection Act 2018 Schedule 1 condition",
                    ),
                ),
                (
                    "data_subjects",
                    models.TextField(
                        help_text="Whose personal data it is, for example benefit claimants, employees.",
                        verbose_name="categories of people",
                    ),
                ),
                (
                    "transfer_countries",
                    models.CharField(
                        blank=True, max_length=300, verbose_name="countries the data is transferred to outside the UK"
                    ),
                ),
                (
                    "transfer_safeguard",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("adequacy", "UK adequacy regulations"),
                            ("idta", "International data transfer agreement (IDTA)"),
                            ("addendum", "UK addendum to the EU standard contractual clauses"),
                            ("binding_corporate_rules", "Binding corporate rules"),
                            ("exception", "An Article 49 exception"),
                        ],
                        max_length=30,
                        verbose_name="safeguard for the transfer",
                    ),
                ),
                ("next_review_date", models.DateField()),
                ("last_reviewed_on", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "assets",
                    models.ManyToManyField(
                        blank=True, related_name="processing_activities", to="governance.informationasset"
                    ),
                ),
                (
                    "business_area",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="processing_activities",
                        to="governance.businessarea",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="owned_processing_activities",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="owner (an IAM)",
                    ),
                ),
                (
                    "processors",
                    models.ManyToManyField(
                        blank=True,
                        related_name="processing_activities",
                        to="governance.externalorganisation",
                        verbose_name="processors",
                    ),
                ),
            ],
            options={
                "verbose_name": "processing activity",
                "verbose_name_plural": "processing activities",
                "ordering": ["name", "pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("role", "processor"), _negated=True),
                            models.Q(("controller_name", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="processing_processor_names_controller",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("transfer_countries", ""),
                            models.Q(("transfer_safeguard", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="processing_transfer_has_safeguard",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="SharingAgreement",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("reference", models.CharField(max_length=50, unique=True)),
                ("title", models.CharField(max_length=200)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("dea_part_5", "Digital Economy Act 2017 Part 5 share"),
                            ("memorandum", "Memorandum of understanding"),
                            ("agreement", "Data-sharing agreement"),
                        ],
                        max_length=20,
                        verbose_name="type of agreement",
                    ),
                ),
                (
                    "direction",
                    models.CharField(
                        choices=[
                            ("out", "The department gives data"),
                            ("in", "The department receives data"),
                            ("both", "Both ways"),
                        ],
                        max_length=10,
                    ),
                ),
                ("purpose", models.TextField()),
                (
                    "lawful_basis",
                    models.CharField(
                        choices=[
                            ("consent", "Consent (6(1)(a))"),
                            ("contract", "Contract (6(1)(b))"),
                            ("legal_obligation", "Legal obligation (6(1)(c))"),
                            ("vital_interests", "Vital interests (6(1)(d))"),
                            ("public_task", "Public task (6(1)(e))"),
                            ("legitimate_interests", "Legitimate interests (6(1)(f))"),
                        ],
                        max_length=30,
                        verbose_name="lawful basis (UK GDPR Article 6)",
                    ),
                ),
                (
                    "special_category_condition",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("explicit_consent", "Explicit consent (9(2)(a))"),
                            ("employment_social_security", "Employment, social security and protection (9(2)(b))"),
                            ("vital_interests", "Vital interests (9(2)(c))"),
                            ("not_for_profit", "Not-for-profit bodies (9(2)(d))"),
                            ("made_public", "Made public by the data subject (9(2)(e))"),
                            ("legal_claims", "Legal claims or judicial acts (9(2)(f))"),
                            ("substantial_public_interest", "Substantial public interest (9(2)(g))"),
                            ("health_social_care", "Health or social care (9(2)(h))"),
                            ("public_health", "Public health (9(2)(i))"),
                            ("research", "Archiving, research and statistics (9(2)(j))"),
                        ],
                        max_length=40,
                        verbose_name="special category condition (UK GDPR Article 9)",
                    ),
                ),
                (
                    "frequency",
                    models.CharField(
                        choices=[
                            ("one_off", "Once"),
                            ("daily", "Daily"),
                            ("weekly", "Weekly"),
                            ("monthly", "Monthly"),
                            ("quarterly", "Quarterly"),
                            ("yearly", "Yearly"),
                            ("on_request", "On request"),
                        ],
                        max_length=20,
                    ),
                ),
                ("security_conditions", models.TextField(help_text="How the data is sent, held and protected.")),
                ("start_date", models.DateField()),
                ("review_date", models.DateField()),
                ("end_date", models.DateField()),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "Draft"), ("active", "In force"), ("ended", "Ended")],
                        default="draft",
                        max_length=10,
                    ),
                ),
                ("approved_at", models.DateTimeField(blank=True, editable=False, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "approved_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "assets",
                    models.ManyToManyField(
                        blank=True, related_name="sharing_agreements", to="governance.informationasset"
                    ),
                ),
                (
                    "business_area",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sharing_agreements",
                        to="governance.businessarea",
                    ),
                ),
                (
                    "data_items",
                    models.ManyToManyField(blank=True, related_name="sharing_agreements", to="governance.dataitem"),
                ),
                (
                    "legal_gateway",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sharing_agreements",
                        to="governance.legalgateway",
                    ),
                ),
                (
                    "manager",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="managed_sharing_agreements",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="agreement manager",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sharing_agreements",
                        to="governance.externalorganisation",
                        verbose_name="other party",
                    ),
                ),
            ],
            options={
                "verbose_name": "data-sharing agreement",
                "ordering": ["reference", "pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("end_date__gte", models.F("start_date"))), name="agreement_ends_after_start"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("status", "draft"),
                            models.Q(("approved_at__isnull", False), ("approved_by__isnull", False)),
                            _connector="OR",
                        ),
                        name="agreement_in_force_was_approved",
                    ),
                ],
            },
        ),
    ]
