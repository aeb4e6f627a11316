"""Security keys: which roles must use one, and registering and removing a person's keys.

The policy's layered authentication is a physical token, a password and a PIN. Roles
listed in ``SecurityKeyRequirement`` (kept by administrators) must sign in with a key;
everyone else may add one, and then signs in with it by default.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django_otp_webauthn.models import WebAuthnCredential

from governance.core.models import SecurityEvent, SecurityKeyRequirement, User
from governance.core.policy import can_remove_security_key, holds_office, in_group
from governance.core.roles import (
    ADMINISTRATORS,
    AUDITORS,
    CONTRACT_MANAGERS,
    DISCLOSURE_CONTROL,
    STATISTICIANS,
)
from governance.core.security import record_event, verify_fresh_second_factor
from governance.core.webauthn import KeyRefused, complete_registration

Role = SecurityKeyRequirement.Role
# Keyed by role; a role's value (as stored) finds the same entry.
OFFICES: dict[str, str] = {
    Role.SIRO: "siro",
    Role.CHIEF_STATISTICIAN: "chief_statistician",
    Role.CHIEF_DATA_OFFICER: "cdo",
    Role.CHIEF_DIGITAL_INFORMATION_OFFICER: "cdio",
}
GROUPS: dict[str, str] = {
    Role.ADMINISTRATORS: ADMINISTRATORS,
    Role.AUDITORS: AUDITORS,
    Role.CONTRACT_MANAGERS: CONTRACT_MANAGERS,
    Role.DISCLOSURE_CONTROL: DISCLOSURE_CONTROL,
    Role.STATISTICIANS: STATISTICIANS,
}
NAME_MAX = 64
LAST_KEY_REFUSAL = "You cannot remove your last security key: your role requires one. Add another key first."
REGISTRATION_REFUSED = (
    "Your security key was not added. Use a FIDO2 security key that has a PIN set, enter the PIN "
    "when asked, and do not register the same key twice"
)


def holds_role(user: User, role: str) -> bool:
    """Whether ``user`` holds ``role`` now, read from the records that hold each role."""
    if not user.is_authenticated:
        return False
    if role == Role.IAM:
        return user.managed_assets.exists()
    if role == Role.DEPUTY_SIRO:
        return user.deputy_siro_of.exists()
    if role == Role.DATA_HANDLERS:
        return bool(user.is_data_handler)
    if role in OFFICES:
        return holds_office(user, OFFICES[role])
    if role in GROUPS:
        return in_group(user, GROUPS[role])
    return False


def roles_requiring_key(user: User) -> list[str]:
    """The labels of the user's roles that administrators say must use a security key."""
    required = SecurityKeyRequirement.objects.values_list("role", flat=True)
    return [Role(role).label for role in required if holds_role(user, role)]


def must_use_security_key(user: User) -> bool:
    return bool(roles_requiring_key(user))


def keys_for(user: User):
    """The person's keys, newest first (name, added, last used)."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("-created_at", "-pk")


def clean_key_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Enter a name for the key, for example Blue key on my keyring"})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"The name must be {NAME_MAX} characters or fewer"})
    return name


def register_key(user: User, *, request: HttpRequest, name: str, answer: str) -> WebAuthnCredential:
    """Add the key the browser has just created (PIN verified), under the name given."""
    name = clean_key_name(name)
    if not user.is_verified():
        raise PermissionDenied("Verify your second factor before adding a security key.")
    try:
        with transaction.atomic():
            device = complete_registration(request, user, answer, name)
            record_event(SecurityEvent.Kind.KEY_REGISTERED, request=request, user=user)
    except KeyRefused:
        record_event(SecurityEvent.Kind.KEY_FAILED, request=request, user=user)
        raise ValidationError({"key_registration": REGISTRATION_REFUSED}) from None
    return device


def remove_key(
    key: WebAuthnCredential, *, by: User, request: HttpRequest, token: str = "", key_assertion: str = ""
) -> None:
    """Remove one of the person's keys after a fresh verification; never the last one a role requires."""
    if not can_remove_security_key(by, key):
        raise PermissionDenied("You can only remove your own security keys.")
    if must_use_security_key(by) and keys_for(by).exclude(pk=key.pk).count() == 0:
        raise ValidationError(LAST_KEY_REFUSAL)
    verify_fresh_second_factor(by, request=request, token=token, key_assertion=key_assertion)
    with transaction.atomic():
        locked = WebAuthnCredential.objects.select_for_update().filter(pk=key.pk, user=by).first()
        if locked is None:
            raise ValidationError("That key has already been removed.")
        if must_use_security_key(by) and keys_for(by).exclude(pk=key.pk).count() == 0:
            raise ValidationError(LAST_KEY_REFUSAL)
        locked.delete()
        record_event(SecurityEvent.Kind.KEY_REMOVED, request=request, user=by)
