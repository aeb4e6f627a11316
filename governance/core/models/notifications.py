"""Outgoing email, recorded before it is sent so that no message goes twice."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    """An email to one person.

    ``dedupe_key`` names the reason for the message (for example
    ``training:42:7:expired``). Its unique constraint is what makes reminder
    tasks idempotent: a second run, a retry or a duplicated delivery finds the
    row already there and sends nothing.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    to_email = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    dedupe_key = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["sent_at", "created_at"], name="notification_pending")]

    def __str__(self) -> str:
        return f"{self.subject} to {self.to_email}"
