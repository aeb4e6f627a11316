"""Audit entries for writes a service makes in bulk, built as django-auditlog builds them for one save.

``QuerySet.update()``, ``bulk_create()`` and a delete by primary keys send no signals, so
django-auditlog records nothing. A service that writes many rows at once (an IAM's bulk
decisions in an access review) collects here, row by row, the entry the one-by-one path
would have written -- the same changes (auditlog's own diff), object, scope, business area,
actor, address, correlation id, channel and reason -- and writes them all sealed into the
chain with ``append_sealed``, in the same transaction as the rows they describe.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import TypeVar

from auditlog.context import auditlog_disabled
from auditlog.diff import model_instance_diff
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import pre_save
from django.utils import timezone
from django.utils.encoding import smart_str

from governance.core import audit_hashing
from governance.core.audit_chain import append_sealed
from governance.core.models import AuditEntry

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
