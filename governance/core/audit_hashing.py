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
from json import encoder as json_encoder
from pathlib import Path
from typing import Any

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


# The encoders are built once: ``json.dumps`` with any option builds a new encoder per call,
# which was a third of the cost of hashing a stored entry. ``encode`` gives the same text.
_NORMALISING = DjangoJSONEncoder()
_SORTED = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# The C encoder behind ``_SORTED``, called directly: half the time again. Without the
# circular-reference check, which only JSON that came from ``json.loads`` or through
# ``_NORMALISING`` (which keeps the check) ever reaches.
_c_make_encoder = getattr(json_encoder, "c_make_encoder", None)
_sorted_chunks = (
    _c_make_encoder(None, _SORTED.default, json_encoder.encode_basestring, None, ":", ",", True, False, True)
    if _c_make_encoder is not None
    else None
)


def _sorted_json(value) -> str:
    if value is None:
        return "null"
    if _sorted_chunks is None:
        return _SORTED.encode(value)
    return "".join(_sorted_chunks(value, 0))


def _json(value, *, from_database: bool = False) -> str:
    # Normalise through the encoder the database column sees, then sort keys: the same
    # text whether the value comes from the code that wrote it or from the database.
    # Values read back from the database are plain JSON already: normalising them again
    # changes nothing, and verification skips it (it is most of a million entries' time).
    plain = from_database or value is None
    return _sorted_json(value if plain else json.loads(_NORMALISING.encode(value)))


def _timestamp(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@functools.lru_cache(maxsize=4096)
def _address(value) -> str:
    return ipaddress.ip_address(value).packed.hex()  # PostgreSQL's inet may re-spell an address


def canonical(values: dict, *, from_database: bool = False) -> str:
    parts = []
    for name in CONTENT_FIELDS:
        value = values.get(name)
        if name == "timestamp":
            text = _timestamp(values[name])  # every entry has its time
        elif name in ("changes", "additional_data"):
            text = _json(value, from_database=from_database)
        elif name == "remote_addr" and value:
            text = _address(value)
        else:
            text = "" if value is None else str(value)
        parts.append(f"{name}={text}")
    return "\x1f".join(parts)


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)


def micros(value: datetime.datetime) -> int:
    """An aware time as whole microseconds since 1970-01-01 UTC (how verification reads timestamps)."""
    return (value - EPOCH) // _MICROSECOND


def from_micros(value: int) -> datetime.datetime:
    return EPOCH + datetime.timedelta(microseconds=value)


class StoredCanonical:
    """``canonical(..., from_database=True)`` for many stored entries in a row, at a fraction of the cost.

    Verification reads each entry's columns in ``CONTENT_FIELDS`` order with the time as
    microseconds since the epoch (``micros``: PostgreSQL sends a number far more cheaply
    than a time) and the JSON columns decoded. The text is byte for byte what
    ``canonical`` gives (pinned by tests/core/test_audit_canonical.py): the same sorted
    JSON, the time formatted with the same ``strftime`` once per second (entries written
    in the same second share it) and the address through the same conversion.
    """

    def __init__(self) -> None:
        self._second: int | None = None
        self._prefix = ""

    def __call__(
        self,
        timestamp: int,
        content_type_id,
        object_pk,
        object_repr,
        action,
        changes,
        actor_id,
        actor_email,
        remote_addr,
        cid,
        scope,
        business_area_id,
        reason,
        additional_data,
    ) -> str:
        second, fraction = divmod(timestamp, 1_000_000)
        if second != self._second:
            self._second = second
            self._prefix = (EPOCH + datetime.timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%S")
        return (
            f"timestamp={self._prefix}.{fraction:06d}Z"
            f"\x1fcontent_type_id={'' if content_type_id is None else content_type_id}"
            f"\x1fobject_pk={'' if object_pk is None else object_pk}"
            f"\x1fobject_repr={'' if object_repr is None else object_repr}"
            f"\x1faction={'' if action is None else action}"
            f"\x1fchanges={_sorted_json(changes)}"
            f"\x1factor_id={'' if actor_id is None else actor_id}"
            f"\x1factor_email={'' if actor_email is None else actor_email}"
            f"\x1fremote_addr={_address(remote_addr) if remote_addr else ''}"
            f"\x1fcid={'' if cid is None else cid}"
            f"\x1fscope={'' if scope is None else scope}"
            f"\x1fbusiness_area_id={'' if business_area_id is None else business_area_id}"
            f"\x1freason={'' if reason is None else reason}"
            f"\x1fadditional_data={_sorted_json(additional_data)}"
        )


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


class ChainKeys:
    """The key ring read once, for hashing many entries in a row (verification).

    ``keyed`` reads the settings on every call (tests change them); over a million
    entries that lookup cost more than the hashing. The prepared HMAC of each key is
    copied per message; where the standard library keeps its OpenSSL object in
    ``_hmac``, that object is copied directly, which saves a Python-level copy.
    """

    def __init__(self) -> None:
        self._keys = keyring()[1]
        self._macs: dict[str, Any] = {}

    def mac(self, key_id: str):
        """The prepared HMAC under the key ``key_id`` names: ``copy()`` it, then ``update`` and ``hexdigest``."""
        mac = self._macs.get(key_id)
        if mac is None:
            try:
                key = self._keys[key_id]
            except KeyError as exc:
                raise UnknownKey(key_id) from exc
            prepared = hmac.new(key, digestmod=hashlib.sha256)
            mac = self._macs[key_id] = getattr(prepared, "_hmac", None) or prepared
        return mac

    def keyed(self, key_id: str, text: str) -> str:
        """What ``keyed(key_id, text)`` gives."""
        mac = self.mac(key_id).copy()
        mac.update(text.encode("utf-8"))
        return mac.hexdigest()

    def link(self, key_id: str, chain_index: int, content_hash: str, prev_digest: str) -> str:
        """What ``link(...)`` gives."""
        return self.keyed(key_id, f"{chain_index}\x1f{content_hash}\x1f{prev_digest}")


# --- entries ----------------------------------------------------------------------------


def content_hash_of(entry) -> str:
    """The keyed hash of an entry's content, under the key its ``key_id`` names."""
    values = {name: getattr(entry, name) for name in CONTENT_FIELDS}
    return keyed(entry.key_id, canonical(values))


def link(key_id: str, chain_index: int, content_hash: str, prev_digest: str) -> str:
    """An entry's place in the chain: binds its position, its content and everything before it."""
    return keyed(key_id, f"{chain_index}\x1f{content_hash}\x1f{prev_digest}")
