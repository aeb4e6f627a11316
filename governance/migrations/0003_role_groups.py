"""Create the groups that hold the global roles, and the system account.

Their model permissions are assigned after every migration by the ``post_migrate`` receiver
(``sync_group_permissions``: permissions themselves are only created once migrations finish),
which also creates any role group added since, such as "Incident handlers". The system account
is the actor recorded for scheduled tasks and management commands; it cannot sign in.

Only the historical models are used (``apps.get_model``), so no audit entry is written here.
"""

from django.db import migrations

GROUPS = (
    "Administrators",
    "Auditors",
    "Research contract managers",
    "Statisticians",
    "Disclosure control",
)


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in GROUPS:
        Group.objects.get_or_create(name=name)


def create_system_account(apps, schema_editor):
    User = apps.get_model("governance", "User")
    User.objects.get_or_create(
        username="system",
        defaults={
            "first_name": "Custodian",
            "last_name": "(system)",
            "is_active": False,
            "is_system": True,
            "password": "!",  # unusable: no password can match
        },
    )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS, user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0002_audit_triggers"),
    ]

    operations = [
        migrations.RunPython(create_groups, remove_groups),
        migrations.RunPython(create_system_account, migrations.RunPython.noop),
    ]
