"""Bulk writes that still leave the audit trail complete.

``bulk_create`` sends no signals, so django-auditlog records nothing: every helper
here writes the objects and then their CREATE audit entries itself, sealed into
the chain, with the system account as actor. Each run has its own correlation id prefix,
and each ten entries their own id under it (``<run>-<n>``): a real request writes a few
entries under one id, and pages that group the trail by event (the audit explorer, each
record's history) would otherwise treat the whole seed as one event.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from typing import TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from governance.core.audit_chain import append_sealed
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
                made = model._default_manager.bulk_create(chunk, batch_size=self.batch)
                created.extend(made)
                self.entries_written += append_sealed([self._entry(content_type, obj, fields) for obj in made])
        return created

    def create_m2m(self, through: type[models.Model], rows: Sequence[models.Model], describe) -> None:
        """Many-to-many rows, each recorded as an 'add' on the owning object (``describe(row)``
        returns the owner, the field name and the added object's label)."""
        for start in range(0, len(rows), self.batch):
            chunk = rows[start : start + self.batch]
            with transaction.atomic():
                through._default_manager.bulk_create(chunk, batch_size=self.batch)
                entries = []
                for row in chunk:
                    owner, field, label = describe(row)
                    entries.append(
                        AuditEntry(
                            content_type=ContentType.objects.get_for_model(type(owner)),
                            object_pk=str(owner.pk),
                            object_id=owner.pk,
                            object_repr=str(owner)[:300],
                            action=AuditEntry.Action.UPDATE,
                            changes={field: {"type": "m2m", "operation": "add", "objects": [label]}},
                            actor=self.actor,
                            cid=self.next_cid(),
                            timestamp=timezone.now(),
                        )
                    )
                self.entries_written += append_sealed(entries)

    def _entry(self, content_type, obj, fields) -> AuditEntry:
        changes = {}
        for field in fields:
            value = getattr(obj, field.attname)
            if value is None or value == "":
                continue
            changes[field.name] = [None, _text(value)]
        additional = obj.get_additional_data() if hasattr(obj, "get_additional_data") else None
        return AuditEntry(
            content_type=content_type,
            object_pk=str(obj.pk),
            object_id=obj.pk if isinstance(obj.pk, int) else None,
            object_repr=str(obj)[:300],
            action=AuditEntry.Action.CREATE,
            changes=changes,
            actor=self.actor,
            actor_email=self.actor.email or None,
            cid=self.next_cid(),
            timestamp=timezone.now(),
            additional_data=additional or None,
            scope=(additional or {}).get("scope", ""),
            business_area_id=(additional or {}).get("area"),
        )


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
