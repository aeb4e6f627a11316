"""Pruning without a switch: as the application's own (non-owner) database role, no setting and
no statement deletes, changes or truncates audit records; only the pruner role's function prunes.

Each test creates the roles (``setup_db_roles``) inside its transaction, so they vanish with it.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from governance.core import audit_chain, audit_checkpoints
from governance.core.audit import system_user
from governance.core.models import AccessEvent, AuditCheckpoint, AuditEntry, SecurityEvent
from tests.core.test_audit_chain import write_entries
from tests.factories import UserFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Database roles, grants and SECURITY DEFINER functions are PostgreSQL's."
)


@pytest.fixture
def roles(db):
    prefix = f"{connection.settings_dict['NAME']}_t"[:40]
    names = {"owner": f"{prefix}_owner", "app": f"{prefix}_app", "pruner": f"{prefix}_pruner"}
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # settle deferred checks before tables change hands
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    call_command("setup_db_roles", **names, stdout=io.StringIO())
    return names


class Role:
    """Run statements as ``name`` (SET ROLE), each in its own savepoint."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        self.cursor = connection.cursor()
        self.cursor.execute(f'SET ROLE "{self.name}"')
        return self

    def __exit__(self, *exc):
        self.cursor.execute("RESET ROLE")
        self.cursor.close()

    def run(self, sql: str, params=()):
        with transaction.atomic():
            self.cursor.execute(sql, params)
            return self.cursor.fetchall() if self.cursor.description else None

    def refused(self, sql: str, params=()) -> str:
        with pytest.raises(DatabaseError) as info:
            self.run(sql, params)
        return str(info.value)


def test_the_application_role_cannot_delete_change_or_truncate_audit_records_by_any_setting(roles):
    write_entries(3)
    user = UserFactory()
    entry = AuditEntry.objects.order_by("chain_index").first()
    event = AccessEvent.objects.create(
        user=user, kind="viewed", content_type_id=entry.content_type_id, object_pk="1", object_repr="x"
    )
    security = SecurityEvent.objects.create(kind="login", user=user)
    with Role(roles["app"]) as app:
        # The old switch: any session could turn pruning on. It opens nothing now.
        app.run("SELECT set_config('custodian.pruning', 'on', false)")
        app.run("SELECT set_config('custodian.sealing', 'on', false)")
        for sql, pk in (
            ("DELETE FROM governance_auditentry WHERE id = %s", entry.pk),
            ("UPDATE governance_auditentry SET object_repr = 'x' WHERE id = %s", entry.pk),
            ("UPDATE governance_auditentry SET digest = '' WHERE id = %s", entry.pk),
            ("DELETE FROM governance_accessevent WHERE id = %s", event.pk),
            ("UPDATE governance_securityevent SET username = 'x' WHERE id = %s", security.pk),
            ("DELETE FROM governance_statuschange WHERE id = %s", 0),
        ):
            assert "permission denied" in app.refused(sql, [pk]) or "cannot be" in app.refused(sql, [pk])
        for table in ("governance_auditentry", "governance_accessevent", "governance_securityevent"):
            app.refused(f"TRUNCATE {table}")
        app.refused("ALTER TABLE governance_auditentry DISABLE TRIGGER USER")
        assert "permission denied" in app.refused("SELECT governance_prune_audit(%s)", [entry.chain_index])
        # Re-sealing an entry already in the chain is refused even through the granted chain columns.
        assert "cannot be changed" in app.refused(
            "UPDATE governance_auditentry SET prev_digest = 'x' WHERE id = %s", [entry.pk]
        )
        app.run("SELECT set_config('custodian.pruning', 'off', false)")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert AccessEvent.objects.filter(pk=event.pk).exists()


def test_the_application_role_still_writes_and_seals_audited_changes(roles):
    write_entries(2)
    with Role(roles["app"]) as app:
        app.run("INSERT INTO governance_businessarea (name, code) VALUES ('Written as the app', 'app')")
        area_id = app.run("SELECT id FROM governance_businessarea WHERE code = 'app'")[0][0]
        # An audited write through the ORM, sealed by the portal, as the application role.
        from governance.core.audit import acting_as
        from governance.core.models import BusinessArea

        with acting_as(UserFactory()):
            area = BusinessArea.objects.get(pk=area_id)
            area.name = "Renamed as the app"
            area.save()
        assert audit_chain.seal_pending() >= 1
    assert audit_chain.verify().ok


def test_only_the_pruner_prunes_and_only_behind_a_checkpoint(roles):
    write_entries(4)
    audit_chain.seal_pending()
    cut = AuditEntry.objects.order_by("chain_index").values_list("chain_index", "digest")[1]
    with Role(roles["pruner"]) as pruner:
        assert "No checkpoint" in pruner.refused("SELECT governance_prune_audit(%s)", [cut[0]])
        pruner.refused("DELETE FROM governance_auditentry WHERE chain_index <= %s", [cut[0]])
    # The portal's pruning signs the cut with the checkpoint key; verification accepts no other.
    position = AuditEntry.objects.filter(chain_index=cut[0]).values("chain_index", "digest", "key_id", "timestamp")
    AuditCheckpoint.objects.create(
        pruned_before=timezone.now() + datetime.timedelta(days=1),
        last_chain_index=cut[0],
        last_digest=cut[1],
        entries_pruned=2,
        by=system_user(),
        document=audit_checkpoints.sign_position(position.get(), kind=audit_checkpoints.PRUNING),
    )
    with Role(roles["app"]) as app:  # a checkpoint is no key for the application
        assert "permission denied" in app.refused("SELECT governance_prune_audit(%s)", [cut[0]])
        assert "permission denied" in app.refused("DELETE FROM governance_auditcheckpoint")
    with Role(roles["pruner"]) as pruner:
        assert pruner.run("SELECT governance_prune_audit(%s)", [cut[0]]) == [(2,)]
        # The marker the function set is its own: after it returns, the pruner cannot delete directly.
        pruner.refused("DELETE FROM governance_auditentry")
    assert not AuditEntry.objects.filter(chain_index__lte=cut[0]).exists()
    assert audit_chain.verify().ok


def test_setting_up_the_roles_twice_changes_nothing(roles):
    import io

    out = io.StringIO()
    call_command("setup_db_roles", **roles, stdout=out)
    assert "created role" not in out.getvalue()
