"""Who is calling: a personal API token, or a session that verified a second factor."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from governance.core.api_tokens import TokenRefused, authenticate

SCHEMES = (b"bearer", b"token")


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer cus_<key>.<secret>`` (``Token`` is accepted too)."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in SCHEMES:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token.")
        try:
            raw = header[1].decode("ascii")
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        try:
            token = authenticate(raw, address=request.META.get("REMOTE_ADDR"), request=request._request)
        except TokenRefused as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        if token.scim_enabled:  # a provisioning token opens SCIM only (governance/core/scim_auth.py)
            raise exceptions.AuthenticationFailed("This token is for SCIM provisioning only.")
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """A browser session, only once it has verified a second factor (and with CSRF checks on writes).

    The second-factor middleware lets API requests through to be answered in JSON,
    so this check is what keeps a password-only session out.
    """

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, auth = result
        if not user.is_verified():
            return None
        return user, auth


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "cus_<key>.<secret>"}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = VerifiedSessionAuthentication
    name = "sessionAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
