"""Signed checkpoints of the audit chain's head, kept where the database cannot rewrite them.

The keyed chain stops anyone without the key from recomputing hashes; it cannot
stop someone who deletes the newest entries, or someone who holds the key (the
portal itself, if it were subverted) from rewriting a stretch and resealing it.
A checkpoint pins the head: the chain index and digest of the newest sealed entry,
signed with an Ed25519 key, written to ``AUDIT_CHECKPOINT_DIR`` and emailed to the
auditors, who keep them. ``verify_audit --checkpoint FILE`` then checks that the
trail still holds exactly that digest at that position; ``scripts/verify_checkpoint.py``
checks a checkpoint's signature offline, with the public key only.

A checkpoint is a JSON document: ``payload`` (what is signed, as canonical JSON),
``signature`` (base64) and ``public_key_sha256`` (which key signed it).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from governance.core.models import AuditEntry
from governance.core.models.audit import seal_pending
from governance.core.notifications import notify
from governance.core.roles import AUDITORS

FORMAT = "custodian-audit-checkpoint/1"
HEAD = "head"  # the newest entry of the chain when it was exported
PRUNING = "pruning"  # the last entry pruned: the chain may legitimately start just after it
_DEVELOPMENT_SEED = hashlib.sha256(b"custodian-development-checkpoint-key-not-for-production").digest()


class InvalidCheckpoint(ValueError):
    """A checkpoint that is damaged, in another format, or not signed by the portal's key."""


@dataclass(frozen=True)
class Checkpoint:
    chain_index: int
    digest: str
    key_id: str
    entry_timestamp: str
    exported_at: str
    source: str = ""
    kind: str = HEAD

    def __str__(self) -> str:
        what = "pruning checkpoint" if self.kind == PRUNING else "checkpoint"
        return f"{what} of chain index {self.chain_index} exported {self.exported_at}"


def signing_key() -> Ed25519PrivateKey:
    """The Ed25519 key checkpoints are signed with (a fixed development key outside production)."""
    path = settings.AUDIT_CHECKPOINT_SIGNING_KEY_FILE
    if not path:
        if settings.PRODUCTION:
            raise ImproperlyConfigured("Set AUDIT_CHECKPOINT_SIGNING_KEY_FILE: audit checkpoints must be signed.")
        return Ed25519PrivateKey.from_private_bytes(_DEVELOPMENT_SEED)
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("AUDIT_CHECKPOINT_SIGNING_KEY_FILE must hold an Ed25519 private key.")
    return key


def public_key_pem(key: Ed25519PublicKey | None = None) -> str:
    """The public half, as PEM: what auditors need to check checkpoints offline."""
    key = key or signing_key().public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def canonical_payload(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def make_checkpoint(using: str = "default") -> dict | None:
    """A signed checkpoint of the chain's head as it is now (sealing anything pending first)."""
    seal_pending(using)
    head = (
        AuditEntry.objects.using(using)
        .exclude(digest="")
        .order_by("-chain_index")
        .values("chain_index", "digest", "key_id", "timestamp")
        .first()
    )
    if head is None:
        return None
    return sign_position(head)


def sign_position(entry: dict, kind: str = HEAD) -> dict:
    """A signed checkpoint of one chain position (``chain_index``, ``digest``, ``key_id``, ``timestamp``).

    ``kind`` is ``HEAD`` for an export of the chain's head, ``PRUNING`` for the last
    entry a pruning removed: only a signed pruning checkpoint lets the chain start later than index 1.
    """
    payload = {
        "format": FORMAT,
        "service": settings.PORTAL_NAME,
        "chain_index": entry["chain_index"],
        "digest": entry["digest"],
        "key_id": entry["key_id"],
        "entry_timestamp": entry["timestamp"].astimezone(datetime.UTC).isoformat(),
        "exported_at": timezone.now().astimezone(datetime.UTC).isoformat(),
    }
    if kind != HEAD:
        payload["kind"] = kind
    key = signing_key()
    return {
        "payload": payload,
        "signature": base64.b64encode(key.sign(canonical_payload(payload))).decode("ascii"),
        "public_key_sha256": fingerprint(key.public_key()),
    }


def write_checkpoint(document: dict, directory: str | Path | None = None) -> Path:
    """Write ``document`` to the checkpoint folder; an existing file is never overwritten."""
    folder = Path(directory or settings.AUDIT_CHECKPOINT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    # One file per head: exporting again before anything new was written adds nothing.
    kind = document["payload"].get("kind", HEAD)
    prefix = "audit-checkpoint" if kind == HEAD else f"audit-{kind}-checkpoint"
    path = folder / f"{prefix}-{document['payload']['chain_index']:012d}.json"
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        pass
    return path


def export_checkpoint(
    *, directory: str | Path | None = None, email: bool = True, period: str | None = None
) -> tuple[dict, Path] | None:
    """Sign the chain's head, write it to the checkpoint folder and email it to every auditor.

    Idempotent: the file is keyed by the head's chain index, and each auditor's
    email by ``period`` (the day, for the scheduled export; else the chain index),
    so a retried or repeated run sends nothing twice.
    """
    document = make_checkpoint()
    if document is None:
        return None
    path = write_checkpoint(document, directory)
    if email:
        text = json.dumps(document, indent=2, sort_keys=True)
        auditors = Group.objects.filter(name=AUDITORS).first()
        for auditor in auditors.user_set.filter(is_active=True) if auditors else ():
            notify(
                auditor,
                key=f"audit-checkpoint:{period or document['payload']['chain_index']}:{auditor.pk}",
                subject=f"Audit trail checkpoint: chain index {document['payload']['chain_index']}",
                template="emails/audit_checkpoint.txt",
                context={"checkpoint": text, "payload": document["payload"]},
            )
    return document, path


def check(document: dict, public_key: Ed25519PublicKey | None = None, source: str = "") -> Checkpoint:
    """The checkpoint ``document`` holds, once its signature is checked against ``public_key``."""
    public_key = public_key or signing_key().public_key()
    try:
        payload = document["payload"]
        signature = base64.b64decode(document["signature"], validate=True)
        if payload.get("format") != FORMAT:
            raise InvalidCheckpoint(f"{source or 'The checkpoint'} is not a {FORMAT} document.")
        public_key.verify(signature, canonical_payload(payload))
        return Checkpoint(
            chain_index=int(payload["chain_index"]),
            digest=str(payload["digest"]),
            key_id=str(payload["key_id"]),
            entry_timestamp=str(payload["entry_timestamp"]),
            exported_at=str(payload["exported_at"]),
            source=source,
            kind=str(payload.get("kind", HEAD)),
        )
    except InvalidSignature as exc:
        raise InvalidCheckpoint(f"{source or 'The checkpoint'} is not signed by the portal's checkpoint key.") from exc
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, InvalidCheckpoint):
            raise
        raise InvalidCheckpoint(f"{source or 'The checkpoint'} is damaged: {exc}") from exc


def load(path: str | Path, public_key: Ed25519PublicKey | None = None) -> Checkpoint:
    """Read and check a checkpoint file."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidCheckpoint(f"{path} could not be read as a checkpoint: {exc}") from exc
    return check(document, public_key, source=str(path))
