"""The audit trail's own table.

django-auditlog's entry model, swapped in from the first migration so the trail
can grow fields of its own (correlation, reasons, a digest chain) without a
painful swap later.
"""

from auditlog.models import AbstractLogEntry
from django.db import models


class AuditEntry(AbstractLogEntry):
    class Meta(AbstractLogEntry.Meta):
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        indexes = [
            # An object's history, newest first: one index range scan.
            models.Index(fields=["content_type", "object_pk", "-timestamp"], name="audit_object_history"),
            models.Index(fields=["actor", "-timestamp"], name="audit_actor_history"),
        ]
