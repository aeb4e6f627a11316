"""A record of each access to restricted data: who, what, when, from where."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class AccessEvent(models.Model):
    """One view or download of restricted data (append-only)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_events", null=True, blank=True
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=50, help_text="What was done, for example 'extract downloaded'.")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_pk = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    business_area = models.ForeignKey(
        "governance.BusinessArea", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-at"], name="access_event_user_at"),
            models.Index(fields=["content_type", "object_pk", "-at"], name="access_event_object_at"),
            models.Index(fields=["-at", "-id"], name="access_event_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.object_repr} at {timezone.localtime(self.at):%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return f"{reverse('access:register')}?user={self.user_id or ''}"
