"""API tokens: how departmental systems call the portal's API on a person's behalf.

Modelled on NetBox's v2 tokens. A token is presented as ``cus_<key>.<secret>``:
the short ``key`` finds the row, and only a keyed digest (HMAC-SHA256 with a
server-side pepper) of the secret is stored, so a copy of the database opens
nothing. The security fields (owner, key, digest, expiry, write flag, address
ranges) are fixed at creation: a token that needs different powers is a new
token, so what an audit entry says a token could do stays true.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

SECURITY_FIELDS = ("user_id", "key", "token_hash", "expires_at", "write_enabled", "allowed_ips", "scim_enabled")


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    description = models.CharField(max_length=200, help_text="What the token is for, such as the system that uses it.")
    key = models.CharField(max_length=16, unique=True, editable=False)
    # token_hash is kept out of the audit trail by AUDITLOG_EXCLUDE_TRACKING_FIELDS.
    token_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    write_enabled = models.BooleanField(default=False, help_text="Without it the token can only read.")
    made_with_key = models.BooleanField(
        default=False,
        editable=False,
        help_text="Whether its owner confirmed its making with a security key: a role that requires a key "
        "accepts only such tokens.",
    )
    scim_enabled = models.BooleanField(
        "SCIM provisioning",
        default=False,
        help_text="For the identity provider's SCIM provisioning of people only; refused by the rest of the API.",
    )
    allowed_ips = models.JSONField(
        default=list, blank=True, help_text="Address ranges (CIDR) the token may be used from; empty for any."
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API token"
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_user_created")]

    def __str__(self) -> str:
        return f"API token {self.key} ({self.description})"

    def save(self, *args, **kwargs):
        loaded = getattr(self, "_security_values", None)
        current = self._security_snapshot()
        if loaded is not None and any(current.get(name, value) != value for name, value in loaded.items()):
            raise ValueError("A token's owner, key, digest, expiry, write flag and address ranges are fixed.")
        super().save(*args, **kwargs)
        self._security_values = self._security_snapshot()

    def get_absolute_url(self) -> str:
        return reverse("two_factor:profile")

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._security_values = instance._security_snapshot()
        return instance

    def _security_snapshot(self) -> dict:
        # From __dict__, not getattr: reading a deferred field here would load it (and recurse).
        return {name: self.__dict__[name] for name in SECURITY_FIELDS if name in self.__dict__}

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    def is_live(self, now=None) -> bool:
        return not self.is_revoked and not self.is_expired(now)

    def allows_address(self, address: str | None) -> bool:
        """True when no ranges are set, or ``address`` falls inside one of them."""
        if not self.allowed_ips:
            return True
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(net, strict=False) for net in self.allowed_ips)
