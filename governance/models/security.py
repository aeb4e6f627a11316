"""Sign-in history kept in the database: the evidence behind layered authentication."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class SecurityEvent(models.Model):
    """One authentication event. Append-only: written by receivers, read-only everywhere else."""

    class Kind(models.TextChoices):
        LOGIN = "login", "Signed in"
        LOGOUT = "logout", "Signed out"
        PASSWORD_FAILED = "password_failed", "Wrong username or password"
        TOKEN_FAILED = "token_failed", "Wrong one-time code"
        LOCKED_OUT = "locked_out", "Locked out after repeated failures"
        DEVICE_ENROLLED = "device_enrolled", "Authenticator app set up"
        BACKUP_CODES_ISSUED = "backup_codes_issued", "Backup codes issued"
        BACKUP_CODE_USED = "backup_code_used", "Backup code used"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="security_events"
    )
    username = models.CharField(max_length=150, blank=True, help_text="The name typed, for failed attempts.")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "-at"], name="security_event_user_at")]

    def __str__(self) -> str:
        who = self.user or self.username or "unknown user"
        return f"{self.get_kind_display()}: {who} at {self.at:%Y-%m-%d %H:%M}"
