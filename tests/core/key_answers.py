"""A security key's answer to the challenge a page drew, for tests of fresh-proof binding.

With the ``signatures_pass`` fixture (tests/conftest.py) the signature and PIN flag are taken as
right: which page's challenge the answer carries is what the portal must decide on.
"""

from __future__ import annotations

import base64
import json

from django.test import RequestFactory
from django.urls import resolve


def page_request(client, user, url: str):
    """A request for the page at ``url`` in ``client``'s session, as ``user``."""
    request = RequestFactory().post(url, REMOTE_ADDR="10.0.0.9")
    request.session = client.session
    request.user = user
    request.resolver_match = resolve(url)
    return request


def answer_to(form_class, client, user, url: str) -> str:
    """The key's answer to the challenge the page at ``url`` drew into its ``form_class`` form."""
    form = form_class(user=user, http_request=page_request(client, user, url))
    challenge = form.webauthn_options["challenge"]
    form.fresh_request.session.save()
    client_data = json.dumps({"type": "webauthn.get", "challenge": challenge}).encode()
    encoded = base64.urlsafe_b64encode(client_data).decode().rstrip("=")
    return json.dumps({"id": "k", "rawId": "k", "type": "public-key", "response": {"clientDataJSON": encoded}})
