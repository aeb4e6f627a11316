"""Root URLs. The admin requires a verified second factor like every other page."""

from django.contrib import admin
from django.urls import include, path

from governance.core.admin import PortalAdminSite
from governance.core.views.accounts import logout_view
from governance.operations import views as operations

admin.site.__class__ = PortalAdminSite
admin.site.site_header = "Custodian administration"
admin.site.site_title = "Custodian administration"

urlpatterns = [
    path("account/", include("governance.core.urls")),
    path("account/logout/", logout_view, name="logout"),
    path("account/sso/", include("governance.core.urls_sso")),
    path("admin/", admin.site.urls),
    path("api/", include("governance.api_urls")),
    # SCIM provisioning from the identity provider: a SCIM token only (governance/core/scim_auth.py).
    path("scim/v2/", include("governance.register.scim_views", namespace="scim")),
    # For the load balancer and the metrics scraper: no sign-in (see governance/operations/views.py).
    path("health/live/", operations.liveness, name="health-live"),
    path("health/ready/", operations.readiness, name="health-ready"),
    path("metrics", operations.metrics, name="metrics"),
    path("", include("governance.urls")),
]
