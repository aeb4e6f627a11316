"""The flush after each transactional test leaves the database as migrating left it.

On PostgreSQL the test flush deletes every row and puts back the rows migrating wrote, copied aside
when the test database was made (tests/database_template.py), instead of Django's post_migrate
signal writing them anew. What follows a transactional test must find the same content types,
permissions, role groups and system account, with the same ids, and nothing the test wrote.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from governance.core.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def _migrated_state() -> dict[str, list]:
    return {
        "content types": sorted(ContentType.objects.values_list("pk", "app_label", "model")),
        "permissions": sorted(Permission.objects.values_list("pk", "content_type_id", "codename")),
        "groups": sorted(
            (group.pk, group.name, sorted(group.permissions.values_list("pk", flat=True)))
            for group in Group.objects.prefetch_related("permissions")
        ),
        "people": sorted(User.objects.values_list("pk", "username")),
    }


def test_the_flush_puts_back_what_migrating_wrote_and_nothing_else():
    before = _migrated_state()
    assert before["content types"] and before["permissions"] and before["groups"]
    group = Group.objects.order_by("pk").first()
    group.permissions.clear()
    Group.objects.create(name="written by the test")
    User.objects.create(username="written.by.the.test")
    ContentType.objects.order_by("pk").first().delete()

    call_command("flush", verbosity=0, interactive=False, reset_sequences=False, allow_cascade=False)

    after = _migrated_state()
    if connection.vendor == "postgresql":
        assert after == before  # the same rows, with the same ids
    else:  # Django's flush, then post_migrate: the same rows with new ids, and no system account
        assert [len(after[key]) for key in ("content types", "permissions", "groups")] == [
            len(before[key]) for key in ("content types", "permissions", "groups")
        ]
    assert not Group.objects.filter(name="written by the test").exists()
    assert not User.objects.filter(username="written.by.the.test").exists()
