"""Single sign-on pages: off to the provider, back from it, and its back-channel logout.

All three open without a portal session (they are how one starts or ends) and answer 404
while single sign-on is not configured.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from governance.core import sso


@method_decorator([login_not_required, never_cache], name="dispatch")
class ProviderSignInView(OIDCAuthenticationRequestView):
    """Send the person to the provider: code flow with PKCE, state and nonce; ``?fresh=1`` asks for a new sign-in."""

    def __init__(self, **kwargs):
        # The library reads the provider's endpoints here; they are read when the page is asked for.
        self.kwargs = kwargs

    @staticmethod
    def get_settings(attr, *args):
        return sso.provider_setting(attr, *args)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso.enabled():
            raise Http404("Single sign-on is not configured.")
        self.OIDC_OP_AUTH_ENDPOINT = sso.provider_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        response = super().get(request)
        if self.fresh(request):
            sso.remember_fresh_request(request, response["Location"])
        return response

    @staticmethod
    def fresh(request: HttpRequest) -> bool:
        return request.GET.get("fresh") == "1"

    def get_extra_params(self, request: HttpRequest) -> dict:
        return {"max_age": 0, "prompt": "login"} if self.fresh(request) else {}


@method_decorator([login_not_required, never_cache], name="dispatch")
class ProviderCallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider: the backend checks everything; this page signs in or explains the refusal."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso.enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            return super().get(request)
        except SuspiciousOperation:  # a state this browser never sent (or sent and used)
            sso.refuse(request, sso.SignInRefused("the answer's state is not one this browser is waiting for"))
            return self.login_failure()

    def login_failure(self) -> HttpResponse:
        request = self.request
        refusal = getattr(request, "sso_refusal", None)
        if refusal is None:
            error = "".join(ch for ch in request.GET.get("error", "")[:60] if ch.isalnum() or ch == "_")
            what = f"the provider answered {error}" if error else "no sign-in was in progress"
            refusal = sso.SignInRefused(what)
            sso.refuse(request, refusal)
        return render(
            request,
            "accounts/sso_refused.html",
            {"message": refusal.message_for_person(), "provider_name": settings.OIDC_PROVIDER_NAME},
            status=403,
        )

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        sso.complete_sign_in(self.request, self.user)
        return response


@csrf_exempt
@login_not_required
@never_cache
@require_POST
def back_channel_logout(request: HttpRequest) -> HttpResponse:
    """The provider says a session has ended (OpenID Connect Back-Channel Logout 1.0)."""
    if not sso.enabled():
        raise Http404("Single sign-on is not configured.")
    try:
        sso.back_channel_logout(request, request.POST.get("logout_token", ""))
    except sso.SignInRefused as refusal:
        sso.refuse(request, sso.SignInRefused(f"back-channel logout refused: {refusal.reason}"))
        return JsonResponse({"error": "invalid_request"}, status=400)
    return HttpResponse(status=200)
