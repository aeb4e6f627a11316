"""Issuing, checking and revoking API tokens (see ``models/api_tokens.py`` for the format).

Checking a presented token gives one answer, "Invalid token", for a malformed
token, an unknown key, a wrong secret, a revoked token and an inactive owner,
and computes the digest in every case, so neither the message nor the time
taken tells an attacker which part was wrong.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from governance.core.api_token_policy import can_hold_tokens, can_revoke_token
from governance.core.models import ApiToken, SecurityEvent, User
from governance.core.policy import in_group
from governance.core.roles import ADMINISTRATORS
from governance.core.security import has_security_key, record_event, verify_fresh_code, verify_fresh_second_factor
from governance.core.security_keys import must_use_security_key
from governance.core.step_up import signed_in_through_provider

PREFIX = "cus_"
KEY_BYTES = 6  # 12 hex characters: finds the row, not secret
SECRET_BYTES = 30
MAX_LIFETIME_DAYS = 365
LAST_USED_INTERVAL = datetime.timedelta(minutes=1)
INVALID = "Invalid token."
KEY_NEEDED = "Your role requires a security key: add one to your account, then create the token with it."
KEY_NOW_REQUIRED = (
    "This token was made without a security key, which your role now requires: create a new token with your key."
)


class TokenRefused(Exception):
    """The presented token does not authenticate; ``str()`` is the message for the client."""


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str  # shown once, never stored


def digest(secret: str) -> str:
    """HMAC-SHA256 of the secret with the server-side pepper: a stolen table opens nothing."""
    return hmac.new(settings.API_TOKEN_PEPPER.encode(), secret.encode(), hashlib.sha256).hexdigest()


def range_errors(values: list[str]) -> list[str]:
    """What is wrong with the address ranges typed for a token, one message per bad line (none if all good).

    Checked when the token is created and, through the token form, with its other fields.
    """
    try:
        _ranges(values)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def _ranges(values: list[str]) -> list[str]:
    networks, errors = [], []
    for value in values:
        text = value.strip()
        if not text:
            continue
        try:
            networks.append(str(ipaddress.ip_network(text, strict=False)))
        except ValueError:
            errors.append(f"Enter addresses as an address or a range, such as 192.0.2.0/24: “{text}” is neither")
    if errors:
        raise ValidationError({"allowed_ips": errors})
    return networks


def expiry_errors(expires_on: datetime.date | None) -> dict[str, str]:
    """A token expires after today and within its longest lifetime.

    Checked when the token is created and, through the token form, with its own
    fields, so it shows on the first submit; the one-time code is checked only on
    creating, because checking it uses it up.
    """
    if expires_on is None:
        return {}
    today = timezone.localdate()
    if expires_on <= today:
        return {"expires_on": "The expiry date must be in the future"}
    if expires_on > today + datetime.timedelta(days=MAX_LIFETIME_DAYS):
        return {"expires_on": f"A token can last at most {MAX_LIFETIME_DAYS} days"}
    return {}


@transaction.atomic
def create_token(
    user: User,
    *,
    by: User,
    description: str,
    expires_on: datetime.date,
    write_enabled: bool = False,
    allowed_ips: list[str] | None = None,
    code: str = "",
    key_assertion: str = "",
    request: HttpRequest | None = None,
    scim: bool = False,
) -> IssuedToken:
    """Create a token for ``user`` (only by that person, after a fresh second factor).

    The token follows the sign-in rules of its owner's roles: a person with a security
    key confirms with it (a code is not enough), and a person whose role requires a key
    must have one. The token records whether a key confirmed it; ``authenticate``
    refuses a token made without one once its owner's role requires a key.

    A SCIM token (``scim``) provisions people from the identity provider and nothing else;
    only administrators hold one.
    """
    if by.pk != user.pk or not can_hold_tokens(user):
        raise PermissionDenied("People create API tokens only for themselves.")
    if scim and not in_group(user, ADMINISTRATORS):
        raise PermissionDenied("Only administrators create SCIM provisioning tokens.")
    errors: dict[str, list[str]] = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = ["Enter what the token is for"]
    if expires_on is None:
        errors["expires_on"] = ["The expiry date must be in the future"]
    errors.update({field: [message] for field, message in expiry_errors(expires_on).items()})
    try:
        networks = _ranges(allowed_ips or [])
    except ValidationError as exc:
        errors.update(exc.message_dict)
        networks = []
    made_with_key = has_security_key(user)
    if not made_with_key and must_use_security_key(user):
        errors.setdefault(NON_FIELD_ERRORS, []).append(KEY_NEEDED)
    if errors:
        raise ValidationError(errors)
    if made_with_key or signed_in_through_provider(request, user):
        # A key's answer, or a fresh sign-in at the identity provider for this page.
        verify_fresh_second_factor(user, request=request, key_assertion=key_assertion)
    elif not verify_fresh_code(user, code):
        raise ValidationError({"code": ["The code is not right, or was used already. Enter a new code from the app"]})
    key = secrets.token_hex(KEY_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    expires_at = timezone.make_aware(datetime.datetime.combine(expires_on, datetime.time.max))
    token = ApiToken.objects.create(
        user=user,
        description=description[:200],
        key=key,
        token_hash=digest(secret),
        expires_at=expires_at,
        write_enabled=write_enabled or scim,
        allowed_ips=networks,
        made_with_key=made_with_key,
        scim_enabled=scim,
    )
    record_event(SecurityEvent.Kind.API_TOKEN_CREATED, request=request, user=user)
    return IssuedToken(token=token, plaintext=f"{PREFIX}{key}.{secret}")


def _split(raw: str) -> tuple[str, str]:
    if not raw.startswith(PREFIX) or "." not in raw or len(raw) > 200:
        return "", ""
    key, _, secret = raw[len(PREFIX) :].partition(".")
    return key, secret


def authenticate(raw: str, *, address: str | None, request: HttpRequest | None = None) -> ApiToken:
    """The live token ``raw`` names, touched as used; else ``TokenRefused``."""
    key, secret = _split(raw or "")
    token = ApiToken.objects.select_related("user").filter(key=key).first() if key else None
    expected = token.token_hash if token is not None else "0" * 64
    matches = hmac.compare_digest(digest(secret), expected)
    if token is None or not matches or token.is_revoked or not token.user.is_active:
        raise TokenRefused(INVALID)
    now = timezone.now()
    if token.is_expired(now):
        raise TokenRefused("Token expired.")
    if not token.allows_address(address):
        raise TokenRefused("This token may not be used from this address.")
    if not token.made_with_key and must_use_security_key(token.user):
        raise TokenRefused(KEY_NOW_REQUIRED)
    touch(token, address=address, now=now, request=request)
    return token


def touch(token: ApiToken, *, address: str | None, now: datetime.datetime, request: HttpRequest | None = None) -> None:
    """Record use at most once a minute, and at once when the address is new (a security event)."""
    new_address = token.last_used_ip != address
    stale = token.last_used_at is None or now - token.last_used_at >= LAST_USED_INTERVAL
    if not (new_address or stale):
        return
    with transaction.atomic():
        token.last_used_at = now
        token.last_used_ip = address
        token.save(update_fields=["last_used_at", "last_used_ip"])
        if new_address:
            record_event(SecurityEvent.Kind.API_TOKEN_NEW_ADDRESS, request=request, user=token.user)


@transaction.atomic
def revoke_token(token: ApiToken, *, by: User, request: HttpRequest | None = None) -> ApiToken:
    """End a token at once; its owner or an administrator may. Revoking twice changes nothing."""
    if not can_revoke_token(by, token):
        raise PermissionDenied("Only the token's owner or an administrator can revoke it.")
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if token.is_revoked:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = by
    token.save(update_fields=["revoked_at", "revoked_by"])
    record_event(SecurityEvent.Kind.API_TOKEN_REVOKED, request=request, user=token.user)
    return token
