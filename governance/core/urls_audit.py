"""The audit trail's pages."""

from django.urls import include, path

from governance.core.views import audit

audit_patterns = (
    [
        path("", audit.AuditExplorerView.as_view(), name="explorer"),
        path("verifications/", audit.VerificationListView.as_view(), name="verifications"),
    ],
    "audit",
)

urlpatterns = [
    path("audit/", include(audit_patterns)),
]
