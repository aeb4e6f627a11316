#!/usr/bin/env python3
"""Check an audit checkpoint's signature offline, with the public key only.

Needs nothing of the portal: only Python 3.11 and the ``cryptography`` package.

    python scripts/verify_checkpoint.py audit-checkpoint-000000001234.json --public-key checkpoint-public.pem

Exits 0 and prints the chain index and digest the portal signed, or exits 1 saying why not.
The public key comes from ``manage.py export_audit_checkpoint --public-key``; keep your own copy.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "custodian-audit-checkpoint/1"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", nargs="+", help="checkpoint JSON files")
    parser.add_argument("--public-key", required=True, help="the portal's checkpoint public key (PEM)")
    args = parser.parse_args(argv)
    key = serialization.load_pem_public_key(Path(args.public_key).read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        print(f"{args.public_key} is not an Ed25519 public key", file=sys.stderr)
        return 1
    failed = False
    for name in args.checkpoint:
        try:
            document = json.loads(Path(name).read_text(encoding="utf-8"))
            payload = document["payload"]
            if payload.get("format") != FORMAT:
                raise ValueError(f"not a {FORMAT} document")
            signed = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
            key.verify(base64.b64decode(document["signature"], validate=True), signed)
        except InvalidSignature:
            print(f"{name}: BAD SIGNATURE (not signed by this key, or changed since)", file=sys.stderr)
            failed = True
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            print(f"{name}: UNREADABLE ({exc})", file=sys.stderr)
            failed = True
        else:
            print(
                f"{name}: signature good. Chain index {payload['chain_index']}, digest {payload['digest']}, "
                f"key {payload['key_id']}, newest entry {payload['entry_timestamp']}, exported {payload['exported_at']}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
