"""Single sign-on with the department's OpenID Connect provider (Entra ID or any certified provider).

Built on mozilla-django-oidc (authorization code flow with PKCE, state and nonce), whose
backend is hardened here because on its own it checks neither the ID token's issuer and
audience nor ``auth_time``, reads claims from the userinfo endpoint only and matches people
by email. Here:

* the ID token is verified against the provider's published keys (RS256 only): issuer
  (tenant-specific for Entra ID), audience (and ``azp`` when there are several), expiry and
  issue time with a bounded clock skew, the nonce, and the tenant when one is configured;
* claims are read from the verified ID token, never from userinfo;
* the token proof is required: every ``OIDC_REQUIRED_AMR`` value in ``amr`` and, when set,
  ``acr`` one of ``OIDC_REQUIRED_ACR``; a fresh sign-in asked for (``max_age=0``) must
  carry an ``auth_time`` after it was asked;
* a person is found by the provider's stable subject (``User.oidc_subject``); someone
  unknown is refused;
* the provider's groups set the portal groups named in ``OIDC_GROUP_ROLES`` at every sign-in.

Every refusal is a security event with its reason. Endpoints come from the issuer's
discovery document (cached), so only the issuer and the client are configured.
"""

from __future__ import annotations

import hmac
import time
from importlib import import_module
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django_otp import login as otp_login
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from governance.core.audit import acting_as, system_user
from governance.core.audit_hashing import reason, through_channel
from governance.core.models import IdentityProviderDevice, LogoutTokenUse, ProviderSession, SecurityEvent, User
from governance.core.permissions import forget_permissions
from governance.core.security import record_event
from governance.core.step_up import SIGNED_IN, remember_proof

ALGORITHM = "RS256"
METADATA_SECONDS = 3600
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
# Session keys: the sign-in through the provider (its sid and ID token, for logging out there:
# ``step_up.SIGNED_IN``), the person whose sign-in carried the token proof, and the fresh
# sign-ins asked for (by state: when, and for a step-up, by whom and for which step).
TOKEN_PROOF = "sso_token_proof"  # noqa: S105 - a session key's name
FRESH_ASKED = "sso_fresh_asked"

REFUSED = "We could not sign you in with {provider}. Try again, or contact the IT service desk."
UNKNOWN_PERSON = (
    "Your account is not set up in {portal}. Ask your line manager to request access, or contact the "
    "IT service desk and give them the time you tried to sign in."
)
NO_TOKEN_PROOF = (
    "You need to sign in with your security token and its PIN. Sign out of {provider}, then sign in "  # noqa: S105 - a message
    "again using your token."
)


class SignInRefused(Exception):
    """A sign-in through the provider refused: ``reason`` for the security event, ``message`` for the person."""

    def __init__(self, reason: str, message: str = REFUSED, *, user: User | None = None, username: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.user = user
        self.username = username

    def message_for_person(self) -> str:
        return self.message.format(provider=settings.OIDC_PROVIDER_NAME, portal=settings.PORTAL_NAME)


def enabled() -> bool:
    return bool(settings.OIDC_ENABLED)


# --- the provider's discovery document and keys -------------------------------------------


def _get_json(url: str) -> dict:
    response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
    response.raise_for_status()
    return response.json()


def metadata() -> dict:
    """The issuer's discovery document, cached; its ``issuer`` must be the one configured."""
    issuer = settings.OIDC_OP_ISSUER
    url = settings.OIDC_OP_DISCOVERY_URL or issuer.rstrip("/") + "/.well-known/openid-configuration"
    key = f"sso:metadata:{url}"
    document = cache.get(key)
    if document is None:
        document = _get_json(url)
        if document.get("issuer") != issuer:
            raise ImproperlyConfigured(f"The discovery document at {url} names another issuer than OIDC_ISSUER.")
        cache.set(key, document, METADATA_SECONDS)
    return document


def _jwks(*, refresh: bool) -> list[dict]:
    url = metadata()["jwks_uri"]
    key = f"sso:jwks:{url}"
    keys = None if refresh else cache.get(key)
    if keys is None:
        keys = _get_json(url).get("keys", [])
        cache.set(key, keys, METADATA_SECONDS)
    return keys


def signing_key(token: str) -> jwt.PyJWK:
    """The provider's RSA key that signed ``token``, by its ``kid``; the keys are fetched again once if unknown."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise SignInRefused("the token is not a signed JWT") from None
    if header.get("alg") != ALGORITHM:
        raise SignInRefused(f"the token is signed with {str(header.get('alg'))[:20]!r}, not {ALGORITHM}")
    kid = header.get("kid")
    for refresh in (False, True):
        for jwk in _jwks(refresh=refresh):
            if jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig" or jwk.get("alg", ALGORITHM) != ALGORITHM:
                continue
            if kid is None or jwk.get("kid") == kid:
                return jwt.PyJWK(jwk, algorithm=ALGORITHM)
    raise SignInRefused("the token is signed with a key the provider does not publish")


def decode(token: str, *, purpose: str, require: list[str]) -> dict:
    """Verify signature, issuer, audience, expiry and issue time (bounded skew); return the claims."""
    key = signing_key(token)
    skew = settings.OIDC_CLOCK_SKEW_SECONDS
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=settings.OIDC_RP_CLIENT_ID,
            issuer=settings.OIDC_OP_ISSUER,
            leeway=skew,
            options={"require": require},
        )
    except jwt.ExpiredSignatureError:
        raise SignInRefused(f"the {purpose} has expired") from None
    except jwt.InvalidAudienceError:
        raise SignInRefused(f"the {purpose} is for another audience") from None
    except jwt.InvalidIssuerError:
        raise SignInRefused(f"the {purpose} is from another issuer") from None
    except jwt.ImmatureSignatureError:
        raise SignInRefused(f"the {purpose} is dated in the future") from None
    except jwt.InvalidSignatureError:
        raise SignInRefused(f"the {purpose}'s signature does not match") from None
    except jwt.PyJWTError as exc:
        raise SignInRefused(f"the {purpose} is not valid ({type(exc).__name__})") from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != settings.OIDC_RP_CLIENT_ID:
        raise SignInRefused(f"the {purpose} was issued to another party (azp)")
    if not isinstance(claims.get("iat"), int | float) or claims["iat"] < time.time() - (
        settings.OIDC_ID_TOKEN_MAX_AGE_SECONDS + skew
    ):
        raise SignInRefused(f"the {purpose} was issued too long ago")
    return claims


def verify_id_token(token: str, nonce: str | None) -> dict:
    if not token:
        raise SignInRefused("the provider's answer has no ID token")
    claims = decode(token, purpose="ID token", require=["iss", "aud", "exp", "iat", "sub"])
    if not nonce or not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise SignInRefused("the ID token's nonce does not match this sign-in")
    if settings.OIDC_TENANT_ID and claims.get("tid") != settings.OIDC_TENANT_ID:
        raise SignInRefused("the ID token is from another tenant")
    if not claims.get(settings.OIDC_SUBJECT_CLAIM):
        raise SignInRefused(f"the ID token has no {settings.OIDC_SUBJECT_CLAIM} claim")
    return claims


def check_token_proof(claims: dict) -> None:
    """The provider says the person used their token and PIN: the amr (and acr) values required."""
    amr = claims.get("amr") or []
    amr = [amr] if isinstance(amr, str) else list(amr)
    missing = [value for value in settings.OIDC_REQUIRED_AMR if value not in amr]
    if missing:
        raise SignInRefused(
            f"the sign-in lacks the required amr {', '.join(missing)} (given: {', '.join(map(str, amr)) or 'none'})",
            NO_TOKEN_PROOF,
        )
    if settings.OIDC_REQUIRED_ACR:
        # acr is one value; Entra ID's authentication contexts arrive as a list in acrs.
        given_acr = claims.get(settings.OIDC_ACR_CLAIM)
        values = [str(v) for v in given_acr] if isinstance(given_acr, list) else [str(given_acr or "")]
        if not set(values) & set(settings.OIDC_REQUIRED_ACR):
            raise SignInRefused(
                f"the sign-in's {settings.OIDC_ACR_CLAIM} {', '.join(values)[:60]!r} is not one required",
                NO_TOKEN_PROOF,
            )


def check_freshness(claims: dict, asked_at: float | None) -> None:
    """A fresh sign-in was asked for (max_age=0): the provider must have authenticated the person since."""
    if asked_at is None:
        return
    auth_time = claims.get("auth_time")
    if not isinstance(auth_time, int | float):
        raise SignInRefused("a fresh sign-in was asked for but the ID token has no auth_time")
    if auth_time < asked_at - settings.OIDC_CLOCK_SKEW_SECONDS:
        raise SignInRefused("a fresh sign-in was asked for but the provider reused an earlier one (auth_time)")


# --- people and their roles ------------------------------------------------------------


def _channel(claims: dict) -> Any:
    return through_channel({"via": "identity_provider", "issuer": str(claims.get("iss", ""))[:200]})


def find_person(claims: dict) -> User:
    """The person with the provider's subject; linked once by ``OIDC_LINK_CLAIM`` if configured."""
    subject = str(claims[settings.OIDC_SUBJECT_CLAIM])
    user = User.objects.filter(oidc_subject=subject).first()
    link_name = str(claims.get(settings.OIDC_LINK_CLAIM) or "") if settings.OIDC_LINK_CLAIM else ""
    if user is None and link_name:
        with transaction.atomic():
            candidate = (
                User.objects.select_for_update()
                .filter(username__iexact=link_name, oidc_subject__isnull=True, is_system=False)
                .first()
            )
            if candidate is not None:
                with acting_as(system_user()), _channel(claims), reason("Linked to the identity provider at sign-in"):
                    candidate.oidc_subject = subject
                    candidate.save(update_fields=["oidc_subject"])
                user = candidate
    if user is None:
        raise SignInRefused(
            f"no person has the provider subject {subject[:80]}", UNKNOWN_PERSON, username=link_name[:150]
        )
    if not user.is_active or user.is_system:
        raise SignInRefused("the account is not active", UNKNOWN_PERSON, user=user)
    return user


def apply_provider_groups(user: User, claims: dict) -> None:
    """Give and take away the mapped portal groups to match the provider's groups, each change audited."""
    mapping: dict[str, str] = settings.OIDC_GROUP_ROLES
    if not mapping:
        return
    if settings.OIDC_GROUPS_CLAIM in (claims.get("_claim_names") or {}):
        raise SignInRefused(
            "the provider sent too many groups to list (group overage): assign groups to the application",
            user=user,
        )
    given = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    given = [given] if isinstance(given, str) else list(given)
    wanted = {mapping[group] for group in given if group in mapping}
    managed = {group.name: group for group in Group.objects.filter(name__in=set(mapping.values()))}
    held = set(user.groups.filter(name__in=managed).values_list("name", flat=True))
    gone = [managed[name] for name in held - wanted]
    new = [managed[name] for name in wanted - held if name in managed]
    if not gone and not new:
        return
    with (
        transaction.atomic(),
        acting_as(system_user()),
        _channel(claims),
        reason("Roles from the identity provider's groups at sign-in"),
    ):
        if gone:
            user.groups.remove(*gone)  # only these: never clear()
        if new:
            user.groups.add(*new)
    forget_permissions(user)


def provider_setting(attr: str, *args: Any) -> Any:
    """mozilla-django-oidc's settings, with the provider's endpoints read from its discovery document."""
    endpoints = {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
        "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
        "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
        "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    }
    if attr in endpoints:
        return metadata()[endpoints[attr]]
    if attr == "OIDC_CREATE_USER":
        return False  # people come from the HR import or SCIM, never from a first sign-in
    return import_from_settings(attr, *args)


class ProviderBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, answering only the provider's callback, with every check above.

    It grants no permissions of its own (``ModelBackend`` and guardian do that).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django builds every backend for every sign-in: read nothing from the provider here.
        self.UserModel = get_user_model()
        self.OIDC_RP_SIGN_ALGO = ALGORITHM

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return provider_setting("OIDC_OP_TOKEN_ENDPOINT")

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return settings.OIDC_RP_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:
        return settings.OIDC_RP_CLIENT_SECRET

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return provider_setting(attr, *args)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        if not enabled() or request is None or "nonce" not in kwargs:
            return None  # a password sign-in, or single sign-on switched off
        try:
            return super().authenticate(request, **kwargs)
        except SignInRefused as refusal:
            refuse(request, refusal)
        except (requests.RequestException, ValueError, KeyError, ImproperlyConfigured) as exc:
            refuse(request, SignInRefused(f"the provider could not be asked ({type(exc).__name__})"))
        return None

    def verify_token(self, token: str, **kwargs: Any) -> dict:
        return verify_id_token(token, kwargs.get("nonce"))

    def get_userinfo(self, access_token: str, id_token: str, payload: dict) -> dict:
        """The verified ID token's claims: amr, acr, auth_time and sid are only there."""
        self.request.sso_id_token = id_token
        return payload

    def verify_claims(self, claims: dict) -> bool:
        check_token_proof(claims)
        state = self.request.GET.get("state", "")
        asked = self.request.session.get(FRESH_ASKED, {}).get(state)
        check_freshness(claims, asked["at"] if asked else None)
        self.request.sso_fresh_asked = asked
        return True

    def filter_users_by_claims(self, claims: dict):
        return self.UserModel.objects.filter(pk=find_person(claims).pk)

    def update_user(self, user: User, claims: dict) -> User:
        asked = getattr(self.request, "sso_fresh_asked", None) or {}
        if asked.get("user") is not None and asked["user"] != user.pk:
            # A step-up asked by one person and answered by another: never a proof, never a sign-in.
            raise SignInRefused("the fresh sign-in asked for a step was made by another person", user=user)
        apply_provider_groups(user, claims)
        self.request.sso_claims = claims
        return user

    # Permissions come from ModelBackend and guardian, not from this backend.
    def get_user_permissions(self, user_obj, obj=None) -> set:
        return set()

    def get_group_permissions(self, user_obj, obj=None) -> set:
        return set()

    def get_all_permissions(self, user_obj, obj=None) -> set:
        return set()

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return False

    def has_module_perms(self, user_obj, app_label) -> bool:
        return False


def refuse(request: HttpRequest, refusal: SignInRefused) -> None:
    """Record the refusal as a security event and keep it on the request for the page that explains it."""
    request.sso_refusal = refusal  # type: ignore[attr-defined]
    record_event(
        SecurityEvent.Kind.SSO_REFUSED,
        request=request,
        user=refusal.user,
        username=refusal.username,
        detail=refusal.reason,
    )


# --- after the sign-in ---------------------------------------------------------------------


def remember_fresh_request(
    request: HttpRequest, authorize_url: str, *, purpose: str | None = None, user: User | None = None
) -> None:
    """Note when a fresh sign-in (max_age=0) was asked for, under the request's state.

    A step-up also notes the step it is for (``purpose``) and the person asking: the answer
    becomes a proof for that step only, and only if that person signed in again.
    """
    state = parse_qs(urlparse(authorize_url).query).get("state", [""])[0]
    asked = dict(request.session.get(FRESH_ASKED, {}))
    asked[state] = {"at": time.time(), "purpose": purpose, "user": user.pk if user is not None else None}
    request.session[FRESH_ASKED] = dict(list(asked.items())[-10:])


def complete_sign_in(request: HttpRequest, user: User) -> None:
    """After ``login``: the provider's sign-in is the verified second factor, recorded and indexed for logout."""
    claims: dict = getattr(request, "sso_claims", {})
    device = IdentityProviderDevice.objects.filter(user=user).first()
    if device is None:
        with acting_as(user, remote_addr=request.META.get("REMOTE_ADDR")):
            device = IdentityProviderDevice.objects.create(user=user, name="identity provider", confirmed=True)
    otp_login(request, device)
    if settings.OIDC_REQUIRED_AMR or settings.OIDC_REQUIRED_ACR:
        request.session[TOKEN_PROOF] = user.pk  # the provider checked the token and PIN
    request.session[SIGNED_IN] = {"sid": claims.get("sid", ""), "id_token": getattr(request, "sso_id_token", "")}
    if request.session.session_key is None:
        request.session.save()
    ProviderSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "issuer": str(claims.get("iss", "")),
            "subject": str(claims.get("sub", "")),
            "sid": str(claims.get("sid", "")),
        },
    )
    amr = claims.get("amr") or []
    detail = f"amr {' '.join(map(str, amr)) or 'none'}; acr {claims.get('acr') or 'none'}"
    asked = getattr(request, "sso_fresh_asked", None) or {}
    if asked.get("purpose"):
        # check_freshness has seen auth_time after the ask; the proof keeps it for its own expiry.
        remember_proof(request, user, purpose=asked["purpose"], auth_time=float(claims["auth_time"]))
        detail = f"signed in again for {asked['purpose'][:200]}; {detail}"
    record_event(SecurityEvent.Kind.SSO_VERIFIED, request=request, user=user, detail=detail)


def end_session_url(request: HttpRequest) -> str | None:
    """Where to send someone signing out who signed in through the provider (RP-initiated logout)."""
    signed_in = request.session.get(SIGNED_IN)
    if not signed_in or not enabled():
        return None
    try:
        endpoint = metadata().get("end_session_endpoint")
    except (requests.RequestException, ValueError, ImproperlyConfigured):
        return None
    if not endpoint:
        return None
    params = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("two_factor:login")),
    }
    if signed_in.get("id_token"):
        params["id_token_hint"] = signed_in["id_token"]
    return f"{endpoint}?{urlencode(params)}"


def forget_session(session_key: str | None) -> None:
    if session_key:
        ProviderSession.objects.filter(session_key=session_key).delete()


# --- back-channel logout --------------------------------------------------------------------


def verify_logout_token(token: str) -> dict:
    """A back-channel logout token: signed by the provider, for this client, a logout event, sid or sub, no nonce."""
    claims = decode(token, purpose="logout token", require=["iss", "aud", "iat", "jti", "events"])
    events = claims.get("events")
    if not isinstance(events, dict) or BACKCHANNEL_EVENT not in events:
        raise SignInRefused("the logout token has no back-channel logout event")
    if "nonce" in claims:
        raise SignInRefused("the logout token carries a nonce")
    if not claims.get("sid") and not claims.get("sub"):
        raise SignInRefused("the logout token names neither a session nor a person")
    return claims


def back_channel_logout(request: HttpRequest, token: str) -> int:
    """End the portal sessions the provider says have ended; refuse a token used before. Returns how many."""
    claims = verify_logout_token(token)
    try:
        with transaction.atomic():
            LogoutTokenUse.objects.create(issuer=claims["iss"], jti=str(claims["jti"])[:255])
    except IntegrityError:
        raise SignInRefused("the logout token was used before (replay)") from None
    sessions = ProviderSession.objects.filter(issuer=claims["iss"])
    if claims.get("sid"):
        sessions = sessions.filter(sid=claims["sid"])
        if claims.get("sub"):
            sessions = sessions.filter(subject=claims["sub"])
    else:
        sessions = sessions.filter(subject=claims["sub"])
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for row in list(sessions.select_related("user")):
        store(session_key=row.session_key).delete()
        row.delete()
        record_event(SecurityEvent.Kind.SSO_LOGGED_OUT, request=request, user=row.user)
        ended += 1
    return ended
