# Staff numbers up to 64 characters, people deleted at the identity provider, and the provider's group ids (SCIM).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("governance", "0016_jj"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="scim_deleted_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When the identity provider deleted this person over SCIM; they are then a leaver.",
                null=True,
                verbose_name="deleted at the identity provider",
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="staff_number",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
        migrations.CreateModel(
            name="ProvisionedGroup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "external_id",
                    models.CharField(
                        help_text="The identity provider's id for this group (Entra ID's object id).",
                        max_length=255,
                        unique=True,
                    ),
                ),
                (
                    "group",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="provisioned", to="auth.group"
                    ),
                ),
            ],
        ),
    ]
