#!/usr/bin/env python3
"""Check the audit trail's checkpoints offline, with the public key only: each signature, and that they chain.

Needs nothing of the portal: only Python 3.11 and the ``cryptography`` package.

    python scripts/verify_checkpoint.py audit-*checkpoint-*.json --public-key checkpoint-public.pem

Give it every checkpoint you were sent or kept, the old ones and the pruning ones included.
It checks that each is signed by the portal's key and that, taken together, they chain:
each names the one numbered before it (none missing, none made twice), the chain's head
never goes back, and wherever a checkpoint records the trail starting after entry 1, a
signed pruning checkpoint before it records that cut. A start cut by someone without the
key (rows deleted and a pruning row written by hand) shows here, without the database.
Checkpoints of format 1 (before checkpoints were numbered) are checked for their signature.

Exits 0 when all of that holds, else 1 saying what does not. With ``--signatures-only`` it
checks only the signatures of the files given (a few files, not a whole collection).
The public key comes from ``manage.py export_audit_checkpoint --public-key``; keep your own copy.
"""

import argparse
import base64
import hashlib
import itertools
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT_1 = "custodian-audit-checkpoint/1"
FORMAT = "custodian-audit-checkpoint/2"
HEAD, PRUNING = "head", "pruning"


@dataclass(frozen=True)
class Checkpoint:
    """What a signed checkpoint says (the same fields as the portal's own reader)."""

    source: str
    kind: str
    chain_index: int
    digest: str
    exported_at: str
    own_digest: str
    sequence: int | None
    previous: str
    start_index: int | None
    start_prev_digest: str

    def __str__(self) -> str:
        what = "pruning checkpoint" if self.kind == PRUNING else "checkpoint"
        number = f" number {self.sequence}" if self.sequence is not None else ""
        return f"{what}{number} of chain index {self.chain_index} exported {self.exported_at}"


def canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def read(name: str, key: Ed25519PublicKey) -> Checkpoint:
    """The checkpoint in file ``name``, once its signature is checked (raises on anything wrong)."""
    document = json.loads(Path(name).read_text(encoding="utf-8"))
    payload = document["payload"]
    if payload.get("format") not in (FORMAT_1, FORMAT):
        raise ValueError(f"not a {FORMAT} document")
    key.verify(base64.b64decode(document["signature"], validate=True), canonical(payload))
    chained = payload["format"] == FORMAT
    return Checkpoint(
        source=name,
        kind=str(payload.get("kind", HEAD)),
        chain_index=int(payload["chain_index"]),
        digest=str(payload["digest"]),
        exported_at=str(payload["exported_at"]),
        own_digest=hashlib.sha256(canonical(payload)).hexdigest(),
        sequence=int(payload["sequence"]) if chained else None,
        previous=str(payload["previous"]) if chained else "",
        start_index=int(payload["start_index"]) if chained else None,
        start_prev_digest=str(payload["start_prev_digest"]) if chained else "",
    )


def _missing(first: int, last: int) -> str:
    return f"Checkpoint {first} is missing" if first == last else f"Checkpoints {first} to {last} are missing"


def in_order(checkpoints) -> list[Checkpoint]:
    """Format 1 checkpoints first, by export time; then format 2, by sequence number."""
    return sorted(checkpoints, key=lambda c: (c.sequence is not None, c.sequence or 0, c.exported_at))


def chain_problems(checkpoints: list[Checkpoint]) -> list[str]:
    """What is wrong with a whole collection of checkpoints taken together (empty when nothing is).

    The same rules as the portal's ``audit_checkpoints.chain_problems`` with ``complete``.
    """
    problems: list[str] = []
    ordered = in_order({c.own_digest: c for c in checkpoints}.values())
    old = [c for c in ordered if c.sequence is None]
    chained = [c for c in ordered if c.sequence is not None]
    numbers: dict[int, Checkpoint] = {}
    for c in chained:
        if c.sequence in numbers:
            problems.append(f"Two different checkpoints are numbered {c.sequence}: {numbers[c.sequence]} and {c}.")
        numbers.setdefault(c.sequence, c)
    if chained and chained[0].sequence != 1:
        problems.append(f"{_missing(1, chained[0].sequence - 1)}: the first given is the {chained[0]}.")
    if chained and chained[0].previous and (not old or old[-1].own_digest != chained[0].previous):
        problems.append(f"The checkpoint before the {chained[0]} was not given.")
    for before, after in itertools.pairwise(chained):
        if after.sequence == before.sequence:
            continue
        if after.sequence == before.sequence + 1:
            if after.previous != before.own_digest:
                problems.append(f"The {after} does not follow the {before}: it names another checkpoint before it.")
        else:
            problems.append(
                f"{_missing(before.sequence + 1, after.sequence - 1)}, between the {before} and the {after}."
            )
    heads = [c for c in ordered if c.kind == HEAD]
    for before, after in itertools.pairwise(heads):
        if after.chain_index < before.chain_index:
            problems.append(f"The chain's head went back from index {before.chain_index} to {after.chain_index}.")
    prunings = [c for c in ordered if c.kind == PRUNING]
    for c in chained:
        if c.start_index is None or c.start_index <= 1:
            continue
        cut = [
            p
            for p in prunings
            if p.chain_index == c.start_index - 1
            and p.digest == c.start_prev_digest
            and (p.sequence is None or p.sequence < c.sequence)
        ]
        if not cut:
            problems.append(
                f"The {c} records the trail starting at chain index {c.start_index}, but no signed pruning "
                f"checkpoint before it records a cut after index {c.start_index - 1}."
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", nargs="+", help="checkpoint JSON files: all of them, the old ones included")
    parser.add_argument("--public-key", required=True, help="the portal's checkpoint public key (PEM)")
    parser.add_argument("--signatures-only", action="store_true", help="check each file's signature only")
    args = parser.parse_args(argv)
    key = serialization.load_pem_public_key(Path(args.public_key).read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        print(f"{args.public_key} is not an Ed25519 public key", file=sys.stderr)
        return 1
    failed = False
    good: list[Checkpoint] = []
    for name in args.checkpoint:
        try:
            checkpoint = read(name, key)
        except InvalidSignature:
            print(f"{name}: BAD SIGNATURE (not signed by this key, or changed since)", file=sys.stderr)
            failed = True
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            print(f"{name}: UNREADABLE ({exc})", file=sys.stderr)
            failed = True
        else:
            good.append(checkpoint)
            print(f"{name}: signature good. {str(checkpoint).capitalize()}, digest {checkpoint.digest}")
    if args.signatures_only or failed:
        return 1 if failed else 0
    problems = chain_problems(good)
    for problem in problems:
        print(f"CHAIN BROKEN: {problem}", file=sys.stderr)
    if problems:
        return 1
    numbered = [c.sequence for c in good if c.sequence is not None]
    print(
        f"The {len(good)} checkpoints chain"
        + (f" (numbered 1 to {max(numbered)}, each following the one before)" if numbered else "")
        + ": the head never went back, and the trail starts at entry 1 or after a signed pruning checkpoint."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
