"""Sign-in evidence and backup codes."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from governance.models import SecurityEvent, User

BACKUP_CODE_COUNT = 10


def record_event(
    kind: str, *, request: HttpRequest | None = None, user: User | None = None, username: str = ""
) -> SecurityEvent:
    """Append one authentication event with the client's address and browser."""
    meta = request.META if request is not None else {}
    if user is not None and user.pk:
        # Signing in happens before the request has a user: name the person in the audit entry.
        from governance.services.audit import acting_as

        with acting_as(user, remote_addr=meta.get("REMOTE_ADDR")):
            return _create(kind, meta, user, username)
    return _create(kind, meta, user, username)


def _create(kind, meta, user, username) -> SecurityEvent:
    return SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=(username or (user.get_username() if user is not None else ""))[:150],
        ip_address=meta.get("REMOTE_ADDR") or None,
        user_agent=meta.get("HTTP_USER_AGENT", "")[:500],
    )


@transaction.atomic
def issue_backup_codes(user: User, *, request: HttpRequest | None = None) -> list[str]:
    """Replace the user's backup codes with a fresh set and return them (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, defaults={"name": "backup"})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    for code in codes:
        device.token_set.create(token=code)
    record_event(SecurityEvent.Kind.BACKUP_CODES_ISSUED, request=request, user=user)
    return codes
