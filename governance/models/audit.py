"""The audit trail's own table.

django-auditlog's entry model, swapped in from the first migration so the trail
can grow fields of its own without a painful swap later.

``scope`` groups the entries of an object with those of its parts (an asset,
its data items, its reviews and its permission rows), so an object's page can
show one timeline with one indexed query. Models opt in with ``AuditScoped``.
"""

from auditlog.models import AbstractLogEntry
from django.db import models


class AuditScoped:
    """Mixin: entries about this object are filed under ``audit_scope()``."""

    def audit_scope(self) -> str:  # pragma: no cover - every user overrides
        raise NotImplementedError

    def get_additional_data(self) -> dict:
        # django-auditlog stores this on each entry; AuditEntry.save copies the scope out.
        return {"scope": self.audit_scope()}


def scope_of(model_label: str, pk) -> str:
    return f"{model_label}:{pk}"


class AuditEntry(AbstractLogEntry):
    scope = models.CharField(max_length=100, blank=True, default="")

    class Meta(AbstractLogEntry.Meta):
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        indexes = [
            # An object's history, newest first: one index range scan.
            models.Index(fields=["content_type", "object_pk", "-timestamp"], name="audit_object_history"),
            models.Index(fields=["scope", "-timestamp"], name="audit_scope_history"),
            models.Index(fields=["actor", "-timestamp"], name="audit_actor_history"),
        ]

    def save(self, *args, **kwargs):
        if not self.scope and isinstance(self.additional_data, dict):
            self.scope = str(self.additional_data.get("scope", ""))[:100]
        super().save(*args, **kwargs)
