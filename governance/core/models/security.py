"""Sign-in history kept in the database: the evidence behind layered authentication."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class SecurityEvent(models.Model):
    """One authentication event. Append-only: written by receivers, read-only everywhere else."""

    class Kind(models.TextChoices):
        LOGIN = "login", "Signed in"
        LOGOUT = "logout", "Signed out"
        PASSWORD_FAILED = "password_failed", "Wrong username or password"
        TOKEN_FAILED = "token_failed", "Wrong one-time code"
        LOCKED_OUT = "locked_out", "Locked out after repeated failures"
        ACCOUNT_LOCKED = "account_locked", "Account locked after repeated failures from several addresses"
        DEVICE_ENROLLED = "device_enrolled", "Authenticator app set up"
        BACKUP_CODES_ISSUED = "backup_codes_issued", "Backup codes issued"
        BACKUP_CODE_USED = "backup_code_used", "Backup code used"
        API_TOKEN_CREATED = "api_token_created", "API token created"
        API_TOKEN_NEW_ADDRESS = "api_token_new_address", "API token used from a new address"
        API_TOKEN_REVOKED = "api_token_revoked", "API token revoked"
        KEY_REGISTERED = "key_registered", "Security key added"
        KEY_USED = "key_used", "Security key used"
        KEY_FAILED = "key_failed", "Security key refused"
        KEY_REMOVED = "key_removed", "Security key removed"
        SSO_VERIFIED = "sso_verified", "Signed in through the identity provider"
        SSO_REFUSED = "sso_refused", "Identity provider sign-in refused"
        SSO_LOGGED_OUT = "sso_logged_out", "Signed out by the identity provider"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="security_events"
    )
    username = models.CharField(max_length=150, blank=True, help_text="The name typed, for failed attempts.")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    detail = models.CharField(max_length=300, blank=True, help_text="Why, for refusals: never a token or a secret.")

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "-at"], name="security_event_user_at")]

    def __str__(self) -> str:
        who = self.user or self.username or "unknown user"
        return f"{self.get_kind_display()}: {who} at {self.at:%Y-%m-%d %H:%M}"


class SecurityKeyRequirement(models.Model):
    """A role whose holders must sign in with a security key (the policy's physical token and PIN).

    Administrators keep the list in the admin; every change is audited like any other row.
    A holder of a listed role without a key is sent to register one before any other page
    opens, signs in only with a key once they have one, and cannot remove their last key.
    """

    class Role(models.TextChoices):
        IAM = "iam", "Information Asset Managers"
        DEPUTY_SIRO = "deputy_siro", "Deputy SIROs"
        SIRO = "siro", "The SIRO"
        CHIEF_STATISTICIAN = "chief_statistician", "The Chief Statistician"
        CHIEF_DATA_OFFICER = "cdo", "The Chief Data Officer"
        CHIEF_DIGITAL_INFORMATION_OFFICER = "cdio", "The Chief Digital and Information Officer"
        DISCLOSURE_CONTROL = "disclosure_control", "Disclosure control officers"
        ADMINISTRATORS = "administrators", "Administrators"
        AUDITORS = "auditors", "Auditors"
        CONTRACT_MANAGERS = "contract_managers", "Research contract managers"
        STATISTICIANS = "statisticians", "Statisticians"
        DATA_HANDLERS = "data_handlers", "Data handlers"

    role = models.CharField(max_length=30, choices=Role.choices, unique=True)
    reason = models.CharField(max_length=300, blank=True, help_text="Why this role needs a security key.")
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["role"]
        verbose_name = "role that must use a security key"
        verbose_name_plural = "roles that must use a security key"

    def __str__(self) -> str:
        return self.get_role_display()

    def get_absolute_url(self) -> str:
        return reverse("admin:governance_securitykeyrequirement_change", args=[self.pk])
