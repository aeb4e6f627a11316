"""The account-wide lockout, as an authentication backend placed before the password check."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from governance.core.security import is_account_locked


class AccountLockoutBackend:
    """Refuse any sign-in to an account locked for failures from several addresses, right password or not.

    Raising ``PermissionDenied`` stops Django trying the later backends (the password
    check). Marking the request as axes does lets its middleware show the same
    lockout page as the per-address lock. It has no ``get_user``: it never signs
    anyone in, so sessions (and the test client's ``force_login``) never name it.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and is_account_locked(username):
            if request is not None:
                request.axes_locked_out = True
                request.axes_credentials = {"username": username}
            raise PermissionDenied("This account is locked after repeated failed sign-ins.")
        return None
