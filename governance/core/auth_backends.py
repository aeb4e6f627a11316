"""Rules placed before the password check: the lockouts, and passwords for break-glass accounts only.

A sign-in refused because of a lock is still checked against the password, only to
know how to count it: a wrong password is a failure like any other, the right one is
not (otherwise the owner's own tries, or anyone's, would keep the account locked for
ever). The answer is the same lockout page either way.
"""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from governance.core.security import is_account_locked

KNEW_CREDENTIALS_WHILE_LOCKED = "custodian_knew_credentials_while_locked"
ACCOUNT_LOCK_REFUSAL = "custodian_account_lock_refusal"


def note_password_while_locked(request: HttpRequest | None, username: str | None, password: str | None) -> None:
    """Mark ``request`` when the refused attempt gave the account's right password."""
    if request is None or not username or password is None:
        return
    right = ModelBackend().authenticate(None, username=username, password=password) is not None
    setattr(request, KNEW_CREDENTIALS_WHILE_LOCKED, right)


def gave_right_password_while_locked(request: HttpRequest | None) -> bool:
    return bool(getattr(request, KNEW_CREDENTIALS_WHILE_LOCKED, False))


def refused_by_account_lock(request: HttpRequest | None) -> bool:
    """Whether the account-wide lock (not django-axes' per-address one) refused this attempt."""
    return bool(getattr(request, ACCOUNT_LOCK_REFUSAL, False))


class LockoutAxesBackend(AxesStandaloneBackend):
    """django-axes' lock on an account and address, noting whether a refused attempt had the right password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        try:
            return super().authenticate(request, username, password, **kwargs)
        except AxesBackendPermissionDenied:
            note_password_while_locked(request, username, password)
            raise


class AccountLockoutBackend:
    """Refuse any sign-in to an account locked for failures from several addresses, right password or not.

    Raising ``PermissionDenied`` stops Django trying the later backends (the password
    check). Marking the request as axes does lets its middleware show the same
    lockout page as the per-address lock. It has no ``get_user``: it never signs
    anyone in, so sessions (and the test client's ``force_login``) never name it.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and is_account_locked(username):
            note_password_while_locked(request, username, password)
            if request is not None:
                request.axes_locked_out = True
                setattr(request, ACCOUNT_LOCK_REFUSAL, True)
                request.axes_credentials = {"username": username}
            raise PermissionDenied("This account is locked after repeated failed sign-ins.")
        return None


class LocalSignInBackend:
    """With ``LOCAL_SIGN_IN_FOR_EVERYONE`` off, refuse passwords to all but break-glass accounts.

    Break-glass accounts are superusers: the few administrators who must still get in when
    the identity provider cannot be reached. Everyone else signs in through the provider.
    Like the lockout, it raises ``PermissionDenied`` to stop the password check.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if settings.LOCAL_SIGN_IN_FOR_EVERYONE or not username:
            return None
        model = get_user_model()
        if model.objects.filter(username__iexact=username, is_superuser=True, is_active=True).exists():
            return None
        raise PermissionDenied("Sign in through the identity provider.")
