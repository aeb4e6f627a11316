"""The API's permission checks: the token's scope, then the page's own policy rule."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from governance.core.models import ApiToken


class TokenWriteScope(BasePermission):
    """A token without the write flag can only read, whatever its owner may do."""

    message = "This token is read-only: create a token with write access to change records."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        token = request.auth
        return not isinstance(token, ApiToken) or token.write_enabled


class Policy(BasePermission):
    """The viewset's declared rule from a domain's ``policy.py``, as ``permission(user)``.

    Object-level rules are the querysets (restricted by the same functions the
    pages use) and the services (which check again when they write).
    """

    message = "You do not have permission to use this part of the API."

    def has_permission(self, request, view) -> bool:
        rule = getattr(type(view), "permission", None)
        if rule is None:
            raise NotImplementedError(f"{type(view).__name__} declares no permission rule")
        return bool(rule(request.user))
