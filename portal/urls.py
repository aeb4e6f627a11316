"""Root URLs. The admin requires a verified second factor like every other page."""

from django.contrib import admin
from django.urls import include, path

from governance.admin import PortalAdminSite
from governance.views import operations
from governance.views.accounts import logout_view

admin.site.__class__ = PortalAdminSite
admin.site.site_header = "Custodian administration"
admin.site.site_title = "Custodian administration"

urlpatterns = [
    path("account/", include("governance.urls_accounts")),
    path("account/logout/", logout_view, name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("governance.api.urls")),
    # For the load balancer and the metrics scraper: no sign-in (see governance/views/operations.py).
    path("health/live/", operations.liveness, name="health-live"),
    path("health/ready/", operations.readiness, name="health-ready"),
    path("metrics", operations.metrics, name="metrics"),
    path("", include("governance.urls")),
]
