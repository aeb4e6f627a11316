"""Signed checkpoints of the audit chain's head, kept where the database cannot rewrite them.

The keyed chain stops anyone without the key from recomputing hashes; it cannot
stop someone who deletes the newest entries, or someone who holds the key (the
portal itself, if it were subverted) from rewriting a stretch and resealing it.
A checkpoint pins the head: the chain index and digest of the newest sealed entry,
signed with an Ed25519 key, written to ``AUDIT_CHECKPOINT_DIR`` and emailed to the
auditors, who keep them. ``verify_audit --checkpoint FILE`` then checks that the
trail still holds exactly that digest at that position; ``scripts/verify_checkpoint.py``
checks, offline and with the public key only, every checkpoint's signature and that
the checkpoints chain.

A checkpoint is a JSON document: ``payload`` (what is signed, as canonical JSON),
``signature`` (base64) and ``public_key_sha256`` (which key signed it). Since format 2
checkpoints chain like the entries they pin: each carries its ``sequence`` number and
the SHA-256 of the payload of the checkpoint before it (``previous``), so a checkpoint
withheld, removed or made twice shows as a gap or a fork; and where the trail started
when it was signed (``start_index``, ``start_prev_digest``), so a start cut without a
signed pruning checkpoint shows offline too. The checkpoint folder is their ledger:
each new checkpoint follows the newest one there, under a file lock.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import fcntl
import hashlib
import itertools
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
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

FORMAT_1 = "custodian-audit-checkpoint/1"  # no sequence, link or start: still read and signature-checked
FORMAT = "custodian-audit-checkpoint/2"
READABLE = (FORMAT_1, FORMAT)
HEAD = "head"  # the newest entry of the chain when it was exported
PRUNING = "pruning"  # the last entry pruned: the chain may legitimately start just after it
logger = logging.getLogger(__name__)
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
    format: str = FORMAT
    sequence: int | None = None  # format 2: its place among the checkpoints, from 1
    previous: str = ""  # format 2: the SHA-256 of the checkpoint before it ("" for the first)
    start_index: int | None = None  # format 2: the trail's first chain index when it was signed
    start_prev_digest: str = ""  # format 2: that first entry's link to what preceded it
    own_digest: str = ""  # the SHA-256 of this checkpoint's signed payload, which the next one names

    def __str__(self) -> str:
        what = "pruning checkpoint" if self.kind == PRUNING else "checkpoint"
        number = f" number {self.sequence}" if self.sequence is not None else ""
        return f"{what}{number} of chain index {self.chain_index} exported {self.exported_at}"


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


def payload_digest(payload: dict) -> str:
    """What the next checkpoint names as ``previous``: the SHA-256 of this one's signed payload."""
    return hashlib.sha256(canonical_payload(payload)).hexdigest()


def trail_start(using: str = "default") -> tuple[int, str] | None:
    """The first entry the trail holds: its chain index and its link to what preceded it."""
    return (
        AuditEntry.objects.using(using)
        .exclude(chain_index=None)
        .order_by("chain_index")
        .values_list("chain_index", "prev_digest")
        .first()
    )


def make_checkpoint(using: str = "default", directory: str | Path | None = None) -> dict | None:
    """A signed checkpoint of the chain's head as it is now (sealing anything pending first),
    following the newest checkpoint in ``directory`` (not written there)."""
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
    return sign_position(head, follows=newest(directory), start=trail_start(using))


def sign_position(
    entry: dict,
    kind: str = HEAD,
    *,
    follows: Checkpoint | None = None,
    start: tuple[int, str] | None = None,
) -> dict:
    """A signed checkpoint of one chain position (``chain_index``, ``digest``, ``key_id``, ``timestamp``).

    ``kind`` is ``HEAD`` for an export of the chain's head, ``PRUNING`` for the last
    entry a pruning removed: only a signed pruning checkpoint lets the chain start later than
    index 1. ``follows`` is the checkpoint before it (None for the first), ``start`` where the
    trail starts as it is signed (its first chain index and that entry's ``prev_digest``).
    """
    payload = {
        "format": FORMAT,
        "service": settings.PORTAL_NAME,
        "chain_index": entry["chain_index"],
        "digest": entry["digest"],
        "key_id": entry["key_id"],
        "entry_timestamp": entry["timestamp"].astimezone(datetime.UTC).isoformat(),
        "exported_at": timezone.now().astimezone(datetime.UTC).isoformat(),
        "sequence": (follows.sequence or 0) + 1 if follows is not None else 1,
        "previous": follows.own_digest if follows is not None else "",
        "start_index": start[0] if start else entry["chain_index"],
        "start_prev_digest": start[1] if start else "",
    }
    if kind != HEAD:
        payload["kind"] = kind
    key = signing_key()
    return {
        "payload": payload,
        "signature": base64.b64encode(key.sign(canonical_payload(payload))).decode("ascii"),
        "public_key_sha256": fingerprint(key.public_key()),
    }


def _folder(directory: str | Path | None) -> Path:
    return Path(directory or settings.AUDIT_CHECKPOINT_DIR)


def _missing(first: int, last: int) -> str:
    return f"Checkpoint {first} is missing" if first == last else f"Checkpoints {first} to {last} are missing"


def in_order(checkpoints: Iterable[Checkpoint]) -> list[Checkpoint]:
    """Format 1 checkpoints first, by export time; then format 2, by sequence number."""
    return sorted(checkpoints, key=lambda c: (c.sequence is not None, c.sequence or 0, c.exported_at))


def newest(directory: str | Path | None = None) -> Checkpoint | None:
    """The last checkpoint of the ledger in the checkpoint folder, which a new one follows."""
    folder = _folder(directory)
    if not folder.is_dir():
        return None
    found = []
    for path in folder.glob("*.json"):
        try:
            found.append(load(path))
        except InvalidCheckpoint:
            logger.warning("%s in the checkpoint folder is not a checkpoint the portal signed; passed over", path)
    return in_order(found)[-1] if found else None


@contextlib.contextmanager
def ledger(directory: str | Path | None = None) -> Iterator[Path]:
    """The checkpoint folder, locked: two exports (or an export and a pruning) never both follow
    the same checkpoint."""
    folder = _folder(directory)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".ledger.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield folder
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def record_position(
    entry: dict, kind: str = HEAD, *, directory: str | Path | None = None, using: str = "default"
) -> tuple[dict, Path]:
    """Sign one chain position as the next checkpoint of the ledger and write it there.

    Idempotent: if the newest checkpoint already pins this position (the same head, or a pruning
    tried again), it is returned and nothing new is signed.
    """
    with ledger(directory) as folder:
        last = newest(folder)
        if last is not None and last.kind == kind and last.chain_index == entry["chain_index"]:
            path = Path(last.source)
            return json.loads(path.read_text(encoding="utf-8")), path
        document = sign_position(entry, kind, follows=last, start=trail_start(using))
        return document, write_checkpoint(document, folder)


def write_checkpoint(document: dict, directory: str | Path | None = None) -> Path:
    """Write ``document`` to the checkpoint folder; an existing file is never overwritten."""
    folder = _folder(directory)
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

    Idempotent: the head already pinned by the newest checkpoint is not signed again, and each
    auditor's email is keyed by ``period`` (the day, for the scheduled export; else the chain
    index), so a retried or repeated run sends nothing twice.
    """
    seal_pending()
    head = (
        AuditEntry.objects.exclude(digest="")
        .order_by("-chain_index")
        .values("chain_index", "digest", "key_id", "timestamp")
        .first()
    )
    if head is None:
        return None
    document, path = record_position(head, directory=directory)
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
        if payload.get("format") not in READABLE:
            raise InvalidCheckpoint(f"{source or 'The checkpoint'} is not a {FORMAT} document.")
        public_key.verify(signature, canonical_payload(payload))
        chained = payload["format"] != FORMAT_1
        return Checkpoint(
            chain_index=int(payload["chain_index"]),
            digest=str(payload["digest"]),
            key_id=str(payload["key_id"]),
            entry_timestamp=str(payload["entry_timestamp"]),
            exported_at=str(payload["exported_at"]),
            source=source,
            kind=str(payload.get("kind", HEAD)),
            format=str(payload["format"]),
            sequence=int(payload["sequence"]) if chained else None,
            previous=str(payload["previous"]) if chained else "",
            start_index=int(payload["start_index"]) if chained else None,
            start_prev_digest=str(payload["start_prev_digest"]) if chained else "",
            own_digest=payload_digest(payload),
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


def chain_problems(
    checkpoints: Sequence[Checkpoint], *, complete: bool, prunings: Sequence[Checkpoint] = ()
) -> list[str]:
    """What is wrong with a set of checkpoints taken together (empty when nothing is).

    Format 2 checkpoints must each name the one numbered before it; two different ones with one
    number are a fork. With ``complete`` (an auditor's whole collection, as the offline verifier
    checks it) a missing number is a gap too, and the first must be number 1; otherwise (some
    files given to ``verify_audit``) only neighbours are compared. Heads never go back. A
    checkpoint that records the trail starting after index 1 needs a signed pruning checkpoint
    before it (or among ``prunings``, found elsewhere) recording the cut at exactly that point.
    ``scripts/verify_checkpoint.py`` holds the same rules without Django; a test keeps them equal.
    """
    problems: list[str] = []
    unique = {c.own_digest: c for c in checkpoints}
    ordered = in_order(unique.values())
    old = [c for c in ordered if c.sequence is None]
    chained = [c for c in ordered if c.sequence is not None]
    numbers: dict[int, Checkpoint] = {}
    for c in chained:
        number = c.sequence or 0
        if number in numbers:
            problems.append(f"Two different checkpoints are numbered {number}: {numbers[number]} and {c}.")
        numbers.setdefault(number, c)
    if complete and chained and chained[0].sequence != 1:
        problems.append(f"{_missing(1, (chained[0].sequence or 1) - 1)}: the first given is the {chained[0]}.")
    if complete and chained and chained[0].previous and (not old or old[-1].own_digest != chained[0].previous):
        problems.append(f"The checkpoint before the {chained[0]} was not given.")
    for before, after in itertools.pairwise(chained):
        if after.sequence == before.sequence:
            continue
        if after.sequence == (before.sequence or 0) + 1:
            if after.previous != before.own_digest:
                problems.append(f"The {after} does not follow the {before}: it names another checkpoint before it.")
        elif complete:
            problems.append(
                f"{_missing((before.sequence or 0) + 1, (after.sequence or 0) - 1)}, "
                f"between the {before} and the {after}."
            )
    heads = [c for c in ordered if c.kind == HEAD]
    for before, after in itertools.pairwise(heads):
        if after.chain_index < before.chain_index:
            problems.append(f"The chain's head went back from index {before.chain_index} to {after.chain_index}.")
    signed_prunings = [c for c in [*ordered, *prunings] if c.kind == PRUNING]
    for c in chained:
        if c.start_index is None or c.start_index <= 1:
            continue
        cut = [
            p
            for p in signed_prunings
            if p.chain_index == c.start_index - 1
            and p.digest == c.start_prev_digest
            and (p.sequence is None or c.sequence is None or p.sequence < c.sequence or p in prunings)
        ]
        if not cut:
            problems.append(
                f"The {c} records the trail starting at chain index {c.start_index}, but no signed pruning "
                f"checkpoint before it records a cut after index {c.start_index - 1}."
            )
    return problems
