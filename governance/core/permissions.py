"""One place to refuse, and one object-permission checker per user.

Guardian's ``user.has_perm(perm, obj)`` builds a new checker (two queries) on
every call; a page that asks about the same asset three times paid six. The
checker here is cached on the user object for the request, so each object
costs its queries once.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from guardian.core import ObjectPermissionChecker

from governance.core.policy import FACTS_ATTR, has_model_perm


def require(user, perm: str, obj=None, *, message: str | None = None) -> None:
    """Raise ``PermissionDenied`` unless ``user`` holds ``perm`` (globally, or on ``obj``).

    The system account (scheduled work) is trusted: it acts only through code.
    """
    if getattr(user, "is_system", False):
        return
    if not (
        user
        and user.is_active
        and (has_model_perm(user, perm) or (obj is not None and has_object_perm(user, perm, obj)))
    ):
        raise PermissionDenied(message or "You do not have permission to do that.")


def is_system(user) -> bool:
    """The system account, which scheduled work and commands act as: trusted, it acts only through code."""
    return bool(getattr(user, "is_system", False))


def refuse_unless(allowed: bool, message: str) -> None:
    """Raise ``PermissionDenied`` with ``message`` unless a policy predicate allowed the action.

    Services ask their domain's policy (the same predicate their view declares) and refuse
    through this, so a refusal reads the same from a page, the API, a task or a command.
    """
    if not allowed:
        raise PermissionDenied(message)


def object_checker(user) -> ObjectPermissionChecker:
    checker = getattr(user, "_object_checker", None)
    if checker is None:
        checker = ObjectPermissionChecker(user)
        user._object_checker = checker
    return checker


def has_object_perm(user, perm: str, obj) -> bool:
    """Whether ``user`` holds ``perm`` ('app.codename' or 'codename') on ``obj`` itself."""
    if obj is None or not user.is_authenticated or not user.is_active:
        return False
    return object_checker(user).has_perm(perm.split(".", 1)[-1], obj)


def forget_permissions(*users) -> None:
    """Drop cached permissions after a service changed them, so later checks see the change."""
    for user in users:
        if user is None:
            continue
        for attr in (FACTS_ATTR, "_object_checker", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
            user.__dict__.pop(attr, None)
