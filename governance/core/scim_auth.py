"""Who may provision people over SCIM: a live API token marked for SCIM, and nothing else.

django-scim2's own check lets in anyone signed in; this replaces it (``AUTH_CHECK_MIDDLEWARE``).
A session, an ordinary API token, a revoked or expired token or a wrong secret are all
refused with the same SCIM error. Every change made with the token is audited with its
owner as the actor and the token's key as the channel.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from governance.core.api_tokens import TokenRefused, authenticate
from governance.core.audit import acting_as
from governance.core.audit_hashing import through_channel

SCIM_CONTENT_TYPE = "application/scim+json"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


def scim_error(status: int, detail: str) -> HttpResponse:
    body = {"schemas": [ERROR_SCHEMA], "detail": detail, "status": str(status)}
    response = HttpResponse(json.dumps(body), status=status, content_type=SCIM_CONTENT_TYPE)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="scim"'
    return response


class ScimTokenCheck:
    """Wraps each SCIM view: ``Authorization: Bearer cus_<key>.<secret>`` of a SCIM token."""

    def __init__(self, get_response: Callable[..., HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        scheme, _, raw = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            return scim_error(401, "Authenticate with a SCIM provisioning token.")
        address = request.META.get("REMOTE_ADDR")
        try:
            token = authenticate(raw.strip(), address=address, request=request)
        except TokenRefused as refusal:
            return scim_error(401, str(refusal))
        if not token.scim_enabled:
            return scim_error(403, "This token may not provision people.")
        request.user = token.user
        with acting_as(token.user, remote_addr=address), through_channel({"via": "scim", "api_token": token.key}):
            return self.get_response(request, *args, **kwargs)
