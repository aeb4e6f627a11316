"""The audit chain's keyed hashing and the reason recorded on entries: no models, no services.

Kept apart so the audit entry model can hash itself and read the current reason
without importing the services that verify the chain (which import the models).

Both an entry's ``content_hash`` and its chain ``digest`` are HMAC-SHA256 under a
key the database never holds (``AUDIT_HMAC_KEYS`` or ``AUDIT_HMAC_KEY_FILE``): someone
who can write to the database can change an entry, but cannot recompute hashes that
verify. Each entry names the id of the key it was written under, so keys rotate:
new entries use ``AUDIT_HMAC_KEY_ID``, old ones verify under the key they name.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import hmac
import ipaddress
import json
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder

_reason: ContextVar[str] = ContextVar("custodian_audit_reason", default="")
_channel: ContextVar[dict | None] = ContextVar("custodian_audit_channel", default=None)

CONTENT_FIELDS = (
    "timestamp",
    "content_type_id",
    "object_pk",
    "object_repr",
    "action",
    "changes",
    "actor_id",
    "actor_email",
    "remote_addr",
    "cid",
    "scope",
    "business_area_id",
    "reason",
    "additional_data",
)
SEAL_LOCK = 727274  # the advisory lock that orders sealing on PostgreSQL


# --- reasons ----------------------------------------------------------------------------


def current_reason() -> str:
    return _reason.get()


@contextmanager
def reason(text: str):
    """Record ``text`` as the reason on every audit entry written inside the block."""
    token = _reason.set((text or "")[:2000])
    try:
        yield
    finally:
        _reason.reset(token)


def records_reason(func):
    """Decorator for services that take a ``reason``: every entry they write carries it."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with reason(kwargs.get("reason") or ""):
            return func(*args, **kwargs)

    return wrapper


# --- channel: how a change reached the portal ------------------------------------------


def current_channel() -> dict | None:
    """``{"via": "api", "api_token": <key>}`` inside an API request, else None."""
    return _channel.get()


@contextmanager
def through_api(token_key: str | None):
    """Mark every audit entry written inside the block as made through the API (and which token)."""
    value = {"via": "api"}
    if token_key:
        value["api_token"] = token_key
    token = _channel.set(value)
    try:
        yield
    finally:
        _channel.reset(token)


@contextmanager
def through_channel(value: dict):
    """Mark every audit entry written inside the block with how the change arrived (``{"via": ...}``)."""
    token = _channel.set(dict(value))
    try:
        yield
    finally:
        _channel.reset(token)


# --- hashing ----------------------------------------------------------------------------


def _json(value, *, from_database: bool = False) -> str:
    # Normalise through the encoder the database column sees, then sort keys: the same
    # text whether the value comes from the code that wrote it or from the database.
    # Values read back from the database are plain JSON already: normalising them again
    # changes nothing, and verification skips it (it is most of a million entries' time).
    plain = from_database or value is None
    normal = value if plain else json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    return json.dumps(normal, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _timestamp(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(values: dict, *, from_database: bool = False) -> str:
    parts = []
    for name in CONTENT_FIELDS:
        value = values.get(name)
        if name == "timestamp":
            text = _timestamp(values[name])  # every entry has its time
        elif name in ("changes", "additional_data"):
            text = _json(value, from_database=from_database)
        elif name == "remote_addr" and value:
            text = ipaddress.ip_address(value).packed.hex()  # PostgreSQL's inet may re-spell an address
        else:
            text = "" if value is None else str(value)
        parts.append(f"{name}={text}")
    return "\x1f".join(parts)


# --- keys -------------------------------------------------------------------------------

# Development and test only (never in production: see ``governance.checks``).
DEVELOPMENT_KEY_ID = "dev"
DEVELOPMENT_KEY = b"custodian-development-audit-key-not-for-production-use"
MIN_KEY_BYTES = 32


class UnknownKey(KeyError):
    """An entry names a key id the key ring does not hold."""


def parse_keys(text: str) -> dict[str, bytes]:
    """``id:hex`` pairs, separated by commas or new lines (``#`` starts a comment), in order."""
    keys: dict[str, bytes] = {}
    for raw_item in text.replace(",", "\n").splitlines():
        item = raw_item.split("#", 1)[0].strip()
        if not item:
            continue
        key_id, sep, hex_key = item.partition(":")
        try:
            key = bytes.fromhex(hex_key.strip())
        except ValueError:
            key = b""
        if not sep or not key_id.strip() or len(key) < MIN_KEY_BYTES:
            raise ImproperlyConfigured(
                f"Audit keys are 'id:hex' with at least {MIN_KEY_BYTES} bytes of key; {key_id.strip()!r} is not."
            )
        keys[key_id.strip()[:40]] = key
    return keys


@functools.cache
def _ring(keys_text: str, key_file: str, current: str, production: bool) -> tuple[str, dict[str, bytes]]:
    text = keys_text
    if key_file:
        text = f"{text}\n{Path(key_file).read_text(encoding='utf-8')}"
    keys = parse_keys(text)
    if not keys:
        if production:
            raise ImproperlyConfigured("Set AUDIT_HMAC_KEYS or AUDIT_HMAC_KEY_FILE: the audit chain needs its key.")
        keys = {DEVELOPMENT_KEY_ID: DEVELOPMENT_KEY}
    current = current or list(keys)[-1]
    if current not in keys:
        raise ImproperlyConfigured(f"AUDIT_HMAC_KEY_ID {current!r} is not one of the audit keys.")
    return current, keys


def keyring() -> tuple[str, dict[str, bytes]]:
    """The current key id and every key by id, from settings (read once per distinct configuration)."""
    return _ring(
        getattr(settings, "AUDIT_HMAC_KEYS", ""),
        getattr(settings, "AUDIT_HMAC_KEY_FILE", ""),
        getattr(settings, "AUDIT_HMAC_KEY_ID", ""),
        bool(getattr(settings, "PRODUCTION", False)),
    )


def current_key_id() -> str:
    return keyring()[0]


@functools.cache
def _mac(key: bytes):
    return hmac.new(key, digestmod=hashlib.sha256)


def keyed(key_id: str, text: str) -> str:
    """HMAC-SHA256 of ``text`` under the key ``key_id`` names (a copy of a prepared HMAC: fast in a loop)."""
    try:
        key = keyring()[1][key_id]
    except KeyError as exc:
        raise UnknownKey(key_id) from exc
    mac = _mac(key).copy()
    mac.update(text.encode("utf-8"))
    return mac.hexdigest()


# --- entries ----------------------------------------------------------------------------


def content_hash_of(entry) -> str:
    """The keyed hash of an entry's content, under the key its ``key_id`` names."""
    values = {name: getattr(entry, name) for name in CONTENT_FIELDS}
    return keyed(entry.key_id, canonical(values))


def link(key_id: str, chain_index: int, content_hash: str, prev_digest: str) -> str:
    """An entry's place in the chain: binds its position, its content and everything before it."""
    return keyed(key_id, f"{chain_index}\x1f{content_hash}\x1f{prev_digest}")
