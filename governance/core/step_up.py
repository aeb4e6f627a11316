"""A fresh sign-in at the identity provider as the fresh proof for one critical step.

People who sign in through the department's provider usually hold no portal security key
and no authenticator app: the provider checked their token and PIN. For a critical step
(a release sign-off, a special-category decision, releasing data to a contractor, signing
an assurance return) they sign in again at the provider (``max_age=0``, ``prompt=login``).
The provider's answer is checked like any sign-in (signature, issuer, audience, nonce, the
token proof in ``amr``/``acr``) and its ``auth_time`` must fall after the portal asked.

The proof it leaves is bound like a security key's answer (``core.security.fresh_purpose``):
to the page's action and the record it acts on, to the person, and to a few minutes; it is
used once. A proof asked for removing a key cannot sign a release off, nor sign another
release off. This module keeps the proofs in the session; ``core.sso`` makes them and
``core.security.verify_fresh_second_factor`` takes them.
"""

from __future__ import annotations

import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import Resolver404, resolve

from governance.core.models import User

# Session keys: the provider's sign-in (set by core.sso at sign-in) and the proofs waiting to be used.
SIGNED_IN = "sso_signed_in"
PROOFS = "sso_step_up_proofs"
PURPOSE_PREFIX = "approval"  # core.security.FRESH_PURPOSE: a key's challenges and these share one namespace
USED_PREFIX = "sso-step-up-used:"
MAX_PENDING = 5


def signed_in_through_provider(request: HttpRequest | None, user: User) -> bool:
    """Whether this session began with a sign-in through the provider, for this person."""
    if request is None or not hasattr(request, "session"):
        return False
    signed_in = request.session.get(SIGNED_IN)
    return bool(signed_in) and request.session.get("_auth_user_id") == str(user.pk)


def purpose_of_path(path: str) -> str | None:
    """The fresh purpose of the page at ``path`` (its action and record), as ``fresh_purpose`` names it."""
    try:
        match = resolve(path.split("?", 1)[0])
    except Resolver404:
        return None
    if not match.view_name:
        return None
    return purpose_named(match.view_name, match.kwargs)


def purpose_named(view_name: str, kwargs: dict) -> str:
    """A page's action and the record it acts on: ``approval:releases:sign-off;pk=12``."""
    return f"{PURPOSE_PREFIX}:{view_name}" + "".join(f";{name}={value}" for name, value in sorted(kwargs.items()))


def remember_proof(request: HttpRequest, user: User, *, purpose: str, auth_time: float) -> None:
    """Keep the proof of a fresh sign-in at the provider for ``purpose``, for a few minutes."""
    now = time.time()
    pending = {
        name: proof for name, proof in dict(request.session.get(PROOFS, {})).items() if proof.get("until", 0) > now
    }
    pending[purpose] = {
        "id": secrets.token_urlsafe(16),
        "user": user.pk,
        "auth_time": float(auth_time),
        "until": now + settings.OIDC_STEP_UP_SECONDS,
    }
    while len(pending) > MAX_PENDING:
        pending.pop(min(pending, key=lambda name: pending[name]["until"]))
    request.session[PROOFS] = pending


def proof_waiting(request: HttpRequest | None, user: User, purpose: str) -> dict | None:
    """The unused, unexpired proof for ``purpose`` by ``user`` in this session, if there is one."""
    if request is None or not hasattr(request, "session"):
        return None
    proof = dict(request.session.get(PROOFS, {})).get(purpose)
    if not proof or proof.get("user") != user.pk:
        return None
    now = time.time()
    if proof.get("until", 0) <= now or proof.get("auth_time", 0) < now - settings.OIDC_STEP_UP_SECONDS:
        return None
    return proof


def take_proof(request: HttpRequest, user: User, purpose: str) -> bool:
    """Use the proof for ``purpose``: True once, for the person who signed in again, while it is fresh.

    The proof leaves the session at once; two requests sent together both read the session
    before either saves it, so the shared cache's atomic ``add`` lets only the first use it.
    """
    proof = proof_waiting(request, user, purpose)
    pending = dict(request.session.get(PROOFS, {}))
    if purpose in pending:
        pending.pop(purpose)
        request.session[PROOFS] = pending
        request.session.save()
    if proof is None:
        return False
    return bool(cache.add(f"{USED_PREFIX}{proof['id']}", True, timeout=settings.OIDC_STEP_UP_SECONDS + 60))
