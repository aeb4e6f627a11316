"""``/api/``: the router's endpoints (namespace ``api``), and the schema and its documentation
(namespace ``api-docs``), which are pages: behind sign-in and a verified second factor."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from governance.access import api as access
from governance.contracts import api as contracts
from governance.core import api as audit
from governance.core.views.api_docs import RedocView
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
