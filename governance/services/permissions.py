"""One place to refuse: services call ``require`` before they write."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


def require(user, perm: str, obj=None, *, message: str | None = None) -> None:
    """Raise ``PermissionDenied`` unless ``user`` holds ``perm`` (globally, or on ``obj``).

    The system account (scheduled work) is trusted: it acts only through code.
    """
    if getattr(user, "is_system", False):
        return
    if not (user and user.is_active and (user.has_perm(perm) or (obj is not None and user.has_perm(perm, obj)))):
        raise PermissionDenied(message or "You do not have permission to do that.")
