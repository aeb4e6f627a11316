"""The app's pages: each domain lists its own in ``<domain>/urls.py``.

Account (sign-in and second factor) URLs are the core's ``urls`` module, included by the root.
"""

from django.urls import include, path

from governance.home import views as home

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("about/", home.AboutView.as_view(), name="about"),
    path("accessibility/", home.AccessibilityStatementView.as_view(), name="accessibility"),
    path("", include("governance.register.urls")),
    path("", include("governance.training.urls")),
    path("", include("governance.access.urls")),
    path("", include("governance.core.urls_audit")),
    path("", include("governance.contracts.urls")),
    path("", include("governance.incidents.urls")),
    path("", include("governance.privacy.urls")),
    path("", include("governance.outputs.urls")),
    path("", include("governance.assurance.urls")),
    path("", include("governance.releases.urls")),
    path("", include("governance.search.urls")),
]
