"""Single sign-on pages: off to the provider, back from it, its back-channel logout, and a step-up.

The first three open without a portal session (they are how one starts or ends); the step-up
is for someone signed in. All answer 404 while single sign-on is not configured.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from governance.core import sso, step_up


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


class ProviderStepUpView(ProviderSignInView):
    """Sign in again at the provider (``max_age=0``, ``prompt=login``) to confirm one critical step.

    ``next`` is the step's page; its action and record (``step_up.purpose_of_path``) are what
    the proof will be good for, and the person signed in now is the one who must sign in again.
    Only someone who signed in through the provider is sent: others confirm with a key or a code.
    """

    @method_decorator(never_cache)
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Not login_not_required like the sign-in it extends: only someone signed in steps up.
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso.enabled():
            raise Http404("Single sign-on is not configured.")
        user = request.user
        if not user.is_authenticated or not step_up.signed_in_through_provider(request, user):
            raise Http404("You did not sign in through the identity provider.")
        next_url = request.GET.get("next", "")
        purpose = step_up.purpose_of_path(next_url) if next_url.startswith("/") and "//" not in next_url else None
        if purpose is None:
            return HttpResponseBadRequest("The step to confirm is not a page of this portal.")
        self.OIDC_OP_AUTH_ENDPOINT = sso.provider_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        response = super(ProviderSignInView, self).get(request)
        sso.remember_fresh_request(request, response["Location"], purpose=purpose, user=user)
        return response

    @staticmethod
    def fresh(request: HttpRequest) -> bool:
        return True


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
