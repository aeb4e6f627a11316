"""A security key's challenge is used once, even by two requests sent at the same moment.

Two requests that share a session both load it before either saves it, so removing the
challenge from the session alone lets both through; the shared cache's atomic add does not.
"""

from __future__ import annotations

import base64
import json
import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from governance.core import webauthn
from governance.core.webauthn import ASSERTION_STATES, KeyRefused

pytestmark = pytest.mark.django_db


def _answer(challenge: str) -> dict:
    client_data = json.dumps({"type": "webauthn.get", "challenge": challenge}).encode()
    return {"response": {"clientDataJSON": base64.urlsafe_b64encode(client_data).decode().rstrip("=")}}


def _request_with(session_key: str):
    request = RequestFactory().post("/")
    request.session = SessionStore(session_key=session_key)
    return request


def test_a_challenge_answered_by_two_requests_at_once_is_accepted_once():
    session = SessionStore()
    session[ASSERTION_STATES] = {"abc123": {"purpose": "approval", "expires": time.time() + 60}}
    session.save()
    first, second = _request_with(session.session_key), _request_with(session.session_key)
    first.session.load(), second.session.load()  # both read the session before either writes it
    first.session[ASSERTION_STATES], second.session[ASSERTION_STATES]

    assert webauthn._take(first, ASSERTION_STATES, _answer("abc123"), "approval")["challenge"] == "abc123"
    with pytest.raises(KeyRefused):
        webauthn._take(second, ASSERTION_STATES, _answer("abc123"), "approval")


def test_a_challenge_for_another_purpose_is_refused():
    request = _request_with(None)
    request.session[ASSERTION_STATES] = {"xyz": {"purpose": "sign-in", "expires": time.time() + 60}}
    with pytest.raises(KeyRefused):
        webauthn._take(request, ASSERTION_STATES, _answer("xyz"), "approval")
