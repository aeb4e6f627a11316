"""WebAuthn ceremonies for security keys, on django-otp-webauthn's helper.

The portal does not route the library's JSON endpoints: each page that needs a key
(sign-in, registration, a high-risk approval) puts the options in the page, the
browser posts the key's answer with the form, and the service that owns the step
verifies it here. So every use of a key passes through the same permission checks,
transactions and security events as the rest of the step, and the page still
works as a plain form.

User verification (the key's PIN or biometric) is required at registration and at
every assertion: the library asks only "discouraged" for a second factor.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django_otp_webauthn import exceptions as library_errors
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from webauthn.helpers import exceptions as webauthn_errors
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

# Challenges waiting for an answer, per session: a few, so two open tabs both work.
ASSERTION_STATES = "security_key_assertions"
REGISTRATION_STATES = "security_key_registrations"
MAX_PENDING = 5


class KeyRefused(Exception):
    """The key's answer was missing, malformed, for another challenge, or did not verify."""


class UserVerifyingHelper(WebAuthnHelper):
    """django-otp-webauthn's helper with the PIN required and the attestation preference from settings.

    Named in ``OTP_WEBAUTHN_HELPER_CLASS``. Credentials need not be resident: a
    second factor is always asked for with the person's own credential list, and
    many hardware keys hold only a few resident credentials.
    """

    def __init__(self, request: HttpRequest, name: str = ""):
        super().__init__(request)
        self.name = name

    def get_discoverable_credentials_preference(self) -> ResidentKeyRequirement:
        return ResidentKeyRequirement.DISCOURAGED

    def get_attestation_conveyance_preference(self) -> AttestationConveyancePreference:
        return AttestationConveyancePreference(settings.WEBAUTHN_ATTESTATION)

    def get_generate_registration_options_kwargs(self, *, user: AbstractBaseUser) -> dict:
        options = super().get_generate_registration_options_kwargs(user=user)
        options["authenticator_selection"] = AuthenticatorSelectionCriteria(
            user_verification=UserVerificationRequirement.REQUIRED,
            resident_key=self.get_discoverable_credentials_preference(),
        )
        return options

    def get_registration_state(self, creation_options: dict) -> dict:
        return {**super().get_registration_state(creation_options), "require_user_verification": True}

    def get_generate_authentication_options_kwargs(
        self, *, user: AbstractBaseUser | None = None, require_user_verification: bool = True
    ) -> dict:
        return super().get_generate_authentication_options_kwargs(user=user, require_user_verification=True)

    def get_authentication_state(self, options: dict) -> dict:
        return {**super().get_authentication_state(options), "require_user_verification": True}

    def create_credential(self, user, response, parsed_credential, original_data):
        device = super().create_credential(user, response, parsed_credential, original_data)
        device.name = self.name[:64]
        return device


def helper_for(request: HttpRequest, name: str = "") -> UserVerifyingHelper:
    return UserVerifyingHelper(request, name=name)


def _remember(request: HttpRequest, key: str, state: dict, purpose: str) -> None:
    pending = dict(request.session.get(key, {}))
    now = int(time.time())
    timeout = settings.OTP_WEBAUTHN_TIMEOUT_SECONDS
    pending = {c: s for c, s in pending.items() if s.get("expires", 0) > now}
    pending[state["challenge"]] = {"purpose": purpose, "expires": now + timeout + 60}
    while len(pending) > MAX_PENDING:
        pending.pop(min(pending, key=lambda c: pending[c]["expires"]))
    request.session[key] = pending


USED_CHALLENGE_PREFIX = "webauthn-challenge-used:"


def _take(request: HttpRequest, key: str, data: dict, purpose: str) -> dict:
    """The state of the challenge this answer signs; removed at once so it is never used twice."""
    try:
        client_data = json.loads(_b64decode(data["response"]["clientDataJSON"]))
        challenge = client_data["challenge"]
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyRefused("malformed") from exc
    pending = dict(request.session.get(key, {}))
    state = pending.pop(challenge, None)
    request.session[key] = pending
    request.session.save()
    if state is None or state["purpose"] != purpose or state["expires"] < time.time():
        raise KeyRefused("unknown challenge")
    # Two requests sent at once both load the session before either saves it: the shared
    # cache's atomic add lets only the first of them use the challenge, on any instance.
    ttl = max(1, int(state["expires"] - time.time()) + 60)
    if not cache.add(f"{USED_CHALLENGE_PREFIX}{challenge}", True, timeout=ttl):
        raise KeyRefused("challenge already used")
    return {"challenge": challenge, "require_user_verification": True}


def _b64decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def parse_answer(raw: str) -> dict[str, Any]:
    """The browser's answer, as posted in the form; a refusal from the browser is a ``KeyRefused``."""
    try:
        data = json.loads(raw or "")
    except ValueError as exc:
        raise KeyRefused("malformed") from exc
    if not isinstance(data, dict):
        raise KeyRefused("malformed")
    if "error" in data:
        raise KeyRefused(f"browser: {str(data['error'])[:60]}")
    return data


def begin_registration(request: HttpRequest, user: AbstractBaseUser) -> dict:
    """Creation options for the browser (the person's existing keys excluded); the challenge is kept."""
    options, state = helper_for(request).register_begin(user=user)
    _remember(request, REGISTRATION_STATES, state, "register")
    return options


def complete_registration(request: HttpRequest, user: AbstractBaseUser, raw: str, name: str) -> WebAuthnCredential:
    """Verify the new credential (user verification included) and save it with its name."""
    data = parse_answer(raw)
    state = _take(request, REGISTRATION_STATES, data, "register")
    try:
        return helper_for(request, name=name).register_complete(user=user, state=state, data=data)
    except (webauthn_errors.WebAuthnException, library_errors.OTPWebAuthnApiError, KeyError, TypeError) as exc:
        raise KeyRefused(type(exc).__name__) from exc


def begin_assertion(request: HttpRequest, user: AbstractBaseUser, purpose: str) -> dict:
    """Request options listing the person's keys, PIN required; the challenge is kept for ``purpose``."""
    options, state = helper_for(request).authenticate_begin(user=user, require_user_verification=True)
    _remember(request, ASSERTION_STATES, state, purpose)
    return options


def complete_assertion(request: HttpRequest, user: AbstractBaseUser, raw: str, purpose: str) -> WebAuthnCredential:
    """The key that signed this page's challenge for ``purpose``, with the PIN verified.

    Raises ``KeyRefused`` for anything else: another person's key, a replayed or
    unknown challenge, a missing user-verification flag, a bad signature.
    """
    data = parse_answer(raw)
    state = _take(request, ASSERTION_STATES, data, purpose)
    try:
        with transaction.atomic():
            # The key's row (its signature counter) is locked while the answer is checked and
            # the counter moved, so concurrent answers from one key take turns.
            list(WebAuthnCredential.objects.select_for_update().filter(user=user).values_list("pk", flat=True))
            device = helper_for(request).authenticate_complete(user=user, state=state, data=data)
    except (webauthn_errors.WebAuthnException, library_errors.OTPWebAuthnApiError, KeyError, TypeError) as exc:
        raise KeyRefused(type(exc).__name__) from exc
    if not device.confirmed or not device.user.is_active:
        raise KeyRefused("disabled")
    return device
