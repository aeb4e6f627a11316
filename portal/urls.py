"""Root URLs. The admin requires a verified second factor like every other page."""

from django.contrib import admin
from django.urls import include, path
from two_factor.admin import AdminSiteOTPRequired

from governance.views.accounts import logout_view

admin.site.__class__ = AdminSiteOTPRequired
admin.site.site_header = "Custodian administration"
admin.site.site_title = "Custodian administration"

urlpatterns = [
    path("account/", include("governance.urls_accounts")),
    path("account/logout/", logout_view, name="logout"),
    path("admin/", admin.site.urls),
    path("", include("governance.urls")),
]
