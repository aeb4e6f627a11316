"""Access events: who opened or downloaded restricted data, when, and from where.

The policy requires that "details of accesses to such information are recorded
for auditing and compliance purposes". Changes are already in the audit trail;
this table holds the reads. It is generic on purpose (a content type and a
primary key name the object), so every feature records accesses the same way,
through ``core.access_events.record_access``. Rows are append-only evidence.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .organisation import BusinessArea


class AccessEvent(models.Model):
    """One access to restricted data (a view, a download, an export, a calendar feed read)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="access_events"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=50, help_text="What was done, such as 'download' or 'export'.")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    object_pk = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    business_area = models.ForeignKey(
        BusinessArea, on_delete=models.PROTECT, null=True, blank=True, related_name="access_events"
    )
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-at"], name="access_event_user_at"),
            models.Index(fields=["content_type", "object_pk", "-at"], name="access_event_object_at"),
            models.Index(fields=["-at", "-id"], name="access_event_newest"),
            # A holder's last access to one asset, read per grant by "Your grants" and the access review.
            models.Index(
                fields=["user", "content_type", "object_pk", "-at", "-id"], name="access_event_user_object_at"
            ),
        ]

    def __str__(self) -> str:
        who = self.user or "unknown user"
        what = self.object_repr or "records"
        return f"{self.kind}: {what} by {who} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError("Access events are evidence: they are never changed.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        """The page of the object accessed, where it has one (one query)."""
        if self.content_type_id is None or not self.object_pk:
            return ""
        content_type = self.content_type
        model = content_type.model_class() if content_type is not None else None
        target = model._default_manager.filter(pk=self.object_pk).first() if model else None
        return target.get_absolute_url() if target is not None and hasattr(target, "get_absolute_url") else ""
