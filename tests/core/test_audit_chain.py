"""The tamper-evident audit chain: sealing, verification of alterations, deletions and insertions,
database refusals, pruning with a checkpoint, reasons, and the cost of an audited write."""

from __future__ import annotations

import datetime
import io

import pytest
from auditlog.context import disable_auditlog
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from governance.core import audit_chain
from governance.core.audit import acting_as
from governance.core.audit_retention import prune
from governance.core.models import AuditCheckpoint, AuditEntry, AuditVerification, BusinessArea
from governance.core.tasks import verify_audit_chain
from tests.factories import BusinessAreaFactory, UserFactory

POSTGRES = connection.vendor == "postgresql"


def write_entries(count=6):
    """Audited changes, sealed as a commit would seal them."""
    actor = UserFactory(username="writer")
    with acting_as(actor):
        areas = [BusinessArea.objects.create(name=f"Area {n}", code=f"a{n}") for n in range(count)]
    audit_chain.seal_pending()
    return areas


def raw(sql, params=()):
    """Change the audit table behind the portal's back, as someone with database access might."""
    with connection.cursor() as cursor:
        if POSTGRES:  # (Django's foreign keys are deferred: settle them before altering the table)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE governance_auditentry DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if POSTGRES:
            cursor.execute("ALTER TABLE governance_auditentry ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def entry_ids():
    return list(AuditEntry.objects.order_by("chain_index").values_list("pk", "chain_index"))


def test_every_entry_is_sealed_into_an_intact_chain(db):
    write_entries()
    assert not AuditEntry.objects.filter(digest="").exists()
    indexes = list(AuditEntry.objects.order_by("pk").values_list("chain_index", flat=True))
    # In commit order, which for one transaction is id order (PostgreSQL's sequence may skip numbers).
    assert indexes == sorted(indexes) and len(set(indexes)) == len(indexes)
    result = audit_chain.verify()
    assert result.ok and result.checked == len(indexes)


def test_an_altered_entry_is_named(db):
    write_entries()
    victim_id, _victim_index = entry_ids()[3]
    raw("UPDATE governance_auditentry SET object_repr = 'Nothing happened' WHERE id = %s", [victim_id])
    result = audit_chain.verify()
    assert not result.ok
    assert (result.first_break.entry_id, result.first_break.kind) == (victim_id, "altered")


def test_an_altered_entry_with_a_recomputed_hash_breaks_the_next_link(db):
    write_entries()
    ids = entry_ids()
    victim_id = ids[2][0]
    raw(
        "UPDATE governance_auditentry SET object_repr = 'x', content_hash = %s, digest = %s WHERE id = %s",
        ["0" * 64, "1" * 64, victim_id],
    )
    result = audit_chain.verify()
    assert result.first_break.entry_id == victim_id
    assert result.first_break.kind in ("altered", "forged digest")


def test_a_deleted_entry_is_named(db):
    write_entries()
    ids = entry_ids()
    raw("DELETE FROM governance_auditentry WHERE id = %s", [ids[2][0]])
    result = audit_chain.verify()
    assert result.first_break.entry_id == ids[3][0]
    assert result.first_break.kind == "deleted or inserted before it"
    assert f"(chain index {ids[1][1]})" in result.first_break.detail


def test_an_entry_inserted_out_of_order_is_named(db):
    write_entries()
    source = AuditEntry.objects.order_by("chain_index").first()
    backdated = timezone.now() - datetime.timedelta(days=30)
    # A forger who even holds the key: a correct content hash for a backdated "approval".
    values = {name: getattr(source, name) for name in audit_chain.CONTENT_FIELDS}
    values.update(timestamp=backdated, object_repr="Backdated approval", changes=None, additional_data=None, cid=None)
    values.update(remote_addr=None, scope="", reason="", business_area_id=None, key_id=source.key_id)
    forged_hash = audit_chain.content_hash_of(type("Row", (), values))
    raw(
        "INSERT INTO governance_auditentry (content_type_id, object_pk, object_id, object_repr, action, changes_text,"
        " timestamp, scope, reason, content_hash, prev_digest, digest, actor_id, actor_email, key_id) VALUES"
        " (%s, %s, %s, 'Backdated approval', %s, '', %s, '', '', %s, '', '', %s, %s, %s)",
        [
            source.content_type_id,
            source.object_pk,
            source.object_id,
            source.action,
            backdated,
            forged_hash,
            source.actor_id,
            source.actor_email,
            source.key_id,
        ],
    )
    audit_chain.seal_pending()  # sealed like any other row that reaches the table...
    result = audit_chain.verify()
    assert not result.ok  # ...but dated long before the entries sealed ahead of it
    assert result.first_break.kind == "inserted out of order"


def test_a_forged_entry_spliced_into_the_chain_is_named(db):
    write_entries()
    head = AuditEntry.objects.order_by("-chain_index").first()
    raw(
        "INSERT INTO governance_auditentry (content_type_id, object_pk, object_id, object_repr, action, changes_text,"
        " timestamp, scope, reason, content_hash, prev_digest, digest, chain_index, key_id) VALUES"
        " (%s, %s, %s, 'Forged', 1, '', %s, '', '', %s, %s, %s, %s, %s)",
        [
            head.content_type_id,
            head.object_pk,
            head.object_id,
            timezone.now(),
            "b" * 64,
            head.digest,
            "c" * 64,
            head.chain_index + 1,
            head.key_id,
        ],
    )
    result = audit_chain.verify()
    assert result.first_break.kind in ("altered", "forged digest")


def test_a_cut_tail_is_caught_by_the_next_run(db):
    write_entries()
    record, _result = audit_chain.run_verification()
    assert record.ok and record.head_chain_index is not None
    raw("DELETE FROM governance_auditentry WHERE chain_index = %s", [record.head_chain_index])
    # Caught at the entry that followed the lost head, or (if none yet) by the head check itself.
    assert audit_chain.verify().first_break.kind in ("deleted", "deleted or inserted before it")


@pytest.mark.skipif(not POSTGRES, reason="The refusing triggers are PostgreSQL's; on SQLite the chain detects changes.")
def test_the_database_refuses_to_change_or_delete_audit_records(db):
    from django.db import DatabaseError, transaction

    from governance.core.models import AccessEvent, SecurityEvent

    write_entries()
    entry = AuditEntry.objects.first()
    user = UserFactory()
    event = AccessEvent.objects.create(
        user=user, kind="viewed", content_type_id=entry.content_type_id, object_pk="1", object_repr="x"
    )
    security = SecurityEvent.objects.create(kind="login", user=user)
    for sql, pk in (
        ("UPDATE governance_auditentry SET object_repr = 'x' WHERE id = %s", entry.pk),
        ("DELETE FROM governance_auditentry WHERE id = %s", entry.pk),
        ("DELETE FROM governance_accessevent WHERE id = %s", event.pk),
        ("UPDATE governance_securityevent SET username = 'x' WHERE id = %s", security.pk),
    ):
        with pytest.raises(DatabaseError, match="cannot be"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [pk])
    with pytest.raises(ValueError, match="never changed"):
        entry.save()


def test_verification_of_a_date_range(db):
    write_entries()
    yesterday = timezone.now() - datetime.timedelta(days=1)
    result = audit_chain.verify(since=yesterday)
    assert result.ok and result.checked == AuditEntry.objects.count()
    assert audit_chain.verify(until=yesterday).checked == 0


def test_pruning_records_a_checkpoint_and_the_rest_still_verifies(db):
    import time_machine

    write_entries(4)
    pruned = AuditEntry.objects.count()
    cutoff = timezone.now() + datetime.timedelta(seconds=1)
    with time_machine.travel(cutoff + datetime.timedelta(minutes=1)), acting_as(UserFactory()):
        BusinessArea.objects.create(name="After the cut", code="after")
    audit_chain.seal_pending()
    checkpoint = prune(cutoff)
    assert isinstance(checkpoint, AuditCheckpoint)
    assert checkpoint.entries_pruned == pruned
    assert not AuditEntry.objects.filter(chain_index__lte=checkpoint.last_chain_index).exists()
    audit_chain.seal_pending()
    result = audit_chain.verify()
    assert result.ok, result.first_break
    assert result.checked >= 2  # the later entries and the checkpoint's own entry


def test_verify_audit_command(db):
    write_entries()
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "Audit chain intact" in out.getvalue()
    raw("UPDATE governance_auditentry SET reason = 'tampered' WHERE id = %s", [entry_ids()[1][0]])
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit", stdout=io.StringIO(), stderr=io.StringIO())
    assert exit_info.value.code == 1


def test_the_nightly_check_alerts_administrators_on_a_break(db, administrator, django_capture_on_commit_callbacks):
    write_entries()
    raw("DELETE FROM governance_auditentry WHERE id = %s", [entry_ids()[2][0]])
    with django_capture_on_commit_callbacks(execute=True):
        outcome = verify_audit_chain.apply().get()
    assert outcome["ok"] is False
    assert [m.to for m in mail.outbox] == [[administrator.email]]
    assert "integrity check failed" in mail.outbox[0].subject
    assert AuditVerification.objects.filter(ok=False).exists()


def test_reasons_are_recorded_with_state_changes(db):
    from tests.factories import DataItemFactory, make_asset, make_grant

    iam = UserFactory()
    asset = make_asset(manager=iam)
    DataItemFactory(asset=asset, sensitivity="non_personal")
    grant = make_grant(UserFactory(), asset)
    from governance.access.grants import revoke

    revoke(grant, by=iam, reason="The project has ended")
    entry = AuditEntry.objects.filter(object_repr=str(grant), changes__has_key="state").latest("pk")
    assert entry.reason == "The project has ended"


def test_an_audited_write_costs_at_most_two_extra_queries(db, django_assert_max_num_queries):
    from django.test.utils import CaptureQueriesContext

    area = BusinessAreaFactory()
    with disable_auditlog(), CaptureQueriesContext(connection) as plain:
        area.name = "Plain change"
        area.save()
    with acting_as(UserFactory()), CaptureQueriesContext(connection) as audited:
        area.name = "Audited change"
        area.save()
    assert len(audited.captured_queries) - len(plain.captured_queries) <= 2


@pytest.mark.skipif(not POSTGRES, reason="Parallel verification forks processes that each connect to PostgreSQL.")
@pytest.mark.django_db(transaction=True)
def test_parallel_verification_agrees_with_one_process_and_finds_breaks_at_the_seams():
    write_entries(12)
    ids = entry_ids()
    serial = audit_chain.verify(workers=1)
    parallel = audit_chain.verify(workers=3, parallel_from=0)
    assert parallel.ok and (parallel.checked, parallel.head_index) == (serial.checked, serial.head_index)

    # Altered in the middle of a stretch.
    pk, index = ids[len(ids) // 2]
    original = AuditEntry.objects.get(pk=pk).object_repr
    raw("UPDATE governance_auditentry SET object_repr = 'forged' WHERE id = %s", [pk])
    result = audit_chain.verify(workers=3, parallel_from=0)
    assert (result.first_break.entry_id, result.first_break.kind, result.first_break.chain_index) == (
        pk,
        "altered",
        index,
    )
    raw("UPDATE governance_auditentry SET object_repr = %s WHERE id = %s", [original, pk])
    assert audit_chain.verify(workers=3, parallel_from=0).ok

    # Deleted at a seam: the first entry of the second stretch is gone, so the next one no longer joins.
    low, high = ids[0][1], ids[-1][1]
    seam = min(index for _pk, index in ids if index >= low + (high - low) // 3 + 1)  # indexes may skip numbers
    raw("DELETE FROM governance_auditentry WHERE chain_index = %s", [seam])
    result = audit_chain.verify(workers=3, parallel_from=0)
    assert result.first_break.kind == "deleted or inserted before it"
    assert result.first_break.chain_index == min(index for _pk, index in ids if index > seam)
