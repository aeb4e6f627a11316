"""Bulk writes that still leave the audit trail complete.

``bulk_create`` sends no signals, so django-auditlog records nothing: every helper
here writes the objects and then their CREATE audit entries itself, sealed into
the chain, with the system account as actor (as plain column values, written with COPY on
PostgreSQL by ``governance.core.audit_bulk.append_rows``). Each run has its own correlation id prefix,
and each ten entries their own id under it (``<run>-<n>``): a real request writes a few
entries under one id, and pages that group the trail by event (the audit explorer, each
record's history) would otherwise treat the whole seed as one event.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, transaction
from django.db.models.fields import NOT_PROVIDED, AutoFieldMixin
from django.utils import timezone

from governance.core.audit_bulk import WriteTimes, append_rows
from governance.core.models import AuditEntry

M = TypeVar("M", bound=models.Model)
EVENT_SIZE = 10  # audit entries a seeded "event" (correlation id) holds


class AuditedBulk:
    """Creates objects in batches and writes one CREATE audit entry for each."""

    def __init__(self, actor, cid: str, batch: int = 5000):
        self.actor = actor
        self.cid = cid
        self.batch = batch
        self.entries_written = 0
        self.rows_written = 0  # the objects' own rows (and many-to-many rows)
        self.times = WriteTimes()  # where the audit entries' time went
        self._sequence = 0

    def next_cid(self) -> str:
        """The correlation id of the next entry: a new one every ``EVENT_SIZE`` entries."""
        cid = f"{self.cid}-{self._sequence // EVENT_SIZE}"
        self._sequence += 1
        return cid

    def create(self, model: type[M], objects: Sequence[M]) -> list[M]:
        created: list[M] = []
        content_type = ContentType.objects.get_for_model(model)
        fields = [f for f in model._meta.concrete_fields if f.name not in ("password", "last_login")]
        for start in range(0, len(objects), self.batch):
            chunk = objects[start : start + self.batch]
            with transaction.atomic():
                made = insert(model, chunk, self.batch)
                created.extend(made)
                self.rows_written += len(made)
                self.write_entries([self._entry(content_type, obj, fields) for obj in made])
        return created

    def write_entries(self, rows: Sequence[dict[str, Any]]) -> int:
        """Append audit entries given as column values (see ``append_rows``), sealed into the chain."""
        written = append_rows(rows, times=self.times)
        self.entries_written += written
        return written

    def entry(self, content_type: ContentType, obj: models.Model, action: int, changes: dict) -> dict[str, Any]:
        """An entry about ``obj`` by the seed's actor, under the next correlation id."""
        return {
            "content_type_id": content_type.pk,
            "object_pk": str(obj.pk),
            "object_id": obj.pk if isinstance(obj.pk, int) else None,
            "object_repr": str(obj)[:300],
            "action": action,
            "changes": changes,
            "actor_id": self.actor.pk,
            "cid": self.next_cid(),
            "timestamp": timezone.now(),
        }

    def create_m2m(self, through: type[models.Model], rows: Sequence[models.Model], describe) -> None:
        """Many-to-many rows, each recorded as an 'add' on the owning object (``describe(row)``
        returns the owner, the field name and the added object's label)."""
        for start in range(0, len(rows), self.batch):
            chunk = rows[start : start + self.batch]
            with transaction.atomic():
                insert(through, chunk, self.batch)
                self.rows_written += len(chunk)
                entries = []
                for row in chunk:
                    owner, field, label = describe(row)
                    entries.append(
                        self.entry(
                            ContentType.objects.get_for_model(type(owner)),
                            owner,
                            AuditEntry.Action.UPDATE,
                            {field: {"type": "m2m", "operation": "add", "objects": [label]}},
                        )
                    )
                self.write_entries(entries)

    def _entry(self, content_type, obj, fields) -> dict[str, Any]:
        changes = {}
        for field in fields:
            value = getattr(obj, field.attname)
            if value is None or value == "":
                continue
            changes[field.name] = [None, _text(value)]
        additional = obj.get_additional_data() if hasattr(obj, "get_additional_data") else None
        entry = self.entry(content_type, obj, AuditEntry.Action.CREATE, changes)
        entry.update(
            actor_email=self.actor.email or None,
            additional_data=additional or None,
            scope=(additional or {}).get("scope", ""),
            business_area_id=(additional or {}).get("area"),
        )
        return entry


def insert(model: type[M], objects: Sequence[M], batch: int, using: str = "default") -> list[M]:
    """``bulk_create``, with COPY on PostgreSQL for the plain tables the seed fills.

    The objects get their ids from the table's sequence first (as the INSERT would have
    given them), then every row is streamed in one COPY: the values are those
    ``bulk_create`` would send (each field's ``pre_save`` and database preparation), without
    compiling and quoting a multi-row INSERT. Tables COPY cannot fill the same way (inherited
    models, database defaults, generated columns, keys the database does not number) keep
    ``bulk_create``.
    """
    connection = connections[using]
    if not objects:
        return []
    if connection.vendor != "postgresql" or not _copyable(model):
        return model._default_manager.using(using).bulk_create(objects, batch_size=batch)
    opts = model._meta
    fields = opts.concrete_fields
    for obj in objects:
        # bulk_create's own check (a related object saved, its key copied); private, so not in the stubs.
        obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
    unnumbered = [obj for obj in objects if obj.pk is None]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if unnumbered:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(opts.db_table), opts.pk.column, len(unnumbered)],
            )
            for obj, (pk,) in zip(unnumbered, sorted(cursor.fetchall()), strict=True):
                obj.pk = pk
        columns = ", ".join(quote(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
    for obj in objects:
        obj._state.adding = False
        obj._state.db = using
    return list(objects)


def _copyable(model: type[models.Model]) -> bool:
    opts = model._meta
    if opts.parents or not isinstance(opts.pk, AutoFieldMixin):
        return False
    return all(f.db_default is NOT_PROVIDED and not f.generated for f in opts.concrete_fields)


def _text(value) -> str | int | bool:
    if isinstance(value, bool | int):
        return value
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, cls=DjangoJSONEncoder)
    return str(value)


def chunked(items: Iterable, size: int):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
