"""Every table, index and constraint of the governance app, as makemigrations builds them from the models.

Made by makemigrations from the models, then one edit that changes no table: the models' mixins
(``AuditScoped``, ``ContractScoped``, ``ReleaseScoped``: methods only, no fields) are left out of
``bases``, so that no migration imports the application (``scripts/check-migrations``; the user
model's manager is not frozen here either: ``use_in_migrations = False``). The audit triggers and
functions follow in 0002, the role groups and the system account in 0003.

Each model's indexes and constraints are declared in its ``CreateModel`` rather than added one by
one afterwards (those naming a field added later, to break a cycle, follow that field): every
separate operation made Django render the related models again, and on SQLite rebuilt the
table, which made this migration most of the time any test database took to build. The schema
is the same, index for index (compared with ``pg_dump --schema-only`` and SQLite's schema).
"""

import django.contrib.auth.validators
import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditVerification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("started_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("range_from", models.DateTimeField(blank=True, null=True)),
                ("range_to", models.DateTimeField(blank=True, null=True)),
                ("entries_checked", models.PositiveBigIntegerField(default=0)),
                ("ok", models.BooleanField(default=False)),
                ("first_break_index", models.BigIntegerField(blank=True, null=True)),
                ("first_break_entry", models.BigIntegerField(blank=True, help_text="The audit entry's id.", null=True)),
                ("problem", models.TextField(blank=True)),
                ("head_chain_index", models.BigIntegerField(blank=True, null=True)),
                ("head_digest", models.CharField(blank=True, max_length=64)),
            ],
            options={
                "ordering": ["-started_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="ComplianceSnapshot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("taken_on", models.DateField(unique=True)),
                ("taken_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("figures", models.JSONField(default=dict)),
            ],
            options={
                "ordering": ["-taken_on"],
            },
        ),
        migrations.CreateModel(
            name="DataItem",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=120)),
                ("description", models.CharField(max_length=500)),
                (
                    "sensitivity",
                    models.CharField(
                        choices=[
                            ("non_personal", "Not personal data"),
                            ("personal", "Personal data"),
                            ("identifier", "Direct identifier"),
                            ("special_category", "Special category data"),
                        ],
                        max_length=20,
                    ),
                ),
            ],
            options={
                "ordering": ["asset", "name", "pk"],
            },
        ),
        migrations.CreateModel(
            name="LegalGateway",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200, unique=True)),
                ("legislation", models.CharField(help_text="The legislation and section, as cited.", max_length=300)),
                (
                    "description",
                    models.TextField(blank=True, help_text="When this gateway applies, and any conditions it sets."),
                ),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Gateways no longer in use stay on existing contracts but cannot be chosen.",
                        verbose_name="in use",
                    ),
                ),
            ],
            options={
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="SecurityKeyRequirement",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("iam", "Information Asset Managers"),
                            ("deputy_siro", "Deputy SIROs"),
                            ("siro", "The SIRO"),
                            ("chief_statistician", "The Chief Statistician"),
                            ("cdo", "The Chief Data Officer"),
                            ("cdio", "The Chief Digital and Information Officer"),
                            ("disclosure_control", "Disclosure control officers"),
                            ("administrators", "Administrators"),
                            ("auditors", "Auditors"),
                            ("contract_managers", "Research contract managers"),
                            ("statisticians", "Statisticians"),
                            ("data_handlers", "Data handlers"),
                        ],
                        max_length=30,
                        unique=True,
                    ),
                ),
                (
                    "reason",
                    models.CharField(blank=True, help_text="Why this role needs a security key.", max_length=300),
                ),
                ("added_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
            ],
            options={
                "verbose_name": "role that must use a security key",
                "verbose_name_plural": "roles that must use a security key",
                "ordering": ["role"],
            },
        ),
        migrations.CreateModel(
            name="User",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("password", models.CharField(max_length=128, verbose_name="password")),
                ("last_login", models.DateTimeField(blank=True, null=True, verbose_name="last login")),
                (
                    "is_superuser",
                    models.BooleanField(
                        default=False,
                        help_text="Designates that this user has all permissions without explicitly assigning them.",
                        verbose_name="superuser status",
                    ),
                ),
                (
                    "username",
                    models.CharField(
                        error_messages={"unique": "A user with that username already exists."},
                        help_text="Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.",
                        max_length=150,
                        unique=True,
                        validators=[django.contrib.auth.validators.UnicodeUsernameValidator()],
                        verbose_name="username",
                    ),
                ),
                ("first_name", models.CharField(blank=True, max_length=150, verbose_name="first name")),
                ("last_name", models.CharField(blank=True, max_length=150, verbose_name="last name")),
                ("email", models.EmailField(blank=True, max_length=254, verbose_name="email address")),
                (
                    "is_staff",
                    models.BooleanField(
                        default=False,
                        help_text="Designates whether the user can log into this admin site.",
                        verbose_name="staff status",
                    ),
                ),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Designates whether this user should be treated as active. Unselect this instead of deleting accounts.",
                        verbose_name="active",
                    ),
                ),
                ("date_joined", models.DateTimeField(default=django.utils.timezone.now, verbose_name="date joined")),
                ("staff_number", models.CharField(blank=True, max_length=20, null=True, unique=True)),
                (
                    "is_data_handler",
                    models.BooleanField(
                        default=False,
                        help_text="Handles personal data, so must also hold current data-protection training.",
                        verbose_name="data handler",
                    ),
                ),
                (
                    "leaver_date",
                    models.DateField(
                        blank=True, help_text="Last working day. From this date the account keeps no rights.", null=True
                    ),
                ),
                (
                    "is_system",
                    models.BooleanField(
                        default=False, editable=False, help_text="The account recorded as the actor of scheduled work."
                    ),
                ),
                (
                    "groups",
                    models.ManyToManyField(
                        blank=True,
                        help_text="The groups this user belongs to. A user will get all permissions granted to each of their groups.",
                        related_name="user_set",
                        related_query_name="user",
                        to="auth.group",
                        verbose_name="groups",
                    ),
                ),
                (
                    "line_manager",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="reports",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user_permissions",
                    models.ManyToManyField(
                        blank=True,
                        help_text="Specific permissions for this user.",
                        related_name="user_set",
                        related_query_name="user",
                        to="auth.permission",
                        verbose_name="user permissions",
                    ),
                ),
            ],
            options={
                "ordering": ["last_name", "first_name", "username"],
                "indexes": [models.Index(condition=models.Q(("is_active", False)), fields=["id"], name="user_leavers")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("line_manager", models.F("pk")), _negated=True),
                        name="user_not_own_line_manager",
                    ),
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("email"),
                        condition=models.Q(("email", ""), _negated=True),
                        name="user_email_unique_ci",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="AccessRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "purpose",
                    models.CharField(help_text="What the data will be used for, in one sentence.", max_length=300),
                ),
                (
                    "business_case",
                    models.TextField(help_text="Why this access is needed, and why less data would not do."),
                ),
                ("requested_end_date", models.DateField()),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("submitted", "Submitted"),
                            ("returned", "Returned for changes"),
                            ("approved", "Approved"),
                            ("rejected", "Rejected"),
                            ("withdrawn", "Withdrawn"),
                        ],
                        default="draft",
                        max_length=20,
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("submitted_at", models.DateTimeField(blank=True, null=True)),
                (
                    "needs_deputy_approval",
                    models.BooleanField(
                        default=False,
                        help_text="Special-category or identifiable data also needs the Deputy SIRO's approval.",
                    ),
                ),
                (
                    "iam_decision",
                    models.CharField(blank=True, choices=[("approve", "Approve"), ("reject", "Reject")], max_length=10),
                ),
                ("iam_reason", models.TextField(blank=True)),
                ("approved_end_date", models.DateField(blank=True, null=True)),
                (
                    "deputy_decision",
                    models.CharField(blank=True, choices=[("approve", "Approve"), ("reject", "Reject")], max_length=10),
                ),
                ("deputy_reason", models.TextField(blank=True)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "deputy_decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "iam_decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "requester",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="access_requests",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("iam_decided_by", models.F("requester")), _negated=True),
                            models.Q(("deputy_decided_by", models.F("requester")), _negated=True),
                        ),
                        name="access_request_not_self_decided",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("approved_end_date__isnull", True),
                            ("approved_end_date__lte", models.F("requested_end_date")),
                            _connector="OR",
                        ),
                        name="access_request_approved_within_requested",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="AssuranceRound",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("period", models.CharField(help_text="For example 2026 to 2027.", max_length=60)),
                ("period_start", models.DateField()),
                ("period_end", models.DateField()),
                ("due_date", models.DateField()),
                ("opened_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "state",
                    models.CharField(
                        choices=[("generating", "Preparing returns"), ("open", "Open"), ("closed", "Closed")],
                        default="generating",
                        max_length=20,
                    ),
                ),
                ("iam_total", models.PositiveIntegerField(default=0, help_text="Returns to prepare.")),
                ("prepared", models.PositiveIntegerField(default=0, help_text="Returns prepared so far.")),
                (
                    "opened_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "ordering": ["-period_start", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("period_end__gte", models.F("period_start"))), name="round_period_order"
                    ),
                    models.UniqueConstraint(fields=("period",), name="round_period_unique"),
                ],
            },
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("pruned_before", models.DateTimeField(help_text="Entries older than this were pruned.")),
                ("last_chain_index", models.BigIntegerField(help_text="The chain index of the last entry pruned.")),
                ("last_digest", models.CharField(help_text="The digest of the last entry pruned.", max_length=64)),
                ("entries_pruned", models.PositiveBigIntegerField()),
                (
                    "by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "ordering": ["-last_chain_index"],
            },
        ),
        migrations.CreateModel(
            name="BusinessArea",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=120, unique=True)),
                (
                    "code",
                    models.SlugField(
                        help_text="Short code used in imports, such as 'das'.", max_length=20, unique=True
                    ),
                ),
                (
                    "deputy_siro",
                    models.ForeignKey(
                        blank=True,
                        help_text="Promotes good information management and security across the area.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="deputy_siro_of",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="Deputy SIRO",
                    ),
                ),
            ],
            options={
                "ordering": ["name"],
                "permissions": [("oversee_businessarea", "Can oversee the business area")],
            },
        ),
        migrations.CreateModel(
            name="AuditEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("object_pk", models.CharField(db_index=True, max_length=255, verbose_name="object pk")),
                ("object_id", models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name="object id")),
                ("object_repr", models.TextField(verbose_name="object representation")),
                ("serialized_data", models.JSONField(null=True)),
                (
                    "action",
                    models.PositiveSmallIntegerField(
                        choices=[(0, "create"), (1, "update"), (2, "delete"), (3, "access")],
                        db_index=True,
                        verbose_name="action",
                    ),
                ),
                ("changes_text", models.TextField(blank=True, verbose_name="change message")),
                ("changes", models.JSONField(null=True, verbose_name="change message")),
                (
                    "cid",
                    models.CharField(
                        blank=True, db_index=True, max_length=255, null=True, verbose_name="Correlation ID"
                    ),
                ),
                ("remote_addr", models.GenericIPAddressField(blank=True, null=True, verbose_name="remote address")),
                ("remote_port", models.PositiveIntegerField(blank=True, null=True, verbose_name="remote port")),
                (
                    "timestamp",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="timestamp"),
                ),
                ("additional_data", models.JSONField(blank=True, null=True, verbose_name="additional data")),
                ("actor_email", models.CharField(blank=True, max_length=254, null=True, verbose_name="actor email")),
                ("scope", models.CharField(blank=True, default="", max_length=100)),
                ("reason", models.TextField(blank=True, default="", help_text="The reason given for a state change.")),
                ("content_hash", models.CharField(blank=True, default="", max_length=64)),
                ("prev_digest", models.CharField(blank=True, default="", max_length=64)),
                ("digest", models.CharField(blank=True, default="", max_length=64)),
                ("chain_index", models.BigIntegerField(blank=True, null=True, unique=True)),
                (
                    "key_id",
                    models.CharField(
                        blank=True, default="", help_text="The id of the chain key it was hashed under.", max_length=40
                    ),
                ),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="actor",
                    ),
                ),
                (
                    "content_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="contenttypes.contenttype",
                        verbose_name="content type",
                    ),
                ),
                (
                    "business_area",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="governance.businessarea",
                    ),
                ),
            ],
            options={
                "verbose_name": "audit entry",
                "verbose_name_plural": "audit entries",
                "ordering": ["-timestamp"],
                "get_latest_by": "timestamp",
                "abstract": False,
                "indexes": [
                    models.Index(fields=["content_type", "object_pk", "-timestamp"], name="audit_object_history"),
                    models.Index(fields=["scope", "-timestamp"], name="audit_scope_history"),
                    models.Index(fields=["actor", "-timestamp"], name="audit_actor_history"),
                    models.Index(fields=["business_area", "-timestamp"], name="audit_area_history"),
                    models.Index(condition=models.Q(("digest", "")), fields=["id"], name="audit_unsealed"),
                    models.Index(fields=["-timestamp", "-id"], name="audit_newest"),
                ],
            },
        ),
        migrations.CreateModel(
            name="AssuranceReturn",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveSmallIntegerField(default=1)),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("draft", "To sign"),
                            ("signed", "Signed"),
                            ("accepted", "Accepted"),
                            ("sent_back", "Sent back"),
                            ("superseded", "Replaced by a correction"),
                        ],
                        default="draft",
                        max_length=20,
                    ),
                ),
                ("facts", models.JSONField(default=dict, help_text="Computed from live records; never typed.")),
                ("facts_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("register_accurate", models.BooleanField(null=True, verbose_name="the register entries are accurate")),
                ("changes", models.TextField(blank=True, verbose_name="changes in the period")),
                ("incidents_reported", models.BooleanField(null=True, verbose_name="every incident was reported")),
                ("risks_managed", models.BooleanField(null=True, verbose_name="the risks are managed")),
                ("access_still_needed", models.BooleanField(null=True, verbose_name="all access is still needed")),
                ("comments", models.TextField(blank=True)),
                ("signed_at", models.DateTimeField(blank=True, null=True)),
                ("digest", models.CharField(blank=True, max_length=64)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                ("sent_back_reason", models.TextField(blank=True)),
                (
                    "decided_by",
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
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="assurance_returns",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "signed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "round",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="returns",
                        to="governance.assuranceround",
                    ),
                ),
                (
                    "business_area",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="governance.businessarea",
                    ),
                ),
            ],
            options={
                "ordering": ["round", "business_area", "iam", "-version"],
                "constraints": [
                    models.UniqueConstraint(fields=("round", "iam", "version"), name="return_version_unique"),
                    models.UniqueConstraint(
                        condition=models.Q(("state", "superseded"), _negated=True),
                        fields=("round", "iam"),
                        name="return_one_live_per_iam",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("state", "draft"), models.Q(("digest", ""), _negated=True), _connector="OR"
                        ),
                        name="return_signed_has_digest",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="AccessEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                ("user_agent", models.CharField(blank=True, max_length=500)),
                ("kind", models.CharField(help_text="What was done, such as 'download' or 'export'.", max_length=50)),
                ("object_pk", models.CharField(blank=True, max_length=64)),
                ("object_repr", models.CharField(blank=True, max_length=300)),
                ("detail", models.TextField(blank=True)),
                (
                    "content_type",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="access_events",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "business_area",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="access_events",
                        to="governance.businessarea",
                    ),
                ),
            ],
            options={
                "ordering": ["-at", "-pk"],
                "indexes": [
                    models.Index(fields=["user", "-at"], name="access_event_user_at"),
                    models.Index(fields=["content_type", "object_pk", "-at"], name="access_event_object_at"),
                    models.Index(fields=["-at", "-id"], name="access_event_newest"),
                ],
            },
        ),
        migrations.AddField(
            model_name="user",
            name="business_area",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="staff",
                to="governance.businessarea",
            ),
        ),
        migrations.CreateModel(
            name="BusinessAreaGroupObjectPermission",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "content_object",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="governance.businessarea"),
                ),
                ("group", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="auth.group")),
                ("permission", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="auth.permission")),
            ],
            options={
                "ordering": ["pk"],
                "abstract": False,
                "unique_together": {("group", "permission", "content_object")},
            },
        ),
        migrations.CreateModel(
            name="BusinessAreaUserObjectPermission",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "content_object",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="governance.businessarea"),
                ),
                ("permission", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="auth.permission")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "ordering": ["pk"],
                "abstract": False,
                "unique_together": {("user", "permission", "content_object")},
            },
        ),
        migrations.CreateModel(
            name="CalendarFeedToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="calendar_feed",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "calendar feed key",
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="ContractAsset",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "review_state",
                    models.CharField(
                        choices=[
                            ("pending", "Awaiting IAM review"),
                            ("approved", "Approved by IAM"),
                            ("changes_needed", "Changes needed"),
                        ],
                        default="pending",
                        max_length=20,
                        verbose_name="IAM review",
                    ),
                ),
                ("reviewed_at", models.DateTimeField(blank=True, null=True)),
                ("review_notes", models.TextField(blank=True, verbose_name="IAM's comments")),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "asset provided",
                "verbose_name_plural": "assets provided",
                "ordering": ["contract", "pk"],
            },
        ),
        migrations.CreateModel(
            name="ContractDocument",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("assurance_evidence", "Assurance evidence"),
                            ("destruction_certificate", "Destruction certificate"),
                        ],
                        max_length=30,
                    ),
                ),
                ("file", models.FileField(max_length=200, upload_to="")),
                ("original_name", models.CharField(max_length=200)),
                ("content_type", models.CharField(max_length=120)),
                ("size", models.PositiveIntegerField()),
                ("sha256", models.CharField(max_length=64, verbose_name="SHA-256 digest")),
                ("uploaded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "contract document",
                "ordering": ["-uploaded_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="Course",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200, unique=True)),
                ("description", models.TextField(blank=True)),
                (
                    "audience",
                    models.CharField(
                        choices=[("all_staff", "All staff"), ("data_handlers", "Data handlers")], max_length=20
                    ),
                ),
                (
                    "renewal_months",
                    models.PositiveSmallIntegerField(
                        help_text="How long a sign-off stays current, in months (12 for an annual course)."
                    ),
                ),
                ("content_url", models.URLField(max_length=500, verbose_name="link to the course content")),
                (
                    "clears_personal_data",
                    models.BooleanField(
                        default=False,
                        help_text="A current sign-off is needed before a data handler may be given personal data.",
                        verbose_name="data-protection course",
                    ),
                ),
                ("is_active", models.BooleanField(default=True)),
            ],
            options={
                "ordering": ["title"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("renewal_months__gte", 1), ("renewal_months__lte", 60)),
                        name="course_renewal_1_60",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("clears_personal_data", False), ("audience", "data_handlers"), _connector="OR"
                        ),
                        name="course_clearance_is_for_data_handlers",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="CourseVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveIntegerField()),
                ("declaration_text", models.TextField(help_text="The exact words each person signs.")),
                ("changes_summary", models.CharField(blank=True, max_length=500, verbose_name="what changed")),
                ("published_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "requires_resign",
                    models.BooleanField(
                        default=False,
                        help_text="Sign-offs of earlier versions stop counting after the date below.",
                        verbose_name="everyone must sign again",
                    ),
                ),
                ("resign_by", models.DateField(blank=True, null=True, verbose_name="sign again by")),
                (
                    "course",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="versions", to="governance.course"
                    ),
                ),
                (
                    "published_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "ordering": ["course", "-number"],
                "constraints": [
                    models.UniqueConstraint(fields=("course", "number"), name="course_version_number_unique"),
                    models.CheckConstraint(
                        condition=models.Q(("requires_resign", False), ("resign_by__isnull", False), _connector="OR"),
                        name="course_version_resign_has_date",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ContractDataItem",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=120)),
                (
                    "sensitivity",
                    models.CharField(
                        choices=[
                            ("non_personal", "Not personal data"),
                            ("personal", "Personal data"),
                            ("identifier", "Direct identifier"),
                            ("special_category", "Special category data"),
                        ],
                        max_length=20,
                    ),
                ),
                ("justification", models.TextField(verbose_name="why it is needed")),
                (
                    "contract_asset",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="items", to="governance.contractasset"
                    ),
                ),
                (
                    "data_item",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="governance.dataitem",
                    ),
                ),
            ],
            options={
                "verbose_name": "data item provided",
                "verbose_name_plural": "data items provided",
                "ordering": ["contract_asset", "name", "pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("contract_asset", "data_item"), name="contract_item_once"),
                    models.CheckConstraint(
                        condition=models.Q(("justification", ""), _negated=True), name="contract_item_justified"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="AccessRequestItem",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("justification", models.TextField(help_text="Why this item is needed.")),
                ("granted", models.BooleanField(help_text="The IAM's decision on this item.", null=True)),
                (
                    "request",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="items", to="governance.accessrequest"
                    ),
                ),
                (
                    "data_item",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="governance.dataitem"
                    ),
                ),
            ],
            options={
                "ordering": ["request", "data_item__name"],
                "constraints": [
                    models.UniqueConstraint(fields=("request", "data_item"), name="access_request_item_once")
                ],
            },
        ),
        migrations.CreateModel(
            name="DisclosureRuleSet",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveIntegerField(unique=True)),
                ("parameters", models.JSONField()),
                ("digest", models.CharField(max_length=64)),
                ("note", models.CharField(blank=True, max_length=500, verbose_name="reason for the change")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "disclosure rule set",
                "ordering": ["-version"],
            },
        ),
        migrations.CreateModel(
            name="ExternalOrganisation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("university", "University"),
                            ("research_institute", "Research institute"),
                            ("company", "Company"),
                            ("charity", "Charity or non-profit"),
                            ("public_body", "Public body"),
                            ("other", "Other"),
                        ],
                        max_length=30,
                        verbose_name="type of organisation",
                    ),
                ),
                (
                    "registration_number",
                    models.CharField(
                        blank=True,
                        help_text="Companies House or charity number, if any.",
                        max_length=40,
                        verbose_name="registration number",
                    ),
                ),
                ("address", models.TextField(blank=True)),
                ("website", models.URLField(blank=True)),
                ("notes", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
            ],
            options={
                "verbose_name": "external organisation",
                "ordering": ["name", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("name"), name="external_organisation_name_unique_ci"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Incident",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200, verbose_name="summary")),
                ("description", models.TextField(verbose_name="what happened")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("wrong_recipient", "Data sent to the wrong person"),
                            ("loss_or_theft", "Loss or theft of a device or papers"),
                            ("unauthorised_access", "Unauthorised access or use"),
                            ("retention", "Data kept past its grant or destruction date"),
                            ("cyber", "Cyber attack or malware"),
                            ("other", "Something else"),
                        ],
                        max_length=30,
                        verbose_name="type of incident",
                    ),
                ),
                ("reported_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "found_at",
                    models.DateTimeField(help_text="When the person reporting it found it.", verbose_name="found at"),
                ),
                (
                    "aware_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now,
                        help_text="When the department became aware: the clock starts.",
                        verbose_name="department aware at",
                    ),
                ),
                ("ico_deadline", models.DateTimeField(editable=False, verbose_name="ICO decision due by")),
                ("personal_data", models.BooleanField(default=False, verbose_name="personal data involved")),
                ("special_category", models.BooleanField(default=False, verbose_name="special category data involved")),
                (
                    "people_affected",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="roughly how many people"),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[("reported", "Reported"), ("triaged", "Being handled"), ("closed", "Closed")],
                        default="reported",
                        max_length=20,
                    ),
                ),
                (
                    "severity",
                    models.CharField(
                        blank=True,
                        choices=[("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical")],
                        max_length=20,
                    ),
                ),
                (
                    "risk_level",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("unlikely", "Unlikely to result in a risk to people"),
                            ("risk", "A risk to people's rights and freedoms"),
                            ("high", "A high risk to people's rights and freedoms"),
                        ],
                        max_length=20,
                        verbose_name="risk to the people affected",
                    ),
                ),
                ("risk_assessment", models.TextField(blank=True, verbose_name="risk assessment")),
                ("triaged_at", models.DateTimeField(blank=True, null=True)),
                (
                    "ico_decision",
                    models.CharField(
                        blank=True,
                        choices=[("report", "Report to the ICO"), ("not_report", "Do not report to the ICO")],
                        max_length=20,
                        verbose_name="ICO decision",
                    ),
                ),
                ("ico_reason", models.TextField(blank=True, verbose_name="reason for the ICO decision")),
                ("ico_reference", models.CharField(blank=True, max_length=60, verbose_name="ICO case reference")),
                ("delay_reason", models.TextField(blank=True, verbose_name="reason for deciding after 72 hours")),
                ("ico_decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "subjects_decision",
                    models.CharField(
                        blank=True,
                        choices=[("tell", "Tell the people affected"), ("not_tell", "Do not tell the people affected")],
                        max_length=20,
                        verbose_name="decision on the people affected",
                    ),
                ),
                (
                    "subjects_reason",
                    models.TextField(blank=True, verbose_name="reason for the decision on the people affected"),
                ),
                ("subjects_decided_at", models.DateTimeField(blank=True, null=True)),
                ("lessons", models.TextField(blank=True, verbose_name="lessons learned")),
                ("closed_at", models.DateTimeField(blank=True, null=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "business_area",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="incidents",
                        to="governance.businessarea",
                    ),
                ),
                (
                    "closed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "handler",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="incidents_handled",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="incident handler",
                    ),
                ),
                (
                    "ico_decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "reported_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="incidents_reported",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "subjects_decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "triaged_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-aware_at", "-pk"],
                "indexes": [
                    models.Index(fields=["state", "ico_deadline"], name="incident_open_deadline"),
                    models.Index(fields=["business_area", "aware_at"], name="incident_area_aware"),
                    models.Index(fields=["reported_by", "-aware_at"], name="incident_reporter"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("state__in", ["reported", "triaged", "closed"])),
                        name="incident_state_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("found_at__lte", models.F("reported_at"))),
                        name="incident_found_before_report",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("special_category", False), ("personal_data", True), _connector="OR"),
                        name="incident_special_is_personal",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("ico_decision", ""),
                            models.Q(("ico_decided_at__isnull", False), ("ico_decided_by__isnull", False)),
                            _connector="OR",
                        ),
                        name="incident_ico_decision_recorded",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("state", "closed"), _negated=True),
                            models.Q(("closed_at__isnull", False), models.Q(("lessons", ""), _negated=True)),
                            _connector="OR",
                        ),
                        name="incident_closed_with_lessons",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="InformationAsset",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200)),
                ("description", models.TextField()),
                (
                    "classification",
                    models.CharField(
                        choices=[
                            ("official", "OFFICIAL"),
                            ("official_sensitive", "OFFICIAL-SENSITIVE"),
                            ("secret", "SECRET"),
                        ],
                        default="official",
                        max_length=30,
                    ),
                ),
                ("contains_personal_data", models.BooleanField(default=False, verbose_name="personal data")),
                (
                    "special_category",
                    models.BooleanField(
                        default=False,
                        help_text="Health, ethnicity, religion and other UK GDPR Article 9 data.",
                        verbose_name="special category data",
                    ),
                ),
                (
                    "identifiability",
                    models.CharField(
                        choices=[
                            ("identifiable", "Identifiable"),
                            ("pseudonymised", "Pseudonymised"),
                            ("anonymised", "Anonymised"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "extract_type",
                    models.CharField(
                        choices=[("full", "100% extract"), ("sample", "Sample")], default="full", max_length=10
                    ),
                ),
                (
                    "lawful_basis",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("consent", "Consent (6(1)(a))"),
                            ("contract", "Contract (6(1)(b))"),
                            ("legal_obligation", "Legal obligation (6(1)(c))"),
                            ("vital_interests", "Vital interests (6(1)(d))"),
                            ("public_task", "Public task (6(1)(e))"),
                            ("legitimate_interests", "Legitimate interests (6(1)(f))"),
                        ],
                        help_text="Required for personal data.",
                        max_length=30,
                        verbose_name="lawful basis",
                    ),
                ),
                (
                    "storage_location",
                    models.CharField(
                        help_text="Where the data is held.",
                        max_length=200,
                        verbose_name="storage location or secure environment",
                    ),
                ),
                ("retention_rule", models.CharField(help_text="How long the data is kept, and why.", max_length=300)),
                ("next_review_date", models.DateField()),
                ("last_reviewed_on", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "business_area",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="assets", to="governance.businessarea"
                    ),
                ),
                (
                    "manager",
                    models.ForeignKey(
                        blank=True,
                        help_text="Accountable for the asset's security and confidentiality. Empty means an IAM is needed.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="managed_assets",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="Information Asset Manager (IAM)",
                    ),
                ),
                (
                    "technical_contact",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="technical_contact_for",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["name", "pk"],
                "permissions": [("access_informationasset", "Can open the asset's granted data")],
                "indexes": [
                    models.Index(fields=["business_area", "name"], name="asset_area_name"),
                    models.Index(fields=["name", "id"], name="asset_name"),
                    models.Index(fields=["next_review_date"], name="asset_next_review"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("name"),
                        models.F("business_area"),
                        name="asset_name_unique_in_area",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("special_category", False), ("contains_personal_data", True), _connector="OR"
                        ),
                        name="asset_special_category_is_personal",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("contains_personal_data", False),
                            models.Q(("lawful_basis", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="asset_personal_data_has_lawful_basis",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("last_reviewed_on__isnull", True),
                            ("next_review_date__gt", models.F("last_reviewed_on")),
                            _connector="OR",
                        ),
                        name="asset_next_review_after_last",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="dataitem",
            name="asset",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="items", to="governance.informationasset"
            ),
        ),
        migrations.AddField(
            model_name="contractasset",
            name="asset",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="contract_uses",
                to="governance.informationasset",
            ),
        ),
        migrations.CreateModel(
            name="AssetReview",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("reviewed_on", models.DateField(default=django.utils.timezone.localdate)),
                ("notes", models.TextField(blank=True)),
                ("next_review_date", models.DateField()),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "asset",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reviews",
                        to="governance.informationasset",
                    ),
                ),
            ],
            options={
                "ordering": ["-reviewed_on", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("next_review_date__gt", models.F("reviewed_on"))),
                        name="review_next_after_this",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="AssetExtract",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("file", models.FileField(upload_to="extracts/%Y/%m/")),
                ("original_name", models.CharField(max_length=200)),
                ("sha256", models.CharField(max_length=64)),
                ("columns", models.JSONField(default=list)),
                ("row_count", models.PositiveIntegerField(default=0)),
                ("uploaded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "asset",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="extracts",
                        to="governance.informationasset",
                    ),
                ),
            ],
            options={
                "ordering": ["-uploaded_at", "-pk"],
            },
        ),
        migrations.AddField(
            model_name="accessrequest",
            name="asset",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="access_requests",
                to="governance.informationasset",
            ),
        ),
        migrations.CreateModel(
            name="AccessGrant",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("starts_on", models.DateField()),
                ("ends_on", models.DateField()),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("active", "Active"),
                            ("suspended", "Suspended"),
                            ("expired", "Expired"),
                            ("revoked", "Revoked"),
                        ],
                        default="active",
                        max_length=20,
                    ),
                ),
                (
                    "suspension",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("leaver", "The holder has left"),
                            ("training", "The holder's data-protection training is not current"),
                            ("not_recertified", "Not confirmed in the access review"),
                            ("incident", "Suspended while an information security incident is handled"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "needs_clearance",
                    models.BooleanField(
                        default=False,
                        help_text="Grants personal data: the holder must stay cleared by data-protection training.",
                    ),
                ),
                ("ended_at", models.DateTimeField(blank=True, null=True)),
                ("end_reason", models.TextField(blank=True)),
                (
                    "decided_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "ended_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "holder",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="access_grants",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "request",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT, related_name="grant", to="governance.accessrequest"
                    ),
                ),
                ("items", models.ManyToManyField(related_name="grants", to="governance.dataitem")),
                (
                    "asset",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="grants",
                        to="governance.informationasset",
                    ),
                ),
            ],
            options={
                "ordering": ["-starts_on", "-pk"],
                "indexes": [
                    models.Index(fields=["holder", "asset", "state"], name="access_grant_holder_asset"),
                    models.Index(fields=["state", "ends_on"], name="access_grant_state_end"),
                    models.Index(fields=["-starts_on", "-id"], name="access_grant_newest"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("ends_on__gt", models.F("starts_on"))), name="access_grant_ends_after_start"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("state", "suspended"),
                                ("suspension__in", ["leaver", "training", "not_recertified", "incident"]),
                            ),
                            models.Q(models.Q(("state", "suspended"), _negated=True), ("suspension", "")),
                            _connector="OR",
                        ),
                        name="access_grant_suspension_reason",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="InformationAssetGroupObjectPermission",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "content_object",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="governance.informationasset"),
                ),
                ("group", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="auth.group")),
                ("permission", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="auth.permission")),
            ],
            options={
                "ordering": ["pk"],
                "abstract": False,
                "unique_together": {("group", "permission", "content_object")},
            },
        ),
        migrations.CreateModel(
            name="InformationAssetUserObjectPermission",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "content_object",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="governance.informationasset"),
                ),
                ("permission", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="auth.permission")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "asset permission of a person",
                "ordering": ["pk"],
                "abstract": False,
                "unique_together": {("user", "permission", "content_object")},
            },
        ),
        migrations.CreateModel(
            name="InformationRisk",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("description", models.TextField()),
                (
                    "likelihood",
                    models.PositiveSmallIntegerField(
                        choices=[(1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5")],
                        help_text="1 (rare) to 5 (almost certain).",
                    ),
                ),
                (
                    "impact",
                    models.PositiveSmallIntegerField(
                        choices=[(1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5")],
                        help_text="1 (negligible) to 5 (severe).",
                    ),
                ),
                ("treatment", models.TextField(help_text="What is done to reduce the risk.")),
                ("target_date", models.DateField(verbose_name="treatment target date")),
                ("review_date", models.DateField(verbose_name="next review date")),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "Open"), ("tolerated", "Tolerated"), ("closed", "Closed")],
                        default="open",
                        max_length=20,
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "asset",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="risks",
                        to="governance.informationasset",
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="risks_owned",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["asset", "-likelihood", "-impact", "pk"],
                "indexes": [models.Index(fields=["status", "review_date"], name="risk_status_review")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("likelihood__gte", 1), ("likelihood__lte", 5)), name="risk_likelihood_range"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("impact__gte", 1), ("impact__lte", 5)), name="risk_impact_range"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Notification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("to_email", models.EmailField(max_length=254)),
                ("subject", models.CharField(max_length=200)),
                ("body", models.TextField()),
                ("dedupe_key", models.CharField(max_length=255, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("last_error", models.CharField(blank=True, max_length=500)),
                (
                    "recipient",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
                "indexes": [models.Index(fields=["sent_at", "created_at"], name="notification_pending")],
            },
        ),
        migrations.CreateModel(
            name="OfficeHolder",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "office",
                    models.CharField(
                        choices=[
                            ("siro", "Senior Information Risk Owner (SIRO)"),
                            ("chief_statistician", "Chief Statistician"),
                            ("cdo", "Chief Data Officer"),
                            ("cdio", "Chief Digital and Information Officer"),
                        ],
                        max_length=30,
                        unique=True,
                    ),
                ),
                ("since", models.DateField(default=django.utils.timezone.localdate)),
                (
                    "holder",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="offices", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "ordering": ["office"],
            },
        ),
        migrations.CreateModel(
            name="ResearchContract",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "reference",
                    models.CharField(
                        help_text="The contract's reference, for example DWP-RES-2026-014.", max_length=50
                    ),
                ),
                ("title", models.CharField(max_length=200, verbose_name="project title")),
                ("purpose", models.TextField(help_text="What the research is for, and the public benefit it serves.")),
                ("contact_name", models.CharField(max_length=150, verbose_name="contractor contact")),
                ("contact_role", models.CharField(blank=True, max_length=150, verbose_name="contact's role")),
                ("contact_email", models.EmailField(max_length=254, verbose_name="contact's email address")),
                ("contact_phone", models.CharField(blank=True, max_length=40, verbose_name="contact's phone number")),
                (
                    "security_contact_name",
                    models.CharField(blank=True, max_length=150, verbose_name="security or data protection contact"),
                ),
                (
                    "security_contact_email",
                    models.EmailField(blank=True, max_length=254, verbose_name="security contact's email address"),
                ),
                (
                    "lawful_basis",
                    models.CharField(
                        blank=True,
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
                        help_text="Needed when any data item provided is special category data.",
                        max_length=40,
                        verbose_name="special category condition (UK GDPR Article 9)",
                    ),
                ),
                ("start_date", models.DateField()),
                ("end_date", models.DateField()),
                ("retention_end_date", models.DateField(help_text="The last day the contractor may hold the data.")),
                (
                    "destruction_due_date",
                    models.DateField(help_text="The day by which the data must be destroyed and certified."),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("under_assurance", "Under assurance"),
                            ("approved", "Approved"),
                            ("data_released", "Data released"),
                            ("retention_ended", "Retention ended"),
                            ("destruction_certified", "Destruction certified"),
                            ("closed", "Closed"),
                        ],
                        default="draft",
                        max_length=30,
                    ),
                ),
                ("data_released_on", models.DateField(blank=True, editable=False, null=True)),
                ("review_flagged_at", models.DateTimeField(blank=True, editable=False, null=True)),
                (
                    "review_flag_reason",
                    models.TextField(blank=True, editable=False, verbose_name="why the contract needs review"),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "legal_gateway",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="contracts",
                        to="governance.legalgateway",
                    ),
                ),
                (
                    "manager",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="managed_contracts",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="contract manager",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="contracts",
                        to="governance.externalorganisation",
                        verbose_name="contractor",
                    ),
                ),
            ],
            options={
                "verbose_name": "research contract",
                "ordering": ["reference", "pk"],
                "indexes": [
                    models.Index(fields=["manager", "status"], name="contract_manager_status"),
                    models.Index(fields=["status", "retention_end_date"], name="contract_status_retention"),
                    models.Index(fields=["status", "destruction_due_date"], name="contract_status_destruction"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("reference"), name="contract_reference_unique_ci"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("end_date__gte", models.F("start_date"))), name="contract_ends_after_start"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("retention_end_date__gte", models.F("start_date"))),
                        name="contract_retention_after_start",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("destruction_due_date__gte", models.F("retention_end_date"))),
                        name="contract_destruction_after_retention",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "status__in",
                                (
                                    "draft",
                                    "under_assurance",
                                    "approved",
                                    "data_released",
                                    "retention_ended",
                                    "destruction_certified",
                                    "closed",
                                ),
                            )
                        ),
                        name="contract_status_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("data_released_on__isnull", True),
                            models.Q(("status__in", ["draft", "under_assurance", "approved"]), _negated=True),
                            _connector="OR",
                        ),
                        name="contract_unreleased_has_no_release_date",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ReidentificationAssessment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "level",
                    models.CharField(
                        choices=[("low", "Low"), ("medium", "Medium"), ("high", "High")],
                        max_length=10,
                        verbose_name="residual risk",
                    ),
                ),
                ("mitigations", models.TextField()),
                ("assessed_on", models.DateField()),
                (
                    "assessor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "contract",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="risk_assessment",
                        to="governance.researchcontract",
                    ),
                ),
            ],
            options={
                "verbose_name": "re-identification risk assessment",
                "ordering": ["contract"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("mitigations", ""), _negated=True), name="risk_assessment_has_mitigations"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="IncidentLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("added_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "added_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "data_item",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="governance.dataitem",
                    ),
                ),
                (
                    "grant",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="governance.accessgrant",
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="links", to="governance.incident"
                    ),
                ),
                (
                    "asset",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="incident_links",
                        to="governance.informationasset",
                    ),
                ),
                (
                    "contract",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="incident_links",
                        to="governance.researchcontract",
                    ),
                ),
            ],
            options={
                "ordering": ["incident", "pk"],
                "indexes": [models.Index(fields=["asset", "incident"], name="incident_link_by_asset")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("asset__isnull", False),
                                ("contract__isnull", True),
                                ("data_item__isnull", True),
                                ("grant__isnull", True),
                            ),
                            models.Q(
                                ("asset__isnull", True),
                                ("contract__isnull", True),
                                ("data_item__isnull", False),
                                ("grant__isnull", True),
                            ),
                            models.Q(
                                ("asset__isnull", True),
                                ("contract__isnull", True),
                                ("data_item__isnull", True),
                                ("grant__isnull", False),
                            ),
                            models.Q(
                                ("asset__isnull", True),
                                ("contract__isnull", False),
                                ("data_item__isnull", True),
                                ("grant__isnull", True),
                            ),
                            _connector="OR",
                        ),
                        name="incident_link_one_target",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("asset__isnull", False)),
                        fields=("incident", "asset"),
                        name="incident_link_asset_once",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("data_item__isnull", False)),
                        fields=("incident", "data_item"),
                        name="incident_link_item_once",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("grant__isnull", False)),
                        fields=("incident", "grant"),
                        name="incident_link_grant_once",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("contract__isnull", False)),
                        fields=("incident", "contract"),
                        name="incident_link_contract_once",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="IncidentAction",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("containment", "Containment"),
                            ("suspend_grant", "Suspend a grant"),
                            ("restore_grant", "Restore a suspended grant"),
                            ("recertify", "Early access review of an asset"),
                            ("contract_review", "Contract flagged for review"),
                        ],
                        default="containment",
                        max_length=20,
                    ),
                ),
                ("description", models.TextField()),
                ("due_on", models.DateField(blank=True, null=True)),
                (
                    "state",
                    models.CharField(
                        choices=[("open", "Open"), ("done", "Done"), ("not_needed", "Not needed")],
                        default="open",
                        max_length=20,
                    ),
                ),
                ("outcome", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("completed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "grant",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="governance.accessgrant",
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="actions", to="governance.incident"
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="incident_actions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "asset",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="governance.informationasset",
                    ),
                ),
                (
                    "contract",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="governance.researchcontract",
                    ),
                ),
            ],
            options={
                "ordering": ["incident", "created_at", "pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("state", "open"), ("completed_at__isnull", False), _connector="OR"),
                        name="incident_action_completed_at",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="DestructionCertificate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("destroyed_on", models.DateField(verbose_name="date of destruction")),
                (
                    "certified_by",
                    models.CharField(
                        help_text="Name and role of the person at the contractor who certified it.",
                        max_length=200,
                        verbose_name="certified by",
                    ),
                ),
                ("notes", models.TextField(blank=True)),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "document",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="governance.contractdocument"
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "contract",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="destruction_certificate",
                        to="governance.researchcontract",
                    ),
                ),
            ],
            options={
                "verbose_name": "destruction certificate",
                "ordering": ["-recorded_at"],
            },
        ),
        migrations.CreateModel(
            name="ContractStatusChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "from_status",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("draft", "Draft"),
                            ("under_assurance", "Under assurance"),
                            ("approved", "Approved"),
                            ("data_released", "Data released"),
                            ("retention_ended", "Retention ended"),
                            ("destruction_certified", "Destruction certified"),
                            ("closed", "Closed"),
                        ],
                        max_length=30,
                    ),
                ),
                (
                    "to_status",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("under_assurance", "Under assurance"),
                            ("approved", "Approved"),
                            ("data_released", "Data released"),
                            ("retention_ended", "Retention ended"),
                            ("destruction_certified", "Destruction certified"),
                            ("closed", "Closed"),
                        ],
                        max_length=30,
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                ("reason", models.TextField(blank=True)),
                (
                    "by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "contract",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="status_changes",
                        to="governance.researchcontract",
                    ),
                ),
            ],
            options={
                "verbose_name": "contract status change",
                "ordering": ["-at", "-pk"],
                "indexes": [models.Index(fields=["contract", "-at"], name="contract_status_history")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("from_status", models.F("to_status")), _negated=True),
                        name="status_change_changes_status",
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="contractdocument",
            name="contract",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="documents", to="governance.researchcontract"
            ),
        ),
        migrations.AddField(
            model_name="contractasset",
            name="contract",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="contract_assets",
                to="governance.researchcontract",
            ),
        ),
        migrations.CreateModel(
            name="AssuranceCheck",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("data_handling", "Data handling conditions"),
                            ("security", "Security requirements"),
                            ("standards", "Prescribed standards"),
                            ("sara", "SARA assessment"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("pending", "Not yet assessed"),
                            ("met", "Met"),
                            ("met_with_conditions", "Met with conditions"),
                            ("not_met", "Not met"),
                        ],
                        default="pending",
                        max_length=30,
                    ),
                ),
                ("assessed_on", models.DateField(blank=True, null=True)),
                ("notes", models.TextField(blank=True, verbose_name="conditions or notes")),
                (
                    "assessor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "evidence",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="governance.contractdocument",
                        verbose_name="evidence",
                    ),
                ),
                (
                    "contract",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="assurance_checks",
                        to="governance.researchcontract",
                    ),
                ),
            ],
            options={
                "verbose_name": "security assurance check",
                "ordering": ["contract", "pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("contract", "kind"), name="assurance_check_once_per_kind"),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("outcome", "pending"),
                            models.Q(("assessed_on__isnull", False), ("assessor__isnull", False)),
                            _connector="OR",
                        ),
                        name="assurance_check_assessed_has_assessor_and_date",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("outcome__in", ["met", "met_with_conditions"]), _negated=True),
                            ("evidence__isnull", False),
                            _connector="OR",
                        ),
                        name="assurance_check_passed_has_evidence",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("outcome", "met_with_conditions"), _negated=True),
                            models.Q(("notes", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="assurance_check_conditions_recorded",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ResearchContractGroupObjectPermission",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "content_object",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="governance.researchcontract"),
                ),
                ("group", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="auth.group")),
                ("permission", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="auth.permission")),
            ],
            options={
                "ordering": ["pk"],
                "abstract": False,
                "unique_together": {("group", "permission", "content_object")},
            },
        ),
        migrations.CreateModel(
            name="ResearchContractUserObjectPermission",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "content_object",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="governance.researchcontract"),
                ),
                ("permission", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="auth.permission")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "contract permission of a person",
                "ordering": ["pk"],
                "abstract": False,
                "unique_together": {("user", "permission", "content_object")},
            },
        ),
        migrations.CreateModel(
            name="RetentionExtension",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("current_retention_end_date", models.DateField(verbose_name="retention end date when requested")),
                ("current_destruction_due_date", models.DateField(verbose_name="destruction due date when requested")),
                ("new_retention_end_date", models.DateField(verbose_name="new retention end date")),
                ("new_destruction_due_date", models.DateField(verbose_name="new destruction due date")),
                ("reason", models.TextField()),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("pending", "Awaiting IAM decisions"),
                            ("approved", "Approved"),
                            ("rejected", "Rejected"),
                            ("withdrawn", "Withdrawn"),
                        ],
                        default="pending",
                        max_length=20,
                    ),
                ),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "contract",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="extensions",
                        to="governance.researchcontract",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "retention extension",
                "ordering": ["-requested_at", "-pk"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("state", "pending")),
                        fields=("contract",),
                        name="extension_one_pending_per_contract",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("new_retention_end_date__gt", models.F("current_retention_end_date"))),
                        name="extension_extends_retention",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("new_destruction_due_date__gte", models.F("new_retention_end_date"))),
                        name="extension_destruction_after_retention",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("state", "pending"), ("decided_at__isnull", False), _connector="OR"),
                        name="extension_decided_has_date",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("reason", ""), _negated=True), name="extension_has_reason"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="RetentionDateChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("retention_end_date", models.DateField()),
                ("destruction_due_date", models.DateField()),
                ("changed_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("reason", models.CharField(max_length=300)),
                (
                    "changed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "contract",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="date_changes",
                        to="governance.researchcontract",
                    ),
                ),
                (
                    "extension",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="governance.retentionextension",
                    ),
                ),
            ],
            options={
                "verbose_name": "retention date change",
                "ordering": ["-changed_at", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("destruction_due_date__gte", models.F("retention_end_date"))),
                        name="date_change_order",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ExtensionDecision",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("approved", models.BooleanField()),
                ("comment", models.TextField(blank=True)),
                ("decided_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "decided_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "extension",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="decisions",
                        to="governance.retentionextension",
                    ),
                ),
            ],
            options={
                "verbose_name": "extension decision",
                "ordering": ["decided_at", "pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("extension", "decided_by"), name="extension_decision_once_per_iam"),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("approved", True), models.Q(("comment", ""), _negated=True), _connector="OR"
                        ),
                        name="extension_rejection_explained",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ReviewCampaign",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "period_start",
                    models.DateField(help_text="The first day of the period the campaign covers.", unique=True),
                ),
                ("started_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("deadline", models.DateField()),
                ("closed_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "ordering": ["-period_start"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("deadline__gt", models.F("period_start"))),
                        name="campaign_deadline_after_start",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="AccessReview",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "decision",
                    models.CharField(blank=True, choices=[("confirm", "Confirm"), ("revoke", "Revoke")], max_length=10),
                ),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                ("reason", models.TextField(blank=True)),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "grant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="reviews", to="governance.accessgrant"
                    ),
                ),
                (
                    "campaign",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reviews",
                        to="governance.reviewcampaign",
                    ),
                ),
            ],
            options={
                "ordering": ["campaign", "grant"],
                "constraints": [
                    models.UniqueConstraint(fields=("campaign", "grant"), name="access_review_once_per_campaign")
                ],
            },
        ),
        migrations.CreateModel(
            name="SecurityEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("login", "Signed in"),
                            ("logout", "Signed out"),
                            ("password_failed", "Wrong username or password"),
                            ("token_failed", "Wrong one-time code"),
                            ("locked_out", "Locked out after repeated failures"),
                            ("account_locked", "Account locked after repeated failures from several addresses"),
                            ("device_enrolled", "Authenticator app set up"),
                            ("backup_codes_issued", "Backup codes issued"),
                            ("backup_code_used", "Backup code used"),
                            ("api_token_created", "API token created"),
                            ("api_token_new_address", "API token used from a new address"),
                            ("api_token_revoked", "API token revoked"),
                            ("key_registered", "Security key added"),
                            ("key_used", "Security key used"),
                            ("key_failed", "Security key refused"),
                            ("key_removed", "Security key removed"),
                        ],
                        max_length=30,
                    ),
                ),
                (
                    "username",
                    models.CharField(blank=True, help_text="The name typed, for failed attempts.", max_length=150),
                ),
                ("at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                ("user_agent", models.CharField(blank=True, max_length=500)),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="security_events",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-at", "-pk"],
                "indexes": [models.Index(fields=["user", "-at"], name="security_event_user_at")],
            },
        ),
        migrations.CreateModel(
            name="StatisticalRelease",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200)),
                ("summary", models.TextField(blank=True, help_text="What the release covers, in a sentence or two.")),
                ("planned_release_date", models.DateField(verbose_name="planned release date")),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "In preparation"), ("signed_off", "Signed off"), ("released", "Released")],
                        default="draft",
                        max_length=20,
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("released_at", models.DateTimeField(blank=True, null=True)),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="releases",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "released_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-planned_release_date", "-pk"],
                "indexes": [
                    models.Index(fields=["-planned_release_date", "-id"], name="release_newest"),
                    models.Index(fields=["author", "-planned_release_date"], name="release_author"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("released_at__isnull", False), ("released_by__isnull", False), ("status", "released")
                            ),
                            models.Q(models.Q(("status", "released"), _negated=True), ("released_at__isnull", True)),
                            _connector="OR",
                        ),
                        name="release_released_fields_match_status",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ReleaseSource",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "extract_type",
                    models.CharField(
                        choices=[("sample", "Sample extract"), ("full", "100% extract")],
                        max_length=10,
                        verbose_name="type of extract",
                    ),
                ),
                (
                    "sampling_weight",
                    models.DecimalField(
                        blank=True,
                        decimal_places=4,
                        help_text="Sample extracts: the grossing factor, such as 50 for a 2% sample. A table may give its own.",
                        max_digits=12,
                        null=True,
                        verbose_name="sampling weight",
                    ),
                ),
                (
                    "asset",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="release_sources",
                        to="governance.informationasset",
                    ),
                ),
                (
                    "release",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sources",
                        to="governance.statisticalrelease",
                    ),
                ),
            ],
            options={
                "verbose_name": "release source",
                "ordering": ["asset__name", "pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("release", "asset"), name="release_source_unique_asset"),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("sampling_weight__isnull", True), ("sampling_weight__gt", 0), _connector="OR"
                        ),
                        name="release_source_weight_positive",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ReleaseSignOff",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("signed_as", models.CharField(max_length=100)),
                ("signed_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("fingerprint", models.CharField(max_length=64)),
                ("comments", models.TextField(blank=True)),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                ("voided_at", models.DateTimeField(blank=True, null=True)),
                ("voided_reason", models.CharField(blank=True, max_length=300)),
                (
                    "release_author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "rules",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="governance.disclosureruleset"
                    ),
                ),
                (
                    "signed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "release",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sign_offs",
                        to="governance.statisticalrelease",
                    ),
                ),
            ],
            options={
                "verbose_name": "release sign-off",
                "ordering": ["-signed_at", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("signed_by", models.F("release_author")), _negated=True),
                        name="release_sign_off_not_by_author",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("voided_at__isnull", True)),
                        fields=("release",),
                        name="release_one_live_sign_off",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="OutputTable",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200)),
                ("original_name", models.CharField(max_length=200, verbose_name="file name")),
                ("data", models.JSONField()),
                ("table_digest", models.CharField(max_length=64)),
                ("cell_count", models.PositiveIntegerField(default=0)),
                ("uploaded_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("result", models.JSONField(blank=True, null=True)),
                ("checked_at", models.DateTimeField(blank=True, null=True)),
                ("passed", models.BooleanField(blank=True, null=True)),
                (
                    "rules",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="governance.disclosureruleset",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tables",
                        to="governance.releasesource",
                    ),
                ),
                (
                    "release",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tables",
                        to="governance.statisticalrelease",
                    ),
                ),
            ],
            options={
                "verbose_name": "output table",
                "ordering": ["title", "pk"],
                "constraints": [models.UniqueConstraint(fields=("release", "title"), name="output_table_unique_title")],
            },
        ),
        migrations.CreateModel(
            name="StatusChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("from_state", models.CharField(blank=True, max_length=20)),
                ("to_state", models.CharField(max_length=20)),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                ("reason", models.TextField(blank=True)),
                (
                    "by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "grant",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="changes",
                        to="governance.accessgrant",
                    ),
                ),
                (
                    "request",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="changes",
                        to="governance.accessrequest",
                    ),
                ),
            ],
            options={
                "ordering": ["at", "pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("request__isnull", False), ("grant__isnull", True)),
                            models.Q(("request__isnull", True), ("grant__isnull", False)),
                            _connector="OR",
                        ),
                        name="status_change_one_subject",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="TrainingSignOff",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("signed_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                ("user_agent", models.CharField(blank=True, max_length=500)),
                (
                    "declaration_digest",
                    models.CharField(
                        help_text="Proves which exact words were signed.",
                        max_length=64,
                        verbose_name="SHA-256 of the declaration signed",
                    ),
                ),
                (
                    "course",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="signoffs", to="governance.course"
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="training_signoffs",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="signoffs",
                        to="governance.courseversion",
                    ),
                ),
            ],
            options={
                "ordering": ["-signed_at", "-pk"],
                "indexes": [models.Index(fields=["user", "course", "-signed_at"], name="signoff_user_course")],
            },
        ),
        migrations.CreateModel(
            name="TrainingStatus",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "expires_on",
                    models.DateField(help_text="The sign-off counts before this date; from it, the course is overdue."),
                ),
                (
                    "course",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="statuses", to="governance.course"
                    ),
                ),
                (
                    "latest_signoff",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="governance.trainingsignoff"
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="training_statuses",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "training statuses",
                "ordering": ["course", "user"],
                "indexes": [models.Index(fields=["course", "expires_on"], name="training_status_due")],
                "constraints": [
                    models.UniqueConstraint(fields=("user", "course"), name="training_status_one_per_course")
                ],
            },
        ),
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "description",
                    models.CharField(
                        help_text="What the token is for, such as the system that uses it.", max_length=200
                    ),
                ),
                ("key", models.CharField(editable=False, max_length=16, unique=True)),
                ("token_hash", models.CharField(editable=False, max_length=64)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("expires_at", models.DateTimeField()),
                ("write_enabled", models.BooleanField(default=False, help_text="Without it the token can only read.")),
                (
                    "allowed_ips",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Address ranges (CIDR) the token may be used from; empty for any.",
                    ),
                ),
                ("last_used_at", models.DateTimeField(blank=True, editable=False, null=True)),
                ("last_used_ip", models.GenericIPAddressField(blank=True, editable=False, null=True)),
                ("revoked_at", models.DateTimeField(blank=True, editable=False, null=True)),
                (
                    "revoked_by",
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
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "API token",
                "ordering": ["-created_at", "-pk"],
                "indexes": [models.Index(fields=["user", "-created_at"], name="api_token_user_created")],
            },
        ),
        migrations.AddConstraint(
            model_name="dataitem",
            constraint=models.UniqueConstraint(
                models.F("asset"), django.db.models.functions.text.Lower("name"), name="data_item_name_unique_in_asset"
            ),
        ),
        migrations.AddIndex(
            model_name="accessrequest",
            index=models.Index(fields=["state", "asset"], name="access_request_state_asset"),
        ),
        migrations.AddConstraint(
            model_name="contractdocument",
            constraint=models.CheckConstraint(
                condition=models.Q(("sha256__regex", "^[0-9a-f]{64}$")), name="contract_document_sha256"
            ),
        ),
        migrations.AddConstraint(
            model_name="contractdocument",
            constraint=models.CheckConstraint(condition=models.Q(("size__gt", 0)), name="contract_document_not_empty"),
        ),
        migrations.AddConstraint(
            model_name="contractdocument",
            constraint=models.UniqueConstraint(fields=("file",), name="contract_document_file_unique"),
        ),
        migrations.AddIndex(
            model_name="contractasset",
            index=models.Index(fields=["asset", "contract"], name="contract_asset_by_asset"),
        ),
        migrations.AddConstraint(
            model_name="contractasset",
            constraint=models.UniqueConstraint(fields=("contract", "asset"), name="contract_asset_once"),
        ),
        migrations.AddConstraint(
            model_name="contractasset",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("review_state", "pending"),
                    models.Q(("reviewed_at__isnull", False), ("reviewed_by__isnull", False)),
                    _connector="OR",
                ),
                name="contract_asset_review_has_reviewer",
            ),
        ),
    ]
