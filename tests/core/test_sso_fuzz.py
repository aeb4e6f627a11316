"""The single sign-on endpoints under malformed and hostile input, against the real test provider.

A bounded property-based run (Hypothesis, a fixed seed, a few dozen examples per endpoint): whatever
arrives at the sign-in start, the provider's callback, the step-up and the back-channel logout, the
portal answers with a refusal or a redirect, never a server error, never signs anyone in, and never
sends the browser anywhere but the portal or the provider.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.sso_provider import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("oidc_provider")]

BOUNDED = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples every run
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text as a hostile client sends it: control characters, quotes, long strings, URLs elsewhere.
TEXT = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        [
            "",
            "\x00",
            "https://evil.example/",
            "//evil.example/path",
            "/\\evil.example",
            "javascript:alert(1)",
            "a" * 5000,
            "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
            "%00%0d%0aSet-Cookie:x=1",
        ]
    ),
)
CALLBACK_PARAMS = st.dictionaries(
    st.sampled_from(["code", "state", "error", "error_description", "session_state", "iss", "next", "x"]),
    TEXT,
    max_size=5,
)


def _stays_home(response, provider) -> None:
    """A redirect goes to the portal itself or to the provider, nowhere else."""
    if response.status_code in (301, 302, 303, 307, 308):
        target = response["Location"]
        parsed = urlparse(target)
        assert not parsed.netloc or target.startswith(provider.issuer), target


def _nobody_signed_in(client) -> None:
    assert "_auth_user_id" not in client.session


@BOUNDED
@given(params=CALLBACK_PARAMS, started=st.booleans())
def test_the_callback_refuses_whatever_it_is_sent(sso, client, params, started):
    client.cookies.clear()
    if started:  # a sign-in really started here, so the session holds a state and a nonce
        assert client.get(reverse("sso:start")).status_code == 302
    response = client.get(reverse("sso:callback"), params)
    assert response.status_code < 500
    _stays_home(response, sso)
    _nobody_signed_in(client)


@BOUNDED
@given(next_url=TEXT, fresh=st.sampled_from(["", "1", "yes", "\x00"]))
def test_the_sign_in_start_only_ever_sends_to_the_provider(sso, client, next_url, fresh):
    response = client.get(reverse("sso:start"), {"next": next_url, "fresh": fresh})
    assert response.status_code < 500
    _stays_home(response, sso)


@BOUNDED
@given(token=TEXT, extra=st.dictionaries(st.sampled_from(["logout_token", "sid", "x"]), TEXT, max_size=2))
def test_the_back_channel_logout_refuses_what_is_not_a_logout_token(sso, token, extra):
    response = Client().post(reverse("sso:back_channel_logout"), {"logout_token": token, **extra})
    assert response.status_code == 400


@BOUNDED
@given(params=CALLBACK_PARAMS)
def test_the_step_up_answers_a_signed_in_person_without_error(sso, alice, client, params):
    if "_auth_user_id" not in client.session:  # signed in once; the examples share the session
        assert sign_in(client, sso, "subject-alice").status_code == 302
    response = client.get(reverse("sso:step_up"), params)
    assert response.status_code < 500
    _stays_home(response, sso)
