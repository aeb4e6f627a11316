#!/usr/bin/env python3
"""Make the audit trail's production keys (deploy/README.md, section 2a). Needs no Django.

    deploy/make_keys.py hmac-key ID                 prints one audit HMAC key line, ID:hex (32 random bytes)
    deploy/make_keys.py signing-key PATH            writes a new Ed25519 checkpoint signing key (PEM, PKCS#8,
                                                    mode 600; never overwrites) and prints its public key
    deploy/make_keys.py public-key PATH             prints the public key of an existing signing key

The public key and its SHA-256 fingerprint (printed too) are what auditors need to check
checkpoints; the private key never leaves the machines that sign.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def hmac_key(key_id: str) -> str:
    if not KEY_ID.fullmatch(key_id):
        raise SystemExit("A key id is 1 to 40 letters, digits, '.', '_' or '-', such as k2026.")
    return f"{key_id}:{secrets.token_hex(32)}"


def _public(key: Ed25519PrivateKey) -> str:
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return f"{public.decode('ascii')}SHA-256 fingerprint: {hashlib.sha256(raw).hexdigest()}"


def signing_key(path: Path) -> str:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SystemExit(f"{path} exists: a signing key is never overwritten (rotate to a new file).") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return _public(key)


def public_key(path: Path) -> str:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SystemExit(f"{path} does not hold an Ed25519 private key.")
    return _public(key)


def main(argv: list[str]) -> int:
    commands = {
        "hmac-key": hmac_key,
        "signing-key": lambda p: signing_key(Path(p)),
        "public-key": lambda p: public_key(Path(p)),
    }
    if len(argv) != 2 or argv[0] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    print(commands[argv[0]](argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
