"""Single sign-on through the department's identity provider (governance/core/sso.py)."""

from django.urls import path

from governance.core.views import sso

app_name = "sso"

urlpatterns = [
    path("start/", sso.ProviderSignInView.as_view(), name="start"),
    path("callback/", sso.ProviderCallbackView.as_view(), name="callback"),
    path("step-up/", sso.ProviderStepUpView.as_view(), name="step_up"),
    path("back-channel-logout/", sso.back_channel_logout, name="back_channel_logout"),
]
