"""Pruning what single sign-on keeps for back-channel logout once it can no longer matter.

A ``ProviderSession`` row links the provider's session id to a portal session so that the
provider's logout can end it; once that portal session has ended (signed out, idle
timeout, or removed by ``clearsessions``) the row points at nothing. A ``LogoutTokenUse``
row refuses a replayed logout token; once the token is too old to be accepted at all
(``sso.decode`` refuses tokens issued longer ago than ``OIDC_ID_TOKEN_MAX_AGE_SECONDS``) the
row guards nothing. Both are deleted row by row, so each deletion is in the audit trail,
with the reason, as the system account when run by the task.
"""

from __future__ import annotations

import datetime
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from governance.core.audit_hashing import reason
from governance.core.models import LogoutTokenUse, ProviderSession

# A logout token's row is kept a day past the oldest token that could still be accepted.
LOGOUT_TOKEN_MARGIN = datetime.timedelta(days=1)


def _session_ended(row: ProviderSession) -> bool:
    """Whether the portal session the row names has ended: gone, expired, or someone else's."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=row.session_key)
    data = store.load()  # an expired or missing session loads as empty
    return data.get("_auth_user_id") != str(row.user_id)


def prune_provider_sessions(now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete the rows for ended portal sessions and for logout tokens too old to replay; return the counts.

    A row younger than the session lifetime is left alone: its session may not be saved yet
    (the sign-in saves it as the response goes out).
    """
    now = now or timezone.now()
    sessions = 0
    settled = now - datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with reason("Single sign-on session ended: its back-channel logout link is no longer needed"):
        for row in ProviderSession.objects.filter(created_at__lt=settled).order_by("pk").iterator():
            if not _session_ended(row):
                continue
            with transaction.atomic():
                # A back-channel logout may have deleted it meanwhile: delete (and audit) it once.
                locked = ProviderSession.objects.select_for_update().filter(pk=row.pk).first()
                if locked is None:
                    continue
                locked.delete()
            sessions += 1
    tokens = 0
    too_old = now - datetime.timedelta(
        seconds=settings.OIDC_ID_TOKEN_MAX_AGE_SECONDS + settings.OIDC_CLOCK_SKEW_SECONDS
    )
    with reason("Logout token too old to be accepted again: its replay guard is no longer needed"):
        for use in LogoutTokenUse.objects.filter(used_at__lt=too_old - LOGOUT_TOKEN_MARGIN).order_by("pk").iterator():
            with transaction.atomic():
                use.delete()
            tokens += 1
    return {"provider_sessions": sessions, "logout_tokens": tokens}
