"""Single sign-on through the department's OpenID Connect provider: what the portal keeps.

A sign-in through the provider is the person's second factor (the provider checked their
token and PIN), held by django-otp as a device of its own so the session is verified the
same way a security key verifies it. The provider's session ids are kept against the
portal's session keys so that its back-channel logout can end the right sessions, and the
logout tokens' ids so that none is accepted twice.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_otp.models import Device


class IdentityProviderDevice(Device):
    """The identity provider as a second factor: it verifies no codes, only sign-ins through it."""

    user: models.ForeignKey[Any, Any] = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The user that this device belongs to.",
    )

    class Meta:
        verbose_name = "identity provider sign-in"

    def verify_token(self, token) -> bool:
        return False


class ProviderSession(models.Model):
    """A portal session opened by a sign-in through the provider, and the provider's session id."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    sid = models.CharField(max_length=255, blank=True)
    # The portal's session key: a credential, so it is kept out of the audit trail (core/audit_registry.py).
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["issuer", "sid"], name="provider_session_sid"),
            models.Index(fields=["issuer", "subject"], name="provider_session_subject"),
        ]

    def __str__(self) -> str:
        return f"Provider session {self.sid or self.subject}"


class LogoutTokenUse(models.Model):
    """A back-channel logout token already acted on (its ``jti``): a replay is refused."""

    issuer = models.CharField(max_length=500)
    jti = models.CharField(max_length=255)
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "jti"], name="logout_token_used_once")]

    def __str__(self) -> str:
        return f"Logout token {self.jti}"


class ProvisionedGroup(models.Model):
    """The identity provider's own id (SCIM ``externalId``, Entra ID: the group's object id) for a portal group."""

    group = models.OneToOneField("auth.Group", on_delete=models.CASCADE, related_name="provisioned")
    external_id = models.CharField(
        max_length=255, unique=True, help_text="The identity provider's id for this group (Entra ID's object id)."
    )

    def __str__(self) -> str:
        return f"Provider group {self.external_id}"
