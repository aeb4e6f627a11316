"""The API's Redoc page, under the portal's content security policy loosened for that page only.

Redoc injects its styles at run time (styled-components) and builds its search index in a
worker made from a ``blob:`` URL; the portal's policy (``style-src 'self'``, no workers)
blocks both, and the page shows "Something went wrong". This page gets a fresh nonce: the
page's own style and scripts carry it, and so does every style element Redoc adds (its
``nonce`` option, and for those its bundle adds as it loads, a few lines in
``templates/api/redoc.html``); and ``worker-src blob:`` lets the search run. Every other page keeps the
portal's policy unchanged.
"""

from __future__ import annotations

import secrets

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView

from governance.middleware import CONTENT_SECURITY_POLICY


def redoc_policy(nonce: str) -> str:
    """The portal's policy with this page's nonce for scripts and styles and blob: workers."""
    parts = []
    for part in CONTENT_SECURITY_POLICY.split("; "):
        if part.startswith(("script-src ", "style-src ")):
            part = f"{part} 'nonce-{nonce}'"
        parts.append(part)
    parts.append("worker-src blob:")
    return "; ".join(parts)


class RedocView(SpectacularRedocView):
    template_name = "api/redoc.html"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        nonce = secrets.token_urlsafe(18)
        response = super().get(request, *args, **kwargs)
        response.data["nonce"] = nonce
        response["Content-Security-Policy"] = redoc_policy(nonce)
        return response
