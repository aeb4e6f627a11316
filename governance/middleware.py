"""Request-wide rules: the client's real address, a correlation id, security
headers, and a verified second factor for every page."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp import user_has_device

from governance.services.audit import correlation

# Pages an authenticated user may open before verifying a second factor:
# signing in, setting up a device (and its QR code) and signing out.
UNVERIFIED_ALLOWED = frozenset({"two_factor:login", "two_factor:setup", "two_factor:qr", "logout"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def client_address(request: HttpRequest) -> str | None:
    """The client's address as established by ``ClientAddressMiddleware`` (used by django-axes)."""
    return request.META.get("REMOTE_ADDR")


def attempted_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The username of a sign-in attempt, for django-axes.

    ``authenticate()`` passes ``username``; the two-factor login's form posts it
    as ``auth-username`` (its wizard step prefix).
    """
    if credentials and credentials.get("username"):
        return credentials["username"]
    return request.POST.get("auth-username") or request.POST.get("username")


class ClientAddressMiddleware:
    """Settle the client's address once, for every later reader (audit, lockout, sign-off evidence).

    ``X-Forwarded-For`` is forgeable by any client, so it is believed only for
    the number of trusted proxies configured (``TRUSTED_PROXY_COUNT``), reading
    from the right; then the header is removed so nothing downstream (django-
    auditlog reads its first value) can be fooled by it. Each request also gets
    a correlation id, carried by every audit entry it writes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.proxies = settings.TRUSTED_PROXY_COUNT

    def __call__(self, request: HttpRequest) -> HttpResponse:
        forwarded = request.META.pop("HTTP_X_FORWARDED_FOR", "")
        if self.proxies and forwarded:
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
            if len(hops) >= self.proxies:
                request.META["REMOTE_ADDR"] = hops[-self.proxies]
        with correlation() as cid:
            request.correlation_id = cid
            response = self.get_response(request)
        response["X-Correlation-ID"] = cid
        return response


class SecurityHeadersMiddleware:
    """A strict content security policy: the portal serves every script and style itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class PortalLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Django's login-required default, always pointing at the portal's one login page.

    The admin names its own login page on its views; that page must not be a
    second way in, so its redirect is replaced with the portal's.
    """

    def get_login_url(self, view_func) -> str:
        return str(settings.LOGIN_URL)


class RequireVerifiedDeviceMiddleware:
    """Every page needs a verified second factor, not only a password.

    Placed after ``LoginRequiredMiddleware`` (which sends anonymous users to the
    login) and ``OTPMiddleware`` (which knows whether this session verified a
    device). An unverified user without a device is sent to set one up; one
    with a device is sent back to the login to enter a code. Only the pages in
    ``UNVERIFIED_ALLOWED`` and views marked ``login_not_required`` open before that.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if not getattr(view_func, "login_required", True):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in UNVERIFIED_ALLOWED:
            return None
        query = urlencode({"next": request.get_full_path()})
        if user_has_device(user, confirmed=True):
            return HttpResponseRedirect(f"{reverse('two_factor:login')}?{query}")
        return HttpResponseRedirect(f"{reverse('two_factor:setup')}?{query}")
