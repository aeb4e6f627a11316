"""``/api/``: the router's endpoints (namespace ``api``), and the schema and its documentation
(namespace ``api-docs``), which are pages: behind sign-in and a verified second factor."""

from __future__ import annotations

import secrets

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from governance.access import api as access
from governance.contracts import api as contracts
from governance.core import api as audit
from governance.middleware import CONTENT_SECURITY_POLICY
from governance.register.api import assets as register
from governance.register.api import people
from governance.releases import api as releases
from governance.training import api as training

router = DefaultRouter()
router.register("assets", register.AssetViewSet, basename="asset")
router.register("data-items", register.DataItemViewSet, basename="data-item")
router.register("people", people.PersonViewSet, basename="person")
router.register("courses", training.CourseViewSet, basename="course")
router.register("training/status", training.TrainingStatusViewSet, basename="training-status")
router.register("training/sign-offs", training.SignOffViewSet, basename="sign-off")
router.register("access-requests", access.AccessRequestViewSet, basename="access-request")
router.register("grants", access.GrantViewSet, basename="grant")
router.register("access-events", access.AccessEventViewSet, basename="access-event")
router.register("contracts", contracts.ContractViewSet, basename="contract")
router.register("releases", releases.ReleaseViewSet, basename="release")
router.register("audit/entries", audit.AuditEntryViewSet, basename="audit-entry")
router.register("audit/verifications", audit.VerificationViewSet, basename="audit-verification")


# The API's Redoc page, under the portal's content security policy loosened for that page only.
# Redoc injects its styles at run time (styled-components) and builds its search index in a
# worker made from a ``blob:`` URL; the portal's policy (``style-src 'self'``, no workers)
# blocks both, and the page shows "Something went wrong". This page gets a fresh nonce: the
# one inline script that starts Redoc and every style element Redoc writes carry it (Redoc's
# ``nonce`` option), and ``worker-src blob:`` lets the search run. Every other page keeps the
# portal's policy unchanged.


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

    def get(self, request, *args, **kwargs):
        nonce = secrets.token_urlsafe(18)
        response = super().get(request, *args, **kwargs)
        response.data["nonce"] = nonce
        response["Content-Security-Policy"] = redoc_policy(nonce)
        return response


def page(view):
    """A page, not an endpoint: REST framework marks its views login_not_required; undo that,
    so the sign-in and second-factor middleware guard the schema and its documentation."""
    view.login_required = True
    return view


docs_patterns = (
    [
        path("schema/", page(SpectacularAPIView.as_view()), name="schema"),
        path("docs/", page(SpectacularSwaggerSplitView.as_view(url_name="api-docs:schema")), name="swagger"),
        path("redoc/", page(RedocView.as_view(url_name="api-docs:schema")), name="redoc"),
    ],
    "api-docs",
)

urlpatterns = [
    path("", include(docs_patterns)),
    path("", include((router.urls, "api"))),
]
