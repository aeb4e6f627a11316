"""Request-wide rules: the client's real address, a correlation id, security
headers, and a verified second factor for every page."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp import user_has_device

from governance.core import sso
from governance.core.audit import correlation
from governance.core.logging_json import loggable_path
from governance.core.security import has_security_key
from governance.core.security_keys import must_use_security_key
from governance.operations.metrics import observe_request

# Pages an authenticated user may open before verifying a second factor:
# signing in, setting up a device (and its QR code) and signing out.
UNVERIFIED_ALLOWED = frozenset({"two_factor:login", "two_factor:setup", "two_factor:qr", "logout"})
# The API's endpoints (not its schema and documentation, which are pages) answer for
# themselves in JSON: a token is checked there, and a session only once it is verified.
API_NAMESPACE = "api"
# SCIM provisioning answers for itself too, with a SCIM token only (governance/core/scim_auth.py).
SCIM_NAMESPACE = "scim"
TOKEN_SCHEMES = ("bearer ", "token ")


def is_api_endpoint(request: HttpRequest) -> bool:
    match = request.resolver_match
    return match is not None and match.namespaces[:1] in ([API_NAMESPACE], [SCIM_NAMESPACE])


def presents_token(request: HttpRequest) -> bool:
    return request.META.get("HTTP_AUTHORIZATION", "")[:7].lower().startswith(TOKEN_SCHEMES)


# Pages a verified user whose role requires a security key may open before adding one.
KEY_ENROLMENT_ALLOWED = frozenset({"two_factor:key_add", "logout"})
# Accounts outside the department (a contract's researchers) open their own section (``outputs``)
# and these pages only: their account's security, and the pages about the portal.
EXTERNAL_NAMESPACES = frozenset({"outputs"})
EXTERNAL_ALLOWED = frozenset(
    {
        "logout",
        "about",
        "accessibility",
        "two_factor:login",
        "two_factor:setup",
        "two_factor:qr",
        "two_factor:setup_complete",
        "two_factor:backup_tokens",
        "two_factor:profile",
        "two_factor:key_add",
        "two_factor:key_remove",
    }
)
# Set in the session once this sign-in has passed the key rule (the user's id), so the rule
# costs its queries once per sign-in, not on every page.
KEY_RULE_PASSED = "security_key_rule_passed"

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
            request.correlation_id = cid  # type: ignore[attr-defined]  # our attribute, set on Django's request
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

    def process_view(self, request, view_func, view_args, view_kwargs):
        if is_api_endpoint(request):
            return None  # answered by the API: 401 in JSON, not a redirect to a login page
        return super().process_view(request, view_func, view_args, view_kwargs)


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
        api = is_api_endpoint(request)
        if api and presents_token(request):
            return None  # the token is the credential; the session (if any) is not used
        user = request.user
        if not user.is_authenticated:
            return None
        # REST framework marks its views login_not_required (they answer 401 themselves);
        # a signed-in session on them still needs its second factor.
        if not api and not getattr(view_func, "login_required", True):
            return None
        if user.is_verified():
            if getattr(user, "is_external", False):
                answer = self.external_pages_only(request)
                if answer is not None:
                    return answer
            return self.require_key(request, user)
        match = request.resolver_match
        if match is not None and match.view_name in UNVERIFIED_ALLOWED:
            return None
        query = urlencode({"next": request.get_full_path()})
        if user_has_device(user, confirmed=True):
            return HttpResponseRedirect(f"{reverse('two_factor:login')}?{query}")
        return HttpResponseRedirect(f"{reverse('two_factor:setup')}?{query}")

    def external_pages_only(self, request: HttpRequest) -> HttpResponse | None:
        """A researcher's home is their outputs; every page not made for them is refused."""
        match = request.resolver_match
        if match is None:
            return None
        if match.view_name == "home":
            return HttpResponseRedirect(reverse("outputs:mine"))
        if match.namespace in EXTERNAL_NAMESPACES or match.view_name in EXTERNAL_ALLOWED:
            return None
        raise PermissionDenied("Researchers can open only their contract's outputs and data-handling terms.")

    def require_key(self, request: HttpRequest, user) -> HttpResponse | None:
        """A person whose role requires a security key adds one before any other page opens.

        The role is read once per sign-in: a role given during a session applies from
        the next sign-in. Removing the last key while the role requires one is refused
        by ``core.security_keys.remove_key``.
        """
        if request.session.get(KEY_RULE_PASSED) == user.pk:
            return None
        if request.session.get(sso.TOKEN_PROOF) == user.pk:
            return None  # signed in through the provider with the token and PIN it requires
        if has_security_key(user) or not must_use_security_key(user):
            request.session[KEY_RULE_PASSED] = user.pk
            return None
        match = request.resolver_match
        if match is not None and match.view_name in KEY_ENROLMENT_ALLOWED:
            return None
        return HttpResponseRedirect(reverse("two_factor:key_add"))


# Probes and scrapes arrive every few seconds: counted in the metrics, not logged.
QUIET_VIEWS = frozenset({"health-live", "health-ready", "metrics"})
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
request_logger = logging.getLogger("custodian.requests")


class RequestObserverMiddleware:
    """One log line and one metric observation per request: view, status and duration.

    Placed just inside ``ClientAddressMiddleware``, so the line carries the request's
    correlation id. The person is named by numeric id only; the path is logged
    without its query string and with credentials redacted (``logging_json``).
    Metrics are labelled by view name, never by raw path, so their number stays fixed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or "unnamed") if match is not None else "unresolved"
        method = request.method if request.method in KNOWN_METHODS else "OTHER"
        observe_request(view, method, response.status_code, elapsed)
        if view not in QUIET_VIEWS:
            user = getattr(request, "user", None)
            path = loggable_path(request)
            request_logger.info(
                "%s %s %s %.1fms",
                method,
                path,
                response.status_code,
                elapsed * 1000,
                extra={
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                    "method": method,
                    "path": path,
                    "view": view,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
        return response


ACTIVITY_KEY = "_last_activity"


class SessionActivityMiddleware:
    """Sign out after ``SESSION_IDLE_SECONDS`` without a request, writing the session at most once a minute.

    Saving the session on every request (``SESSION_SAVE_EVERY_REQUEST``) cost
    three queries a page just to move its expiry. Instead the time of each
    request is kept in the cache (shared by every web instance) and written
    into the session itself only when the stored time is
    ``SESSION_ACTIVITY_WRITE_SECONDS`` old. The stored session lives that much
    longer than the idle timeout (``SESSION_COOKIE_AGE``), and this middleware
    ends it exactly at the idle timeout, from the later of the two times.
    Placed straight after ``SessionMiddleware``, before anything reads the user.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.idle = settings.SESSION_IDLE_SECONDS
        self.write_every = settings.SESSION_ACTIVITY_WRITE_SECONDS

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if session.session_key is not None:
            self._touch(session, now=int(time.time()))
        return self.get_response(request)

    def _touch(self, session, *, now: int) -> None:
        key = f"session-activity:{session.session_key}"
        written = session.get(ACTIVITY_KEY)
        if written is None:  # a session from before this middleware, or one just signed in
            session[ACTIVITY_KEY] = now
            cache.set(key, now, timeout=self.idle + self.write_every)
            return
        seen = max(written, cache.get(key) or 0)
        if now - seen > self.idle:
            session.flush()  # signed out: the rest of the request sees an anonymous user
            cache.delete(key)
            return
        cache.set(key, now, timeout=self.idle + self.write_every)
        if now - written >= self.write_every:
            session[ACTIVITY_KEY] = now  # modified: SessionMiddleware saves it, moving its expiry on
