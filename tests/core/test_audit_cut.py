"""Cutting the chain's start or copying an entry, as a database superuser without the keys might.

The outside test deleted the first entries of the chain and wrote a pruning row of its
own; verification said the chain was intact, with or without the checkpoints exported
after the cut. A cut is legitimate only when a pruning checkpoint signed with the
checkpoint key records it.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from governance.core import audit_chain, audit_checkpoints
from governance.core.audit import acting_as
from governance.core.audit_retention import prune
from governance.core.models import AuditCheckpoint, AuditEntry, BusinessArea
from tests.core.test_audit_chain import raw, write_entries
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def cut_first(count: int, *, document: dict | None = None) -> AuditCheckpoint:
    """Delete the chain's first ``count`` entries and write a pruning row, as a superuser could."""
    last = AuditEntry.objects.order_by("chain_index")[count - 1]
    raw("DELETE FROM governance_auditentry WHERE chain_index <= %s", [last.chain_index])
    return AuditCheckpoint.objects.create(
        pruned_before=timezone.now(),
        last_chain_index=last.chain_index,
        last_digest=last.digest,
        entries_pruned=count,
        by=UserFactory(),
        document=document or {},
    )


def more_entries(name: str) -> None:
    with acting_as(UserFactory()):
        BusinessArea.objects.create(name=name, code=name[:8])
    audit_chain.seal_pending()


def test_a_chain_cut_with_a_forged_pruning_row_is_caught_with_or_without_checkpoints(tmp_path):
    write_entries(8)
    cut_first(5)
    more_entries("After one")
    _doc, first = audit_checkpoints.export_checkpoint(directory=tmp_path, email=False)
    more_entries("After two")
    _doc, second = audit_checkpoints.export_checkpoint(directory=tmp_path, email=False)
    signed = [audit_checkpoints.load(first), audit_checkpoints.load(second)]

    for checkpoints in ((), signed):
        result = audit_chain.verify(checkpoints=checkpoints)
        assert not result.ok and result.first_break.kind == "cut", result.first_break

    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "verify_audit", "--checkpoint", str(first), "--checkpoint", str(second), stdout=io.StringIO(), stderr=err
        )
    assert "cut" in err.getvalue()


def test_a_signed_head_checkpoint_does_not_pass_for_a_pruning_one():
    """The row's document must be a pruning checkpoint: an exported head's signature, pasted in, is not one."""
    write_entries(6)
    head_document = audit_checkpoints.make_checkpoint()
    more_entries("Kept")
    cut_first(head_document["payload"]["chain_index"], document=head_document)
    result = audit_chain.verify()
    assert not result.ok and result.first_break.kind == "cut"


def test_every_checkpoint_given_is_checked_the_old_ones_too(tmp_path):
    write_entries(8)
    _doc, old = audit_checkpoints.export_checkpoint(directory=tmp_path, email=False)
    more_entries("Kept")
    # The superuser rewrites nothing after the old checkpoint but cuts through it with a forged row.
    cut_first(_doc["payload"]["chain_index"] + 1)
    result = audit_chain.verify(checkpoints=[audit_checkpoints.load(old)])
    assert not result.ok and result.first_break.kind in ("cut", "deleted")


def test_a_pruning_the_portal_signed_still_verifies_online_and_with_its_file(tmp_path, settings):
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path)
    write_entries(4)
    cutoff = timezone.now() + datetime.timedelta(seconds=1)
    import time_machine

    with time_machine.travel(cutoff + datetime.timedelta(minutes=1)):
        more_entries("After the cut")
    checkpoint = prune(cutoff)
    assert checkpoint.document["payload"]["kind"] == audit_checkpoints.PRUNING
    audit_chain.seal_pending()
    assert audit_chain.verify().ok, audit_chain.verify().first_break
    files = sorted(tmp_path.glob("audit-pruning-checkpoint-*.json"))
    assert len(files) == 1
    assert audit_chain.verify(checkpoints=[audit_checkpoints.load(files[0])]).ok
    # The signed row, altered by hand to cover a longer cut, no longer counts.
    AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(last_chain_index=checkpoint.last_chain_index + 1)
    assert audit_chain.signed_pruning(checkpoint.last_chain_index + 1) is None


def test_an_exact_copy_of_the_newest_entry_is_reported_as_duplicated_content():
    write_entries(4)
    newest = AuditEntry.objects.order_by("-chain_index").first()
    columns = [
        f.column
        for f in AuditEntry._meta.concrete_fields
        if f.column not in ("id", "chain_index", "digest", "prev_digest")
    ]
    listed = ", ".join(columns)
    with connection.cursor() as cursor:  # an INSERT the application role may make, its triggers on
        cursor.execute(
            f"INSERT INTO governance_auditentry ({listed}, digest, prev_digest) "  # noqa: S608 - column names only
            f"SELECT {listed}, '', '' FROM governance_auditentry WHERE id = %s",
            [newest.pk],
        )
    audit_chain.seal_pending()
    copy = AuditEntry.objects.order_by("-chain_index").first()
    assert copy.pk != newest.pk and copy.content_hash == newest.content_hash
    result = audit_chain.verify()
    assert not result.ok and result.first_break.kind == "duplicated content"
    assert result.first_break.entry_id == copy.pk
