"""Audit entries for writes a service makes in bulk, built as django-auditlog builds them for one save.

``QuerySet.update()``, ``bulk_create()`` and a delete by primary keys send no signals, so
django-auditlog records nothing. A service that writes many rows at once (an IAM's bulk
decisions in an access review) collects here, row by row, the entry the one-by-one path
would have written -- the same changes (auditlog's own diff), object, scope, business area,
actor, address, correlation id, channel and reason -- and writes them all sealed into the
chain with ``append_sealed``, in the same transaction as the rows they describe.

``append_rows`` is the path for volume (``seed_scale``'s hundreds of thousands of entries):
entries given as plain column values, never built as model instances, hashed and linked as
``append_sealed`` does it, and written with PostgreSQL's ``COPY`` (on SQLite through
``append_sealed``). Compiling and quoting a multi-row INSERT cost more than half a large
seed's time; ``COPY`` streams the same rows for a fraction of it.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from auditlog.context import auditlog_disabled
from auditlog.diff import model_instance_diff
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, transaction
from django.db.models.signals import pre_save
from django.utils import timezone
from django.utils.encoding import smart_str

from governance.core import audit_hashing
from governance.core.audit_chain import append_sealed, chain_head
from governance.core.models import AuditEntry
from governance.core.models.audit import seal_pending

M = TypeVar("M", bound=models.Model)


def snapshot(obj: M) -> M:
    """A copy of ``obj`` as it is now, to diff against once it has been changed."""
    return copy.copy(obj)


class AuditBatch:
    """Collects one entry per row changed in bulk; ``write()`` appends them to the chain."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def updated(self, old: models.Model, new: models.Model, fields: Iterable[str] | None, *, reason: str = "") -> None:
        """``new`` was written over ``old`` (``fields``: the update's fields, as ``save(update_fields=...)``)."""
        self._add(AuditEntry.Action.UPDATE, new, old, new, fields, reason)

    def created(self, obj: models.Model, *, reason: str = "") -> None:
        self._add(AuditEntry.Action.CREATE, obj, None, obj, None, reason)

    def deleted(self, obj: models.Model, *, reason: str = "") -> None:
        self._add(AuditEntry.Action.DELETE, obj, obj, None, None, reason)

    def write(self) -> int:
        """Append the entries, sealed, to the chain (inside the caller's transaction)."""
        written = append_sealed(self.entries)
        self.entries = []
        return written

    def _add(self, action, instance, old, new, fields, reason: str) -> None:
        if auditlog_disabled.get() or not auditlog.contains(type(instance)):
            return
        changes = model_instance_diff(
            old,
            new,
            fields_to_check=list(fields) if fields is not None else None,
            use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
        )
        if not changes:
            return  # auditlog writes nothing for a save that changed nothing
        additional = instance.get_additional_data() if hasattr(instance, "get_additional_data") else None
        entry = AuditEntry(
            content_type=ContentType.objects.get_for_model(instance),
            object_pk=smart_str(instance.pk),
            object_id=instance.pk if isinstance(instance.pk, int) else None,
            object_repr=smart_str(instance)[:300],
            action=action,
            changes=changes,
            cid=_cid(),
            timestamp=timezone.now(),
            additional_data=additional,
            reason=(reason or audit_hashing.current_reason())[:2000],
        )
        # What the receivers of a single entry's save fill in: auditlog's context gives the actor
        # and the address while a request (or ``acting_as``) is under way, and nothing after it.
        pre_save.send(sender=AuditEntry, instance=entry, raw=False, using="default", update_fields=None)
        # And what AuditEntry.save derives before it writes.
        if isinstance(additional, dict):
            entry.scope = str(additional.get("scope", ""))[:100]
            if isinstance(additional.get("area"), int):
                entry.business_area_id = additional["area"]
        channel = audit_hashing.current_channel()
        if channel:
            entry.additional_data = {**(additional if isinstance(additional, dict) else {}), **channel}
        self.entries.append(entry)


def _cid() -> str | None:
    from auditlog.cid import get_cid

    return get_cid()


# --- volume: entries as column values, written with COPY ----------------------------------

# The columns an entry given to ``append_rows`` may carry (attribute names), and their values when absent.
ROW_DEFAULTS: dict[str, Any] = {
    "object_id": None,
    "actor_id": None,
    "actor_email": None,
    "remote_addr": None,
    "cid": None,
    "scope": "",
    "business_area_id": None,
    "reason": "",
    "additional_data": None,
}
_REQUIRED = ("timestamp", "content_type_id", "object_pk", "object_repr", "action", "changes")
# What COPY writes: the content, the chain's columns, and the columns django-auditlog requires.
_COPIED = (
    *_REQUIRED,
    *ROW_DEFAULTS,
    "changes_text",
    "key_id",
    "content_hash",
    "chain_index",
    "prev_digest",
    "digest",
)
_JSON_COLUMNS = ("changes", "additional_data")


@dataclass
class WriteTimes:
    """Where the time of ``append_rows`` went, summed over calls: for ``seed_scale``'s phase report."""

    entries: int = 0
    hashing: float = 0.0  # canonical text, content hash and link of each entry
    writing: float = 0.0  # COPY (or bulk_create on SQLite)


def append_rows(rows: Sequence[dict[str, Any]], *, using: str = "default", times: WriteTimes | None = None) -> int:
    """Append entries given as column values, sealed into the chain, inside one transaction.

    Each row holds the content columns by attribute name (``timestamp``, ``content_type_id``,
    ``object_pk``, ``object_repr``, ``action``, ``changes`` and any of ``ROW_DEFAULTS``). The
    entries get the hashes and chain positions ``append_sealed`` would give them -- the same
    canonical text, so the verifier cannot tell the paths apart -- under the same sealing lock.
    """
    if not rows:
        return 0
    connection = connections[using]
    if connection.vendor != "postgresql":
        started = time.perf_counter()
        written = append_sealed([AuditEntry(**{**ROW_DEFAULTS, **row}) for row in rows], using)
        if times is not None:
            times.entries += written
            times.writing += time.perf_counter() - started
        return written
    with transaction.atomic(using=using):
        seal_pending(using)  # takes the sealing lock, held to this transaction's end
        started = time.perf_counter()
        index, prev = chain_head(using)
        key_id = audit_hashing.current_key_id()
        records = []
        for row in rows:
            values = {**ROW_DEFAULTS, **row}
            values["action"] = int(values["action"])  # a choice's text is its number; COPY needs the number
            content_hash = audit_hashing.keyed(key_id, _canonical(values))
            index += 1
            digest = audit_hashing.link(key_id, index, content_hash, prev)
            values.update(
                changes_text="",
                key_id=key_id,
                content_hash=content_hash,
                chain_index=index,
                prev_digest=prev,
                digest=digest,
            )
            for name in _JSON_COLUMNS:
                if values[name] is not None:
                    values[name] = json.dumps(values[name], cls=DjangoJSONEncoder, ensure_ascii=False)
            records.append([values[name] for name in _COPIED])
            prev = digest
        hashed = time.perf_counter()
        _copy(connection, records)
        if times is not None:
            times.entries += len(records)
            times.hashing += hashed - started
            times.writing += time.perf_counter() - hashed
    return len(rows)


def _canonical(values: dict[str, Any]) -> str:
    """The entry's canonical text, exactly as ``content_hash_of`` makes it.

    ``canonical`` first normalises JSON values through a dump and a load with Django's
    encoder; for values ``json`` can write unaided (the strings, numbers, lists and dicts
    the seed records) that round trip gives back the same text, so it is skipped, and
    only values that need the encoder take the long way.
    """
    try:
        return audit_hashing.canonical(values, from_database=True)
    except TypeError:
        return audit_hashing.canonical(values)


def _copy(connection, records: list[list[Any]]) -> None:
    """Stream the records into the audit table with COPY, inside the caller's transaction."""
    quote = connection.ops.quote_name
    column_of = {field.attname: field.column for field in AuditEntry._meta.concrete_fields}
    columns = ", ".join(quote(column_of[name]) for name in _COPIED)
    sql = f"COPY {quote(AuditEntry._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for record in records:
            copy.write_row(record)
