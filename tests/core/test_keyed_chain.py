"""The keyed chain: someone who can write to the database cannot rewrite history unseen.

Each test plays the attacker the outside security test described: change an entry,
then recompute every later hash (and the stored verification record), so that the
old, unkeyed chain verified as intact.
"""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from governance.core import audit_chain, audit_checkpoints
from governance.core.audit_hashing import CONTENT_FIELDS, DEVELOPMENT_KEY, DEVELOPMENT_KEY_ID, canonical
from governance.core.models import AuditEntry, AuditVerification
from governance.core.tasks import export_audit_checkpoint
from tests.core.test_audit_chain import raw, write_entries
from tests.factories import UserFactory

POSTGRES = connection.vendor == "postgresql"
KEY_A = "a:" + "11" * 32
KEY_B = "b:" + "22" * 32
KEY_DEV = f"{DEVELOPMENT_KEY_ID}:{DEVELOPMENT_KEY.hex()}"  # what the test database's first entries were written under


def recompute_from(position: int, *, object_repr: str, mac) -> int:
    """Alter the entry at ``position`` (0-based, chain order) and re-hash and re-link it and every later one.

    ``mac(text)`` is the attacker's hash: plain SHA-256 (the old chain) or HMAC under a key they guessed.
    Returns the altered entry's id.
    """
    entries = list(AuditEntry.objects.order_by("chain_index"))
    victim = entries[position]
    prev = entries[position - 1].digest if position else ""
    for entry in entries[position:]:
        if entry.pk == victim.pk:
            entry.object_repr = object_repr
        values = {name: getattr(entry, name) for name in CONTENT_FIELDS}
        content_hash = mac(canonical(values))
        digest = mac(f"{entry.chain_index}\x1f{content_hash}\x1f{prev}")
        raw(
            "UPDATE governance_auditentry SET object_repr = %s, content_hash = %s, prev_digest = %s, digest = %s "
            "WHERE id = %s",
            [entry.object_repr, content_hash, prev, digest, entry.pk],
        )
        prev = digest
    # ...and the stored record of the last verification, so the head check agrees too.
    head = AuditEntry.objects.order_by("-chain_index").first()
    AuditVerification.objects.filter(ok=True).update(head_digest=head.digest)
    return victim.pk


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def guessed_key(text: str) -> str:
    import hmac

    return hmac.new(b"a guess at the key" * 2, text.encode("utf-8"), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("mac", [sha256, guessed_key], ids=["plain-sha256", "guessed-key"])
def test_a_chain_recomputed_without_the_key_is_caught_at_the_altered_entry(db, mac):
    write_entries(6)
    audit_chain.run_verification()
    victim_id = recompute_from(2, object_repr="Nothing to see here", mac=mac)
    result = audit_chain.verify()
    assert not result.ok
    assert (result.first_break.entry_id, result.first_break.kind) == (victim_id, "altered")
    assert result.first_break.chain_index == AuditEntry.objects.get(pk=victim_id).chain_index
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit):
        call_command("verify_audit", stdout=out, stderr=err)
    assert f"Entry {victim_id}" in err.getvalue()


def test_a_chain_resealed_with_the_key_is_caught_by_a_signed_checkpoint(db, tmp_path):
    """Even someone holding the key (a subverted portal) is caught once a checkpoint was exported."""
    from governance.core.audit_hashing import keyed

    write_entries(6)
    document, path = audit_checkpoints.export_checkpoint(directory=tmp_path, email=False)
    assert audit_chain.verify(checkpoints=[audit_checkpoints.load(path)]).ok
    key_id = AuditEntry.objects.first().key_id
    victim_id = recompute_from(2, object_repr="Rewritten with the key", mac=lambda text: keyed(key_id, text))
    assert audit_chain.verify().ok  # the key alone cannot tell...
    result = audit_chain.verify(checkpoints=[audit_checkpoints.load(path)])  # ...the checkpoint can
    assert not result.ok and result.first_break.kind == "rewritten"
    assert result.first_break.chain_index == document["payload"]["chain_index"]
    assert AuditEntry.objects.filter(pk=victim_id).exists()
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("verify_audit", "--checkpoint", str(path), stdout=io.StringIO(), stderr=err)
    assert "rewritten" in err.getvalue()


def test_a_cut_tail_is_caught_by_a_signed_checkpoint_even_with_the_records_rewritten(db, tmp_path):
    write_entries(6)
    _document, path = audit_checkpoints.export_checkpoint(directory=tmp_path, email=False)
    head = AuditEntry.objects.order_by("-chain_index").first()
    raw("DELETE FROM governance_auditentry WHERE id = %s", [head.pk])
    AuditVerification.objects.all().delete()
    assert audit_chain.verify().ok  # the last entry is simply gone: nothing in the database says so
    result = audit_chain.verify(checkpoints=[audit_checkpoints.load(path)])
    assert (result.first_break.kind, result.first_break.chain_index) == ("deleted", head.chain_index)


def test_a_forged_or_altered_checkpoint_is_refused(db, tmp_path):
    write_entries(3)
    _document, path = audit_checkpoints.export_checkpoint(directory=tmp_path, email=False)
    document = json.loads(path.read_text())
    document["payload"]["chain_index"] -= 1
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    with pytest.raises(audit_checkpoints.InvalidCheckpoint, match="not signed"):
        audit_checkpoints.load(forged)
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("verify_audit", "--checkpoint", str(forged), stdout=io.StringIO(), stderr=err)
    assert "REFUSED" in err.getvalue()


def test_an_auditor_checks_a_checkpoint_offline_with_the_public_key(db, tmp_path):
    import importlib.util
    from pathlib import Path

    write_entries(3)
    _document, path = audit_checkpoints.export_checkpoint(directory=tmp_path, email=False)
    public = tmp_path / "public.pem"
    out = io.StringIO()
    call_command("export_audit_checkpoint", "--public-key", stdout=out)
    public.write_text(out.getvalue())
    script = Path(__file__).resolve().parents[2] / "scripts" / "verify_checkpoint.py"
    spec = importlib.util.spec_from_file_location("verify_checkpoint", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main([str(path), "--public-key", str(public)]) == 0
    document = json.loads(path.read_text())
    document["payload"]["digest"] = "0" * 64
    (tmp_path / "changed.json").write_text(json.dumps(document))
    assert module.main([str(tmp_path / "changed.json"), "--public-key", str(public)]) == 1


def test_the_daily_export_emails_the_auditors_once_per_head(db, auditor, django_capture_on_commit_callbacks, settings):
    write_entries(3)
    with django_capture_on_commit_callbacks(execute=True):
        index = export_audit_checkpoint.apply().get()
    with django_capture_on_commit_callbacks(execute=True):
        export_audit_checkpoint.apply().get()  # a retry, or a second run the same day: no second email
    files = list((audit_checkpoints.Path(settings.AUDIT_CHECKPOINT_DIR)).glob("*.json"))
    assert len(files) >= 1
    assert index in {audit_checkpoints.load(file).chain_index for file in files}
    sent = [m for m in mail.outbox if m.to == [auditor.email]]
    assert len(sent) == 1 and "checkpoint" in sent[0].subject.lower()
    assert '"signature"' in sent[0].body


def test_keys_rotate_old_entries_verify_under_the_key_they_name(db, settings):
    settings.AUDIT_HMAC_KEYS = f"{KEY_DEV},{KEY_A}"
    before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    write_entries(2)
    assert set(AuditEntry.objects.filter(pk__gt=before).values_list("key_id", flat=True)) == {"a"}
    settings.AUDIT_HMAC_KEYS = f"{KEY_DEV},{KEY_A},{KEY_B}"
    UserFactory(username="after-rotation")
    audit_chain.seal_pending()
    assert set(AuditEntry.objects.filter(pk__gt=before).values_list("key_id", flat=True)) == {"a", "b"}
    assert audit_chain.verify().ok
    settings.AUDIT_HMAC_KEYS = f"{KEY_DEV},{KEY_B}"  # the old key lost: its entries can no longer be vouched for
    result = audit_chain.verify()
    assert result.first_break.kind == "unknown key"


def test_production_refuses_to_run_without_a_chain_key(settings):
    from django.core.exceptions import ImproperlyConfigured

    from governance.core.audit_hashing import keyring

    settings.PRODUCTION = True
    settings.AUDIT_HMAC_KEYS = ""
    settings.AUDIT_HMAC_KEY_FILE = ""
    with pytest.raises(ImproperlyConfigured):
        keyring()
    settings.AUDIT_HMAC_KEYS = "short:abcd"
    with pytest.raises(ImproperlyConfigured):
        keyring()


def test_the_key_can_come_from_a_file(settings, tmp_path):
    from governance.core.audit_hashing import keyring

    key_file = tmp_path / "audit.keys"
    key_file.write_text(f"# rotated 2026-12-01\n{KEY_A}\n{KEY_B}\n")
    settings.AUDIT_HMAC_KEYS = ""
    settings.AUDIT_HMAC_KEY_FILE = str(key_file)
    settings.AUDIT_HMAC_KEY_ID = "a"
    current, keys = keyring()
    assert current == "a" and set(keys) == {"a", "b"}


def test_the_production_system_check_requires_both_audit_keys(settings, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from governance.checks import audit_keys

    settings.PRODUCTION = False
    assert audit_keys() == []
    settings.PRODUCTION = True
    settings.AUDIT_HMAC_KEYS = ""
    settings.AUDIT_HMAC_KEY_FILE = ""
    settings.AUDIT_CHECKPOINT_SIGNING_KEY_FILE = ""
    assert {error.id for error in audit_keys()} == {"governance.E001", "governance.E002"}
    pem = tmp_path / "signing.pem"
    pem.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    settings.AUDIT_HMAC_KEYS = KEY_A
    settings.AUDIT_CHECKPOINT_SIGNING_KEY_FILE = str(pem)
    assert audit_keys() == []
