"""Checkpoints chain like the entries they pin, and the offline verifier checks them all together.

A database superuser without the keys deleted the chain's first entries and wrote a pruning
row of their own; the checkpoints exported after the cut were signed and the offline verifier
checked only signatures, so an auditor holding every checkpoint saw nothing wrong. Each
checkpoint now names the one before it and where the trail started when it was signed: the
offline verifier, given every checkpoint file, reports a start cut with no signed pruning
checkpoint behind it, a checkpoint withheld (a gap) or made twice (a fork), and so does
``verify_audit``, online, with or without the files.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from governance.core import audit_checkpoints
from governance.core.audit_retention import prune
from governance.core.models import AuditEntry
from tests.core.test_audit_chain import write_entries
from tests.core.test_audit_cut import cut_first, more_entries

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_checkpoint.py"


@pytest.fixture
def offline():
    """The auditors' standalone verifier, loaded from its file as they would run it."""
    spec = importlib.util.spec_from_file_location("verify_checkpoint", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def public_key(tmp_path) -> str:
    path = tmp_path / "checkpoint-public.pem"
    path.write_text(audit_checkpoints.public_key_pem())
    return str(path)


def export(folder: Path) -> Path:
    _document, path = audit_checkpoints.export_checkpoint(directory=folder, email=False)
    return path


def run_offline(offline, files, public_key, capsys) -> tuple[int, str]:
    code = offline.main([*map(str, files), "--public-key", public_key])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def verify_command(*files: Path) -> tuple[bool, str]:
    args = [item for path in files for item in ("--checkpoint", str(path))]
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except SystemExit:
        return False, err.getvalue()
    return True, out.getvalue()


def test_a_start_cut_behind_a_forged_pruning_row_is_reported_online_and_offline(tmp_path, offline, public_key, capsys):
    folder = tmp_path / "kept-by-the-auditors"
    write_entries(8)
    before_the_cut = export(folder)
    cut_first(5)  # as a superuser without the keys: rows deleted, a pruning row written by hand
    more_entries("After one")
    first_after = export(folder)
    more_entries("After two")
    second_after = export(folder)
    every_file = sorted(folder.glob("*.json"))
    assert set(every_file) == {before_the_cut, first_after, second_after}

    code, said = run_offline(offline, every_file, public_key, capsys)
    assert code == 1
    assert "no signed pruning checkpoint before it records a cut after index" in said
    code, said = run_offline(offline, [first_after, second_after], public_key, capsys)
    assert code == 1 and "missing" in said and "no signed pruning checkpoint" in said

    for files in ((), (first_after, second_after), tuple(every_file)):
        ok, said = verify_command(*files)
        assert not ok and "cut" in said, (files, said)
    # The checkpoints alone tell it too, whatever the database says of where the chain starts.
    problems = audit_checkpoints.chain_problems([audit_checkpoints.load(p) for p in every_file], complete=False)
    assert any("no signed pruning checkpoint" in problem for problem in problems)


def test_a_pruning_the_portal_signed_chains_with_the_checkpoints_online_and_offline(
    tmp_path, settings, offline, public_key, capsys
):
    import datetime

    import time_machine

    folder = tmp_path / "checkpoints"
    settings.AUDIT_CHECKPOINT_DIR = str(folder)
    write_entries(4)
    export(folder)
    cutoff = timezone.now() + datetime.timedelta(seconds=1)
    with time_machine.travel(cutoff + datetime.timedelta(minutes=1)):
        more_entries("After the cut")
        checkpoint = prune(cutoff)
        more_entries("Later")
        export(folder)
    every_file = sorted(folder.glob("*.json"))
    assert len(every_file) == 3
    loaded = audit_checkpoints.in_order(audit_checkpoints.load(path) for path in every_file)
    assert [c.sequence for c in loaded] == [1, 2, 3]
    assert [c.kind for c in loaded] == ["head", "pruning", "head"]
    first_kept = AuditEntry.objects.exclude(chain_index=None).order_by("chain_index").first()
    assert first_kept.chain_index > checkpoint.last_chain_index
    assert (loaded[2].start_index, loaded[2].start_prev_digest) == (first_kept.chain_index, checkpoint.last_digest)

    assert run_offline(offline, every_file, public_key, capsys)[0] == 0
    ok, said = verify_command(*every_file)
    assert ok, said
    # The pruning checkpoint withheld: the later head's start is unaccounted for, and a number is missing.
    code, said = run_offline(offline, [loaded[0].source, loaded[2].source], public_key, capsys)
    assert code == 1 and "Checkpoint 2 is missing" in said and "no signed pruning checkpoint" in said


def test_a_checkpoint_withheld_or_made_twice_breaks_the_chain(tmp_path, offline, public_key, capsys):
    folder = tmp_path / "checkpoints"
    write_entries(3)
    first = export(folder)
    more_entries("Two")
    second = export(folder)
    more_entries("Three")
    third = export(folder)
    assert export(folder) == third  # nothing new written: the same head is not signed again
    assert run_offline(offline, [first, second, third], public_key, capsys)[0] == 0

    code, said = run_offline(offline, [first, third], public_key, capsys)
    assert code == 1 and "Checkpoint 2 is missing" in said
    # Online, some files may be given; only those given next to each other must link.
    assert verify_command(first, third)[0]

    # A second checkpoint numbered 2, signed as if the second had never been made.
    position = (
        AuditEntry.objects.exclude(digest="")
        .order_by("-chain_index")
        .values("chain_index", "digest", "key_id", "timestamp")[0]
    )
    fork = audit_checkpoints.sign_position(
        position, follows=audit_checkpoints.load(first), start=audit_checkpoints.trail_start()
    )
    forked = tmp_path / "fork.json"
    forked.write_text(json.dumps(fork))
    code, said = run_offline(offline, [first, second, third, forked], public_key, capsys)
    assert code == 1 and "Two different checkpoints are numbered 2" in said
    ok, said = verify_command(first, second, forked)
    assert not ok and "numbered 2" in said


def test_checkpoints_of_the_first_format_are_still_read_and_the_next_one_follows_them(
    tmp_path, offline, public_key, capsys
):
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    write_entries(3)
    head = AuditEntry.objects.exclude(digest="").order_by("-chain_index").first()
    payload = {
        "format": audit_checkpoints.FORMAT_1,
        "service": "Custodian",
        "chain_index": head.chain_index,
        "digest": head.digest,
        "key_id": head.key_id,
        "entry_timestamp": head.timestamp.isoformat(),
        "exported_at": timezone.now().isoformat(),
    }
    key = audit_checkpoints.signing_key()
    old = folder / "audit-checkpoint-old.json"
    old.write_text(
        json.dumps(
            {
                "payload": payload,
                "signature": base64.b64encode(key.sign(audit_checkpoints.canonical_payload(payload))).decode(),
            }
        )
    )
    assert audit_checkpoints.load(old).sequence is None
    more_entries("Next")
    new = export(folder)
    follows = audit_checkpoints.load(new)
    assert (follows.sequence, follows.previous) == (1, audit_checkpoints.load(old).own_digest)
    assert run_offline(offline, [old, new], public_key, capsys)[0] == 0
    assert verify_command(old, new)[0]


def test_the_offline_and_online_rules_say_the_same(tmp_path, offline):
    folder = tmp_path / "checkpoints"
    write_entries(8)
    files = [export(folder)]
    cut_first(3)
    for name in ("One", "Two", "Three"):
        more_entries(name)
        files.append(export(folder))
    for chosen in (files, files[1:], [files[0], files[2], files[3]], files[:1]):
        portal = audit_checkpoints.chain_problems([audit_checkpoints.load(p) for p in chosen], complete=True)
        key = audit_checkpoints.signing_key().public_key()
        standalone = offline.chain_problems([offline.read(str(p), key) for p in chosen])
        assert portal == standalone and (portal or chosen == files[:1])


def test_an_exact_copy_of_the_newest_entry_is_reported_by_the_command():
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
    ok, said = verify_command()
    assert not ok and "duplicated content" in said
